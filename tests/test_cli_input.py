"""The command line under real and hostile input (issues 14 and 16): arguments, limits, output safety.

Oracles: SymPy's ``diff`` of the same formula, Python's exact integer arithmetic,
``json.loads`` with non-finite constants refused, and the absence of control
characters in what reaches the terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy

import semiring_ad as semiring_ad_package
from semiring_ad import cli, cli_diff
from semiring_ad.cli_output import json_safe, print_json


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def oracle(formula, **point):
    """Value and gradient of ``formula`` by SymPy (the test's own spelling, never the CLI parser)."""
    e = sympy.sympify(formula)
    subs = {sympy.Symbol(k): v for k, v in point.items()}
    return float(e.evalf(subs=subs)), {k: float(sympy.diff(e, sympy.Symbol(k)).evalf(subs=subs)) for k in point}


# -- arguments (issue 16.4, issue 14.11) -------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["diff", "-x**2 + 1", "--at", "x=3"],
    ["diff", "--", "-x**2 + 1", "--at", "x=3"],
    ["diff", "--at", "x=3", "-x**2 + 1"],
    ["diff", "--at", "x=3", "--", "-x**2 + 1"],
    ["diff", "--format", "text", "-x**2+1", "--at", "x=3"],
])
def test_formulas_starting_with_a_sign_are_formulas(capsys, argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    value, grad = oracle("-x**2 + 1", x=3.0)
    assert (code, err) == (0, "") and strict_json(out) == {"value": value, "gradient": grad}


def test_a_lone_minus_x(capsys):
    code, out, _ = run(capsys, "diff", "-x", "--at", "x=1", "--format", "json")
    assert code == 0 and strict_json(out) == {"value": -1.0, "gradient": {"x": -1.0}}


def test_at_cannot_swallow_the_formula(capsys):
    code, out, _ = run(capsys, "diff", "--at", "x=2", "y=5", "x*y", "--format", "json")
    assert code == 0 and strict_json(out)["gradient"] == {"x": 5.0, "y": 2.0}
    code, _, err = run(capsys, "diff", "x", "--at", "x=1", "y")
    assert code == 2 and "needs one formula" in err and "'y'" in err


def test_missing_point_says_to_add_at(capsys):
    code, out, err = run(capsys, "diff", "sin(x)")
    assert code == 2 and out == "" and "add --at x=…" in err
    code, _, err = run(capsys, "diff", "x*y", "--at", "x=1")
    assert code == 2 and "no value for y: add --at y=…" in err


def test_empty_dot_is_an_error_and_dash_writes_stdout(capsys):
    code, out, err = run(capsys, "diff", "x*sin(x)", "--at", "x=1", "--dot", "")
    assert code == 2 and out == "" and "--dot needs a file name" in err
    code, out, _ = run(capsys, "diff", "x*sin(x)", "--at", "x=1", "--dot", "-")
    assert code == 0 and "value: 0.841471" in out and 'digraph "G" {' in out
    doc = strict_json(run(capsys, "diff", "x*sin(x)", "--at", "x=1", "--dot", "-", "--format", "json")[1])
    assert doc["dot"] == "-" and doc["dot_source"].startswith('digraph "G" {')


def test_top_without_paths_warns(capsys):
    code, _, err = run(capsys, "diff", "x*y", "--at", "x=1", "y=2", "--top", "2")
    assert code == 0 and "warning: --top has no effect without --paths" in err


@pytest.mark.parametrize(("argv", "suggestion"), [
    (["dif", "x"], "did you mean 'diff'?"),
    (["semiring", "--format", "json"], "did you mean 'semirings'?"),
    (["solve", "g.json", "--semiring", "min-plu", "--source", "s"], "did you mean 'min_plus'?"),
    (["solve", "g.json", "--semiring", "countin", "--source", "s"], "did you mean 'counting'?"),
])
def test_did_you_mean(capsys, argv, suggestion):
    code, _, err = run(capsys, *argv)
    assert code == 2 and suggestion in err


def test_semiring_spellings_are_those_of_get_semiring(capsys, tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "t", 2]]}))
    for spelling in ("min_plus", "MIN_PLUS", "min-plus", "Min-Plus"):
        assert run(capsys, "solve", str(path), "--semiring", spelling, "--source", "s", "--target", "t")[0] == 0
    code, _, err = run(capsys, "solve", str(path), "--semiring", "dual", "--source", "s")
    assert code == 2 and "cannot read weights from a graph file" in err


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_sub_command_accepts_format(capsys, tmp_path, command):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "t", 2]]}))
    extra = {"diff": ["x", "--at", "x=1"], "solve": [str(path), "--semiring", "min_plus", "--source", "s"]}
    code, out, _ = run(capsys, command, *extra.get(command, []), "--format", "text")
    assert code == 0 and out


