"""Sphinx extension: an API reference that cannot drift from ``__all__``.

The directive ``public-api`` documents every name in a module's ``__all__``
with autodoc, so adding a public name adds it to the reference without
editing the docs::

    ```{public-api} semiring_ad
    :defined-in: semiring_ad.core.semirings
    ```

* Each object is documented once, under the module that defines it
  (``semiring_ad.core.semirings.PLUS_TIMES``), because that is where autodoc finds
  attribute docstrings and where the library's own cross-references
  (``:func:`~semiring_ad.core.solver.sweep```) point.
* ``:defined-in:`` keeps only objects defined in the listed modules; without
  it the directive takes every name not yet documented on the page, so a
  catch-all at the end of the page picks up names exported later.
* Within a page an object is never documented twice (no duplicate-object
  warnings), whichever directives list it.
* At the end of reading, every name of ``semiring_ad.__all__`` must have been
  documented somewhere; otherwise the build warns (an error under ``-W``).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Parser as RSTParser
from docutils.parsers.rst import directives, roles
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

PACKAGE = "semiring_ad"
_SHORT_VALUE = 80  # show a data object's repr when it is at most this long


def _attribute_docs(modname: str) -> set[str]:
    """Names with an attribute docstring (``X = ...`` followed by a string) in a module's source."""
    try:
        analyzer = ModuleAnalyzer.for_module(modname)
        analyzer.analyze()
    except Exception:  # a module without source (compiled): no attribute docs
        return set()
    return {name for (scope, name) in analyzer.attr_docs if scope == ""}


def _defining_module(owner: str, name: str, obj: Any) -> str:
    """The module whose source defines ``obj``: ``__module__`` for classes and functions,
    else the package module that binds the same object and documents it."""
    if inspect.isclass(obj) or inspect.isroutine(obj):
        return getattr(obj, "__module__", None) or owner
    candidates = sorted(m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + "."))
    for modname in candidates:
        mod = sys.modules[modname]
        if getattr(mod, name, None) is obj and name in _attribute_docs(modname):
            return modname
    for modname in candidates:  # built on first use (SYMBOLIC): the module that makes it, not a re-export
        mod = sys.modules[modname]
        if modname != PACKAGE and not (mod.__doc__ or "").startswith("Moved to") and getattr(mod, name, None) is obj:
            return modname
    return owner


def _directive_for(obj: Any) -> tuple[str, list[str]]:
    if inspect.isclass(obj):
        options = [":members:"]
        if issubclass(obj, BaseException):
            options = [":show-inheritance:"]
        return "autoclass", options
    if inspect.isroutine(obj):
        return "autofunction", []
    options = [] if len(repr(obj)) <= _SHORT_VALUE else [":no-value:"]
    return "autodata", options


class PublicAPI(SphinxDirective):
    """Document the names of a module's ``__all__`` (see the module docstring)."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"defined-in": directives.unchanged}

    def _note(self, owner: str, name: str) -> None:
        if owner == PACKAGE:
            self.env.public_api_names.add(name)  # type: ignore[attr-defined]

    def run(self) -> list[nodes.Node]:
        owner = self.arguments[0]
        module = importlib.import_module(owner)
        wanted = self.options.get("defined-in", "").split()
        seen: set[int] = self.env.temp_data.setdefault("public_api_seen", set())
        entries = []
        for name in getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            where = _defining_module(owner, name, obj)
            if id(obj) in seen:  # an alias of an object documented above (``absolute`` is ``abs``)
                self._note(owner, name)
                continue
            if wanted and where not in wanted:
                continue
            seen.add(id(obj))
            entries.append((name, obj, where))
            self._note(owner, name)
        if not entries:
            return []
        lines = [".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   ~{where}.{name}" for name, _, where in entries]
        lines.append("")
        for name, obj, where in entries:
            kind, options = _directive_for(obj)
            lines.append(f".. {kind}:: {where}.{name}")
            lines += [f"   {opt}" for opt in options]
            lines.append("")
        return self._parse_rst("\n".join(lines))

    def _parse_rst(self, text: str) -> list[nodes.Node]:
        """Parse generated reStructuredText, whatever the page's own markup is (MyST pages
        would otherwise read it as Markdown), the way MyST's ``{eval-rst}`` does."""
        main = self.state.document
        doc = new_document(main["source"], main.settings)
        doc.reporter = main.reporter
        blank_role = roles._roles.get("")
        RSTParser().parse(text, doc)
        if blank_role is not None:  # the parser resets the default role; keep the page's
            roles._roles[""] = blank_role
        return list(doc.children)


def _init_env(app: Sphinx, env: Any, docnames: list[str]) -> None:
    if not hasattr(env, "public_api_names"):
        env.public_api_names = set()


def _merge(app: Sphinx, env: Any, docnames: list[str], other: Any) -> None:
    env.public_api_names |= getattr(other, "public_api_names", set())


def _check_complete(app: Sphinx, env: Any) -> None:
    package = importlib.import_module(PACKAGE)
    missing = [n for n in package.__all__ if not n.startswith("__") and n not in env.public_api_names]
    if missing:
        logger.warning(
            "public names of %s missing from the API reference: %s; add a ``public-api`` directive "
            "for their module to docs/api.md (or keep the catch-all at its end)",
            PACKAGE,
            ", ".join(missing),
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("public-api", PublicAPI)
    app.connect("env-before-read-docs", _init_env)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check_complete)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
