"""Optimal bracketing of a Jacobian chain J_L ··· J_1: seed 002's "mixed mode" as a dynamic program.

Factor J_l is a dense d_l × d_{l-1} matrix, so multiplying a d_j × d_k block
by a d_k × d_{i-1} block costs d_j·d_k·d_{i-1} multiplications.  Forward mode
brackets from the right, J_L(…(J_3(J_2 J_1))), and costs
d_0 Σ_{l=2..L} d_l d_{l-1}; reverse mode brackets from the left and costs
d_L Σ_{l=0..L-2} d_l d_{l+1} (seed 002).  The cheapest bracketing is the
classical matrix-chain dynamic program, O(L³) (Godbole 1973; Naumann's
"Jacobian chain product" for the AD reading).

**Matrix-free factors.**  A factor F_l may also come as a tangent model (a JVP
costing ``jvp[l]`` multiplications per direction) and/or an adjoint model (a
VJP costing ``vjp[l]`` per direction) instead of a materialised block (Naumann,
"Matrix-free Jacobian chain products", 2020).  The dynamic program then also
considers, for the block J_j ··· J_i,

* the tangent model of F_j applied to the d_{i-1} columns of J_{j-1} ··· J_i:
  cost(i, j-1) + d_{i-1} · jvp_j  (shown ``jvp3(…)``);
* the adjoint model of F_i applied to the d_j rows of J_j ··· J_{i+1}:
  cost(i+1, j) + d_j · vjp_i  (shown ``vjp1(…)``);

and a factor with a model that is used as a block is first materialised, by
d_{l-1} JVPs or d_l VJPs, whichever is cheaper.  A factor without a model
(``None``) is a given block, free as in the dense problem.  With
jvp_l = vjp_l = d_l·d_{l-1} (a JVP with a dense block) tangent-only chains
cost d_0 Σ_l d_l d_{l-1}: forward mode, J_1 included.  :func:`matrix_free_costs`
reads widths and per-application costs off a chain of
:class:`~semiring_ad.core.linear.LinearMap` edge weights (``madds()``).

>>> b = optimal_bracketing([5, 5, 1, 5, 5])
>>> b.cost, str(b)
(75, '(J4 J3) (J2 J1)')
>>> forward_bracketing([5, 5, 1, 5, 5]).cost, reverse_bracketing([5, 5, 1, 5, 5]).cost
(175, 175)
>>> m = optimal_bracketing([5, 5, 1, 5, 5], jvp=[5, 5, 5, 5], vjp=[5, 5, 5, 5])   # cheap JVPs and VJPs
>>> m.cost, str(m)
(45, 'jvp4(J3) vjp1(J2)')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .linear import LinearMap

__all__ = ["Bracketing", "bracketing_cost", "forward_bracketing", "matrix_free_costs", "optimal_bracketing",
           "reverse_bracketing"]

Tree = Any
"""A bracketing: ``l`` is the factor J_l (a block); ``(A, B)`` is the block product A·B (A the later
factors); ``("jvp", l, B)`` is F_l's tangent model applied to the columns of B; ``("vjp", A, l)`` is
F_l's adjoint model applied to the rows of A."""
Costs = Sequence[float | None] | None


@dataclass(frozen=True)
class Bracketing:
    """A bracketing of J_L ··· J_1 and its number of multiplications.

    Attributes
    ----------
    cost : int or float
        Multiplications: Σ d_j·d_k·d_{i-1} over the block products, plus the
        JVPs/VJPs of matrix-free factors (a float if their costs are).
    tree : int or tuple
        ``l`` for J_l, ``(A, B)`` for A·B.
    widths : tuple of int
        d_0, …, d_L.
    """

    cost: int
    tree: Tree
    widths: tuple[int, ...]

    def __str__(self) -> str:
        return _show(self.tree, top=True)


def _kids(t: Tree) -> tuple:
    """The sub-bracketings of ``t`` (none for a factor)."""
    if isinstance(t, int):
        return ()
    if t[0] == "jvp":
        return (t[2],)
    if t[0] == "vjp":
        return (t[1],)
    return t


def _postorder(tree: Tree) -> list[Tree]:
    """Every node of ``tree``, children before parents, without recursion (chains of thousands are fine)."""
    out: list[Tree] = []
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:
        t, ready = stack.pop()
        if ready or isinstance(t, int):
            out.append(t)
        else:
            stack.append((t, True))
            stack.extend((c, False) for c in _kids(t))
    return out


def _show(tree: Tree, top: bool = False) -> str:
    """``J3 (J2 J1)``, ``jvp3(J2 J1)``: the bracketing as text."""
    text: dict[int, str] = {}
    for t in _postorder(tree):
        if isinstance(t, int):
            text[id(t)] = f"J{t}"
        elif t[0] == "jvp":
            text[id(t)] = f"jvp{t[1]}({_bare(text[id(t[2])])})"
        elif t[0] == "vjp":
            text[id(t)] = f"vjp{t[2]}({_bare(text[id(t[1])])})"
        else:
            text[id(t)] = f"({text[id(t[0])]} {text[id(t[1])]})"
    out = text[id(tree)]
    return _bare(out) if top else out


