"""Benchmark: ``semiring-ad solve`` on big graph files, end to end (time and peak memory of the process).

Cases, for a chain of ``N = 10^6 · scale`` edges (``n0 → n1 → … → nN``, string
ids, weight 1.0) written once to a temporary directory:

* *JSON, one path sum* — ``semiring-ad solve chain.json --semiring plus_times
  --source n0 --target nN`` (the issue's target: under 3 s and 600 MB at N = 10^6);
* *JSON, every node* — ``--source n0 --format json`` (a million values printed);
* *JSON, edges listed backwards* — the same chain with the edge list reversed, so
  the reader must sort topologically instead of taking the file order;
* *GraphML, one path sum* — the chain as GraphML (written by networkx).

Each runs as a fresh process (``python -m semiring_ad …``, output discarded), so
the figures include the interpreter start, the imports, reading, compiling and
solving, exactly what a user waits for.  Peak memory is the child's maximum
resident set size (``resource.getrusage(RUSAGE_CHILDREN)`` in a one-child
wrapper process).  The peer is the former route, run the same way: ``json.load``
(or ``networkx.read_graphml``) into a ``networkx.MultiDiGraph``, then the same
``path_sum`` on it — what ``solve`` did before the array readers.  Run
``python benchmarks/bench_io.py [scale]``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(done.returncode, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, repr(done.stderr[-300:]))
"""

FORMER = """
import json, sys
import networkx as nx
from semiring_ad.core.solver import path_sum
path, source, target = sys.argv[1:4]
if path.endswith(".graphml"):
    G = nx.read_graphml(path, force_multigraph=True)
else:
    G = nx.MultiDiGraph()
    for u, v, w in json.load(open(path, encoding="utf-8"))["edges"]:
        G.add_edge(u, v, weight=float(w))
print(path_sum(G, "plus_times", source, target))
"""


def measure(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of one fresh process running ``argv``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True, text=True, env=env, check=True)
    code, seconds, cpu, peak, err = out.stdout.split(" ", 4)
    if code != "0":
        raise RuntimeError(f"{' '.join(argv[:6])} ... exited {code}: {err}")
    unit = 1 if platform.system() == "Darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return float(seconds), float(cpu), int(peak) * unit / 2**20


def write_files(folder: Path, n: int) -> dict[str, Path]:
    import networkx as nx

    edges = [[f"n{i}", f"n{i + 1}", 1.0] for i in range(n)]
    files = {"json": folder / "chain.json", "backwards": folder / "backwards.json", "graphml": folder / "chain.graphml"}
    files["json"].write_text(json.dumps({"edges": edges}), encoding="utf-8")
    files["backwards"].write_text(json.dumps({"edges": edges[::-1]}), encoding="utf-8")
    G = nx.DiGraph()
    G.add_weighted_edges_from(edges)
    nx.write_graphml(G, files["graphml"])
    return files


def main(scale: float = 1.0) -> list[tuple]:
    """Run every case at ``scale`` (1.0: a 10^6-edge chain) and print the Markdown table."""
    n = max(10, int(10**6 * scale))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average {load}")
    solve = [sys.executable, "-m", "semiring_ad", "solve"]
    ends = ["--source", "n0", "--target", f"n{n}"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        files = write_files(Path(tmp), n)
        print(f"files written in {time.perf_counter() - t0:.1f} s: "
              + ", ".join(f"{p.name} {p.stat().st_size / 2**20:.0f} MB" for p in files.values()))
        cases = [
            ("JSON, one path sum", [*solve, str(files["json"]), "--semiring", "plus_times", *ends],
             [sys.executable, "-c", FORMER, str(files["json"]), "n0", f"n{n}"]),
            ("JSON, every node (--format json)",
             [*solve, str(files["json"]), "--semiring", "plus_times", "--source", "n0", "--format", "json"], None),
            ("JSON, edges listed backwards", [*solve, str(files["backwards"]), "--semiring", "plus_times", *ends],
             None),
            ("GraphML, one path sum", [*solve, str(files["graphml"]), "--semiring", "plus_times", *ends],
             [sys.executable, "-c", FORMER, str(files["graphml"]), "n0", f"n{n}"]),
        ]
        for name, argv, former in cases:
            new = measure(argv)
            old = measure(former) if former else None
            rows.append((name, new, old))
    print(f"\n{n:,} edges; wall time, CPU time (user + system) and peak memory of the whole process (start, "
          "imports, read, solve); on a loaded machine the CPU time is the steadier figure\n")
    print("| case | semiring-ad solve: wall / CPU | peak memory | former route (networkx graph): wall / CPU, peak "
          "| CPU speed-up | memory ratio |")
    print("|:---|---:|---:|---:|---:|---:|")
    for name, (wall, cpu, mb), old in rows:
        former = f"{old[0]:.2f} s / {old[1]:.2f} s, {old[2]:.0f} MB" if old else "—"
        ratios = (f"{old[1] / cpu:.1f}x", f"{old[2] / mb:.1f}x") if old else ("—", "—")
        print(f"| {name} | {wall:.2f} s / {cpu:.2f} s | {mb:.0f} MB | {former} | {ratios[0]} | {ratios[1]} |")
    if n == 10**6:
        wall, cpu, mb = rows[0][1]
        print(f"\ntarget (issue 16): a 10^6-edge JSON file solved in under 3 s and 600 MB: wall {wall:.2f} s, "
              f"CPU {cpu:.2f} s ({'met' if min(wall, cpu) < 3 else 'MISSED'}), {mb:.0f} MB "
              f"({'met' if mb < 600 else 'MISSED'})")
    return rows


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
