"""Smoke tests: the benchmark runner and the peer benchmark run end to end at a tiny scale.

CI does not install the ``bench`` extra, so every test here must pass without
micrograd, PyTorch, autograd or JAX: missing peers are skipped with a printed
message.  One test hides the peers even where they are installed.
"""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"
TABLE_RULE = re.compile(r"^\|(?:\s*-+:?\s*\|)+\s*$|^\|(?:\s*:?-+:?\s*\|)+\s*$", re.MULTILINE)
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#)[^)]*\)")
PEERS = ("micrograd", "micrograd.engine", "torch", "autograd", "autograd.numpy", "jax")


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "bench_run_under_test", None)  # removed again after the test
    return _load(RUN, "bench_run_under_test")


def test_runner_subprocess_runs_peers_and_ad_and_prints_tables(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--scale", "0.001", "--only", "bench_peers", "bench_ad", "--out", str(out)],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.startswith("machine:") and proc.stdout.count("machine:") == 1
    assert "CPUs" in proc.stdout and "load average" in proc.stdout
    assert TABLE_RULE.search(proc.stdout), "no Markdown table printed"
    assert "### Random scalar DAG" in proc.stdout and "| measurement | time |" in proc.stdout
    for name in ("micrograd", "torch", "autograd", "jax"):  # each peer either ran or was skipped with a message
        assert f"peer {name} skipped" in proc.stdout or name in proc.stdout.split("importable:")[1].split(";")[0]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n")
    assert "## bench_ad\n" in text and "## bench_peers\n" in text and "bench_generic" not in text
    assert "python benchmarks/run.py --scale 0.001 --only bench_peers bench_ad" in text
    assert TABLE_RULE.search(text) and not RELATIVE_LINK.search(text)
    assert "Status: ok" in text and "load average" in text


def test_peers_absent_are_skipped_with_a_message(runner, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path):
    for name in PEERS:
        monkeypatch.setitem(sys.modules, name, None)  # `import name` now raises ImportError
    monkeypatch.setitem(sys.modules, "bench_peers", None)
    out = tmp_path / "R.md"
    assert runner.main(["--scale", "0.001", "--only", "peers", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("micrograd", "torch", "autograd", "jax"):
        assert f"peer {name} skipped: not importable" in printed
    assert "importable: none" in printed
    assert "| semiring_ad (`sad.grad`) |" in printed and "| list tape, direct loop" in printed
    assert "micrograd 0.1.0 (" not in printed and "PyTorch" not in printed.split("### Many points")[0]
    assert "| JAX `vmap(grad)` | – | – | skipped" in printed
    text = out.read_text(encoding="utf-8")
    assert "## bench_peers" in text and TABLE_RULE.search(text)


def test_peer_benchmark_numbers_at_a_tiny_scale(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    for name in PEERS:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "bench_peers_under_test", None)
    bench = _load(ROOT / "benchmarks" / "bench_peers.py", "bench_peers_under_test")
    res = bench.main(scale=0.001)
    capsys.readouterr()
    assert res["peers"] == []
    assert res["dag"]["nodes"] == 100 and math.isfinite(res["dag"]["gradient"])
    assert all(t_off > 0 and t_on > 0 for _, t_off, t_on in res["dag"]["rows"])
    assert [name for name, _ in res["baydin"]][:2] == [
        "semiring_ad, fresh trace (`sad.grad`)", 'semiring_ad, reused trace (`g.at(x1, x2).jacobian("reverse")`)']
    logistic = res["logistic"]
    signed, chain, wrong = (row[2] for row in logistic["log"])
    assert math.isclose(signed, logistic["reference"], rel_tol=1e-9) and math.isclose(chain, signed, rel_tol=1e-9)
    assert math.isclose(wrong / logistic["steps"], math.log(4.0), rel_tol=1e-9)  # the LOG-of-abs pitfall
    assert all(t > 0 for _, t, _ in res["points"]["rows"] if not math.isnan(t))


def test_runner_selection_and_markdown(runner) -> None:
    names = runner.discover()
    assert {"bench_ad", "bench_generic", "bench_peers"} <= set(names) and names == sorted(names)
    assert runner.select(names, ["peers", "bench_ad.py"]) == ["bench_ad", "bench_peers"]
    assert runner.select(names, None) == names
    with pytest.raises(SystemExit, match="unknown benchmark"):
        runner.select(names, ["nope"])
    md = runner.as_markdown("a line\nanother\n| x |\n|---|\n| 1 |\n- item\n- item 2\n100 nodes\n")
    assert md == "a line\n\nanother\n\n| x |\n|---|\n| 1 |\n\n- item\n- item 2\n\n100 nodes\n"


def test_runner_reports_a_module_that_fails_to_import(runner, tmp_path: Path, capsys) -> None:
    (tmp_path / "bench_broken.py").write_text("raise RuntimeError('half-written')\n")
    (tmp_path / "bench_fine.py").write_text("def main(scale=1.0):\n    print('| a |\\n|---|\\n| 1 |')\n")
    sections = [runner.run_one(name, 0.001, tmp_path) for name in runner.discover(tmp_path)]
    assert [(s.name, s.status) for s in sections] == [("bench_broken", "import failed"), ("bench_fine", "ok")]
    assert "failed to import: RuntimeError: half-written" in sections[0].output
    assert sections[1].output == "| a |\n|---|\n| 1 |\n"
    for name in ("bench_broken", "bench_fine"):
        sys.modules.pop(name, None)
