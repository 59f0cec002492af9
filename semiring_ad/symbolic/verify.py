"""Derivative verification: one Jacobian, computed several independent ways, in one report.

This module owns the cross-check.  :func:`verify` takes a Python function
and a point, or a SymPy expression and ``at={symbol: value}``, and computes
the Jacobian at the point by up to five methods that share as little as
possible:

=====================  ===============================================  =========================
method                 how                                              relies on
=====================  ===============================================  =========================
``symbolic``           ``sympy.diff`` of the function traced on SymPy    the table's value rules
                       symbols, evaluated with ``evalf``                 and SymPy
``reverse``            backward path solve over ``PLUS_TIMES``           the table's partial rules
``forward``            forward path solve over ``PLUS_TIMES``            the table's partial rules
``dual``               f run on dual numbers, one direction at a time    the partial rules, no graph
``finite_differences`` central differences, Richardson-extrapolated,     f's values only
                       the step chosen per input (see below)
=====================  ===============================================  =========================

A method that cannot run (a branch on a symbolic value, a domain error at a
perturbed point) is reported as "not available" with the reason.  In the
data flow this is a view: it consumes the front ends, the solver and dual
numbers and builds nothing new.

Tolerances (entrywise, against the reference r — ``symbolic`` when
available, else ``reverse``): ``|a - r| <= atol + rtol * max(|a|, |r|)``.
The exact methods differ only by rounding in another order of summation:
``rtol=1e-8, atol=1e-10``.  No single finite-difference step suits every
function (``x**5000`` near 1 needs h of about 1e-5, ``sin(1e6*x)`` about 1e-8),
so central differences are taken at 15 steps from 1e-2 to 1.5e-10 (times
max(1, |x|)), Richardson-extrapolated pairwise, and the estimate where
neighbouring steps agree best is kept; they get ``fd_rtol=1e-5`` and
``fd_atol=1e-6 * max(1, max |f(x)|)`` plus twice that estimate's own error.
The report is ``ok`` when reverse and forward ran, every method that ran is
finite and within tolerance, and at least one other method ran -- except
that a finite-difference estimate alone cannot fail the verdict when the
four exact methods ran and agree: its row then says that the estimate
failed.  Non-finite entries are shown (nan, inf) and make ``ok`` false.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..ad.computation import ComputationGraph
from ..ad.dispatch import new_level
from ..ad.dual import Dual
from ..ad.tracing import trace
from ..core.semirings import PLUS_TIMES
from ..core.solver import sweep
from ..errors import TraceError, VerificationError
from .convert import symbols_in
from .graphs import from_sympy
from .report import MethodResult, VerificationReport

__all__ = ["MethodResult", "VerificationReport", "verify"]

@dataclass
class _Problem:
    """What every method needs: labels, the point, and three ways to look at f."""

    inputs: list[str]
    outputs: list[str]
    point: list[float]
    evaluate: Callable[[list[Any]], list[Any]]  # flat point (floats or duals) -> flat outputs
    graph: Callable[[], ComputationGraph]  # the numeric graph at the point
    symbolic: Callable[[], tuple[list[sympy.Expr], list[sympy.Symbol]]]  # f as SymPy, its symbols


def _flat(out: Any) -> list[Any]:
    return np.asarray(out, dtype=object).reshape(-1).tolist()


def _output_names(shape: tuple[int, ...] | None) -> list[str]:
    if not shape:
        return ["f"]
    return [f"f[{', '.join(map(str, idx))}]" for idx in np.ndindex(shape)]


def _regroup(flat: Sequence[Any], shapes: list[tuple[int, ...] | None]) -> list[Any]:
    """Flat values back into the arguments' structure (float arrays for floats, else object arrays)."""
    out, k = [], 0
    for shape in shapes:
        if shape is None:
            out.append(flat[k])
            k += 1
            continue
        size = int(np.prod(shape, dtype=int))
        chunk = list(flat[k : k + size])
        k += size
        dtype = float if all(isinstance(v, float) for v in chunk) else object
        out.append(np.asarray(chunk, dtype=dtype).reshape(shape))
    return out


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of f's first n positional parameters where it has them, else ``x`` / ``x0, x1, ...``."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]  # fmt: skip
    except (TypeError, ValueError):  # builtins without a signature
        params = []
    default = ["x"] if n == 1 else [f"x{k}" for k in range(n)]
    return params[:n] if len(params) >= n else default


