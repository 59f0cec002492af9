"""Semiring laws for every registered semiring, and that check_laws catches broken ones.

Every registered semiring is picked up from ``SEMIRINGS``; one the strategies
do not know fails with "add a sample strategy for semiring X".
"""

from __future__ import annotations

import math
import operator
from dataclasses import replace

import hypothesis.strategies as st
import pytest
import strategies as strat
import sympy
from hypothesis import given

import semiring_ad
from semiring_ad import (
    COUNTING,
    LOG,
    MAX_PLUS,
    MIN_PLUS,
    PATHS,
    PLUS_TIMES,
    SEMIRINGS,
    SYMBOLIC,
    OpCounter,
    Semiring,
    SemiringADError,
    SemiringLawError,
    UnknownSemiringError,
    check_laws,
    counted,
    get_semiring,
    path_weight,
    product,
)

REGISTERED = sorted(SEMIRINGS)
# check_laws is cubic in the number of samples; SymPy's expand makes a symbolic law check
# ~100x slower than a float one.
MAX_SAMPLES = {"symbolic": 4}


def law_samples(name: str) -> st.SearchStrategy:
    return st.lists(strat.sample_values(name), min_size=1, max_size=MAX_SAMPLES.get(name, 5))


# -- the registry ------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTERED)
def test_registry_maps_lowercase_name_to_semiring(name):
    s = SEMIRINGS[name]
    assert isinstance(s, Semiring)
    assert s.name == name == name.lower()
    assert get_semiring(name) is s
    assert get_semiring(name.upper().replace("_", "-")) is s
    assert get_semiring(s) is s


def test_builtin_semirings_are_registered():
    builtins = {"plus_times", "counting", "min_plus", "max_plus", "max_times", "or_and", "log", "symbolic", "paths"}
    assert builtins <= set(SEMIRINGS)
    for name in builtins:
        assert getattr(semiring_ad, name.upper()) is SEMIRINGS[name]


def test_unknown_semiring_name_raises_with_the_known_names():
    with pytest.raises(UnknownSemiringError) as info:
        get_semiring("no_such_semiring")
    assert isinstance(info.value, SemiringADError)
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "'no_such_semiring'" in message
    for name in SEMIRINGS:
        assert name in message


def test_a_semiring_without_samples_fails_loudly():
    with pytest.raises(pytest.fail.Exception, match="add a sample strategy for semiring 'no_such_semiring'"):
        strat.sample_values("no_such_semiring")
    with pytest.raises(pytest.fail.Exception, match="add a sample strategy for semiring 'no_such_semiring'"):
        strat.weight_values("no_such_semiring")


# -- the laws hold -------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTERED)
def test_check_laws_passes_for_registered_semiring(name):
    semiring, samples = SEMIRINGS[name], law_samples(name)  # fails here if name has no samples

    @given(samples)
    def check(values):
        check_laws(semiring, values)

    check()


@pytest.mark.parametrize("name", REGISTERED)
def test_identities_behave_as_identities_on_weights(name):
    semiring = SEMIRINGS[name]

    @given(strat.weight_values(name) if name != "paths" else strat.sample_values(name))
    def check(a):
        assert semiring.approx_equal(semiring.sum([a]), a)
        assert semiring.approx_equal(semiring.prod([a]), a)
        assert semiring.approx_equal(semiring.sum([]), semiring.zero)
        assert semiring.approx_equal(semiring.prod([]), semiring.one)

    check()


@given(st.lists(st.tuples(strat.sample_values("min_plus"), strat.sample_values("counting")), min_size=1, max_size=6))
def test_product_min_plus_counting_satisfies_the_laws(samples):
    check_laws(product(MIN_PLUS, COUNTING), samples)


@given(law_samples("plus_times"))
def test_counted_plus_times_satisfies_the_laws_and_counts(samples):
    c = counted(PLUS_TIMES)
    check_laws(c, samples)
    assert c.counter.plus > 0 and c.counter.times > 0


def test_counted_counts_exactly_the_operations_performed():
    c = counted(PLUS_TIMES)
    assert c.counter == OpCounter(0, 0)
    assert c.sum([1, 2, 3]) == 6  # zero ⊕ 1 ⊕ 2 ⊕ 3: three ⊕
    assert c.prod([2, 3]) == 6  # one ⊗ 2 ⊗ 3: two ⊗
    assert (c.counter.plus, c.counter.times, c.counter.total) == (3, 2, 5)
    c.counter.reset()
    assert c.counter.total == 0
    assert c.kernels is None  # no vectorized backend may bypass the counter


def test_counting_is_exact_beyond_int64():
    big = 2**64 + 1
    check_laws(COUNTING, [big, 2**100 - 1, 3, 0])
    assert COUNTING.times(big, big) == 2**128 + 2**65 + 1
    assert COUNTING.plus(big, -1) == 2**64