@pytest.mark.parametrize(("typed", "ascii_"), [
    ("2x² · y − 1", "2*x**2*y - 1"), ("x×y ÷ 2", "x*y/2"), ("3(x + y)·x⁻¹", "3*(x + y)*x**-1"), ("2x y", None),
])
def test_the_clis_own_notation_can_be_pasted_back(capsys, typed, ascii_):
    code, out, err = run(capsys, "diff", typed, "--at", "x=2", "y=5", "--format", "json")
    if ascii_ is None:  # implicit products only after a number: "x y" stays an error
        assert code == 2 and "unexpected name 'y'" in err
        return
    value, grad = oracle(ascii_, x=2.0, y=5.0)
    doc = strict_json(out)
    assert code == 0 and doc["value"] == pytest.approx(value) and doc["gradient"] == pytest.approx(grad)


# -- the user's term order (issue 14.7) ----------------------------------------------------------


def test_baydin_numbering_follows_the_formula_as_typed(capsys):
    doc = strict_json(run(capsys, "diff", "ln(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5", "--trace",
                          "--format", "json")[1])
    body = {r["lhs"]: r["rhs"] for r in doc["trace"][0]["rows"] if r["section"] == "body"}
    assert body == {"v_1": "log(v_{-1})", "v_2": "v_{-1}·v_0", "v_3": "v_1 + v_2", "v_4": "sin(v_0)",
                    "v_5": "v_3 - v_4"}  # Baydin et al. (2018), Table 2


def test_the_formula_is_echoed_as_typed(capsys):
    code, out, _ = run(capsys, "diff", "(x + 4*y)*((x + y)*y)", "--at", "x=3", "y=5")
    assert code == 0 and out.splitlines()[0] == "f = (x + 4*y)*((x + y)*y)"


# -- limits and numbers (issue 14.5) -------------------------------------------------------------


@pytest.mark.parametrize(("formula", "message"), [
    ("2**1024 * x", "beyond the float range"), ("1e309 + x", "beyond the float range"),
    ("10**400 + x", "exact number"), ("x + 2**1024", "beyond the float range"),
])
def test_constants_beyond_float_range_are_clear_errors(capsys, formula, message):
    code, out, err = run(capsys, "diff", formula, "--at", "x=1")
    assert code == 2 and out == "" and message in err and "OverflowError" not in err


def test_expression_size_limit_is_configurable(capsys):
    long = " + ".join(["x"] * 4000)
    code, _, err = run(capsys, "diff", long, "--at", "x=1")
    assert code == 2 and "the limit is 10000" in err and "--max-length" in err
    code, out, _ = run(capsys, "diff", long, "--at", "x=1", "--max-length", "20000", "--format", "json")
    assert code == 0 and strict_json(out)["gradient"] == {"x": 4000.0}


@pytest.mark.parametrize(("flag", "message"), [
    ("--trace", "over the limit of 40 rows"), ("--paths", "lists paths only up to 10 nodes"),
    ("--verify", "over the limit of 20"),
])
def test_costly_extras_are_bounded_with_a_message(capsys, monkeypatch, flag, message):
    monkeypatch.setattr(cli_diff, "LIMITS", {"trace": 40, "paths": 10, "verify": 20})
    formula = " + ".join(f"sin({k}*x)*y" for k in range(1, 8))
    code, out, err = run(capsys, "diff", formula, "--at", "x=1", "y=2", flag)
    assert code == 2 and out == "" and message in err and f"drop {flag}" in err


