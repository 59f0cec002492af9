"""Run every benchmark and, optionally, write the combined Markdown report.

Usage::

    python benchmarks/run.py [--scale S] [--only NAME ...] [--out FILE]

Every ``benchmarks/bench_*.py`` module is imported by path, in name order, just
before it runs, and its ``main(scale)`` is called; its own printing goes to
the terminal as usual and is captured at the same time.  A module that fails
to import, or whose ``main`` raises, is reported and skipped, and the exit
status is then 1.  The machine line (platform, CPUs, library and peer
versions, load average) is printed once at the start; each benchmark's
section also records the load average before and after it and the solver
backends registered when it started (importing a module may register more,
e.g. ``semiring_ad.backends``, and later benchmarks then see them).

``--out benchmarks/RESULTS.md`` writes the report: one heading per benchmark
holding its captured output, plus the command that regenerates the file.  The
documentation includes that file, so it contains no relative links.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # pin BLAS/OpenMP threads before any benchmark imports NumPy
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import platform
import re
import shlex
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run from a source checkout: import the package next to benchmarks/
    sys.path.insert(0, str(ROOT))

LIBRARIES = ("numpy", "scipy", "networkx", "sympy")
PEERS = ("micrograd", "autograd", "torch", "jax")


@dataclass
class Section:
    """One benchmark's run: its captured output and how it went."""

    name: str
    status: str = "ok"
    output: str = ""
    seconds: float = 0.0
    load_before: str = ""
    load_after: str = ""
    backends: list[str] = field(default_factory=list)
    summary: str = ""


class Tee(io.TextIOBase):
    """A text stream writing to ``stream`` and keeping a copy.

    Parameters
    ----------
    stream : text stream
        Where the output still goes (the terminal).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        """Write ``text`` to the stream and to the copy."""
        self.stream.write(text)
        return self.copy.write(text)

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.stream.flush()

    def getvalue(self) -> str:
        """Everything written so far."""
        return self.copy.getvalue()


def discover(directory: Path = HERE) -> list[str]:
    """The benchmark module names (``bench_*.py``) in ``directory``, sorted.

    Parameters
    ----------
    directory : Path
        Where to look.

    Returns
    -------
    list of str
        Module names without ``.py``.
    """
    return sorted(p.stem for p in directory.glob("bench_*.py"))


def select(available: Sequence[str], only: Sequence[str] | None) -> list[str]:
    """The benchmarks named by ``--only`` (``bench_peers`` or just ``peers``), in run order.

    Parameters
    ----------
    available : sequence of str
        From :func:`discover`.
    only : sequence of str or None
        Requested names; ``None`` or empty selects all.

    Returns
    -------
    list of str
        The selected module names, in the order of ``available``.

    Raises
    ------
    SystemExit
        If a requested name matches no module (the message lists them).
    """
    if not only:
        return list(available)
    wanted = {n.removesuffix(".py") for n in only}
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in wanted}
    unknown = sorted(wanted - set(available))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}")
    return [n for n in available if n in wanted]


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``n/a`` where the platform has none.

    Returns
    -------
    str
        Three numbers separated by spaces.
    """
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def machine_line() -> str:
    """Platform, CPU count, Python, library and peer versions, and the load average, in one line.

    Versions come from the installed distributions' metadata, so nothing is imported.

    Returns
    -------
    str
        The line, starting with ``machine:``.
    """
    libs = ", ".join(f"{n} {_version(n)}" for n in LIBRARIES)
    peers = ", ".join(f"{n} {_version(n)}" for n in PEERS)
    import semiring_ad

    return (
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {libs}, "
        f"semiring_ad {semiring_ad.__version__}; peers: {peers}; load average {load_average()}"
    )


def _backends() -> list[str]:
    from semiring_ad.core.solver import BACKENDS

    return sorted(BACKENDS)


