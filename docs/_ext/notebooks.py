"""Make the downloadable notebooks render the tutorials' ``.. raw:: html`` blocks and roles.

sphinx-gallery turns a tutorial's reStructuredText into notebook markdown without pandoc, and it
leaves directives as they are: ``.. raw:: html`` followed by an indented line of HTML shows up in
Jupyter as literal text. Markdown accepts HTML itself, so each such block becomes its bare HTML.

The exercises' folded solutions need one more change. Jupyter renders every markdown cell on its
own, so a ``<details>`` opened in one cell cannot enclose the code cells that follow it: it would
show a disclosure triangle over nothing, with the solution's code below it anyway. In a notebook
the opening ``<details ...><summary>Solution to exercise N</summary>`` therefore becomes a bold
"Solution to exercise N" line above the solution's cells, and the closing ``</details>`` goes.

Sphinx roles (``:term:`SGD```, ``:func:`~sgd_tutorial.sgd```, ``:doc:`/installation```) are
left as text by sphinx-gallery too; they become their words, inline code, or a pointer to the
site's page.

This runs after sphinx-gallery has written the notebooks (``builder-inited``, after its own
handler) and rewrites the notebook zip from the fixed files, so both downloads are the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_gallery.downloads import generate_zipfiles

if TYPE_CHECKING:
    from sphinx.application import Sphinx

# ".. raw:: html", a blank line, then the indented HTML (up to the first unindented line).
RAW_HTML = re.compile(
    r"^\.\. raw:: html[ \t]*\n(?:[ \t]*\n)*((?:[ \t]+\S.*\n?|[ \t]*\n)+)", re.MULTILINE
)
DETAILS_OPEN = re.compile(
    r"^\s*<details\b[^>]*>\s*<summary>(?P<summary>.*?)</summary>\s*$", re.DOTALL | re.IGNORECASE
)
DETAILS_CLOSE = re.compile(r"^\s*</details>\s*$", re.IGNORECASE)


def _bare_html(match: re.Match[str]) -> str:
    lines = match.group(1).splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    html = "\n".join(line[min(indents) :] for line in lines).strip()
    opening = DETAILS_OPEN.match(html)
    if opening:
        return f"**{opening.group('summary').strip()}** (the next cells)\n\n"
    if DETAILS_CLOSE.match(html):
        return ""
    return html + "\n\n"


# Sphinx roles, which markdown does not know: :role:`text <target>` or :role:`target`.
ROLE = re.compile(r":(?P<role>[a-z]+(?::[a-z]+)?):`(?P<text>[^`<]*?)\s*(?:<(?P<target>[^`>]*)>)?`")
CODE_ROLES = {"func", "class", "meth", "attr", "mod", "data", "exc", "obj", "py:func", "py:class"}


def _role_as_markdown(match: re.Match[str]) -> str:
    role, text, target = match["role"], match["text"].strip(), match["target"]
    if role in CODE_ROLES:
        name = text.removeprefix("~").rsplit(".", 1)[-1] if text.startswith("~") else text
        return f"`{name}`"
    if role == "doc":
        page = (target or text).strip("/").rsplit("/", 1)[-1]
        return f"{text} (on the site)" if target else f"the site's *{page}* page"
    if role == "pep":
        return f"PEP {text}"
    if role == "math":
        return f"${text}$"  # Jupyter renders LaTeX between dollars
    return text  # :term: and the like: the words themselves


def markdown_for_jupyter(markdown: str) -> str:
    """Replace every ``.. raw:: html`` block and Sphinx role by what Jupyter should show."""
    fixed = ROLE.sub(_role_as_markdown, RAW_HTML.sub(_bare_html, markdown))
    return re.sub(r"\n{3,}", "\n\n", fixed)


def fix_notebook(path: Path) -> bool:
    """Rewrite the markdown cells of one notebook; return whether anything changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            fixed = markdown_for_jupyter(source)
            if fixed != source:
                changed = True
                if not fixed.strip():
                    continue  # a cell that only closed a <details>
                cell["source"] = [fixed]
        cells.append(cell)
    if changed:
        notebook["cells"] = cells
        path.write_text(json.dumps(notebook, indent=2), encoding="utf-8")
    return changed


def fix_gallery_notebooks(app: Sphinx) -> None:
    """Fix every notebook of every gallery, then rebuild the galleries' download zips."""
    conf: dict[str, Any] = app.config.sphinx_gallery_conf
    dirs = conf["gallery_dirs"]
    for gallery in [dirs] if isinstance(dirs, str) else dirs:
        gallery_dir = Path(app.srcdir) / gallery
        notebooks = sorted(gallery_dir.rglob("*.ipynb"))
        changed = [fix_notebook(path) for path in notebooks]  # every one, no short cut
        if any(changed) and conf["download_all_examples"]:
            generate_zipfiles(gallery_dir, app.srcdir, conf)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handler; it runs after sphinx-gallery has written the notebooks."""
    # sphinx-gallery writes the notebooks in its builder-inited handler (default priority 500).
    app.connect("builder-inited", fix_gallery_notebooks, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
