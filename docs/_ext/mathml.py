"""Render math to MathML when the site is built, so pages need no JavaScript and no CDN.

Sphinx's default renderer, MathJax, is a script fetched from a CDN when a page loads; our pages
must work offline and stay light. Browsers render MathML Core natively (Chromium since 109,
Firefox, Safari), so we convert each ``:math:`` role and ``.. math::`` block from LaTeX to MathML
with the pure-Python ``latex2mathml`` package at build time. The LaTeX source is kept in the
``alttext`` attribute for assistive technology and for readers who copy it.

Enable with ``extensions = [..., "mathml"]`` and ``html_math_renderer = "mathml"``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)


def to_mathml(latex: str, *, display: str, node: nodes.Node | None = None) -> str:
    """Convert one LaTeX formula to a ``<math>`` element; warn (fail under -W) if it cannot."""
    try:
        mathml = convert(latex, display=display)
    except Exception as error:  # noqa: BLE001  (latex2mathml raises many unrelated types)
        logger.warning("cannot convert math %r to MathML: %s", latex, error, location=node)
        return f"<code>{html.escape(latex)}</code>"
    alt = html.escape(" ".join(latex.split()), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1)


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    """Write an inline formula as ``<span class="math"><math>...</math></span>``."""
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(to_mathml(node.astext(), display="inline", node=node))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self: HTML5Translator, node: nodes.math_block) -> None:
    """Write a display formula (or several) as ``<div class="math">`` with an equation number.

    The div scrolls sideways when the formula is wider than the screen, so it takes keyboard
    focus (``tabindex="0"``), as the code blocks do.
    """
    self.body.append(self.starttag(node, "div", CLASS="math notranslate", tabindex="0"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # Blank lines separate equations in one directive, as in Sphinx's other renderers.
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        self.body.append(to_mathml(part, display="block", node=node))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``mathml`` HTML math renderer."""
    app.add_html_math_renderer(
        "mathml",
        inline_renderers=(visit_math, None),
        block_renderers=(visit_displaymath, None),
    )
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