def test_json_output_is_strict(capsys, monkeypatch):
    doc = {"value": float("inf"), "rows": [float("-inf"), float("nan"), 1.5], "nested": {"a": (2, float("nan"))}}
    print_json(doc)
    assert strict_json(capsys.readouterr().out) == {"value": "inf", "rows": ["-inf", "nan", 1.5],
                                                    "nested": {"a": [2, "nan"]}}
    assert json_safe([1, "inf"]) == [1, "inf"]
    code, out, _ = run(capsys, "diff", "abs(x)", "--at", "x=1e-12", "--verify", "--format", "json")
    report = strict_json(out)["verify"]  # strict even where the FD estimate fails
    assert code == 0 and report["ok"] is True and report["methods"]["finite_differences"]["ok"] is False


def test_verify_false_alarm_does_not_fail_the_cli(capsys):
    """Regression (issue 16.6): sin(1e6*x) exited 1 under a fixed FD step."""
    code, out, _ = run(capsys, "diff", "sin(1000000*x)", "--at", "x=1", "--verify")
    assert code == 0 and "verify at x=1: OK" in out


# -- graph files (issue 16.2, 16.3, 16.5; issue 14.5) --------------------------------------------


def test_malformed_graph_files_exit_2_saying_what_was_expected(capsys, tmp_path):
    cases = {"latin1.json": '{"edges": [["s\u00e9", "t", 1]]}'.encode("latin-1"),
             "utf16.json": '{"edges": [["s", "t", 1]]}'.encode("utf-16"),
             "garbage.json": bytes(range(256)) * 8,
             "bad.graphml": b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><key id="w" for="edge" '
                            b'attr.name="weight" attr.type="long"/><graph edgedefault="directed"><edge source="s" '
                            b'target="t"><data key="w">1.5</data></edge></graph></graphml>'}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        code, out, err = run(capsys, "solve", str(tmp_path / name), "--semiring", "plus_times", "--source", "s")
        assert code == 2 and out == "" and "expected" in err and "internal error" not in err, name


def test_counts_beyond_4300_digits_print_exactly(capsys, tmp_path):
    big = 10**4000 + 7
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "a", big], ["a", "t", big], ["s", "t", 3]]}))
    exact = big * big + 3  # 8001 digits
    code, text, _ = run(capsys, "solve", str(path), "--semiring", "counting", "--source", "s", "--target", "t")
    code_json, doc, _ = run(capsys, "solve", str(path), "--semiring", "counting", "--source", "s", "--format", "json")
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # the test's own conversions of the oracle
    try:
        assert code == 0 and text.strip().rsplit(" ", 1)[1] == str(exact)
        assert code_json == 0 and json.loads(doc)["values"]["t"] == exact
    finally:
        sys.set_int_max_str_digits(limit)


def test_node_ids_cannot_drive_the_terminal(capsys, tmp_path):
    evil = "v\x1b[2J\nFORGED LINE\u202e"
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", evil, 1.0], [evil, "t", 2.0]]}))
    code, out, _ = run(capsys, "solve", str(path), "--semiring", "min_plus", "--source", "s")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out and len(out.splitlines()) == 3
    assert r"v\x1b[2J\nFORGED LINE\u202e" in out
    code, out, _ = run(capsys, "solve", str(path), "--semiring", "min_plus", "--source", "s", "--format", "json")
    assert strict_json(out)["values"][evil] == 1.0  # JSON stays exact
    code, _, err = run(capsys, "solve", str(path), "--semiring", "min_plus", "--source", "q")
    assert code == 2 and "\x1b" not in err and err.count("\n") == 1


def _semiring_ad(*argv):
    root = str(Path(semiring_ad_package.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "semiring_ad", *argv], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_solve_dev_zero_ends_fast_with_exit_2():
    start = time.perf_counter()
    done = _semiring_ad("solve", "/dev/zero", "--semiring", "plus_times", "--source", "s")
    assert done.returncode == 2 and "binary data" in done.stderr and time.perf_counter() - start < 30
