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


class WeightTypeError(SemiringADError, TypeError):
    """An edge weight is not a value the semiring can use (nor lift), or is NaN; ``edge`` names the edge."""

    def __init__(self, message: str, edge: tuple | None = None) -> None:
        super().__init__(message)
        self.edge = edge
