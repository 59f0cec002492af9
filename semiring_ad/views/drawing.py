"""Rendering: one :class:`Drawing` whatever draws it, shown once in Jupyter, saved by file suffix.

:func:`draw` builds the :class:`~semiring_ad.views.dot.Scene` of a graph once
and renders it with Graphviz's ``dot`` program when installed, else with
matplotlib (:mod:`semiring_ad.views.figure`); both honour the same options
(``highlight=``, ``tangents=``, ``adjoints=``, ``rankdir=``).  The result
displays itself in Jupyter (``_repr_svg_`` from Graphviz, ``_repr_png_`` from
matplotlib — one picture, once) and :meth:`Drawing.save` picks the format
from the file's suffix.

This module also gives a traced graph its picture in Jupyter: it attaches
``_repr_svg_``/``_repr_png_`` to
:class:`~semiring_ad.ad.computation.ComputationGraph`, and ``_repr_html_``
(the drawing above the trace table) to
:class:`~semiring_ad.ad.arrays.api.ArrayGraph`, when imported (the AD layer
never imports a view).
"""

from __future__ import annotations

import base64
import importlib.util
import shutil
import subprocess
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx

from ..ad.arrays.api import ArrayGraph
from ..ad.computation import ComputationGraph
from ..core.graph import WeightSpec
from ..errors import InputError, MissingDependencyError, SemiringADError
from .array_tables import array_trace_table
from .dot import Scene, dot_text, scene
from .figure import RANKDIRS, figure

__all__ = ["Drawing", "draw", "svg_or_none"]

GRAPHVIZ_FORMATS = ("svg", "png", "pdf", "ps", "eps", "jpg", "jpeg", "gif")
DOT_SUFFIXES = ("dot", "gv")
MAX_NODES = 300  # Jupyter shows bigger traces as text: nobody can read such a drawing
_INSTALL = ("drawing needs Graphviz's 'dot' program (install Graphviz, e.g. 'apt install graphviz' or "
            "'brew install graphviz') or matplotlib ('pip install matplotlib'); to_dot(graph) gives the "
            "DOT text without either")


def _has_matplotlib() -> bool:
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except ValueError:  # matplotlib in sys.modules as None: imports of it fail
        return False


