"""SciPy's compiled sparse kernels, reached without per-call wrapper overhead.

Two kernels do the heavy lifting for the real semiring: CSR mat-vec
(``y += A @ x``, the engine of ``csr_array @ x``) and SuperLU's triangular
substitution (the engine of ``spsolve_triangular``), here on a unit upper
triangle whose strictly upper part is the in-edge CSR itself.  The public wrappers
allocate, validate and (for the triangular solve) rewrite the matrix on every
call, which costs more than the arithmetic on small levels.  This module
calls the engines directly after checking them once on a small system
against NumPy; if an engine is missing or its check fails, the public
functions are used instead (same results, slower).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

__all__ = ["csr_matvec", "unit_upper_solve"]


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
    """SuperLU's ``gstrs`` if importable and correct on a small system (both orientations)."""
    try:
        from scipy.sparse.linalg._dsolve import _superlu
        ptr, idx = np.array([0, 0, 1, 3], dtype=np.intc), np.array([0, 1, 0], dtype=np.intc)
        data = np.array([-2.0, -3.0, 0.5])
        a = np.eye(3) + np.array([[0, -2.0, 0.5], [0, 0, -3.0], [0, 0, 0]])  # I + the strictly upper part
        b = np.array([1.0, 2.0, 3.0])
        ok = all(np.allclose(_gstrs(_superlu.gstrs, ptr, idx, data, b.copy(), t), np.linalg.solve(m, b))
                 for t, m in (("N", a), ("T", a.T)))
    except Exception:  # missing or changed: use the public function
        return None
    return _superlu.gstrs if ok else None


def _gstrs(gstrs: Callable, ptr: np.ndarray, idx: np.ndarray, data: np.ndarray, b: np.ndarray,
           trans: str) -> np.ndarray:
    """``gstrs`` with L = I and U = I + the strictly upper CSC ``(data, idx, ptr)`` (SuperLU keeps
    U's diagonal in L, so the identity L supplies the unit diagonal)."""
    n = len(ptr) - 1
    eye_ptr = np.arange(n + 1, dtype=np.intc)
    x, info = gstrs(trans, n, n, np.ones(n), eye_ptr[:-1], eye_ptr, n, len(idx), data, idx, ptr, b)
    if info:
        raise np.linalg.LinAlgError(f"SuperLU gstrs failed with info={info}")
    return x


def unit_upper_solve(ptr: np.ndarray, idx: np.ndarray, data: np.ndarray, b: np.ndarray,
                     transpose: bool) -> np.ndarray:
    """Solve ``U x = b`` (or ``Uᵀ x = b``), ``U`` = I + the strictly upper CSC ``(data, idx, ptr)``.

    ``ptr``/``idx`` are ``intc``; column ``j`` lists rows ``< j`` in any order; ``b`` is ``(n,)`` or
    ``(n, k)`` float64 and may be overwritten.

    >>> ptr, idx, data = np.array([0, 0, 1], dtype=np.intc), np.array([0], dtype=np.intc), np.array([-2.0])
    >>> up, down = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    >>> unit_upper_solve(ptr, idx, data, up, False), unit_upper_solve(ptr, idx, data, down, True)
    (array([2., 1.]), array([1., 2.]))
    """
    gstrs = _raw_gstrs()
    if gstrs is not None:
        return _gstrs(gstrs, ptr, idx, data, b, "T" if transpose else "N")
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve_triangular  # on first use: slow to import

    n = len(ptr) - 1
    U = sp.csc_array((data, idx, ptr), shape=(n, n))
    A = U.T.tocsc() if transpose else U.tocsc()
    return spsolve_triangular(A, b, lower=transpose, unit_diagonal=True, overwrite_A=True, overwrite_b=True)
