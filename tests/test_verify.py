"""verify(): independent methods agree on correct code and catch a broken rule.

The broken rule lives in a monkeypatched copy of the primitive table, so the
path solves and dual numbers (which read the table) go wrong together, while
the symbolic method (``sympy.diff``) and finite differences (values only) do
not: that is the disagreement verify must report.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import sympy

import semiring_ad as sad
from semiring_ad.ad.primitives import PRIMITIVES
from semiring_ad.errors import VerificationError
from semiring_ad.symbolic.report import VerificationReport
from semiring_ad.symbolic.verify import verify

ALL = ["symbolic", "reverse", "forward", "dual", "finite_differences"]


def baydin(x1, x2):
    return sad.log(x1) + x1 * x2 - sad.sin(x2)


def reps(x, y):
    return (x + 4 * y) * (x + y) * y


CORRECT = [
    (baydin, (2.0, 5.0), [[0.5 + 5.0, 2.0 - math.cos(5.0)]]),
    (reps, (3.0, 5.0), [[155.0, 459.0]]),
    (lambda x: sad.tanh(x) ** 3 / (1 + sad.exp(-x)), (0.7,), None),
    (lambda v: [v[0] * v[1], np.sin(v[0]), np.exp(v[1]) / v[0]], (np.array([1.0, 2.0]),), None),
    (lambda x, w: (np.tanh(w * x) ** 2).sum(), (np.array([0.3, -1.2]), np.array([2.0, 0.5])), None),
    (lambda x: sad.maximum(x, 1.0) * sad.arctan(x) + abs(x), (-0.5,), None),
]


@pytest.mark.parametrize(("f", "args", "expected"), CORRECT)
def test_correct_functions_are_ok(f, args, expected):
    report = verify(f, *args)
    assert report.ok, str(report)
    assert report.reference == "symbolic"
    assert all(report.methods[name].available for name in ALL)
    if expected is not None:
        np.testing.assert_allclose(report.results["reverse"], expected, rtol=1e-12)


def test_sympy_expressions_are_ok():
    x, y = sympy.symbols("x y")
    report = verify((x + 4 * y) * (x + y) * y, at={x: 3, y: 5})
    assert report.ok and report.inputs == ["x", "y"]
    np.testing.assert_allclose(report.results["forward"], [[155.0, 459.0]])
    report = verify(sympy.Matrix([[x * y, sympy.exp(x)], [sympy.tanh(y) / x, 7]]), 0.5, 2.0)
    assert report.ok and report.results["dual"].shape == (4, 2)
    assert report.outputs == ["f[0, 0]", "f[0, 1]", "f[1, 0]", "f[1, 1]"]


def test_sympy_parameters_are_substituted():
    a, x = sympy.symbols("a x")
    report = verify(a * sympy.sin(x), at={"a": 3, "x": 0.0}, wrt=[x])
    assert report.ok and report.inputs == ["x"]
    np.testing.assert_allclose(report.results["symbolic"], [[3.0]])


def test_branch_makes_symbolic_unavailable_but_not_wrong():
    report = verify(lambda x: x * x if x > 0 else -x, 2.0)
    assert report.ok
    assert report.reference == "reverse"
    sym = report.methods["symbolic"]
    assert not sym.available and "not available" in sym.note and "Relational" in sym.note
    assert "symbolic: not available" in str(report)


@pytest.fixture
def broken_sin(monkeypatch):
    """The table's sin row with the wrong partial (sin instead of cos), restored afterwards."""
    wrong = dataclasses.replace(PRIMITIVES["sin"], partials=(lambda m, x, out: m.sin(x),))
    monkeypatch.setitem(PRIMITIVES, "sin", wrong)


@pytest.mark.usefixtures("broken_sin")
def test_broken_rule_is_flagged():
    report = verify(baydin, 2.0, 5.0)
    assert not report.ok
    assert report.methods["finite_differences"].ok  # the oracles agree with each other ...
    for name in ("reverse", "forward", "dual"):  # ... and not with what reads the table
        assert not report.methods[name].ok, name
        assert report.methods[name].max_abs_error == pytest.approx(abs(math.sin(5.0) - math.cos(5.0)))
    assert "MISMATCH" in str(report)
    with pytest.raises(VerificationError, match="reverse") as info:
        verify(baydin, 2.0, 5.0, raise_on_mismatch=True)
    assert isinstance(info.value.report, VerificationReport) and not info.value.report.ok


@pytest.mark.usefixtures("broken_sin")
def test_broken_rule_is_flagged_for_expressions():
    x1, x2 = sympy.symbols("x1 x2")
    report = verify(sympy.log(x1) + x1 * x2 - sympy.sin(x2), at={x1: 2.0, x2: 5.0})
    assert not report.ok and not report.methods["reverse"].ok and report.methods["finite_differences"].ok


def test_table_is_restored_after_monkeypatch():
    assert verify(baydin, 2.0, 5.0).ok


