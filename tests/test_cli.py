"""The command line end to end: values, JSON schemas, exit codes, hostile input.

Most cases run in-process through ``cli.main`` (an import costs ~1 s per
subprocess); a handful run ``python -m semiring_ad`` for real, including the
hostile inputs, where the oracle is that no side effect happens.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import semiring_ad as semiring_ad_package
from semiring_ad import cli, cli_diff, cli_solve
from semiring_ad.core.semirings import SEMIRINGS

BAYDIN = "ln(x1) + x1*x2 - sin(x2)"
REPS_EDGES = [["x", "a", 1], ["y", "a", 4], ["x", "b", 1], ["y", "b", 1],
              ["b", "c", 5], ["y", "c", 8], ["a", "f", 40], ["c", "f", 23]]


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``semiring-ad argv`` in-process."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


@pytest.fixture
def reps_json(tmp_path):
    path = tmp_path / "reps.json"
    path.write_text(json.dumps({"edges": REPS_EDGES}))
    return str(path)


# -- diff ------------------------------------------------------------------------------------


def test_diff_json_schema_and_values(capsys):
    doc = run_json(capsys, "diff", BAYDIN, "--at", "x1=2", "x2=5")
    assert set(doc) == {"value", "gradient"}
    assert math.isclose(doc["value"], 11.652071455223084)
    assert doc["gradient"]["x1"] == 5.5 and round(doc["gradient"]["x2"], 3) == 1.716


def test_diff_text(capsys):
    code, out, _ = run(capsys, "diff", BAYDIN, "--at", "x1=2", "x2=5")
    assert code == 0 and "value: 11.6521" in out and "∂f/∂x1 = 5.5" in out and "∂f/∂x2 = 1.71634" in out


def test_diff_both_modes_trace_paths_verify_dot(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    doc = run_json(capsys, "diff", BAYDIN, "--at", "x1=2", "x2=5", "--mode", "both", "--trace", "--paths",
                   "--verify", "--dot", str(dot))
    assert set(doc) == {"value", "gradient", "modes", "trace", "paths", "verify", "dot"}
    assert doc["modes"]["forward"] == pytest.approx(doc["modes"]["reverse"])
    assert [t["mode"] for t in doc["trace"]] == ["primal", "forward", "forward", "reverse"]
    adjoints = [r for r in doc["trace"][-1]["rows"] if r["section"] == "outputs"]
    assert [round(r["value"], 3) for r in adjoints] == [5.5, 1.716]
    assert doc["paths"]["x2"]["n_paths"] == 2 and math.isclose(doc["paths"]["x2"]["total"], 1.7163378145367738)
    assert doc["verify"]["ok"] is True
    assert dot.read_text().startswith('digraph "G" {')


def test_diff_trace_formats(capsys):
    code, out, _ = run(capsys, "diff", BAYDIN, "--at", "x1=2", "x2=5", "--trace", "--format", "latex")
    assert code == 0 and r"\begin{align*}" in out and out.count(r"\begin{tabular}") == 2 and r"\bottomrule" in out
    code, out, _ = run(capsys, "diff", "(x + 4*y)*((x + y)*y)", "--at", "x=3", "y=5", "--paths", "--format",
                       "markdown")
    assert code == 0 and "| ∂f/∂x | 155 | reverse |" in out  # the output is f: an input is called y
    assert "`∂f/∂x = 1·40 + 1·5·23 = 155`" in out  # paths in the order the formula was typed


def test_diff_paths_top_and_limit(capsys, monkeypatch):
    real = cli_diff.explain
    monkeypatch.setattr(cli_diff, "explain", lambda g, wrt, top=None: real(g, wrt, top=top, limit=2))
    expr = "(x + 4*y)*((x + y)*y)"  # 3 paths from y
    code, _, err = run(capsys, "diff", expr, "--at", "x=3", "y=5", "--paths")
    assert code == 2 and "--top K" in err and "3 paths" in err
    doc = run_json(capsys, "diff", expr, "--at", "x=3", "y=5", "--paths", "--top", "2")
    assert doc["paths"]["y"]["n_paths"] == 3 and [p["product"] for p in doc["paths"]["y"]["paths"]] == [184, 160]


def test_diff_constant_expression(capsys):
    assert run_json(capsys, "diff", "2 + 3") == {"value": 5.0, "gradient": {}}


@pytest.mark.parametrize(("argv", "message"), [
    (["diff", "x1 + x3", "--at", "x1=1"], "no value for x3: add --at x3=…"),
    (["diff", "x + 1", "--at", "x=1", "x=2"], "twice"),
    (["diff", "x + 1", "--at", "x=nan"], "NAME=NUMBER"),
    (["diff", "log(x)", "--at", "x=-1"], "log"),
    (["diff", "exp(exp(exp(x)))", "--at", "x=5"], "overflows"),
    (["diff", "x.real", "--at", "x=1"], "position 1"),
    (["diff", "(lambda x: x)(2)"], "keyword"),
    (["diff", "2**99999"], "exponent"),
    (["diff", "x**5000", "--at", "x=2"], "1024"),
    (["diff", "x**-5000", "--at", "x=2"], "1024"),
    (["diff", "exp(5000*log(x))", "--at", "x=2"], "1024"),
    (["diff", "open('/etc/passwd')"], "unknown function"),
    (["diff", "().__class__"], "unexpected"),
])
def test_bad_input_exits_2_with_a_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.startswith("semiring-ad: error:") and message in err


def test_internal_failure_exits_1(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_solve, "run_semirings", broken)
    code, _, err = run(capsys, "semirings")
    assert code == 1 and "internal error: RuntimeError: boom" in err


def test_usage_errors_exit_2(capsys):
    assert run(capsys)[0] == 2
    assert run(capsys, "diff")[0] == 2
    assert run(capsys, "diff", "x", "--mode", "sideways")[0] == 2
    assert run(capsys, "diff", "x", "--at", "x=1", "--paths", "--top", "0")[0] == 2
    assert run(capsys, "solve", "g.json", "--semiring", "nope", "--source", "s")[0] == 2


def test_help_shows_examples(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "examples:" in out and "semiring-ad diff" in out and "semiring-ad solve" in out


# -- solve -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("semiring", "value"), [
    ("plus_times", 155), ("counting", 155), ("min_plus", 29), ("max_plus", 41), ("max_times", 115), ("symbolic", 155),
])
def test_solve_value(capsys, reps_json, semiring, value):
    for extra in ([], ["--backward"]):
        doc = run_json(capsys, "solve", reps_json, "--semiring", semiring, "--source", "x", "--target", "f", *extra)
        assert doc == {"value": value}


def test_solve_values_both_directions(capsys, reps_json):
    fwd = run_json(capsys, "solve", reps_json, "--semiring", "plus_times", "--source", "y")
    assert fwd == {"values": {"x": 0, "y": 1, "a": 4, "b": 1, "c": 13, "f": 459}}
    bwd = run_json(capsys, "solve", reps_json, "--semiring", "plus_times", "--target", "f", "--backward")
    assert bwd["values"]["x"] == 155 and bwd["values"]["y"] == 459


def test_solve_paths_or_and_and_text(capsys, tmp_path, reps_json):
    doc = run_json(capsys, "solve", reps_json, "--semiring", "paths", "--source", "x", "--target", "f")
    assert doc == {"value": [[["x", "a"], ["a", "f"]], [["x", "b"], ["b", "c"], ["c", "f"]]]}
    path = tmp_path / "bool.json"
    path.write_text(json.dumps({"edges": [["s", "t", 1], ["t", "u", False], [1, "u", "true"]], "nodes": ["z"]}))
    doc = run_json(capsys, "solve", str(path), "--semiring", "or_and", "--source", "s")
    assert doc == {"values": {"s": True, "t": True, "u": False, "1": False, "z": False}}
    code, out, _ = run(capsys, "solve", reps_json, "--semiring", "min_plus", "--source", "x", "--target", "f")
    assert code == 0 and out.strip() == "min_plus path sum from x to f: 29"


def test_solve_infinities_and_missing_weights(capsys, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "t", "inf"], ["s", "u"]]}))
    doc = run_json(capsys, "solve", str(path), "--semiring", "min_plus", "--source", "s")
    assert doc == {"values": {"s": 0.0, "t": "inf", "u": 0.0}}  # JSON has no infinity: "inf"


def test_solve_graphml(capsys, tmp_path):
    G = nx.DiGraph()
    G.add_weighted_edges_from([(u, v, float(w)) for u, v, w in REPS_EDGES])
    path = tmp_path / "reps.graphml"
    nx.write_graphml(G, path)
    assert run_json(capsys, "solve", str(path), "--semiring", "plus_times", "--source", "y", "--target", "f") == {
        "value": 459.0}


@pytest.mark.parametrize(("doc", "semiring", "message"), [
    ({"edges": [["s", "t", 1]], "directed": True}, "plus_times", "unknown keys: 'directed'"),
    ({"nodes": []}, "plus_times", '{"edges"'),
    ([["s", "t", 1]], "plus_times", '{"edges"'),
    ({"edges": "s->t"}, "plus_times", "must be JSON lists"),
    ({"edges": [["s", "t", 1, 2]]}, "plus_times", "[u, v] or [u, v, w]"),
    ({"edges": [["s", None, 1]]}, "plus_times", "node id"),
    ({"edges": [["s", "t", "x"]]}, "plus_times", "needs a number"),
    ({"edges": [["s", "t", True]]}, "min_plus", "needs a number"),
    ({"edges": [["s", "t", -1]]}, "max_times", ">= 0"),
    ({"edges": [["s", "t", 1.5]]}, "counting", "integer"),
    ({"edges": [["s", "t", 2]]}, "or_and", "true/false"),
    ({"edges": [["s", "t", "__import__('os')"]]}, "symbolic", "unknown function"),
    ({"edges": [["s", "t", "x**5000"]]}, "symbolic", "1024"),
    ({"edges": [["s", "t", 1], ["t", "s", 1]]}, "plus_times", "cycle"),
])
def test_solve_refuses_bad_graph_files(capsys, tmp_path, doc, semiring, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, "solve", str(path), "--semiring", semiring, "--source", "s")
    assert code == 2 and out == "" and message in err


@pytest.mark.parametrize(("text", "argv", "message"), [
    ("{not json", [], "not valid JSON"),
    ('{"edges": [["s", "t", NaN]]}', [], "NaN is not allowed"),
    ('{"edges": [["s", "t", 1]]}', ["--source", "q"], "matches no node"),
    ('{"edges": [["s", "t", 1]]}', ["--target", "t"], "--backward"),
    ('{"edges": [[1, "t", 1], ["1", "t", 1]]}', ["--source", "1"], "matches 2 nodes"),
])
def test_solve_refuses_bad_requests(capsys, tmp_path, text, argv, message):
    path = tmp_path / "g.json"
    path.write_text(text)
    code, _, err = run(capsys, "solve", str(path), "--semiring", "plus_times", *argv)
    assert code == 2 and message in err


def test_solve_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "solve", str(tmp_path / "nope.json"), "--semiring", "plus_times", "--source", "s")
    assert code == 2 and "No such file" in err


# -- semirings, demo -------------------------------------------------------------------------


def test_semirings_lists_the_registry(capsys):
    doc = run_json(capsys, "semirings")
    assert [d["name"] for d in doc] == list(SEMIRINGS)
    min_plus = {"name": "min_plus", "notation": ["min", "+", "inf", "0"], "description": "length of the shortest path"}
    assert min_plus in doc
    code, out, _ = run(capsys, "semirings")
    assert code == 0 and "(min, +, inf, 0)" in out


def test_demo_shows_the_seeds(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "plus_times" in out
    assert "∂f/∂x = 1·40 + 1·5·23 = 155" in out and "= 459" in out
    assert "-0.283662" in out and "1.71634" in out and "5.5" in out


# -- real processes --------------------------------------------------------------------------


def semiring_ad(*argv, cwd=None):
    root = str(Path(semiring_ad_package.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "semiring_ad", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def test_module_entry_point_json():
    done = semiring_ad("diff", BAYDIN, "--at", "x1=2", "x2=5", "--format", "json")
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["gradient"]["x1"] == 5.5


def test_hostile_input_has_no_side_effect(tmp_path, capsys):
    marker = tmp_path / "pwned"
    attacks = [f"__import__('os').system('touch {marker}')", f"x + __import__('os').system('touch {marker}')",
               f"x + eval(\"open('{marker}', 'w')\")", "x.__class__.__bases__", "(lambda: 0)()"]
    done = semiring_ad("diff", attacks[0], "--at", "x=1", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "" and "error" in done.stderr
    for attack in attacks[1:]:  # in-process: an eval would run here just the same
        code, out, err = run(capsys, "diff", attack, "--at", "x=1")
        assert code == 2 and out == "" and "error" in err
    assert not marker.exists()
