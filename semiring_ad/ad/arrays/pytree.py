"""Pytrees: nested dicts, lists and tuples of arrays and numbers, flattened to leaves and rebuilt.

The array API accepts a pytree wherever JAX does (an argument, a tangent, a
cotangent) and returns results of the argument's structure.  Dict keys are
sorted (as in JAX) when they can be; containers nest to any depth that Python
allows (pytrees are shallow: this is not graph depth).

>>> leaves, tree = flatten({"b": [1.0, 2.0], "a": 3.0})
>>> leaves
[3.0, 1.0, 2.0]
>>> unflatten(tree, [x * 10 for x in leaves])
{'a': 30.0, 'b': [10.0, 20.0]}
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["flatten", "unflatten"]

LEAF = None
"""The tree definition of a single leaf."""


def _keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:  # keys of mixed types: keep insertion order
        return list(d)


def _flatten_into(tree: Any, leaves: list[Any]) -> Any:
    if isinstance(tree, dict):
        keys = _keys(tree)
        return (dict, tuple(keys), tuple(_flatten_into(tree[k], leaves) for k in keys))
    if type(tree) in (list, tuple):
        return (type(tree), None, tuple(_flatten_into(t, leaves) for t in tree))
    leaves.append(tree)
    return LEAF


def flatten(tree: Any) -> tuple[list[Any], Any]:
    """The leaves of ``tree`` in order, and its definition (for :func:`unflatten`)."""
    leaves: list[Any] = []
    return leaves, _flatten_into(tree, leaves)


def _build(tree: Any, it: Iterator[Any]) -> Any:
    if tree is LEAF:
        return next(it)
    kind, keys, kids = tree
    if kind is dict:
        return {k: _build(t, it) for k, t in zip(keys, kids)}
    return kind(_build(t, it) for t in kids)


def unflatten(tree: Any, leaves: Sequence[Any]) -> Any:
    """Rebuild the structure ``tree`` (from :func:`flatten`) with new ``leaves``."""
    return _build(tree, iter(leaves))


def n_leaves(tree: Any) -> int:
    """How many leaves the definition ``tree`` has."""
    if tree is LEAF:
        return 1
    return sum(n_leaves(t) for t in tree[2])
