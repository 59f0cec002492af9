"""The arrays every vectorized sweep shares: a :class:`Problem` and its level plans.

A :class:`Problem` is a DAG in topological order (in-edge CSR plus a valid
level schedule) with a memo for everything derived from it.  The whole graph's
problem is cached on the :class:`~semiring_ad.core.graph.CompiledGraph`; a cone
(``active``) becomes a smaller problem built per call.

A :class:`LevelPlan` lays one direction's sweep out for NumPy: nodes are
renumbered so that each *group* of targets (same level, similar degree) is a
contiguous slice ``a:b`` of the value array, and the group's in-edges form a
padded ``(D, b - a)`` matrix of source slots (ELL layout; padding points at a
dummy slot that holds the semiring's zero).  One stage is then one gather
and one ⊗ with the weights over all its groups' blocks, and per group one
⊕-reduce over axis 0 straight into ``x[a:b]``.  Every group has at least one real edge per target, so the empty
segments that break ``ufunc.reduceat`` never occur.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..graph import CompiledGraph
from ..toposort import PEEL_EDGES, PEEL_ROUNDS, levels_loop, out_csr, peel_partial

__all__ = ["Ell", "LevelPlan", "Problem", "problem_of", "restrict"]

_SMALL_PAD = 1024  # extra padded slots tolerated per level before splitting by degree
_STEP_SLOTS = 800  # one more NumPy step costs about as much as this many padded slots
_TAIL = 64  # last positions looked at for an unseeded sink before counting out-degrees


class Problem:
    """A DAG in topological order as arrays, with a memo (:meth:`cached`).

    Parameters
    ----------
    in_ptr, in_src : numpy.ndarray
        In-edge CSR; edges are grouped by target in topological order.
    levels : numpy.ndarray, optional
        Topological levels if already known (else computed on demand, see
        :mod:`semiring_ad.core.toposort`).
    edge_ids, nodes : numpy.ndarray, optional
        For a cone: the original edge index of each edge and the original
        position of each node (None: identity).
    outs : callable, optional
        Returns ``(out_ptr, out_dst, out_edge)`` (lets the full graph reuse
        the compiled graph's cached arrays).
    slow_levels : callable, optional
        Levels of a deep graph (the full graph passes the compiled graph's own).

    Attributes
    ----------
    uses : int
        Sweeps prepared on this problem so far: one-time setup is spread over them.
    """

    def __init__(self, in_ptr: np.ndarray, in_src: np.ndarray, levels: np.ndarray | None = None, *,
                 edge_ids: np.ndarray | None = None, nodes: np.ndarray | None = None,
                 outs: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
                 slow_levels: Callable[[], np.ndarray] | None = None) -> None:
        self.in_ptr, self.in_src, self._levels = in_ptr, in_src, levels
        self.n, self.m = len(in_ptr) - 1, len(in_src)
        self.edge_ids, self.nodes = edge_ids, nodes
        self._outs, self._slow_levels, self._deep, self._depth_guess = outs, slow_levels, False, 0
        self.uses = 0
        self.memo: dict[Any, Any] = {}

    def cheap_levels(self) -> bool:
        """Whether the levels are known, computing them only if peeling is cheap (not for deep graphs)."""
        if self._levels is None and not self._deep:
            ptr, dst, _ = self.csr("backward")
            budget = max(PEEL_ROUNDS, self.m // PEEL_EDGES)
            self._levels, peeled = peel_partial(self.in_ptr, ptr, dst, max_rounds=budget)
            self._deep = self._levels is None
            self._depth_guess = budget * self.n // max(peeled, 1) if self._deep else 0
        return self._levels is not None

    @property
    def deep(self) -> bool | None:
        """True for a graph found too deep to peel cheaply, False if its levels are known, None if not tried."""
        return True if self._deep else (False if self._levels is not None else None)

    def estimated_stages(self) -> int:
        """:meth:`n_stages`, peeled if cheap; for a deep graph extrapolated from the share of nodes
        its bounded peeling reached (the levels themselves are not computed)."""
        return self.n_stages() if self.cheap_levels() or "stages" in self.memo else max(self._depth_guess, 1)

    @property
    def levels(self) -> np.ndarray:
        """Topological levels (longest path into each node); computed on first use."""
        if not self.cheap_levels():
            self._levels = self._slow_levels() if self._slow_levels else levels_loop(self.in_ptr, self.in_src)
        return self._levels

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()`` the first time ``key`` is asked for, the memo afterwards."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def csr(self, direction: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ptr, nbr, edge)``: the edges a sweep pulls along, grouped by the node they update."""
        if direction == "forward":
            return self.in_ptr, self.in_src, self.cached("arange", lambda: np.arange(self.m))
        return self.cached("outs", self._make_outs)

    def _make_outs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._outs is not None:
            return self._outs()
        return out_csr(self.n, self.in_ptr, self.in_src)

    def degree(self, direction: str) -> np.ndarray:
        """In-degree (forward) or out-degree (backward) of every node."""
        if direction == "forward":
            return self.cached(("degree", direction), lambda: np.diff(self.in_ptr))
        return self.cached(("degree", direction), lambda: np.bincount(self.in_src, minlength=self.n))  # no out-CSR

    def known_stages(self) -> int | None:
        """:meth:`n_stages` if the levels are known already (None: not computed, a deep graph)."""
        return self.n_stages() if self._levels is not None else None

    def n_stages(self) -> int:
        """Number of distinct levels among nodes with in-edges (sequential steps of a level sweep)."""
        return self.cached("stages", lambda: len(np.unique(self.levels[self.degree("forward") > 0])))

    def all_reached(self, direction: str, seed_pos: np.ndarray) -> bool:
        """Whether every node is reached: every source (forward) or sink (backward) is a seed."""
        if direction == "backward" and ("degree", direction) not in self.memo and self._tail_sink(seed_pos):
            return False  # no out-degrees needed
        ends = self.cached(("ends", direction), lambda: np.flatnonzero(self.degree(direction) == 0))
        if len(ends) > len(seed_pos):
            return False
        if len(ends) <= 64:
            return self.cached(("ends-set", direction), lambda: set(ends.tolist())) <= set(seed_pos.tolist())
        return bool(np.isin(ends, seed_pos).all())

    def _tail_sink(self, seed_pos: np.ndarray) -> bool:
        """Whether one of the last ``_TAIL`` positions is a sink and not a seed.  Their out-edges can
        only go to later positions, so the in-edges of the last positions are all that is read."""
        lo = max(self.n - _TAIL, 0)
        has_out = np.zeros(self.n - lo, dtype=bool)
        tail = self.in_src[self.in_ptr[lo]:]
        has_out[tail[tail >= lo] - lo] = True
        has_out[seed_pos[seed_pos >= lo] - lo] = True
        return not has_out.all()

    def plan(self, direction: str) -> LevelPlan:
        """The (cached) :class:`LevelPlan` of one direction."""
        return self.cached(("plan", direction), lambda: LevelPlan.build(self, direction))


def problem_of(cg: CompiledGraph) -> Problem:
    """The whole graph's :class:`Problem`, cached on ``cg`` (reusing its levels if already computed)."""
    if "_vectorized_problem" not in cg.__dict__:
        cg.__dict__["_vectorized_problem"] = Problem(
            cg.in_ptr, cg.in_src, cg.__dict__.get("levels"),
            outs=lambda: (cg.out_ptr, cg.out_dst, cg.out_edge), slow_levels=lambda: cg.levels)
    return cg.__dict__["_vectorized_problem"]


def restrict(full: Problem, active: np.ndarray, seed_pos: np.ndarray, direction: str) -> Problem:
    """The part of the graph a sweep restricted to ``active`` sees, as a smaller problem.

    Mirrors the generic loop (:class:`semiring_ad.core.solver.PythonBackend`): an
    active node receives along edges from active nodes and from seeds (in-edges
    forward, out-edges backward); a seed outside ``active`` keeps its seed value
    but still passes it on.  Nodes: ``active`` and the seeds.
    """
    keep = np.zeros(full.n, dtype=bool)
    keep[active] = True
    source_ok = keep.copy()
    source_ok[seed_pos] = True
    nodes = np.flatnonzero(source_ok)
    dst = np.repeat(np.arange(full.n, dtype=np.int64), np.diff(full.in_ptr))
    puller, pulled = (dst, full.in_src) if direction == "forward" else (full.in_src, dst)
    eids = np.flatnonzero(keep[puller] & source_ok[pulled])
    new = np.full(full.n, -1, dtype=np.int64)
    new[nodes] = np.arange(len(nodes))
    counts = np.bincount(new[dst[eids]], minlength=len(nodes))
    in_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    levels = full._levels[nodes] if full._levels is not None else None
    return Problem(in_ptr, new[full.in_src[eids]], levels, edge_ids=eids, nodes=nodes)


@dataclass
class LevelPlan:
    """One direction's level-synchronous sweep as index arrays.

    Nodes are renumbered into *storage slots*: nodes nothing flows into
    first, then the targets stage by stage (each stage a contiguous slice);
    slot ``n`` is a dummy that stays at the semiring's zero.  The pull edges
    are kept twice: as CSR rows over the target slots (for SciPy's mat-vec,
    no padding) and, built on first use, as padded ELL blocks per group of
    targets with similar degree (for any ⊕/⊗ ufunc pair).

    Attributes
    ----------
    rank : numpy.ndarray
        Storage slot of each node, plus ``rank[n] = n``.
    stages : list of (a, b)
        Target slots of each stage, in processing order.
    ptr, idx, edge : numpy.ndarray
        CSR over target slots ``base:n``: ``ptr`` absolute offsets, ``idx``
        source slots, ``edge`` the problem's edge index of each entry.
    """

    rank: np.ndarray
    base: int
    stages: list[tuple[int, int]]
    ptr: np.ndarray
    idx: np.ndarray
    edge: np.ndarray
    degree: np.ndarray
    bucket: np.ndarray
    _ell: Ell | None = field(default=None, init=False, repr=False)
    _starts: np.ndarray | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, prob: Problem, direction: str) -> LevelPlan:
        """Order targets by (stage, degree bucket, position) and lay the edges out as CSR."""
        ptr, nbr, edge = prob.csr(direction)
        deg = prob.degree(direction)
        stage = prob.levels if direction == "forward" else prob.levels.max(initial=0) - prob.levels
        tgt = np.flatnonzero(deg > 0)
        order, bucket = _group_order(stage[tgt], deg[tgt])
        tgt = tgt[order]
        perm = np.concatenate((np.flatnonzero(deg == 0), tgt))
        rank = np.empty(prob.n + 1, dtype=np.int64)
        rank[perm] = np.arange(prob.n)
        rank[prob.n] = prob.n
        base = prob.n - len(tgt)
        st = stage[tgt]
        cut = np.flatnonzero(np.r_[True, st[1:] != st[:-1], True]) + base if len(tgt) else np.zeros(0, np.int64)
        itype = np.intc if prob.n + prob.m < np.iinfo(np.intc).max else np.int64
        eorder = _edges_by_slot(ptr, deg, tgt)
        tptr = np.concatenate(([0], np.cumsum(deg[tgt]))).astype(itype)
        return cls(rank, base, list(zip(cut[:-1].tolist(), cut[1:].tolist())), tptr,
                   rank[nbr[eorder]].astype(itype), edge[eorder], deg[tgt], bucket)

    def stage_ptr(self, a: int, b: int) -> np.ndarray:
        """CSR row pointers (absolute) of target slots ``a:b``."""
        return self.ptr[a - self.base: b - self.base + 1]

    def ell(self) -> Ell:
        """The padded ``(D, count)`` source blocks per group, gathered stage by stage (cached)."""
        if self._ell is None:
            self._ell = _build_ell(self)
        return self._ell

    def has_ell(self) -> bool:
        """Whether the ELL blocks are built already."""
        return self._ell is not None

    def weights(self, w_ext: np.ndarray) -> list[np.ndarray]:
        """Per-stage weights shaped like :attr:`Ell.stages`' sources, from ``w_ext`` (weights, then the
        padding weight)."""
        ell = self.ell()
        flat = w_ext[ell.slot_edge]
        return [flat[lo:lo + src.size].reshape(src.shape) for lo, (src, _) in zip(ell.offsets, ell.stages)]

    def step_starts(self) -> np.ndarray:
        """First target slot of every ELL group."""
        if self._starts is None:
            self._starts = np.array([a for _, groups in self.ell().stages for _, a, _, _ in groups], dtype=np.int64)
        return self._starts


@dataclass
class Ell:
    """A level plan's ELL blocks, laid out stage by stage.

    Attributes
    ----------
    stages : list of (src, groups)
        Per stage the source slots of all its groups' padded blocks: ``(D, count)`` when the
        stage is one group, else flat (the groups' row-major blocks one after the other).  Each
        group is ``(g, a, b, view)``: its number, its target slots ``a:b`` and, for a flat stage,
        ``(lo, hi, (D, count))``, the slice of the gathered stage and its block shape (None: the
        whole stage).  One stage is then one gather and one ⊗ however many groups it has.
    offsets : list of int
        Where each stage starts in ``slot_edge``.
    slot_edge : numpy.ndarray
        The problem's edge index of every padded slot (-1: padding), stage after stage.
    """

    stages: list[tuple[np.ndarray, list[tuple[int, int, int, tuple | None]]]]
    offsets: list[int]
    slot_edge: np.ndarray


def _edges_by_slot(ptr: np.ndarray, deg: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Edge positions (in the direction's CSR) listed target by target in storage order."""
    starts = np.repeat(ptr[tgt] - np.concatenate(([0], np.cumsum(deg[tgt])[:-1])), deg[tgt])
    return starts + np.arange(len(starts))


def _group_order(stage: np.ndarray, deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort targets by (stage, degree); label ELL groups (a stage is one group unless padding costs more)."""
    if not len(stage):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((deg, stage))
    st, d = stage[order], deg[order]
    cut = np.flatnonzero(np.r_[True, st[1:] != st[:-1], True])
    lo, hi = cut[:-1], cut[1:]
    waste = d[hi - 1] * (hi - lo) - np.add.reduceat(d, lo)
    label = np.zeros(len(d), dtype=np.int64)
    for a, b in zip(lo[waste > _SMALL_PAD].tolist(), hi[waste > _SMALL_PAD].tolist()):
        label[a:b] = _split_groups(d[a:b])
    return order, label


def _split_groups(d: np.ndarray) -> np.ndarray:
    """Group labels for sorted degrees ``d``: contiguous runs minimising steps · overhead + padded slots.

    Candidate cuts are at fine (×1.19) degree buckets; a dynamic program picks the cheapest cuts.
    """
    fine = np.ceil(np.log2(d) * 4).astype(np.int64)
    first = np.flatnonzero(np.r_[True, fine[1:] != fine[:-1]])
    top = d[np.r_[first[1:], len(d)] - 1]  # widest degree of each fine bucket
    before = np.r_[first, len(d)]  # targets before each bucket
    k = len(first)
    best, back = np.zeros(k + 1), np.zeros(k + 1, dtype=np.int64)
    for j in range(k):  # group = buckets i..j, padded to top[j]
        costs = best[: j + 1] + _STEP_SLOTS + top[j] * (before[j + 1] - before[: j + 1])
        back[j + 1] = int(np.argmin(costs))
        best[j + 1] = costs[back[j + 1]]
    labels, j, g = np.zeros(k, dtype=np.int64), k, 1
    while j > 0:
        labels[back[j]: j] = g
        j, g = back[j], g + 1
    return np.repeat(labels.max() + 1 - labels, np.diff(before))


def _build_ell(plan: LevelPlan) -> Ell:
    """Scatter every CSR entry into its group's padded ``(D, count)`` block (flat, row-major)."""
    n_t = len(plan.degree)
    stage_of = np.repeat(np.arange(len(plan.stages)), [b - a for a, b in plan.stages])
    key = stage_of * (n_t + 1) + plan.bucket
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if n_t else np.zeros(0, np.int64)
    cnt = np.diff(np.r_[first, n_t])
    width = np.maximum.reduceat(plan.degree, first) if n_t else first
    off = np.concatenate(([0], np.cumsum(width * cnt))).astype(np.int64)
    group = np.repeat(np.arange(len(first)), cnt)
    local = np.arange(n_t) - np.repeat(first, cnt)
    owner = np.repeat(np.arange(n_t), plan.degree)
    slot = np.arange(len(plan.idx)) - plan.ptr[owner]
    pos = off[group[owner]] + slot * cnt[group[owner]] + local[owner]
    dummy = len(plan.rank) - 1
    src_flat = np.full(off[-1], dummy, dtype=np.int64)
    src_flat[pos] = plan.idx
    slot_edge = np.full(off[-1], -1, dtype=np.int64)
    slot_edge[pos] = plan.edge
    starts = (plan.base + first).tolist()
    shapes = list(zip(off[:-1].tolist(), width.tolist(), cnt.tolist()))
    stage_first = np.flatnonzero(np.r_[True, np.diff(stage_of[first]) != 0]).tolist() if n_t else []
    stages, offsets = [], []
    for i, j in zip(stage_first, [*stage_first[1:], len(first)]):
        lo, hi = shapes[i][0], int(off[j])
        if j - i == 1:
            src = src_flat[lo:hi].reshape(shapes[i][1:])
            groups = [(i, starts[i], starts[i] + shapes[i][2], None)]
        else:
            src = src_flat[lo:hi]
            groups = [(g, starts[g], starts[g] + c, (o - lo, o - lo + d * c, (d, c)))
                      for g, (o, d, c) in enumerate(shapes[i:j], start=i)]
        stages.append((src, groups))
        offsets.append(lo)
    return Ell(stages, offsets, slot_edge)
