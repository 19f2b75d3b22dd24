"""Fixes found by the in-browser site check (``tools/check_site.py``, ``nox -s site``).

Each fix answers a failure that axe-core or the offline check reported on the built site:

- **Toctree captions** (``<p class="caption" role="heading">``, in the page and in furo's
  sidebar) have no ``aria-level`` (axe ``aria-required-attr``, critical): we add
  ``aria-level="2"``.
- **Code blocks that scroll sideways cannot be reached by keyboard** (axe
  ``scrollable-region-focusable``, serious): every highlighted ``<pre>`` gets ``tabindex="0"``,
  and so does furo's ``table-wrapper``, which scrolls a table wider than the page.
- **Syntax-highlighting colours below 4.5:1 contrast** (axe ``color-contrast``, serious; e.g.
  the "sphinx" style's namespaces, #0e84b5 on #eeffcc, 3.97:1): after furo writes
  ``_static/pygments.css``, each token colour that falls short against its theme's code
  background is moved towards black (light theme) or white (dark theme), just far enough to
  reach 4.5:1. Colours that pass are left as the chosen style has them.
- **The tutorials' printed output is light grey on cream** (sphinx-gallery's ``#888`` on
  ``#fafae2``, 3.3:1, axe ``color-contrast``): in the light theme it becomes ``#6e6e6e``.
- **Gallery thumbnails have links with no accessible name** (axe ``link-name``, serious):
  sphinx-gallery hides the link's text with ``display: none``, which hides it from screen
  readers too; we hide it visually only, so the link is announced with the tutorial's title.
- **sg_execution_times pages load jQuery and DataTables from CDNs** (requests to other hosts):
  when those pages are written, the ``raw`` HTML block that loads them is dropped; the table
  stays, without client-side sorting.

Nothing here fetches anything; the CSS is written into the build's ``_static`` folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

LATE = 900  # run after furo's and sphinx-gallery's handlers (default priority 500)
MIN_CONTRAST = 4.5  # WCAG 2 AA, normal-size text
CSS_NAME = "site_quality.css"
CSS = """\
/* Written by docs/_ext/site_quality.py: fixes from the in-browser site check. */

/* Gallery thumbnails: the link's text is hidden visually only (sphinx-gallery uses
   display: none, which leaves the link without an accessible name). */
.sphx-glr-thumbcontainer p a span {
  display: inline;
  position: absolute;
  width: 1px;
  height: 1px;
  padding: 0;
  margin: -1px;
  overflow: hidden;
  clip: rect(0, 0, 0, 0);
  clip-path: inset(50%);
  white-space: nowrap;
  border: 0;
}

/* Output of the tutorials' code: sphinx-gallery's light grey (#888 on #fafae2, 3.3:1) made
   dark enough to read (#6e6e6e, 4.8:1). The dark theme's colours already pass. */
:root, html[data-theme="light"], body[data-theme="light"] {
  --sg-script-out: #6e6e6e;
}
@media (prefers-color-scheme: light) {
  :root[data-theme="auto"], html[data-theme="auto"], body[data-theme="auto"] {
    --sg-script-out: #6e6e6e;
  }
}

