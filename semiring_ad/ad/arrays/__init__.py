"""Array-valued AD: nodes hold NumPy arrays, edges carry linear maps, the same path solver.

``import semiring_ad as sad; sad.arrays.grad(f)(x)`` traces ``f`` with one
node per array operation (not per element) and solves over
:data:`~semiring_ad.core.linear_semiring.LINEAR`.  Data flows
tape (the tracer and elementwise rows) → rules (the other NumPy functions) → api.

* :mod:`~semiring_ad.ad.arrays.tape` — :class:`ArrayTape`, :class:`ArrayTracer`,
  :func:`register_array_function`;
* :mod:`~semiring_ad.ad.arrays.rules` — matmul, reductions, shapes, indexing, joins;
* :mod:`~semiring_ad.ad.arrays.linalg` — ``np.linalg`` (inv, solve, det, slogdet, norm),
  two-operand ``einsum``, ``prod``, and the stable :func:`logsumexp` / :func:`softmax`;
* :mod:`~semiring_ad.ad.arrays.pytree` — arguments as dicts, lists and tuples of arrays;
* :mod:`~semiring_ad.ad.arrays.api` — ``grad``, ``value_and_grad``, ``jacfwd``,
  ``jacrev``, ``jacobian``, ``jvp``, ``vjp``, :func:`trace_arrays`;
* :mod:`~semiring_ad.ad.arrays.sparsity` — element-level Jacobian and Hessian patterns
  from the maps' structure; :mod:`~semiring_ad.ad.arrays.sparse` — sparse Jacobians
  (``jacobian(f, sparse=True)``) and :func:`sparse_hessian_arrays`.
"""

from . import rules  # noqa: F401  (registers the NumPy function rules)
from .api import ArrayGraph, grad, jacfwd, jacobian, jacrev, jvp, trace_arrays, value_and_grad, vjp
from .linalg import logsumexp, softmax  # also registers np.linalg, einsum and prod
from .sparse import sparse_hessian_arrays
from .sparsity import hessian_pattern_arrays, jacobian_pattern_arrays
from .tape import ARRAY_FUNCTIONS, ArrayTape, ArrayTracer, register_array_function

__all__ = [
    "ARRAY_FUNCTIONS",
    "ArrayGraph",
    "ArrayTape",
    "ArrayTracer",
    "grad",
    "hessian_pattern_arrays",
    "jacfwd",
    "jacobian",
    "jacobian_pattern_arrays",
    "jacrev",
    "jvp",
    "logsumexp",
    "register_array_function",
    "softmax",
    "sparse_hessian_arrays",
    "trace_arrays",
    "value_and_grad",
    "vjp",
]
