"""The documentation: it builds with warnings as errors, and every notebook runs.

The Sphinx build executes every notebook in ``notebooks/`` and every docs page
with code cells (myst-nb with ``nb_execution_mode = "force"`` and
``nb_execution_raise_on_error = True``), so a cell that raises — including
the notebooks' ``assert`` statements against SymPy, networkx, NumPy and
finite differences — fails the build, and the build is one test here.

The shell commands shown in fenced ``bash``/``console`` blocks are checked
without Sphinx: ``semiring-ad`` command lines are run, ``pip install`` lines
may only name extras that ``pyproject.toml`` defines, and nothing else may
appear unchecked.  Python code in the docs must be an executed ``{code-cell}``.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
DOC_TOOLS = ("sphinx", "myst_nb", "ipykernel", "matplotlib")
MISSING = [m for m in DOC_TOOLS if importlib.util.find_spec(m) is None]
BUILD_TIMEOUT = 1800  # seconds; the build takes a few minutes on two cores
NOTEBOOK_BUDGET = 120  # seconds per executed page: a generous ceiling, they take ~5-20 s


def _markdown_sources() -> list[Path]:
    """The docs pages and the notebooks, each once (``docs/notebooks`` is a link made by the build)."""
    pages = [p for p in DOCS.rglob("*.md") if "_build" not in p.parts and (DOCS / "notebooks") not in p.parents]
    return sorted(pages) + NOTEBOOKS + [ROOT / "notebooks" / "README.md"]


# -- the build -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    if MISSING:
        pytest.skip(
            f"the docs toolchain is not installed ({', '.join(MISSING)} missing); "
            "install the test extra: pip install -e '.[test]'"
        )
    out = tmp_path_factory.mktemp("docs") / "html"  # myst-nb writes executed notebooks beside it
    env = dict(os.environ)
    # the notebook kernels must run this interpreter and import this checkout
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-j", "auto", "-b", "html", str(DOCS), str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    elapsed = time.perf_counter() - start
    log = (done.stdout + done.stderr)[-12000:]
    assert done.returncode == 0, f"sphinx-build failed (exit {done.returncode}) after {elapsed:.0f} s:\n{log}"
    return out, elapsed


def _execution_times(out: Path) -> dict[str, float]:
    """Run time of every executed page, from the table myst-nb renders on the execution page."""
    page = (out / "execution.html").read_text(encoding="utf-8")
    times = {}
    for row in re.findall(r"<tr.*?</tr>", page, flags=re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
        if len(cells) >= 4:
            times[cells[0]] = float(cells[3])
    return times


def test_docs_build_with_warnings_as_errors(built: tuple[Path, float]) -> None:
    out, elapsed = built
    assert (out / "index.html").is_file()
    assert (out / "api.html").is_file()
    print(f"sphinx-build took {elapsed:.0f} s")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_a_page(built: tuple[Path, float], notebook: Path) -> None:
    out, _ = built
    page = out / "notebooks" / f"{notebook.stem}.html"
    assert page.is_file(), f"{notebook.name} produced no page; is it in a toctree (docs/examples.md)?"
    text = page.read_text(encoding="utf-8")
    assert 'class="cell_output' in text or "cell_output" in text, f"{page.name} shows no cell output"


def test_every_notebook_ran_within_budget(built: tuple[Path, float]) -> None:
    out, _ = built
    times = _execution_times(out)
    ran = {name for name in times if name.startswith("notebooks/")}
    assert ran == {f"notebooks/{nb.stem}" for nb in NOTEBOOKS}, "every notebook is executed by the build"
    for name, seconds in sorted(times.items()):
        print(f"{name:45s} {seconds:6.1f} s")
    slow = {name: s for name, s in times.items() if s > NOTEBOOK_BUDGET}
    assert not slow, f"pages over the {NOTEBOOK_BUDGET} s budget: {slow}"


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 9


# -- checked snippets ----------------------------------------------------------------

FENCE = re.compile(r"^(```+|~~~+)\s*([^\n]*)\n(.*?)^\1\s*$", flags=re.S | re.M)
SHELL = {"bash", "console", "shell", "sh"}


def _fences(path: Path) -> list[tuple[str, str]]:
    return [(info.strip(), body) for _, info, body in FENCE.findall(path.read_text(encoding="utf-8"))]


def _optional_dependencies() -> dict[str, list[str]]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if tomllib is not None:
        return tomllib.loads(text).get("project", {}).get("optional-dependencies", {})
    block = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]  # Python 3.10: a rough reader
    entries = re.finditer(r"^([\w-]+)\s*=\s*\[(.*?)\]\s*$", block, flags=re.S | re.M)
    return {m.group(1): re.findall(r'"([^"]+)"', m.group(2)) for m in entries}


def _extras() -> set[str]:
    return set(_optional_dependencies())


def _check_command(line: str, where: str) -> None:
    if "&&" in line:  # a one-liner to paste: check each command
        for part in line.split("&&"):
            _check_command(part.strip(), where)
        return
    argv = shlex.split(line)
    if (argv[:2] == ["python3", "-m"] and argv[2:3] == ["venv"]) or argv[:1] in (["."], ["source"]):
        assert argv[-1].startswith(".venv"), f"{where}: `{line}`: the documented venv is .venv"
    elif argv[:2] == ["jupyter", "lab"]:
        for target in argv[2:]:
            assert (ROOT / target).exists(), f"{where}: `{line}` opens {target}, which does not exist"
    elif argv[:2] in (["python", "-m"], ["python3", "-m"]) and argv[2:3] == ["semiring_ad"]:
        from semiring_ad.cli import main

        assert main(argv[3:]) == 0, f"{where}: `{line}` failed"
    elif argv[:2] == ["pip", "install"]:
        for spec in argv[2:]:
            for extra in re.findall(r"\[([^\]]+)\]", spec):
                unknown = {e.strip() for e in extra.split(",")} - _extras()
                assert not unknown, f"{where}: `{line}` names extras {unknown} that pyproject.toml does not define"
    elif argv[0] == "semiring-ad":
        from semiring_ad.cli import main

        assert main(argv[1:]) == 0, f"{where}: `{line}` failed"
    elif argv[0] == "sphinx-build":
        assert "-W" in argv and "docs" in argv, f"{where}: the documented docs build must use -W on docs/"
    elif argv[:3] == ["python", "-m", "pytest"] or argv[0] == "pytest":
        pass  # the command that runs this very file
    else:
        pytest.fail(
            f"{where}: shell command `{line}` is not checked by tests/test_docs.py; "
            "show it from an executed code cell or teach this test to check it"
        )


@pytest.mark.parametrize("path", _markdown_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_snippets_are_checked(path: Path) -> None:
    for info, body in _fences(path):
        language = info.split()[0].lower() if info else ""
        where = str(path.relative_to(ROOT))
        assert language not in {"python", "py", "python3", "pycon", "ipython3"}, (
            f"{where}: Python in a plain ``` block is never run; use a {{code-cell}} instead"
        )
        if language.strip("{}") == "code-block" and "python" in info:
            pytest.fail(f"{where}: a python code-block is never run; use a {{code-cell}} instead")
        if language in SHELL:
            for line in body.splitlines():
                line = line.strip()
                if line.startswith("$ "):
                    line = line[2:]
                if line and not line.startswith("#"):
                    _check_command(line, where)


def test_docs_toolchain_is_in_the_test_extra() -> None:
    """CI installs the test extra, and the docs build above needs these (see docs/conf.py)."""
    names = {
        re.match(r"[A-Za-z0-9_.-]+", req).group().lower().replace("_", "-")
        for req in _optional_dependencies().get("test", [])
    }
    for requirement in ("sphinx", "myst-nb", "ipykernel", "matplotlib"):
        assert requirement in names, f"add {requirement!r} to the test extra in pyproject.toml"