/* Code blocks and wide tables are focusable (to scroll them by keyboard): show where focus is. */
.highlight pre[tabindex="0"]:focus-visible,
.table-wrapper[tabindex="0"]:focus-visible {
  outline: 2px solid var(--color-brand-primary, #2962ff);
  outline-offset: 2px;
}
"""

# --------------------------------------------------------------------------- HTML


_HEADING_WITHOUT_LEVEL = re.compile(r'role="heading"(?![^>]*\baria-level=)')
_HIGHLIGHT_PRE = re.compile(r'(<div class="highlight">\s*<pre)(?![^>]*\btabindex=)')
_TABLE_WRAPPER = re.compile(r'(<div class="table-wrapper[^"]*")(?![^>]*\btabindex=)')


def fix_html(html: str) -> str:
    """Add ``aria-level`` to role=heading captions, ``tabindex`` to code blocks and tables."""
    html = _HEADING_WITHOUT_LEVEL.sub('role="heading" aria-level="2"', html)
    html = _TABLE_WRAPPER.sub(r'\1 tabindex="0"', html)
    return _HIGHLIGHT_PRE.sub(r'\1 tabindex="0"', html)


def fix_page_context(
    app: Sphinx,  # noqa: ARG001
    pagename: str,  # noqa: ARG001
    templatename: str,  # noqa: ARG001
    context: dict[str, Any],
    doctree: Any,  # noqa: ARG001
) -> None:
    """Fix the HTML fragments (body, furo's sidebar tree, ...) that the template will use."""
    for key, value in list(context.items()):
        if isinstance(value, str) and any(
            marker in value for marker in ('role="heading"', "<pre", "table-wrapper")
        ):
            context[key] = fix_html(value)


# --------------------------------------------------------------------------- pygments contrast


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two ``#rgb``/``#rrggbb`` colours."""
    a, b = sorted((_luminance(_rgb(fg)), _luminance(_rgb(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def readable(fg: str, bg: str, target: float = MIN_CONTRAST) -> str:
    """``fg`` if it reaches ``target`` against ``bg``, else the nearest mix that does."""
    if contrast(fg, bg) >= target:
        return fg
    towards = (0.0, 0.0, 0.0) if _luminance(_rgb(bg)) > 0.18 else (1.0, 1.0, 1.0)
    rgb = _rgb(fg)
    for step in range(1, 101):
        t = step / 100
        mixed = tuple(round(255 * (c + (e - c) * t)) for c, e in zip(rgb, towards, strict=True))
        candidate = "#{:02x}{:02x}{:02x}".format(*mixed)
        # a margin for the browser's rounding, so axe agrees
        if contrast(candidate, bg) >= target + 0.05:
            return candidate
    return "#000000" if towards == (0.0, 0.0, 0.0) else "#ffffff"


_HEX = r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b"
_BACKGROUND_RULE = re.compile(rf"^(?P<scope>.*?)\.highlight\s*\{{\s*background:\s*(?P<bg>{_HEX})")
_TOKEN_RULE = re.compile(r"^(?P<scope>.*?)\.highlight (?P<sel>[^{]*)\{(?P<body>[^}]*)\}")
_COLOUR = re.compile(rf"(?<![-\w])color:\s*(?P<c>{_HEX})")
_OWN_BG = re.compile(rf"background-color:\s*(?P<c>{_HEX})")


def fix_pygments_css(css: str) -> tuple[str, list[str]]:
    """Raise every token colour in furo's pygments.css to 4.5:1 against its code background.

    furo writes the light style as ``.highlight ...``, the dark style as
    ``body[data-theme="dark"] .highlight ...`` and again, for the "auto" theme, inside a
    ``prefers-color-scheme: dark`` media query; each scope has its own ``.highlight``
    background, given before its token rules.
    """
    backgrounds: dict[str, str] = {}
    changed: list[str] = []
    out = []
    for original in css.splitlines(keepends=True):
        line = original
        bg_rule = _BACKGROUND_RULE.match(line)
        if bg_rule:
            backgrounds[bg_rule["scope"].strip()] = bg_rule["bg"]
        token = _TOKEN_RULE.match(line)
        colour = _COLOUR.search(line)
        if token and colour and not bg_rule:
            own_bg = _OWN_BG.search(token["body"])
            bg = own_bg["c"] if own_bg else backgrounds.get(token["scope"].strip())
            if bg:
                new = readable(colour["c"], bg)
                if new != colour["c"]:
                    changed.append(
                        f"{token['scope'].strip()} .highlight {token['sel'].strip()}: "
                        f"{colour['c']} -> {new} on {bg}"
                    )
                    line = line[: colour.start("c")] + new + line[colour.end("c") :]
        out.append(line)
    return "".join(out), changed


def write_static(app: Sphinx, exception: Exception | None) -> None:
    """Write our stylesheet and fix the contrast of furo's pygments.css, once HTML is built."""
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / CSS_NAME).write_text(CSS, encoding="utf-8")
    pygments_css = static / "pygments.css"
    if pygments_css.is_file():
        fixed, changed = fix_pygments_css(pygments_css.read_text(encoding="utf-8"))
        pygments_css.write_text(fixed, encoding="utf-8")
        if changed:
            from sphinx.util import logging  # noqa: PLC0415

            logging.getLogger(__name__).info(
                "site_quality: %d code colour(s) darkened/lightened to 4.5:1", len(changed)
            )


# --------------------------------------------------------------------------- sources

# The block sphinx-gallery writes into sg_execution_times.rst: ".. raw:: html" followed by an
# indented body that loads jQuery/DataTables from CDNs.
_CDN_RAW_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)\.\. raw:: html\n(?:(?P=indent)[ \t]+.*\n|[ \t]*\n)*?"
    r"(?:(?P=indent)[ \t]+.*(?:cdn\.datatables\.net|code\.jquery\.com).*\n)"
    r"(?:(?P=indent)[ \t]+.*\n|[ \t]*\n)*",
    re.MULTILINE,
)


def drop_cdn_scripts(app: Sphinx, docname: str, source: list[str]) -> None:  # noqa: ARG001
    """Remove the CDN-loading raw block from sphinx-gallery's computation-time pages."""
    if docname.rsplit("/", 1)[-1] == "sg_execution_times":
        source[0] = _CDN_RAW_BLOCK.sub("", source[0])


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the fixes with Sphinx."""
    app.add_css_file(CSS_NAME, priority=LATE)  # after the theme's and sphinx-gallery's
    app.connect("source-read", drop_cdn_scripts)
    app.connect("html-page-context", fix_page_context, priority=LATE)
    app.connect("build-finished", write_static, priority=LATE)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
