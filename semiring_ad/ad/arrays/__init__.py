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
* :mod:`~semiring_ad.ad.arrays.graph` — :class:`ArrayGraph` and :func:`trace_arrays`
  (pytree outputs, ``has_aux``);
* :mod:`~semiring_ad.ad.arrays.api` — ``grad``, ``value_and_grad``, ``jacfwd``,
  ``jacrev``, ``jacobian``, ``jvp``, ``vjp``;
* :mod:`~semiring_ad.ad.arrays.dual_maps` — dual linear maps, the edge weights of forward-over-reverse;
* :mod:`~semiring_ad.ad.arrays.second_order` — ``hessian``, ``hvp``, ``vmap_grad``;
* :mod:`~semiring_ad.ad.arrays.sparsity` — element-level Jacobian and Hessian patterns
  from the maps' structure; :mod:`~semiring_ad.ad.arrays.sparse` — sparse Jacobians
  (``jacobian(f, sparse=True)``) and :func:`sparse_hessian_arrays`.

Since the public ``semiring_ad.grad`` & co. take this path for float NumPy
arrays (:mod:`semiring_ad.ad.array_dispatch`), calling ``semiring_ad.arrays.*``
directly is only needed to insist on it (no fallback to the element-wise path).
"""

from . import fixed_point as _fixed_point  # noqa: F401  (registers semiring_ad.fixed_point on array tracers)
from . import rules  # noqa: F401  (registers the NumPy function rules)
from .api import grad, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from .graph import ArrayGraph, trace_arrays
from .linalg import logsumexp, softmax  # also registers np.linalg, einsum and prod
from .second_order import hessian, hvp, vmap_grad
from .sparse import sparse_hessian_arrays
from .sparsity import hessian_pattern_arrays, jacobian_pattern_arrays
from .tape import ARRAY_FUNCTIONS, ArrayTape, ArrayTracer, register_array_function

__all__ = [
    "ARRAY_FUNCTIONS",
    "ArrayGraph",
    "ArrayTape",
    "ArrayTracer",
    "grad",
    "hessian",
    "hessian_pattern_arrays",
    "hvp",
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
    "vmap_grad",
]
