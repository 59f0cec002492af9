"""Automatic differentiation: the primitive table, tracing, dual numbers and the JAX-style API.

Built on :mod:`semiring_ad.core` and nothing above it.  Data flows
rules → dispatch → tape → tracing → computation → api:

* :mod:`~semiring_ad.ad.primitives` — the :class:`Primitive` row type and the
  table's registration machinery; :mod:`~semiring_ad.ad.rules` — the
  built-in rows; :mod:`~semiring_ad.ad.namespaces` — the math namespaces the
  rules are written against;
* :mod:`~semiring_ad.ad.dispatch` — :func:`apply`, the one entry point that
  picks who computes a primitive; :mod:`~semiring_ad.ad.functions` — the
  public math functions (``semiring_ad.sin`` ...);
* :mod:`~semiring_ad.ad.tape` — the Wengert list and :class:`Tracer`;
  :mod:`~semiring_ad.ad.tracing` — :func:`trace`;
  :mod:`~semiring_ad.ad.computation` — :class:`ComputationGraph`;
* :mod:`~semiring_ad.ad.dual` — dual numbers and the ``DUAL`` semiring;
* :mod:`~semiring_ad.ad.finite` — the finiteness rule (a computed value or
  partial is finite, or ``DomainError``); :mod:`~semiring_ad.ad.refusals` —
  what tracers and dual numbers refuse (``float()``, ``%``, SymPy ...);
  :mod:`~semiring_ad.ad.collector` — the garbage collector while tracing;
* :mod:`~semiring_ad.ad.api` — ``grad``, ``jacobian``, ``jvp``, ``vjp``,
  ``hessian``, ``hvp``, ``vmap_grad``.

The names of the former ``semiring_ad.ad`` module (the AD API) are exported
here unchanged.
"""

from . import rules  # noqa: F401  (fills the primitive table before anything reads it)
from .api import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacobian_of_graph,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
    vmap_grad,
)

__all__ = [
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacobian_of_graph",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
    "vmap_grad",
]
