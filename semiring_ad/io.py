"""Graph files, by their first name: the names of :mod:`semiring_ad.graph_files` this module documented.

:mod:`semiring_ad.graph_files` reads JSON and GraphML straight into a
compiled graph (with a size limit, :func:`~semiring_ad.graph_files.read_graph`);
this module keeps ``READABLE``, ``load_graph`` and ``parse_weight`` importable
from here.
"""

from __future__ import annotations

from .graph_files import READABLE, load_graph, parse_weight

__all__ = ["READABLE", "load_graph", "parse_weight"]
