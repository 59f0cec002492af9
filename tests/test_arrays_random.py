"""Random array programs (hypothesis): the array tracer against finite differences and the element-wise tracer.

A program is a chain of smooth primitives of the table (each argument mapped
smoothly into the interval where that primitive's tests sample it), binary
steps against constants of broadcasting shapes or against the traced value
itself, and a final sum over a random axis, at shapes from 0-d to 3-D.
"""

import hypothesis.strategies as st
import numpy as np
from hypothesis import given, settings
from test_arrays import numeric_jacobian
from test_primitives import KINKS, intervals

import semiring_ad as sad
from semiring_ad import arrays as sa
from semiring_ad.ad.dispatch import apply
from semiring_ad.ad.primitives import PRIMITIVES

SMOOTH_UNARY = sorted(n for n, p in PRIMITIVES.items() if p.arity == 1 and n not in KINKS)
SMOOTH_BINARY = sorted(n for n, p in PRIMITIVES.items() if p.arity == 2 and n not in KINKS)
SHAPES = [(), (3,), (2, 3), (2, 1, 3)]


def _into(name, k, v):
    """Map v into the open interval where argument k of primitive ``name`` is sampled (smoothly)."""
    lo, hi = intervals(name)[k]
    return lo + (hi - lo) * sad.sigmoid(v)


@st.composite
def array_programs(draw):
    shape = draw(st.sampled_from(SHAPES))
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            steps.append(("unary", draw(st.sampled_from(SMOOTH_UNARY)), None))
        else:
            name = draw(st.sampled_from(SMOOTH_BINARY))
            other = draw(st.sampled_from([*SHAPES, "self"]))
            steps.append(("binary", name, other, draw(st.booleans())))
    axis = draw(st.sampled_from([None, *range(len(shape))]))
    x = np.array(draw(st.lists(st.floats(-2, 2), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
    return shape, steps, axis, draw(st.booleans()), x.reshape(shape)


def run_program(shape, steps, axis, keepdims, x):
    v = x
    for step in steps:
        if step[0] == "unary":
            v = apply(step[1], _into(step[1], 0, v))
        else:
            _, name, other, swap = step
            if other == "self":  # a second traced operand
                w = v[..., ::-1] if np.ndim(v) else v * 0.5
            else:
                w = np.linspace(-1.0, 1.0, int(np.prod(other))).reshape(other)
            a, b = (_into(name, 0, w), _into(name, 1, v)) if swap else (_into(name, 0, v), _into(name, 1, w))
            v = apply(name, a, b)
    return np.sum(v, axis=axis, keepdims=keepdims)


@settings(max_examples=60, deadline=None)
@given(array_programs())
def test_random_array_programs_match_finite_differences_and_element_wise_tracing(program):
    shape, steps, axis, keepdims, x = program
    f = lambda x: run_program(shape, steps, axis, keepdims, x)  # noqa: E731
    J = sa.jacrev(f)(x)
    np.testing.assert_allclose(J, numeric_jacobian(f, x), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(sa.jacfwd(f)(x), J, rtol=1e-10, atol=1e-12)
    if shape:  # the element-wise tracer on the same function (object arrays of scalar tracers)
        np.testing.assert_allclose(np.asarray(sad.jacobian(f)(x), dtype=float).reshape(J.shape), J,
                                   rtol=1e-10, atol=1e-12)
