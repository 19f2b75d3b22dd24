"""Fixes to the HTML that Sphinx, furo and sphinx-gallery write, found by the browser checks.

- **Toctree captions** (``<p class="caption" role="heading">``, in the page and in furo's
  sidebar) have no ``aria-level`` (axe ``aria-required-attr``, critical): we add
  ``aria-level="2"``.
- **Blocks that scroll sideways cannot be reached by keyboard** (axe
  ``scrollable-region-focusable``, serious): every highlighted ``<pre>``, every literal block
  (``parsed-literal``) and furo's ``table-wrapper`` (a table wider than the page) gets
  ``tabindex="0"``; ``mathml.py`` does the same for display math.
- **Two viewport tags per page**: docutils' HTML writer adds one to the page's metadata and
  furo's template writes its own; we drop docutils' one.
- **A tutorial's "view" and "edit" links** would point at the ``.rst`` that sphinx-gallery
  generates, which is not in the repository: they point at the tutorial's script in
  ``gallery/`` instead.

The CSS that goes with these fixes is in ``_static/custom.css``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

_HEADING_WITHOUT_LEVEL = re.compile(r'role="heading"(?![^>]*\baria-level=)')
_SCROLLABLE = re.compile(
    r'(<div class="highlight">\s*<pre|<pre class="literal-block"|<div class="table-wrapper[^"]*")'
    r"(?![^>]*\btabindex=)"
)


def fix_html(html: str) -> str:
    """Add ``aria-level`` to role=heading captions, ``tabindex`` to blocks that may scroll."""
    html = _HEADING_WITHOUT_LEVEL.sub('role="heading" aria-level="2"', html)
    return _SCROLLABLE.sub(r'\1 tabindex="0"', html)


def fix_page(
    app: Sphinx,
    pagename: str,
    templatename: str,  # noqa: ARG001
    context: dict[str, Any],
    doctree: Any,  # noqa: ARG001
) -> None:
    """Fix the HTML fragments (body, furo's sidebar tree, ...) and the links of one page."""
    for key, value in list(context.items()):
        if isinstance(value, str) and any(
            marker in value for marker in ('role="heading"', "<pre", "table-wrapper")
        ):
            context[key] = fix_html(value)
    context["metatags"] = "".join(
        line
        for line in context.get("metatags", "").splitlines(keepends=True)
        if 'name="viewport"' not in line
    )
    if pagename.startswith("auto_examples/"):
        options = app.config.html_theme_options
        repository, branch = options["source_repository"], options["source_branch"]
        name = pagename.removeprefix("auto_examples/")
        path = "gallery/README.rst" if name == "index" else f"gallery/{name}.py"
        context["theme_source_view_link"] = f"{repository}/blob/{branch}/{path}?plain=true"
        context["theme_source_edit_link"] = f"{repository}/edit/{branch}/{path}"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the fixes with Sphinx."""
    # After furo's and sphinx-gallery's handlers (default priority 500).
    app.connect("html-page-context", fix_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
