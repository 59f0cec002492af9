"""The matplotlib renderer: a :class:`~semiring_ad.views.dot.Scene` as a ``matplotlib.figure.Figure``.

Used by :mod:`semiring_ad.views.drawing` when Graphviz's ``dot`` program is
missing.  The figure is made without pyplot, so it is registered nowhere and
Jupyter shows it exactly once (as the drawing's PNG); the layout puts one
topological generation per row (or column, following ``rankdir``) like dot's.
Highlighted edges are crimson and thick, as in the DOT output.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import networkx as nx

from ..errors import InputError
from .dot import Scene

__all__ = ["RANKDIRS", "figure"]

RANKDIRS = ("BT", "TB", "LR", "RL")
HOT, COLD = "crimson", "#333333"


def _positions(view: Scene, rankdir: str) -> dict[Hashable, tuple[float, float]]:
    """One topological generation per rank; ``rankdir`` says where the first rank goes."""
    H = nx.DiGraph()
    H.add_nodes_from(view.nodes)
    H.add_edges_from((u, v) for u, v, _, _ in view.edges)
    pos = {}
    for rank, generation in enumerate(nx.topological_generations(H)):
        for k, v in enumerate(generation):
            across = k - (len(generation) - 1) / 2
            pos[v] = {"BT": (across, rank), "TB": (across, -rank), "LR": (rank, -across), "RL": (-rank, -across)}[
                rankdir]
    return pos


def figure(view: Scene, *, rankdir: str = "BT", size: tuple[float, float] | None = None) -> Any:
    """A ``matplotlib.figure.Figure`` of the scene (boxed node labels, labelled arrows).

    Raises
    ------
    InputError
        For a ``rankdir`` other than ``"BT"``, ``"TB"``, ``"LR"``, ``"RL"``.
    """
    if rankdir not in RANKDIRS:
        raise InputError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    pos = _positions(view, rankdir)
    xs, ys = [p[0] for p in pos.values()] or [0], [p[1] for p in pos.values()] or [0]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    fig = Figure(figsize=size or (min(2.2 * width + 1, 16), min(1.6 * height + 1, 16)))
    FigureCanvasAgg(fig)  # a canvas of its own: savefig and PNG output work without pyplot
    ax = fig.add_subplot()
    labels: dict[tuple, list[str]] = {}
    hot: dict[tuple, bool] = {}
    for u, v, label, marked in view.edges:  # parallel edges share one arrow, labelled with every weight
        labels.setdefault((u, v), []).append(label)
        hot[(u, v)] = hot.get((u, v), False) or marked
    for (u, v), marked in hot.items():  # labels at 40% of the way: crossing edges' labels stay apart
        ax.annotate("", xy=pos[v], xytext=pos[u], zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": HOT if marked else COLD, "lw": 2.5 if marked else 1.0,
                                "shrinkA": 22, "shrinkB": 22})
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.text(x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0), ", ".join(labels[(u, v)]), fontsize=8, ha="center",
                va="center", color=HOT if marked else "black", zorder=3,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    for v, lines in view.nodes.items():
        ax.text(*pos[v], "\n".join(lines), fontsize=9, ha="center", va="center", zorder=2,
                bbox={"boxstyle": "square,pad=0.4", "facecolor": "#f4f4f4", "edgecolor": COLD})
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
    return fig