def _function_problem(f: Callable[..., Any], args: tuple) -> _Problem:
    shapes = [None if np.ndim(a) == 0 else np.shape(a) for a in args]
    point = [float(v) for a in args for v in np.ravel(np.asarray(a, dtype=float))]
    inputs = []
    for name, shape in zip(_arg_names(f, len(args)), shapes, strict=True):
        inputs += [name] if shape is None else [f"{name}[{', '.join(map(str, i))}]" for i in np.ndindex(shape)]
    out = f(*_regroup(point, shapes))

    def symbolic() -> tuple[list[sympy.Expr], list[sympy.Symbol]]:
        syms = [sympy.Symbol(name, real=True) for name in inputs]
        g = trace(f, *_regroup(syms, shapes))
        return [sympy.sympify(e) for e in _flat(g.value)], syms

    return _Problem(inputs, _output_names(np.shape(np.asarray(out, dtype=object))), point,
                    lambda flat: _flat(f(*_regroup(flat, shapes))), lambda: trace(f, *args), symbolic)  # fmt: skip


def _by_name(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    return {(k.name if isinstance(k, sympy.Symbol) else str(k)): v for k, v in mapping.items()}


def _sympy_problem(expr: Any, args: tuple, at: Mapping[Any, Any] | None, wrt: Sequence[Any] | None) -> _Problem:
    G = from_sympy(expr, wrt)
    if at is not None:
        given = _by_name(at)
        params = {s: sympy.sympify(given[s.name]) for s in symbols_in(G.exprs)
                  if s not in G.symbols and s.name in given}  # fmt: skip
        if params:
            new = [e.xreplace(params) for e in G.exprs]
            G = from_sympy(new[0] if G.out_shape is None else np.asarray(new, dtype=object).reshape(G.out_shape),
                           G.symbols)  # fmt: skip
        missing = [s.name for s in G.symbols if s.name not in given]
        if missing:
            raise TraceError(
                f"verify: at= gives no value for {missing}; give one per input {[s.name for s in G.symbols]}"
            )
        args = tuple(given[s.name] for s in G.symbols)
    if len(args) != len(G.symbols):
        raise TraceError(f"verify needs a value for each of {[s.name for s in G.symbols]}: pass at={{symbol: value}}")
    point = [float(v) for v in args]

    def evaluate(flat: list[Any]) -> list[Any]:
        if any(isinstance(v, Dual) for v in flat):  # dual numbers run through the graph's value rules
            return _flat(G.at(*flat).value)
        at = dict(zip(G.symbols, flat, strict=True))  # numbers: SymPy evaluates, independently of the table
        return [_to_float(sympy.sympify(e), at) for e in G.exprs]

    return _Problem([s.name for s in G.symbols], _output_names(G.out_shape), point, evaluate,
                    lambda: G.at(*point), lambda: (G.exprs, G.symbols))  # fmt: skip


# -- the methods: each returns an (outputs, inputs) array ----------------------


def _path_solve(p: _Problem, direction: str) -> np.ndarray:
    g = p.graph()
    J = np.zeros((len(g.outputs), len(g.inputs)))
    seeds, reads = (g.outputs, g.inputs) if direction == "backward" else (g.inputs, g.outputs)
    for k, node in enumerate(seeds):
        vals = sweep(g.compiled, PLUS_TIMES, {node: 1.0}, direction)
        line = [0.0 if vals[i] is None else float(vals[i]) for i in reads]
        if direction == "backward":
            J[k, :] = line
        else:
            J[:, k] = line
    return J


def _dual(p: _Problem) -> np.ndarray:
    cols = []
    for k in range(len(p.point)):
        level = new_level()
        outs = p.evaluate([Dual(x, 1.0 if i == k else 0.0, level) for i, x in enumerate(p.point)])
        cols.append([float(o.tangent) if isinstance(o, Dual) and o.level == level else 0.0 for o in outs])
    return np.asarray(cols, dtype=float).reshape(len(p.point), len(p.outputs)).T


def _symbolic(p: _Problem) -> np.ndarray:
    exprs, syms = p.symbolic()
    real = {s: sympy.Symbol(s.name, real=True) for s in syms}
    at = {real[s]: x for s, x in zip(syms, p.point, strict=True)}
    J = np.empty((len(exprs), len(syms)))
    for r, e in enumerate(exprs):
        e = sympy.sympify(e).xreplace(real)
        for c, s in enumerate(syms):
            J[r, c] = _to_float(sympy.diff(e, real[s]), at)
    return J


def _to_float(v: Any, subs: dict | None = None) -> float:
    """``v`` (evaluated at ``subs``) as a float; nan where it is complex, infinite or unevaluated.

    The point is substituted as 30-digit floats and evaluated at once: ``evalf(subs=...)`` tracks
    precision adaptively, which takes minutes on nested powers such as a derivative of ``x**x**...**x``.
    """
    try:
        if subs is not None:
            v = v.xreplace({k: sympy.Float(x, 30) for k, x in subs.items()}).evalf(n=20)
        return float(v)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return float("nan")


_STEPS = 1e-2 * 4.0 ** -np.arange(15)  # relative steps 1e-2 ... 1.5e-10: one of them suits the function's scale


def _finite_differences(p: _Problem) -> tuple[np.ndarray, float, str]:
    """Central differences with Richardson extrapolation, the step chosen per input where estimates agree.

    For each input, central differences D(h) at the steps ``h = s·max(1, |x|)`` of :data:`_STEPS` are
    combined pairwise, R(h) = (16·D(h/4) - D(h))/15 (error O(h⁴)); the estimate kept is the R whose
    neighbour agrees best with it (the plateau between truncation and rounding error), and that
    disagreement is its error estimate.  Steps that leave the function's domain give nan and are skipped.
    Returns the Jacobian, the largest error estimate (added to the tolerance) and a note naming the steps.
    """
    cols, errors, steps = [], [], []
    for k, x in enumerate(p.point):
        D = []
        for h in _STEPS * max(1.0, abs(x)):
            lo, hi = list(p.point), list(p.point)
            lo[k], hi[k] = x - h, x + h
            with np.errstate(all="ignore"):  # inf - inf is nan: that step is skipped
                D.append((np.asarray(p.evaluate(hi), dtype=float) - np.asarray(p.evaluate(lo), dtype=float))
                         / (hi[k] - lo[k]))
        with np.errstate(all="ignore"):
            R = (16 * np.asarray(D[1:]) - np.asarray(D[:-1])) / 15  # (steps - 1, outputs)
            spread = np.max(np.abs(R[1:] - R[:-1]) / np.maximum(1.0, np.abs(R[:-1])), axis=1)
        spread[~np.isfinite(spread) | ~np.all(np.isfinite(R[:-1]), axis=1)] = np.inf
        j = int(np.argmin(spread))
        cols.append(R[j])
        errors.append(float(np.max(np.abs(R[j + 1] - R[j]))) if np.isfinite(spread[j]) else 0.0)
        steps.append(f"{_STEPS[j] * max(1.0, abs(x)):.1e}")
    J = np.asarray(cols, dtype=float).reshape(len(p.point), len(p.outputs)).T
    shown = ", ".join(steps[:_SHOW_STEPS]) + (", …" if len(steps) > _SHOW_STEPS else "")
    return J, 2 * max(errors, default=0.0), f"Richardson-extrapolated central differences, step h = {shown}"


_SHOW_STEPS = 4


_METHODS: dict[str, Callable[[_Problem], np.ndarray]] = {
    "symbolic": _symbolic,
    "reverse": lambda p: _path_solve(p, "backward"),
    "forward": lambda p: _path_solve(p, "forward"),
    "dual": _dual,
    "finite_differences": _finite_differences,
}


def _run(name: str, p: _Problem, rtol: float, atol: float) -> MethodResult:
    try:
        out = _METHODS[name](p)
    except Exception as exc:  # any failure means "not available"; the report says why
        reason = f"{type(exc).__name__}: {exc}"
        return MethodResult(name, None, note=f"not available: {reason[:200]}", rtol=rtol, atol=atol)
    J, widen, note = out if isinstance(out, tuple) else (out, 0.0, "")
    J = np.asarray(J, dtype=float).reshape(len(p.outputs), len(p.inputs))
    return MethodResult(name, J, note=note, rtol=rtol, atol=atol + widen)


def _compare(m: MethodResult, ref: np.ndarray) -> None:
    a = m.jacobian
    with np.errstate(all="ignore"):  # non-finite entries are reported, not warned about
        diff = np.abs(a - ref)
        scale = np.maximum(np.abs(a), np.abs(ref))
        rel = np.where(diff == 0, 0.0, diff / scale)
    m.max_abs_error = float(np.max(diff)) if diff.size else 0.0
    m.max_rel_error = float(np.max(rel)) if rel.size else 0.0
    m.ok = bool(np.all(np.isfinite(a)) and np.all(diff <= m.atol + m.rtol * scale))


def verify(
    f: Any,
    *args: Any,
    at: Mapping[Any, Any] | None = None,
    wrt: Sequence[Any] | None = None,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    fd_rtol: float = 1e-5,
    fd_atol: float = 1e-6,
    raise_on_mismatch: bool = False,
) -> VerificationReport:
    """Compute the Jacobian at a point several independent ways and report whether they agree.

    Parameters
    ----------
    f : callable, sympy.Expr, list of sympy.Expr or sympy.Matrix
        A Python function (called as ``f(*args)``) or SymPy expression(s).
    *args : float or array_like
        The point for a function; for an expression, values in input order
        (or use ``at``).
    at : dict, optional
        For an expression: ``{symbol or name: value}``.  Symbols that are not
        inputs (see ``wrt``) are substituted as parameters.
    wrt : sequence of sympy.Symbol, optional
        For an expression: the inputs, in order (default: sorted by name).
    rtol, atol : float
        Tolerances of the exact methods (see the module docstring).
    fd_rtol, fd_atol : float
        Tolerances of finite differences; ``fd_atol`` is scaled by ``max(1, max |f(x)|)``.
    raise_on_mismatch : bool
        Raise :class:`~semiring_ad.errors.VerificationError` (with ``.report``) unless ok.

    Examples
    --------
    >>> import semiring_ad as sad
    >>> report = verify(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0)
    >>> report.ok, report.reference, report.results["reverse"].round(4).tolist()
    (True, 'symbolic', [[5.5, 1.7163]])
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> verify((x + 4 * y) * (x + y) * y, at={x: 3, y: 5}).results["dual"].tolist()
    [[155.0, 459.0]]
    """
    if isinstance(f, (sympy.Basic, sympy.MatrixBase, list, tuple)):
        p = _sympy_problem(f, args, at, wrt)
    else:
        p = _function_problem(f, args)
    value = [_to_float(v) for v in p.evaluate(p.point)]
    fd_scale = max([1.0, *(abs(v) for v in value if np.isfinite(v))])
    methods = {
        name: _run(name, p, *((fd_rtol, fd_atol * fd_scale) if name == "finite_differences" else (rtol, atol)))
        for name in _METHODS
    }
    ran = [m for m in methods.values() if m.available]
    reference = next((m for m in ran if m.name in ("symbolic", "reverse")), ran[0] if ran else None)
    for m in ran:
        _compare(m, reference.jacobian)
    exact = [methods[n] for n in ("symbolic", "reverse", "forward", "dual")]
    fd = methods["finite_differences"]
    fd_alone = fd.available and not fd.ok and all(m.available and m.ok for m in exact)
    if fd_alone:  # four independent exact methods agree: the estimate failed, not the derivative
        fd.note = ("the finite-difference estimate failed (the function varies too fast or too little for any "
                   f"step tried; {fd.note}); the four exact methods agree, so it does not decide the verdict")
    ok = (all(m.ok for m in ran if not (fd_alone and m is fd)) and methods["reverse"].available
          and methods["forward"].available and len(ran) >= 3)
    report = VerificationReport(
        p.inputs, p.outputs, p.point, value, reference.name if reference else "none", methods, ok
    )
    if raise_on_mismatch and not ok:
        bad = [f"{m.name} (max abs error {m.max_abs_error:.3g})" for m in ran if not m.ok]
        raise VerificationError(
            f"derivatives disagree at {report._where()}: {', '.join(bad) or 'too few methods ran'}; "
            f"the full report is attached as .report\n{report}",
            report,
        )
    return report
