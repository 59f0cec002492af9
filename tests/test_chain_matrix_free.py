"""The bracketing DP with matrix-free factors (a JVP or VJP per factor instead of a block), against brute force.

* over every bracketing *and* every per-factor choice (block product, tangent
  model, adjoint model) of chains up to L = 5, the DP's cost is the minimum, and
  its tree costs what it says;
* evaluating a tree with NumPy — a JVP/VJP with a dense factor is a product whose
  multiplications NumPy's shapes give — yields the chain product J_L ··· J_1
  (``np.linalg.multi_dot``) at exactly the stated cost;
* with no models the DP is the dense matrix-chain one; a chain of structured maps
  (``matrix_free_costs``) is cheaper matrix-free.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from semiring_ad import InputError, bracketing_cost, matrix_free_costs, optimal_bracketing
from semiring_ad.core.linear import Dense, Diagonal


def all_trees(i, j, jvp, vjp):
    """Every bracketing of J_j ··· J_i with every per-factor choice the models allow."""
    if i == j:
        return [i]
    out = [(a, b) for k in range(i, j) for a in all_trees(k + 1, j, jvp, vjp) for b in all_trees(i, k, jvp, vjp)]
    if jvp[j - 1] is not None:
        out += [("jvp", j, t) for t in all_trees(i, j - 1, jvp, vjp)]
    if vjp[i - 1] is not None:
        out += [("vjp", t, i) for t in all_trees(i + 1, j, jvp, vjp)]
    return out


costs = st.one_of(st.none(), st.integers(0, 60))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=6).flatmap(
    lambda d: st.tuples(st.just(d), st.lists(costs, min_size=len(d) - 1, max_size=len(d) - 1),
                        st.lists(costs, min_size=len(d) - 1, max_size=len(d) - 1))))
def test_dp_is_the_cheapest_of_all_bracketings_and_choices(case):
    widths, jvp, vjp = case
    trees = all_trees(1, len(widths) - 1, jvp, vjp)
    brute = min(bracketing_cost(widths, t, jvp=jvp, vjp=vjp) for t in trees)
    best = optimal_bracketing(widths, jvp=jvp, vjp=vjp)
    assert best.cost == brute
    assert bracketing_cost(widths, best.tree, jvp=jvp, vjp=vjp) == best.cost


def evaluate(tree, mats, d):
    """The tree's product with NumPy, and its multiplications counted from the shapes NumPy multiplies.

    A factor with a model is materialised by the cheaper of d_{l-1} JVPs (J_l @ I) or d_l VJPs (I @ J_l);
    ``("jvp", l, B)`` is J_l @ B and ``("vjp", A, l)`` is A @ J_l, each a dense product here."""
    stack, done = [(tree, False)], {}
    while stack:
        t, ready = stack.pop()
        if isinstance(t, int):
            J = mats[t]
            done[id(t)] = (J, min(J.shape[0], J.shape[1]) * J.size)  # min(d_{l-1}·(d_l d_{l-1}), d_l·(d_l d_{l-1}))
            continue
        kids = (t[2],) if t[0] == "jvp" else (t[1],) if t[0] == "vjp" else t
        if not ready:
            stack.append((t, True))
            stack.extend((k, False) for k in kids)
            continue
        if t[0] == "jvp":
            B, c = done[id(t[2])]
            A = mats[t[1]]
        elif t[0] == "vjp":
            A, c = done[id(t[1])]
            B = mats[t[2]]
        else:
            (A, ca), (B, cb) = done[id(t[0])], done[id(t[1])]
            c = ca + cb
        done[id(t)] = (A @ B, c + A.shape[0] * A.shape[1] * B.shape[1])
    return done[id(tree)]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=6), st.randoms(use_true_random=False))
def test_the_optimal_plan_computes_the_chain_product_at_its_stated_cost(widths, rnd):
    rng = np.random.default_rng(rnd.randrange(2**32))
    L = len(widths) - 1
    mats = {f: rng.normal(size=(widths[f], widths[f - 1])) for f in range(1, L + 1)}
    dense = [widths[f] * widths[f - 1] for f in range(1, L + 1)]  # a JVP or VJP with a dense block
    best = optimal_bracketing(widths, jvp=dense, vjp=dense)
    product, counted = evaluate(best.tree, mats, widths)
    np.testing.assert_allclose(product, np.linalg.multi_dot([mats[f] for f in range(L, 0, -1)] + [np.eye(widths[0])]),
                               atol=1e-9)
    assert counted == best.cost


def test_structured_maps_are_cheaper_matrix_free():
    n = 50
    maps = [Dense(np.ones((n, 1)), (1,), (n,))] + [Diagonal(np.full(n, 0.5), (n,)) for _ in range(4)]
    widths, jvp, vjp = matrix_free_costs(maps)
    assert widths == [1] + [n] * 5 and jvp == vjp == [n] + [n] * 4
    free = optimal_bracketing(widths, jvp=jvp, vjp=vjp)
    assert free.cost == 4 * n + n  # J1 by one JVP, then one tangent through each diagonal
    assert str(free) == "jvp5(jvp4(jvp3(jvp2(J1))))"
    assert optimal_bracketing(widths).cost == 4 * n * n  # dense blocks: n·n·1 per product


def test_bad_model_costs_and_plans_are_named():
    with pytest.raises(InputError, match="one cost per factor"):
        optimal_bracketing([2, 3, 4], jvp=[1])
    with pytest.raises(InputError, match="no jvp model"):
        bracketing_cost([2, 3, 4], ("jvp", 2, 1))
    with pytest.raises(InputError, match="next to the block"):
        bracketing_cost([2, 3, 4, 5], ("jvp", 3, 1), jvp=[1, 1, 1])
    with pytest.raises(InputError, match="not a chain"):
        matrix_free_costs([Dense(np.ones((3, 2)), (2,), (3,)), Diagonal(np.ones(4), (4,))])