def load_module(name: str, directory: Path = HERE) -> Any:
    """Import ``directory/name.py`` by path, under its own name.

    Parameters
    ----------
    name : str
        Module name (file stem).
    directory : Path
        The benchmarks directory.

    Returns
    -------
    module
        The executed module.
    """
    spec = importlib.util.spec_from_file_location(name, directory / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {name} from {directory}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def run_one(name: str, scale: float, directory: Path = HERE) -> Section:
    """Import benchmark ``name`` and run its ``main(scale)``, printing and capturing its output.

    Parameters
    ----------
    name : str
        Module name.
    scale : float
        Passed to ``main``.
    directory : Path
        The benchmarks directory.

    Returns
    -------
    Section
        Status ``ok``, ``import failed`` or ``failed``, with the captured output.
    """
    section = Section(name, load_before=load_average(), backends=_backends())
    print(f"\n## {name}\n", flush=True)
    tee = Tee(sys.stdout)
    start = time.perf_counter()
    with contextlib.redirect_stdout(tee):
        try:
            module = load_module(name, directory)
            section.summary = _summary(module)
        except Exception as exc:
            section.status = "import failed"
            print(f"skipped: `{name}` failed to import: {type(exc).__name__}: {exc}")
        else:
            try:
                if not callable(getattr(module, "main", None)):
                    raise AttributeError(f"{name} has no main(scale) function")
                module.main(scale)
            except Exception as exc:
                section.status = "failed"
                print(f"\nFAILED: {type(exc).__name__}: {exc}")
                traceback.print_exc(file=sys.stderr)
    section.seconds = time.perf_counter() - start
    section.output = tee.getvalue()
    section.load_after = load_average()
    print(f"\n({name}: {section.status}, {section.seconds:.1f} s; load average before {section.load_before}, "
          f"after {section.load_after})", flush=True)
    return section


def _summary(module: Any) -> str:
    doc = (module.__doc__ or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ") if doc else ""


def _is_table(line: str) -> bool:
    return line.lstrip().startswith("|")


def _is_list(line: str) -> bool:
    return re.match(r"\s*(?:[-*+]|\d+[.)])\s", line) is not None


def as_markdown(text: str) -> str:
    """Captured output as Markdown: every plain line its own paragraph; tables and lists kept together.

    Parameters
    ----------
    text : str
        A benchmark's printed output.

    Returns
    -------
    str
        The same lines, with blank lines where Markdown needs them.
    """
    out: list[str] = []
    prev = ""
    for line in text.rstrip().splitlines():
        line = line.rstrip()
        if line and prev:
            same_block = (_is_table(line) and _is_table(prev)) or (_is_list(line) and _is_list(prev))
            if not same_block:
                out.append("")
        out.append(line)
        prev = line
    return "\n".join(out) + "\n"


def report(sections: Sequence[Section], machine: str, command: str, started: str, total: float) -> str:
    """The combined Markdown file.

    Parameters
    ----------
    sections : sequence of Section
        In run order.
    machine : str
        From :func:`machine_line`.
    command : str
        The command line that regenerates the file.
    started : str
        When the run started (local time).
    total : float
        Seconds for the whole run.

    Returns
    -------
    str
        Markdown with one ``##`` heading per benchmark.
    """
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{command}` (started {started}, {total:.0f} s in all).  Times are wall-clock on a shared "
        "machine, so they are noisy: each section records the load average before and after it.",
        "",
        machine.replace("machine:", "Machine:", 1),
        "",
    ]
    for s in sections:
        lines += [f"## {s.name}", ""]
        if s.summary:
            lines += [s.summary, ""]
        lines += [
            f"Status: {s.status}; {s.seconds:.1f} s; load average (1, 5, 15 min) before {s.load_before}, after "
            f"{s.load_after}; solver backends registered at the start: {', '.join(s.backends)}.",
            "",
            as_markdown(s.output),
        ]
    return "\n".join(lines).rstrip() + "\n"


def _command(argv: Sequence[str]) -> str:
    return shlex.join(["python", "benchmarks/run.py", *argv])


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the selected benchmarks, write the report if asked.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every selected benchmark imported and ran, else 1.
    """
    parser = argparse.ArgumentParser(description="Run the semiring_ad benchmarks (every benchmarks/bench_*.py).")
    parser.add_argument("--scale", type=float, default=1.0, help="size factor passed to each main(scale)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these (bench_peers or peers, ...)")
    parser.add_argument("--out", type=Path, help="write the combined Markdown here, e.g. benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    names = select(discover(), args.only)
    machine = machine_line()
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    print(machine, flush=True)
    t0 = time.perf_counter()
    sections = [run_one(name, args.scale) for name in names]
    total = time.perf_counter() - t0
    bad = [s for s in sections if s.status != "ok"]
    print(f"\n{len(sections) - len(bad)} of {len(sections)} benchmarks ran in {total:.0f} s"
          + (f"; not ok: {', '.join(f'{s.name} ({s.status})' for s in bad)}" if bad else ""))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report(sections, machine, _command(argv), started, total), encoding="utf-8")
        print(f"wrote {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
