"""Optimal bracketing of a Jacobian chain J_L ··· J_1: seed 002's "mixed mode" as a dynamic program.

Factor J_l is a dense d_l × d_{l-1} matrix, so multiplying a d_j × d_k block
by a d_k × d_{i-1} block costs d_j·d_k·d_{i-1} multiplications.  Forward mode
brackets from the right, J_L(…(J_3(J_2 J_1))), and costs
d_0 Σ_{l=2..L} d_l d_{l-1}; reverse mode brackets from the left and costs
d_L Σ_{l=0..L-2} d_l d_{l+1} (seed 002).  The cheapest bracketing is the
classical matrix-chain dynamic program, O(L³) (Godbole 1973; Naumann's
"Jacobian chain product" for the AD reading).

Left out on purpose: the matrix-free option per factor (a JVP/VJP instead of
a materialised block) needs linear maps as edge weights, which this module
does not assume.

>>> b = optimal_bracketing([5, 5, 1, 5, 5])
>>> b.cost, str(b)
(75, '(J4 J3) (J2 J1)')
>>> forward_bracketing([5, 5, 1, 5, 5]).cost, reverse_bracketing([5, 5, 1, 5, 5]).cost
(175, 175)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

__all__ = ["Bracketing", "bracketing_cost", "forward_bracketing", "optimal_bracketing", "reverse_bracketing"]

Tree = Any
"""A bracketing: ``l`` is the factor J_l; ``(A, B)`` is the product A·B (A the later factors)."""


@dataclass(frozen=True)
class Bracketing:
    """A bracketing of J_L ··· J_1 and its number of multiplications.

    Attributes
    ----------
    cost : int
        Multiplications of dense blocks, Σ d_j·d_k·d_{i-1} over the products.
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


def _show(tree: Tree, top: bool = False) -> str:
    """``J3 (J2 J1)``: the bracketing as text, built without recursion."""
    text: dict[int, str] = {}
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:
        t, ready = stack.pop()
        if isinstance(t, int):
            text[id(t)] = f"J{t}"
        elif not ready:
            stack.append((t, True))
            stack.extend((c, False) for c in t)
        else:
            text[id(t)] = f"({text[id(t[0])]} {text[id(t[1])]})"
    out = text[id(tree)]
    return out[1:-1] if top and not isinstance(tree, int) else out


def _widths(widths: Sequence[int]) -> tuple[int, ...]:
    d = tuple(widths)
    if len(d) < 2 or not all(isinstance(w, int) and w >= 1 for w in d):
        raise InputError(f"widths must be d_0, …, d_L: at least two positive integers (one factor); got {widths!r}")
    return d


def bracketing_cost(widths: Sequence[int], tree: Tree) -> int:
    """Multiplications of the bracketing ``tree`` of J_L ··· J_1 (dense blocks).

    >>> bracketing_cost([2, 3, 4], (2, 1))  # J2 (4×3) times J1 (3×2)
    24
    """
    d = _widths(widths)
    total, span = 0, {}
    stack: list[tuple[Tree, bool]] = [(tree, False)]
    while stack:  # post-order without recursion: a chain of thousands of factors is fine
        t, ready = stack.pop()
        if isinstance(t, int):
            if not 1 <= t < len(d):
                raise InputError(f"factor J{t} does not exist: the widths give J1 … J{len(d) - 1}")
            span[id(t), t] = (t, t)
            continue
        if not ready:
            stack.append((t, True))
            stack.extend((c, False) for c in t)
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


def optimal_bracketing(widths: Sequence[int]) -> Bracketing:
    """The cheapest bracketing of J_L ··· J_1, by dynamic programming over the widths.

    Parameters
    ----------
    widths : sequence of int
        d_0 (the input's size), d_1, …, d_L (the output's size); factor J_l
        is d_l × d_{l-1}.

    Returns
    -------
    Bracketing
        Its ``cost`` is never above forward's or reverse's.  Ties go to the
        split nearest the input (the right).

    Examples
    --------
    A scalar loss (d_L = 1): reverse mode is optimal, as seed 002 says.

    >>> b = optimal_bracketing([4, 3, 2, 1])
    >>> b.cost == reverse_bracketing([4, 3, 2, 1]).cost, str(b)
    (True, '(J3 J2) J1')
    """
    d = _widths(widths)
    L = len(d) - 1
    cost = [[0] * (L + 1) for _ in range(L + 1)]
    split = [[0] * (L + 1) for _ in range(L + 1)]
    for length in range(2, L + 1):
        for i in range(1, L - length + 2):
            j = i + length - 1
            best, at = None, i
            for k in range(i, j):  # (J_j … J_{k+1}) (J_k … J_i)
                c = cost[i][k] + cost[k + 1][j] + d[j] * d[k] * d[i - 1]
                if best is None or c < best:
                    best, at = c, k
            cost[i][j], split[i][j] = best, at
    return Bracketing(cost[1][L], _tree(split, 1, L), d)


def _tree(split: list[list[int]], i: int, j: int) -> Tree:
    """Rebuild the tree of J_j … J_i from the split table, without recursion."""
    order, stack = [], [(i, j)]
    while stack:
        a, b = stack.pop()
        order.append((a, b))
        if a < b:
            k = split[a][b]
            stack.extend(((k + 1, b), (a, k)))
    built: dict[tuple[int, int], Tree] = {}
    for a, b in reversed(order):  # children were pushed after their parent, so they are built first
        if a == b:
            built[a, b] = a
        else:
            k = split[a][b]
            built[a, b] = (built[k + 1, b], built[a, k])
    return built[i, j]
