"""SciPy's compiled sparse kernels, reached without per-call wrapper overhead.

Two kernels do the heavy lifting for the real semiring: CSR mat-vec
(``y += A @ x``, the engine of ``csr_array @ x``) and SuperLU's triangular
substitution (the engine of ``spsolve_triangular``).  The public wrappers
allocate, validate and (for the triangular solve) rewrite the matrix on every
call, which costs more than the arithmetic on small levels.  This module
calls the engines directly after checking them once on a small system
against NumPy; if an engine is missing or its check fails, the public
functions are used instead (same results, slower).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["csr_matvec", "unit_lower_solve"]


@cache
def _raw_matvec() -> tuple[Callable, Callable] | None:
    """``(csr_matvec, csr_matvecs)`` from ``scipy.sparse._sparsetools`` if present and correct."""
    try:
        from scipy.sparse import _sparsetools as st

        ptr, idx = np.array([1, 2, 4], dtype=np.intc), np.array([9, 0, 1, 0], dtype=np.intc)
        data, x = np.array([9.0, 2.0, 3.0, 4.0]), np.array([1.0, 10.0])
        y = np.array([0.5, 0.25])
        st.csr_matvec(2, 2, ptr, idx, data, x, y)  # absolute offsets: rows use data[1:2], data[2:4]
        X, Y = np.array([[1.0, 2.0], [10.0, 20.0]]), np.zeros((2, 2))
        st.csr_matvecs(2, 2, 2, ptr, idx, data, X.ravel(), Y.ravel())
        b, yb = np.array([False, True]), np.zeros(2, dtype=bool)
        st.csr_matvec(2, 2, ptr, idx, np.ones(4, dtype=bool), b, yb)
        ok = (np.allclose(y, [2.5, 34.25]) and np.allclose(Y, [[2, 4], [34, 68]])
              and yb.tolist() == [False, True])
    except Exception:  # missing or changed: use the public operator
        return None
    return (st.csr_matvec, st.csr_matvecs) if ok else None


def csr_matvec(ptr: np.ndarray, idx: np.ndarray, data: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """``y += A @ x`` for the rows ``ptr`` (absolute offsets into ``idx``/``data``) of a CSR matrix.

    ``x`` is ``(N,)`` or ``(N, k)``; ``y`` a contiguous ``(rows,)`` or ``(rows, k)`` view, updated in
    place.  Boolean arrays give (or, and).

    >>> y = np.zeros(1)
    >>> csr_matvec(np.array([0, 2]), np.array([0, 1]), np.array([2.0, 3.0]), np.array([1.0, 1.0]), y)
    >>> y
    array([5.])
    """
    raw = _raw_matvec()
    rows, n = len(ptr) - 1, len(x)
    if raw is not None and ptr.dtype == idx.dtype == np.intc:
        if x.ndim == 1:
            raw[0](rows, n, ptr, idx, data, x, y)
        else:
            raw[1](rows, n, x.shape[1], ptr, idx, data, x.ravel(), y.reshape(-1))
        return
    lo, hi = int(ptr[0]), int(ptr[-1])
    import scipy.sparse as sp
    A = sp.csr_array((data[lo:hi], idx[lo:hi], ptr - lo), shape=(rows, n))
    y += A @ x


@cache
def _raw_gstrs() -> Callable | None:
    """SuperLU's ``gstrs`` if importable and correct on a small system."""
    try:
        import scipy.sparse as sp
        from scipy.sparse.linalg._dsolve import _superlu
        L = sp.csc_array(np.array([[1.0, 0, 0], [-2.0, 1, 0], [0.5, -3.0, 1]]))
        b = np.array([1.0, 2.0, 3.0])
        ok = all(np.allclose(_gstrs(_superlu.gstrs, L, b.copy(), t), np.linalg.solve(a, b))
                 for t, a in (("N", L.toarray()), ("T", L.toarray().T)))
    except Exception:  # missing or changed: use the public function
        return None
    return _superlu.gstrs if ok else None


def _gstrs(gstrs: Callable, L: sp.csc_array, b: np.ndarray, trans: str) -> np.ndarray:
    n = L.shape[0]
    x, info = gstrs(trans, n, L.nnz, L.data, L.indices.astype(np.intc, copy=False),
                    L.indptr.astype(np.intc, copy=False), n, 0, np.zeros(0), np.zeros(0, dtype=np.intc),
                    np.zeros(n + 1, dtype=np.intc), b)
    if info:
        raise np.linalg.LinAlgError(f"SuperLU gstrs failed with info={info}")
    return x


def unit_lower_solve(L: sp.csc_array, b: np.ndarray, transpose: bool) -> np.ndarray:
    """Solve ``L x = b`` (or ``Lᵀ x = b``) for a unit lower-triangular CSC ``L`` with explicit diagonal.

    >>> import scipy.sparse as sp
    >>> L = sp.csc_array(np.array([[1.0, 0.0], [-2.0, 1.0]]))
    >>> unit_lower_solve(L, np.array([1.0, 0.0]), False), unit_lower_solve(L, np.array([0.0, 1.0]), True)
    (array([1., 2.]), array([2., 1.]))
    """
    gstrs = _raw_gstrs()
    if gstrs is not None:
        return _gstrs(gstrs, L, b, "T" if transpose else "N")
    A = L.T.tocsc() if transpose else L.copy()
    from scipy.sparse.linalg import spsolve_triangular  # on first use: slow to import

    return spsolve_triangular(A, b, lower=not transpose, unit_diagonal=True, overwrite_A=True, overwrite_b=True)
