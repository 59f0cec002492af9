"""The SymPy front end: expressions to graphs, closed-form path sums, verification, the safe parser.

Built on :mod:`semiring_ad.ad` and :mod:`semiring_ad.core`; a peer of
:mod:`semiring_ad.views` (neither imports the other).  This is the only layer
that needs SymPy at import time, so ``import semiring_ad`` loads it on first
use of one of its names.

* :mod:`~semiring_ad.symbolic.convert` — a SymPy expression recorded as a tape;
* :mod:`~semiring_ad.symbolic.graphs` — :func:`from_sympy`,
  :func:`symbolic_gradient`, :func:`symbolic_jacobian`;
* :mod:`~semiring_ad.symbolic.verify` and :mod:`~semiring_ad.symbolic.report`
  — one Jacobian by five independent methods;
* :mod:`~semiring_ad.symbolic.swell` — expression swell, measured;
* :mod:`~semiring_ad.symbolic.parsing` and
  :mod:`~semiring_ad.symbolic.vocabulary` — safe text to SymPy for the
  command line.

The names of the former ``semiring_ad.symbolic`` module are exported here
unchanged.
"""

from .graphs import SymbolicGraph, from_sympy, symbolic_gradient, symbolic_jacobian

__all__ = ["SymbolicGraph", "from_sympy", "symbolic_gradient", "symbolic_jacobian"]
