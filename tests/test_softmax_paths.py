"""``sad.logsumexp`` and ``sad.softmax`` work on both paths: array tracing and element-wise tracing
(regression: the element-wise path raised NumPy's TypeError from ``np.isfinite`` on an object array)."""

import numpy as np
import pytest

import semiring_ad as sad

FUNCTIONS = {
    "logsumexp": lambda x: sad.logsumexp(x),
    "softmax[0]": lambda x: sad.softmax(x)[0],
    "logsumexp rows": lambda x: np.sum(sad.logsumexp(np.reshape(x, (2, 2)), axis=1) ** 2),
}


def central_gradient(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("per_element", [False, True])
def test_gradient_matches_finite_differences(name, per_element):
    f, x = FUNCTIONS[name], np.array([0.3, -1.2, 2.0, 700.0])  # 700: exp overflows without the shift
    g = sad.grad(f, per_element=per_element)(x)  # f reaches 5e5: its differences carry ~1e-5
    np.testing.assert_allclose(g, central_gradient(lambda z: float(f(z)), x), rtol=1e-6, atol=1e-4)


def test_element_wise_softmax_on_a_list_of_numbers():
    np.testing.assert_allclose(sad.grad(lambda x: sad.softmax(x)[0], per_element=True)([1.0, 2.0, 3.0]),
                               sad.grad(lambda x: sad.softmax(x)[0])(np.array([1.0, 2.0, 3.0])), rtol=1e-12)