def _bare(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _widths(widths: Sequence[int]) -> tuple[int, ...]:
    d = tuple(widths)
    if len(d) < 2 or not all(isinstance(w, int) and w >= 1 for w in d):
        raise InputError(f"widths must be d_0, …, d_L: at least two positive integers (one factor); got {widths!r}")
    return d


def _costs(costs: Costs, d: tuple[int, ...], what: str) -> tuple:
    """Per-factor model costs as a tuple indexed 1 … L (index 0 unused); None where there is no model."""
    L = len(d) - 1
    if costs is None:
        return (None,) * (L + 1)
    c = tuple(costs)
    if len(c) != L or not all(x is None or (isinstance(x, (int, float)) and x >= 0) for x in c):
        raise InputError(f"{what} must give one cost per factor J1 … J{L} (a number >= 0, or None where the factor "
                         f"has no such model); got {costs!r}")
    return (None, *c)


def _leaf_cost(f: int, d: tuple[int, ...], jvp: tuple, vjp: tuple) -> float:
    """The cost of having J_f as a block: free if given, else d_{f-1} JVPs or d_f VJPs, the cheaper."""
    options = [n * c for n, c in ((d[f - 1], jvp[f]), (d[f], vjp[f])) if c is not None]
    return min(options) if options else 0


def bracketing_cost(widths: Sequence[int], tree: Tree, *, jvp: Costs = None, vjp: Costs = None) -> float:
    """Multiplications of the bracketing ``tree`` of J_L ··· J_1.

    ``jvp``/``vjp`` give each factor's cost of one JVP/VJP (None: no such model),
    as for :func:`optimal_bracketing`.

    >>> bracketing_cost([2, 3, 4], (2, 1))  # J2 (4×3) times J1 (3×2)
    24
    >>> bracketing_cost([2, 3, 4], ("jvp", 2, 1), jvp=[None, 5])  # two tangents through F2
    10
    """
    d = _widths(widths)
    tj, tv = _costs(jvp, d, "jvp"), _costs(vjp, d, "vjp")
    total, span = 0, {}
    for t in _postorder(tree):
        if isinstance(t, int):
            if not 1 <= t < len(d):
                raise InputError(f"factor J{t} does not exist: the widths give J1 … J{len(d) - 1}")
            total += _leaf_cost(t, d, tj, tv)
            span[id(t), t] = (t, t)
            continue
        if t[0] in ("jvp", "vjp"):
            f, inner = (t[1], t[2]) if t[0] == "jvp" else (t[2], t[1])
            model = tj if t[0] == "jvp" else tv
            if not (isinstance(f, int) and 1 <= f < len(d)) or model[f] is None:
                raise InputError(f"{_show(t)}: factor F{f} has no {t[0]} model (give its cost in {t[0]}=)")
            i, j = span[_key(inner)]
            if (t[0] == "jvp" and f != j + 1) or (t[0] == "vjp" and f != i - 1):
                raise InputError(f"{_show(t)} does not apply F{f} next to the block it multiplies")
            total += (d[i - 1] * model[f]) if t[0] == "jvp" else (d[j] * model[f])
            span[id(t), None] = (min(i, f), max(j, f))
            continue
        (k1, j), (i, k) = (span[_key(c)] for c in t)
        if k1 != k + 1:
            raise InputError(f"{_show(t)} does not multiply adjacent factors")
        total += d[j] * d[k] * d[i - 1]
        span[id(t), None] = (i, j)
    return total


def _key(t: Tree) -> tuple:
    return (id(t), t) if isinstance(t, int) else (id(t), None)


def forward_bracketing(widths: Sequence[int]) -> Bracketing:
    """J_L(…(J_3(J_2 J_1))): forward mode, cost d_0 Σ_{l=2..L} d_l d_{l-1}."""
    d = _widths(widths)
    tree: Tree = 1
    for factor in range(2, len(d)):
        tree = (factor, tree)
    return Bracketing(bracketing_cost(d, tree), tree, d)


def reverse_bracketing(widths: Sequence[int]) -> Bracketing:
    """((J_L J_{L-1}) J_{L-2})…J_1: reverse mode, cost d_L Σ_{l=0..L-2} d_l d_{l+1}."""
    d = _widths(widths)
    tree: Tree = len(d) - 1
    for factor in range(len(d) - 2, 0, -1):
        tree = (tree, factor)
    return Bracketing(bracketing_cost(d, tree), tree, d)


def optimal_bracketing(widths: Sequence[int], *, jvp: Costs = None, vjp: Costs = None) -> Bracketing:
    """The cheapest bracketing of J_L ··· J_1, by dynamic programming over the widths.

    Parameters
    ----------
    widths : sequence of int
        d_0 (the input's size), d_1, …, d_L (the output's size); factor J_l
        is d_l × d_{l-1}.
    jvp, vjp : sequence of (number or None), optional
        Per factor F_1 … F_L, the multiplications of one JVP (tangent model) or
        one VJP (adjoint model); ``None`` (the default, for all) where the
        factor has no such model and is a given block.  With either, the program
        also considers applying the factor matrix-free (see the module text):

        ==========================  =========================================
        choice for J_j ··· J_i       cost
        ==========================  =========================================
        block product at k          cost(i, k) + cost(k+1, j) + d_j d_k d_{i-1}
        F_j's JVP on the columns    cost(i, j-1) + d_{i-1} · jvp_j
        F_i's VJP on the rows       cost(i+1, j) + d_j · vjp_i
        J_l as a block (i = j = l)  0 if given, else min(d_{l-1} jvp_l, d_l vjp_l)
        ==========================  =========================================

    Returns
    -------
    Bracketing
        Its ``cost`` is never above forward's or reverse's.  Ties go to block
        products, and among them to the split nearest the input (the right),
        then to JVPs.

    Examples
    --------
    A scalar loss (d_L = 1): reverse mode is optimal, as seed 002 says.

    >>> b = optimal_bracketing([4, 3, 2, 1])
    >>> b.cost == reverse_bracketing([4, 3, 2, 1]).cost, str(b)
    (True, '(J3 J2) J1')

    Every factor matrix-free, a JVP or a VJP costing as much as a dense block-vector
    product: tangents from the input (forward mode) win on a widening chain.

    >>> d = [1, 4, 8, 16]
    >>> dense = [d[l] * d[l - 1] for l in range(1, 4)]
    >>> b = optimal_bracketing(d, jvp=dense, vjp=dense)
    >>> b.cost, str(b)
    (164, 'jvp3(jvp2(J1))')
    """
    d = _widths(widths)
    tj, tv = _costs(jvp, d, "jvp"), _costs(vjp, d, "vjp")
    L = len(d) - 1
    cost: list[list[float]] = [[0] * (L + 1) for _ in range(L + 1)]
    choice: list[list[Any]] = [[None] * (L + 1) for _ in range(L + 1)]
    for f in range(1, L + 1):
        cost[f][f] = _leaf_cost(f, d, tj, tv)
    for length in range(2, L + 1):
        for i in range(1, L - length + 2):
            j = i + length - 1
            best, how = None, None
            for k in range(i, j):  # (J_j … J_{k+1}) (J_k … J_i)
                c = cost[i][k] + cost[k + 1][j] + d[j] * d[k] * d[i - 1]
                if best is None or c < best:
                    best, how = c, k
            if tj[j] is not None and cost[i][j - 1] + d[i - 1] * tj[j] < best:
                best, how = cost[i][j - 1] + d[i - 1] * tj[j], "jvp"
            if tv[i] is not None and cost[i + 1][j] + d[j] * tv[i] < best:
                best, how = cost[i + 1][j] + d[j] * tv[i], "vjp"
            cost[i][j], choice[i][j] = best, how
    return Bracketing(cost[1][L], _tree(choice, 1, L), d)


def _parts(choice: list[list[Any]], a: int, b: int) -> list[tuple[int, int]]:
    how = choice[a][b]
    if a == b:
        return []
    if how == "jvp":
        return [(a, b - 1)]
    if how == "vjp":
        return [(a + 1, b)]
    return [(how + 1, b), (a, how)]


def _tree(choice: list[list[Any]], i: int, j: int) -> Tree:
    """Rebuild the tree of J_j … J_i from the choice table, without recursion."""
    order, stack = [], [(i, j)]
    while stack:
        a, b = stack.pop()
        order.append((a, b))
        stack.extend(_parts(choice, a, b))
    built: dict[tuple[int, int], Tree] = {}
    for a, b in reversed(order):  # children were pushed after their parent, so they are built first
        how = choice[a][b]
        if a == b:
            built[a, b] = a
        elif how == "jvp":
            built[a, b] = ("jvp", b, built[a, b - 1])
        elif how == "vjp":
            built[a, b] = ("vjp", built[a + 1, b], a)
        else:
            built[a, b] = (built[how + 1, b], built[a, how])
    return built[i, j]


def matrix_free_costs(maps: Sequence[LinearMap]) -> tuple[list[int], list[int], list[int]]:
    """Widths and per-factor JVP/VJP costs of a chain of linear maps J_1, …, J_L (``madds()`` each).

    The arguments :func:`optimal_bracketing` needs to choose, per factor, between a
    block and applying the map as it is (a structured map applies for ``madds()``
    multiplications per vector, in either direction).

    >>> import numpy as np
    >>> from semiring_ad.core.linear import Dense, Diagonal
    >>> widths, jvp, vjp = matrix_free_costs([Dense(np.ones((3, 2)), (2,), (3,)), Diagonal(np.ones(3), (3,))])
    >>> widths, jvp, vjp
    ([2, 3, 3], [6, 3], [6, 3])
    """
    if not maps:
        raise InputError("matrix_free_costs needs at least one map (J_1)")
    widths = [maps[0].in_size]
    for f, m in enumerate(maps, start=1):
        if m.in_size != widths[-1]:
            raise InputError(f"map J{f} takes {m.in_size} numbers but J{f - 1} gives {widths[-1]}: not a chain")
        widths.append(m.out_size)
    costs = [m.madds() for m in maps]
    return widths, costs, list(costs)