def test_float_laws_need_a_tolerance_and_bounded_samples():
    # The documented exemption: floating-point ⊕ is not associative, so check_laws compares
    # floats with a tolerance and the strategies bound their floats.  Unbounded, it fails:
    with pytest.raises(SemiringLawError) as info:
        check_laws(PLUS_TIMES, [1e16, -1e16, 1.0])
    assert info.value.law == "associativity of ⊕"
    # ... and exact comparison rejects even small floats: (0.1 * 0.1) * 0.3 != 0.1 * (0.1 * 0.3).
    with pytest.raises(SemiringLawError, match="associativity of ⊗"):
        check_laws(PLUS_TIMES, [0.1, 0.2, 0.3], rel_tol=0.0, abs_tol=0.0)
    check_laws(PLUS_TIMES, [0.1, 0.2, 0.3])
    check_laws(LOG, [0.1, 0.2, 0.3, -math.inf])


def test_infinities_outside_the_carrier_break_annihilation():
    # Why the strategies keep -inf out of MIN_PLUS and +inf out of MAX_PLUS: inf + -inf is nan.
    with pytest.raises(SemiringLawError, match="annihilation"):
        check_laws(MIN_PLUS, [1.0, -math.inf])
    with pytest.raises(SemiringLawError, match="annihilation"):
        check_laws(MAX_PLUS, [1.0, math.inf])


def test_symbolic_laws_compare_by_expansion():
    x, y = sympy.symbols("x y")
    check_laws(SYMBOLIC, [x, y + 1, 2 * x * y])
    assert SYMBOLIC.approx_equal(x * (y + 1), x * y + x)
    assert not SYMBOLIC.approx_equal(x * (y + 1), x * y)


# -- check_laws catches broken semirings ---------------------------------------------


def _raises_law(semiring: Semiring, samples: list, law_fragment: str) -> SemiringLawError:
    with pytest.raises(SemiringLawError) as info:
        check_laws(semiring, samples)
    err = info.value
    assert law_fragment in err.law, err.law
    assert err.law in str(err) and semiring.name in str(err)
    assert isinstance(err, SemiringADError)
    return err


def test_wrong_identity_of_plus_is_caught():
    broken = replace(MIN_PLUS, name="min_plus_zero0", zero=0.0)  # 0 is not min's identity
    err = _raises_law(broken, [3.0, -1.0], "identity of ⊕")
    assert err.counterexample == (3.0,)


def test_wrong_identity_of_times_is_caught():
    broken = replace(PLUS_TIMES, name="plus_times_one0", one=0)
    _raises_law(broken, [2, 5], "identity of ⊗")


def test_wrong_zero_that_does_not_annihilate_is_caught():
    # (max, max, -inf, -inf): max distributes over itself, so what breaks is annihilation,
    # max(-inf, a) = a, not -inf.  (Not a distributivity counterexample; see the next test.)
    max_max = Semiring("max_max", max, max, -math.inf, -math.inf, idempotent=True)
    _raises_law(max_max, [1.0, 2.0], "annihilation")


def test_non_distributive_structure_is_caught():
    # (bitwise or, ×, 0, 1) on non-negative ints: identities, annihilation, associativity and
    # commutativity all hold, distributivity does not: 3 × (1 | 2) = 9 but (3 × 1) | (3 × 2) = 7.
    or_times = Semiring("or_times", operator.or_, operator.mul, 0, 1)
    err = _raises_law(or_times, [1, 2, 3], "distributivity")
    a, b, c = err.counterexample
    assert a * (b | c) != (a * b) | (a * c) or (a | b) * c != (a * c) | (b * c)


def test_non_associative_plus_is_caught():
    mean = Semiring("mean_times", lambda a, b: (a + b) / 2, operator.mul, 0.0, 1.0)
    with pytest.raises(SemiringLawError):
        check_laws(mean, [0.0, 4.0])


def test_non_commutative_times_declared_commutative_is_caught():
    liar = replace(PATHS, name="commutative_paths", commutative=True)
    ab, bc = path_weight("a", "b"), path_weight("b", "c")
    err = _raises_law(liar, [ab, bc], "commutativity of ⊗")
    assert set(err.counterexample) == {ab, bc}
    check_laws(PATHS, [ab, bc])  # the honest declaration passes on the same samples


@given(st.lists(strat.sample_values("paths"), min_size=1, max_size=5))
def test_commutativity_claim_fails_exactly_when_samples_do_not_commute(samples):
    # Oracle: concatenate by hand.  All other PATHS laws hold, so the only possible failure is ⊗.
    def concat(a, b):
        return {p + q for p in a for q in b}

    commute = all(concat(a, b) == concat(b, a) for a in samples for b in samples)
    liar = replace(PATHS, commutative=True)
    if commute:
        check_laws(liar, samples)
    else:
        with pytest.raises(SemiringLawError) as info:
            check_laws(liar, samples)
        assert info.value.law == "commutativity of ⊗ (declared commutative=True)"


def test_false_idempotence_claim_is_caught():
    _raises_law(replace(PLUS_TIMES, idempotent=True), [1.0], "idempotence")


# -- products keep their order -------------------------------------------------------


def test_paths_product_keeps_order():
    ab, bc = path_weight("a", "b"), path_weight("b", "c")
    assert PATHS.prod([ab, bc]) == frozenset({(("a", "b"), ("b", "c"))})
    assert PATHS.times(bc, ab) == frozenset({(("b", "c"), ("a", "b"))})
    assert PATHS.one == frozenset({()}) and PATHS.zero == frozenset()
