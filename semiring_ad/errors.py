"""The library's exceptions: one base class, one subclass per kind of mistake.

Every error says what was expected, what arrived and what to do.  Catch
:class:`SemiringADError` to catch them all.  Subclasses that correspond to a
built-in category also derive from it (``NodeNotFoundError`` is a
``KeyError``, ``DomainError`` a ``ValueError``), so callers that already
catch the built-in keep working.
"""

from __future__ import annotations

__all__ = [
    "DomainError",
    "EnumerationLimitError",
    "ExpressionError",
    "GraphTypeError",
    "InputError",
    "MissingDependencyError",
    "MissingWeightError",
    "NodeNotFoundError",
    "NotADAGError",
    "SemiringADError",
    "SemiringLawError",
    "StaleTraceError",
    "TraceError",
    "UnknownPrimitiveError",
    "UnknownSemiringError",
    "VerificationError",
    "NoStarError",
    "ConvergenceError",
    "ShapeError",
    "UnsupportedOperationError",
    "WeightTypeError",
]


class SemiringADError(Exception):
    """Base class of every error raised by semiring_ad."""


class NotADAGError(SemiringADError):
    """The graph has a directed cycle; ``cycle`` holds its edges ``(u, v)``."""

    def __init__(self, message: str, cycle: list | None = None) -> None:
        super().__init__(message)
        self.cycle = cycle or []


class MissingWeightError(SemiringADError, KeyError):
    """An edge has no weight under the requested attribute; ``edge`` names it."""

    def __init__(self, message: str, edge: tuple | None = None) -> None:
        super().__init__(message)
        self.edge = edge

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class NodeNotFoundError(SemiringADError, KeyError):
    """A source, target, input or output names a node that is not in the graph."""

    def __str__(self) -> str:
        return str(self.args[0])


class GraphTypeError(SemiringADError, TypeError):
    """The object passed as a graph is not a networkx DiGraph or CompiledGraph."""


class SemiringLawError(SemiringADError):
    """A semiring law failed; ``law`` names it and ``counterexample`` holds the samples."""

    def __init__(self, message: str, law: str = "", counterexample: tuple = ()) -> None:
        super().__init__(message)
        self.law = law
        self.counterexample = counterexample


class UnknownSemiringError(SemiringADError, KeyError):
    """A semiring name is not in the ``SEMIRINGS`` registry."""

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownPrimitiveError(SemiringADError, KeyError):
    """An operation has no row in the primitive table."""

    def __str__(self) -> str:
        return str(self.args[0])


class DomainError(SemiringADError, ValueError):
    """A value lies outside a primitive's domain (``log`` of a negative number, ...)."""


class TraceError(SemiringADError):
    """A function could not be traced (unsupported argument or output type, ...)."""


class StaleTraceError(TraceError):
    """A recorded branch decision comes out differently at a new point: trace again."""


class ExpressionError(SemiringADError, ValueError):
    """A textual expression could not be parsed safely; ``position`` is the offending offset."""

    def __init__(self, message: str, position: int | None = None, text: str = "") -> None:
        super().__init__(message)
        self.position = position
        self.text = text


class EnumerationLimitError(SemiringADError):
    """Enumerating paths would exceed the allowed number; use ``top=`` instead."""


class VerificationError(SemiringADError):
    """Independent derivative computations disagree; ``report`` carries the details."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class InputError(SemiringADError, ValueError):
    """Bad user input that no other check sees: a malformed graph file, a repeated ``--at``."""


class MissingDependencyError(SemiringADError, ImportError):
    """An optional program or package is needed (Graphviz's ``dot``, matplotlib); the message says which."""


class NoStarError(NotADAGError):
    """A cycle's path sum does not exist in the semiring; ``cycle`` names it and ``semiring`` the semiring.

    Raised when a graph with a cycle is solved in a semiring without a Kleene
    star (``COUNTING``, ``PATHS``: infinitely many paths), or whose star of the
    cycle's weight is infinite (a negative cycle in ``MIN_PLUS``, a loop of
    weight 1 in ``PLUS_TIMES``).  It is a :class:`NotADAGError`, so code that
    catches "this graph has a cycle" keeps working; ``value`` is the weight
    whose star failed, when known.
    """

    def __init__(self, message: str, cycle: list | None = None, semiring: str = "", value: object = None) -> None:
        super().__init__(message, cycle)
        self.semiring = semiring
        self.value = value


class ConvergenceError(SemiringADError):
    """An iteration (``fixed_point``) did not converge; ``last`` holds its last iterates."""

    def __init__(self, message: str, last: tuple = ()) -> None:
        super().__init__(message)
        self.last = last


class ShapeError(SemiringADError, ValueError):
    """Linear maps (or arrays) whose shapes do not fit: composing R^n → R^m with R^p → R^q for m != p."""


class UnsupportedOperationError(TraceError, TypeError):
    """A NumPy function or method the array tracer has no rule for; the message names it and how to add one."""


class WeightTypeError(SemiringADError, TypeError):
    """An edge weight is not a value the semiring can use (nor lift), or is NaN; ``edge`` names the edge."""

    def __init__(self, message: str, edge: tuple | None = None) -> None:
        super().__init__(message)
        self.edge = edge