def test_non_finite_results_are_shown_not_hidden():
    report = verify(lambda x: x * x * x, 1e200)  # x*x overflows to inf
    assert not report.ok
    # The AD methods refuse the overflow (semiring_ad.ad.finite); finite differences show nan.
    assert "DomainError" in report.methods["reverse"].note and "overflows" in report.methods["reverse"].note
    assert np.isnan(report.results["finite_differences"]).all()
    text = str(report)
    assert "overflows" in text and "nan" in text


def test_domain_failure_is_reported():
    report = verify(lambda x: sad.sqrt(x), 0.0)
    assert not report.ok
    assert "DomainError" in report.methods["reverse"].note
    with pytest.raises(VerificationError):
        verify(lambda x: sad.sqrt(x), 0.0, raise_on_mismatch=True)


def test_tolerances_are_recorded_and_fd_is_looser():
    report = verify(reps, 3.0, 5.0, rtol=1e-9, atol=1e-11, fd_rtol=1e-4, fd_atol=1e-5)
    assert (report.methods["reverse"].rtol, report.methods["reverse"].atol) == (1e-9, 1e-11)
    fd = report.methods["finite_differences"]
    assert fd.rtol == 1e-4 and fd.atol == pytest.approx(1e-5 * 920.0)  # scaled by max |f(x)|
    assert 0 < fd.max_abs_error < fd.atol
    assert report.methods["dual"].max_abs_error == 0.0


def test_a_failed_fd_estimate_does_not_fail_the_verdict_when_the_four_exact_methods_agree():
    report = verify(lambda x: sad.abs(x), 1e-12)  # every step straddles the kink: FD says ~0, the slope is 1
    fd = report.methods["finite_differences"]
    assert report.ok and not fd.ok and "finite-difference estimate failed" in fd.note
    assert "estimate failed" in str(report).splitlines()[0] and "NO (estimate failed)" in str(report)


def test_fd_still_decides_when_an_exact_method_is_missing():
    def branchy(x):  # a branch on the value: no symbolic trace
        return x if x > 0 else -x

    report = verify(branchy, 1e-12)
    assert not report.methods["symbolic"].available and not report.methods["finite_differences"].ok
    assert not report.ok and report.methods["reverse"].ok


@pytest.mark.parametrize(("expr", "at"), [("x**5000", 1.0), ("x**5000", 1.0001), ("sin(1000000*x)", 1.0),
                                          ("exp(x)", 700.0), ("log(x)", 1e-3)])
def test_fd_step_follows_the_scale_no_false_alarm(expr, at):
    """Regression (issue 16.6): a fixed step flagged x**5000 near 1 and sin(1e6*x); the oracle is sympy.diff."""
    x = sympy.Symbol("x")
    e = sympy.sympify(expr)
    report = verify(e, at={x: at})
    exact = float(sympy.diff(e, x).evalf(subs={x: at}, n=30))
    assert report.ok and report.methods["finite_differences"].ok
    assert report.results["finite_differences"][0, 0] == pytest.approx(exact, rel=1e-6)


def test_fd_estimate_failure_is_named_not_blamed_on_the_derivative():
    """|x| at 1e-12: every step straddles the kink, so FD says ~0 while the derivative is 1."""
    x = sympy.Symbol("x")
    report = verify(sympy.Abs(x), at={x: 1e-12})
    assert report.ok and report.results["reverse"][0, 0] == 1.0
    assert not report.methods["finite_differences"].ok
    assert "the finite-difference estimate failed" in report.methods["finite_differences"].note


def test_report_views():
    report = verify(baydin, 2.0, 5.0)
    text = str(report)
    assert text.splitlines()[0] == "verify at x1=2, x2=5: OK (reference: symbolic)"
    assert all(name in text for name in ALL) and "∂f/∂x1" in text
    assert report._repr_html_().startswith("<table>") and "∂f/∂x2" in report._repr_html_()
    d = report.to_dict()
    json.dumps(d)
    assert d["ok"] is True and d["inputs"] == ["x1", "x2"] and set(d["methods"]) == set(ALL)
    assert d["methods"]["reverse"]["jacobian"] == report.results["reverse"].tolist()


def test_wide_jacobians_are_truncated_in_the_table():
    report = verify(lambda v: v * v, np.arange(1.0, 4.0))
    assert report.results["reverse"].shape == (3, 3)
    assert "…" in str(report)
    np.testing.assert_allclose(report.results["symbolic"], np.diag([2.0, 4.0, 6.0]))


def test_power_tower_verifies_in_linear_evaluations():
    """Regression (issue 14.5): evalf(subs=...) of the derivative of x**x**...**x (16 high) took 14 s."""
    x = sympy.Symbol("x")
    tower = x
    for _ in range(15):
        tower = x**tower
    report = verify(tower, at={x: 1.1})
    assert report.ok and report.methods["symbolic"].available
    assert report.results["symbolic"][0, 0] == pytest.approx(report.results["finite_differences"][0, 0], rel=1e-6)