def _graphviz(dot: str, fmt: str) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise MissingDependencyError(f"rendering {fmt.upper()} with Graphviz needs its 'dot' program; {_INSTALL}")
    done = subprocess.run([program, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True, timeout=120)
    if done.returncode:
        raise SemiringADError(f"Graphviz 'dot' failed (exit {done.returncode}): {done.stderr.decode().strip()}")
    return done.stdout


class Drawing:
    """A rendered graph: shows itself once in Jupyter; :meth:`save` writes it in the suffix's format.

    Made by :func:`draw`.  ``engine`` is ``"graphviz"`` or ``"matplotlib"``;
    ``dot`` is the DOT source; :attr:`figure` the matplotlib figure (built
    on first use, with either engine).

    Examples
    --------
    Whatever renders it, a drawing carries its scene and its DOT source:

    >>> import networkx as nx
    >>> picture = Drawing(scene(nx.DiGraph([("x", "f", {"weight": 2.5})])), "matplotlib")
    >>> picture
    <Drawing of 2 nodes and 1 edges by matplotlib: .save('graph.png' | '.svg' | '.pdf' | '.dot')>
    >>> picture.render("dot") == picture.dot.encode()
    True
    """

    def __init__(self, view: Scene, engine: str, *, name: str = "G", rankdir: str = "BT") -> None:
        self.scene = view
        self.engine = engine
        self.rankdir = rankdir
        self.dot = dot_text(view, name=name, rankdir=rankdir)
        self._rendered: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return (f"<Drawing of {len(self.scene.nodes)} nodes and {len(self.scene.edges)} edges by {self.engine}: "
                ".save('graph.png' | '.svg' | '.pdf' | '.dot')>")

    @cached_property
    def figure(self) -> Any:
        """The drawing as a ``matplotlib.figure.Figure`` (not registered with pyplot)."""
        if not _has_matplotlib():
            raise MissingDependencyError("Drawing.figure needs matplotlib: pip install matplotlib")
        return figure(self.scene, rankdir=self.rankdir)

    def formats(self) -> tuple[str, ...]:
        """The file suffixes :meth:`save` accepts with this engine (without the dot)."""
        if self.engine == "graphviz":
            return (*GRAPHVIZ_FORMATS, *DOT_SUFFIXES)
        return (*sorted(self.figure.canvas.get_supported_filetypes()), *DOT_SUFFIXES)

    def render(self, fmt: str) -> bytes:
        """The drawing as the bytes of a file in format ``fmt`` (``"svg"``, ``"png"``, ``"pdf"``, ``"dot"``, ...)."""
        fmt = fmt.lower().lstrip(".")
        if fmt in DOT_SUFFIXES:
            return self.dot.encode("utf-8")
        if fmt not in self.formats():
            raise InputError(f"cannot draw a {fmt!r} file with {self.engine}; use one of: {', '.join(self.formats())}")
        if fmt not in self._rendered:
            if self.engine == "graphviz":
                self._rendered[fmt] = _graphviz(self.dot, fmt)
            else:
                from io import BytesIO

                buffer = BytesIO()
                self.figure.savefig(buffer, format=fmt, bbox_inches="tight")
                self._rendered[fmt] = buffer.getvalue()
        return self._rendered[fmt]

    def to_svg(self) -> str:
        """The drawing as SVG text."""
        return self.render("svg").decode("utf-8")

    def to_png(self) -> bytes:
        """The drawing as PNG bytes."""
        return self.render("png")

    def save(self, path: str | Path) -> Path:
        """Write the drawing to ``path`` in the format its suffix names (``.svg``, ``.png``, ``.pdf``, ``.dot`` ...).

        Raises
        ------
        InputError
            If the path has no suffix, or one this engine cannot write.
        """
        path = Path(path)
        if not path.suffix:
            raise InputError(f"{str(path)!r} has no suffix; name the format, e.g. 'graph.svg', 'graph.png' "
                             f"or 'graph.pdf' ({self.engine} writes {', '.join(self.formats())})")
        path.write_bytes(self.render(path.suffix))
        return path

    def _repr_svg_(self) -> str | None:
        return self.to_svg() if self.engine == "graphviz" else None

    def _repr_png_(self) -> bytes | None:
        return self.to_png() if self.engine == "matplotlib" else None


def _engine(engine: str) -> str:
    if engine == "auto":
        if shutil.which("dot"):
            return "graphviz"
        if _has_matplotlib():
            return "matplotlib"
        raise MissingDependencyError(_INSTALL)
    if engine == "graphviz" and not shutil.which("dot"):
        raise MissingDependencyError(f"engine='graphviz' needs Graphviz's 'dot' program; {_INSTALL}")
    if engine == "matplotlib" and not _has_matplotlib():
        raise MissingDependencyError("engine='matplotlib' needs matplotlib: pip install matplotlib")
    if engine not in ("graphviz", "matplotlib"):
        raise InputError(f"engine must be 'auto', 'graphviz' or 'matplotlib', got {engine!r}")
    return engine


def draw(
    graph: ComputationGraph | ArrayGraph | nx.DiGraph,
    path: str | Path | None = None,
    *,
    weight: WeightSpec = "weight",
    tangents: Any = None,
    adjoints: Any = None,
    highlight: Any = None,
    name: str = "G",
    rankdir: str = "BT",
    engine: str = "auto",
) -> Drawing:
    """Draw a traced graph or a weighted networkx DiGraph.

    Parameters
    ----------
    graph, weight, tangents, adjoints, highlight, name, rankdir
        As for :func:`~semiring_ad.views.dot.to_dot`; every renderer honours them.
    path : str or Path, optional
        Also save the drawing there, in the format of its suffix.
    engine : {"auto", "graphviz", "matplotlib"}
        ``"auto"``: Graphviz's ``dot`` program when installed, else matplotlib.

    Returns
    -------
    Drawing
        Shows itself (once) in Jupyter; ``.save(path)``, ``.to_svg()``,
        ``.to_png()``, ``.dot``, ``.figure``.

    Raises
    ------
    MissingDependencyError
        If neither Graphviz's ``dot`` program nor matplotlib is installed.
    InputError
        For an unknown ``engine`` or ``rankdir``, or a ``path`` suffix the engine cannot write.

    Examples
    --------
    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0, names=["x1", "x2"])
    >>> from semiring_ad.views.dot import scene
    >>> scene(g, adjoints=g.outputs[0]).nodes[0]  # what draw(g, adjoints=g.outputs[0]) shows at x1
    ['x1  input', '2', 'v̄ = 5.5']
    """
    if rankdir not in RANKDIRS:
        raise InputError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    chosen = _engine(engine)
    view = scene(graph, weight=weight, tangents=tangents, adjoints=adjoints, highlight=highlight)
    picture = Drawing(view, chosen, name=name, rankdir=rankdir)
    if path is not None:
        picture.save(path)
    return picture


def _size(graph: ComputationGraph | ArrayGraph | nx.DiGraph) -> int:
    return graph.n_nodes if isinstance(graph, (ComputationGraph, ArrayGraph)) else len(graph)


def svg_or_none(
    graph: ComputationGraph | ArrayGraph | nx.DiGraph, *, max_nodes: int = MAX_NODES, **options: Any
) -> str | None:
    """SVG text of the drawing if Graphviz's ``dot`` is installed, else ``None`` (the body of ``_repr_svg_``).

    Graphs with more than ``max_nodes`` nodes also give ``None``, so that
    displaying a big trace in Jupyter falls back to its text repr instead of
    a drawing nobody can read.
    """
    if not shutil.which("dot") or _size(graph) > max_nodes:
        return None
    return draw(graph, engine="graphviz", **options).to_svg()


def _png_or_none(graph: ComputationGraph | ArrayGraph, max_nodes: int = MAX_NODES) -> bytes | None:
    """PNG bytes from matplotlib when Graphviz is missing (its SVG is shown otherwise), else ``None``."""
    if shutil.which("dot") or not _has_matplotlib() or _size(graph) > max_nodes:
        return None
    return draw(graph, engine="matplotlib").to_png()


def _repr_svg_(self: ComputationGraph) -> str | None:
    """The drawing for Jupyter, by Graphviz (``None`` without it or past 300 nodes)."""
    return svg_or_none(self)


def _repr_png_(self: ComputationGraph) -> bytes | None:
    """The drawing for Jupyter, by matplotlib when Graphviz is missing (``None`` past 300 nodes)."""
    return _png_or_none(self)


# The graph lives in the AD layer, which never imports a view: the view attaches its Jupyter drawing.
ComputationGraph._repr_svg_ = _repr_svg_  # type: ignore[attr-defined]
ComputationGraph._repr_png_ = _repr_png_  # type: ignore[attr-defined]


def array_graph_html(graph: ArrayGraph, max_nodes: int = MAX_NODES) -> str:
    """An array trace for Jupyter: its drawing (Graphviz SVG, else a matplotlib PNG) above its trace table.

    Past ``max_nodes`` nodes, or with neither Graphviz nor matplotlib, the table alone.
    """
    picture = ""
    svg = svg_or_none(graph, max_nodes=max_nodes)
    if svg is not None:
        picture = svg[svg.find("<svg"):]  # drop the XML prologue: the SVG goes inline
    else:
        png = _png_or_none(graph, max_nodes)
        if png is not None:
            picture = f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>'
    return f"<div>{picture}{array_trace_table(graph).to_html()}</div>"


ArrayGraph._repr_html_ = array_graph_html  # type: ignore[attr-defined]
