"""A griffe extension of the ketasim site: Sphinx cross-reference roles in docstrings become links.

ketasim's numpy docstrings cross-reference with Sphinx roles
(``:func:`simulate```, ``:class:`~ketasim.config.ScenarioConfig```,
``:mod:`ketasim.pipeline```), which mkdocstrings would print literally. This
rewrites each role, before the docstring is parsed, into an optional
autorefs cross-reference: a link where the target is documented on the site,
plain code where it is not. A name is resolved in the scope of the object
whose docstring holds it (its module's imports and members), as Sphinx
would; ``~`` shows only the last component. A reST literal-block marker
(``text::`` before an indented block) becomes ``text:``, the block staying
an indented code block.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

LITERAL_BLOCK = re.compile(r"::\n(?=[ \t]*\n)")  # reST "text::" before an indented block: Markdown needs "text:"
ROLE = re.compile(r":(?:py:)?(?:func|class|mod|attr|data|meth|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`")


def _resolve(obj: griffe.Object, target: str) -> str:
    name = target.lstrip(".")
    if name.startswith("ketasim"):
        return name
    head, _, rest = name.partition(".")
    try:
        resolved = obj.resolve(head)
    except (griffe.NameResolutionError, KeyError, AttributeError):
        return name
    return f"{resolved}.{rest}" if rest else resolved


def rewrite(text: str, obj: griffe.Object) -> str:
    def link(match: re.Match) -> str:
        target = match["target"].strip()
        shown = target.lstrip(".").rsplit(".", 1)[-1] if match["tilde"] else target.lstrip(".")
        identifier = html.escape(_resolve(obj, target), quote=True)
        return f'<autoref identifier="{identifier}" optional><code>{html.escape(shown)}</code></autoref>'

    return LITERAL_BLOCK.sub(":\n", ROLE.sub(link, text))


def _walk(obj: griffe.Object, seen: set[int]) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if obj.docstring is not None and ":" in obj.docstring.value:
        obj.docstring.value = rewrite(obj.docstring.value, obj)
    for member in obj.members.values():
        if not member.is_alias:
            _walk(member, seen)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles once the whole package is loaded (so later definitions resolve)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _walk(pkg, set())
