"""The downloadable notebooks: they render, link to the site, install the package, open in Colab.

sphinx-gallery turns a tutorial's reStructuredText into notebook markdown without pandoc, and
leaves much of it as it is. Here, after it has written the notebooks (and then their zip):

- ``.. raw:: html`` blocks become their bare HTML. Jupyter renders each markdown cell on its own,
  so an exercise's folded solution cannot enclose the code cells after it: its opening
  ``<details><summary>Solution to exercise N</summary>`` becomes a bold line, its end goes.
- Sphinx roles become their words (``:term:``), inline code (``:func:``), or links to the site
  (``:doc:``, and ``:ref:`` to a tutorial, by its title).
- Links are absolute, to ``html_baseurl``: a relative one is dead outside the site. The stray
  ``_`` that sphinx-gallery leaves after an anonymous link (```text <url>`__``) goes.
- The first cell installs the package from the wheel published with the site, with its
  ``tutorials`` extra; pip reads extras after a URL only as ``name[extra] @ URL``.
- Each tutorial page links its notebook in Colab, which opens notebooks from GitHub only
  (googlecolab/colabtools#1305): the notebook as the built site holds it, in the branch
  ``notebooks_colab_branch`` of ``source_repository``, where the site is published (as PyTorch
  publishes its tutorials to gh-pages). A plain link: no service is contacted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx_gallery.downloads import generate_zipfiles

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

COLAB = "https://colab.research.google.com/github/"
# ".. raw:: html", a blank line, then the indented HTML (up to the first unindented line).
RAW_HTML = re.compile(
    r"^\.\. raw:: html[ \t]*\n(?:[ \t]*\n)*((?:[ \t]+\S.*\n?|[ \t]*\n)+)", re.MULTILINE
)
DETAILS_OPEN = re.compile(
    r"^\s*<details\b[^>]*>\s*<summary>(?P<summary>.*?)</summary>\s*$", re.DOTALL | re.IGNORECASE
)
DETAILS_CLOSE = re.compile(r"^\s*</details>\s*$", re.IGNORECASE)
# Sphinx roles, which markdown does not know: :role:`text <target>` or :role:`target`.
ROLE = re.compile(r":(?P<role>[a-z]+(?::[a-z]+)?):`(?P<text>[^`<]*?)\s*(?:<(?P<target>[^`>]*)>)?`")
CODE_ROLES = {"func", "class", "meth", "attr", "mod", "data", "exc", "obj", "py:func", "py:class"}
# What sphinx-gallery leaves of :ref:`label` and :ref:`text <label>` (it drops ":ref:").
TUTORIAL_REF = re.compile(
    r"`(?:(?P<text>[^`<]+?)\s*<)?sphx_glr_(?P<page>\w+?)_(?P<stem>plot_\w+)\.py>?`"
)
# A markdown link, with the "_" that an anonymous rST link leaves after it.
LINK = re.compile(r"(?P<head>!?\[[^\]]*\]\()(?P<url>[^)\s]+)\)_?")
HREF = re.compile(r"""(?P<head>\b(?:href|src)=["'])(?P<url>[^"']+)""")


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


class Markdown:
    """Turns sphinx-gallery's markdown for the pages of ``folder`` into what Jupyter shows."""

    def __init__(self, site: str, folder: str, titles: dict[str, str]) -> None:
        self.site, self.page, self.titles = site, urljoin(site, folder + "/"), titles

    def absolute(self, url: str) -> str:
        """``url`` as seen from a page of the folder, made absolute (fragments stay as they are)."""
        return url if url.startswith("#") or urlsplit(url).scheme else urljoin(self.page, url)

    def _role(self, match: re.Match[str]) -> str:
        role, text, target = match["role"], match["text"].strip(), match["target"]
        if role in CODE_ROLES:
            return f"`{text[1:].rsplit('.', 1)[-1] if text.startswith('~') else text}`"
        if role == "doc":
            page = (target or text).strip()
            url = urljoin(self.site, page[1:]) if page.startswith("/") else self.absolute(page)
            return f"[{text if target else page.strip('/').rsplit('/', 1)[-1]}]({url}.html)"
        if role == "pep":
            return f"PEP {text}"
        if role == "math":
            return f"${text}$"  # Jupyter renders LaTeX between dollars
        return text  # :term: and the like: the words themselves

    def _tutorial(self, match: re.Match[str]) -> str:
        title = match["text"] or self.titles.get(match["stem"], match["stem"])
        return f"[{title}]({self.absolute(match['stem'] + '.html')})"

    def __call__(self, markdown: str) -> str:
        """Replace every ``.. raw:: html`` block, Sphinx role and relative link."""
        fixed = ROLE.sub(self._role, RAW_HTML.sub(_bare_html, markdown))
        fixed = TUTORIAL_REF.sub(self._tutorial, fixed)
        fixed = LINK.sub(lambda m: f"{m['head']}{self.absolute(m['url'])})", fixed)
        fixed = HREF.sub(lambda m: m["head"] + self.absolute(m["url"]), fixed)
        return re.sub(r"\n{3,}", "\n\n", fixed)


def fix_notebook(path: Path, markdown: Markdown) -> bool:
    """Rewrite the markdown cells of one notebook; return whether anything changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            fixed = markdown(source)
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


def _title(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    heading = next(c for c in cells if c["cell_type"] == "markdown")["source"]
    return "".join(heading).strip().splitlines()[0].lstrip("# ")


def fix_gallery_notebooks(app: Sphinx) -> None:
    """Fix every notebook of every gallery, then rebuild the galleries' download zips."""
    conf: dict[str, Any] = app.config.sphinx_gallery_conf
    dirs = conf["gallery_dirs"]
    for gallery in [dirs] if isinstance(dirs, str) else dirs:
        gallery_dir = Path(app.srcdir) / gallery
        notebooks = sorted(gallery_dir.rglob("*.ipynb"))
        titles = {path.stem: _title(path) for path in notebooks}
        markdown = Markdown(app.config.html_baseurl.rstrip("/") + "/", gallery, titles)
        changed = [fix_notebook(path, markdown) for path in notebooks]  # every one, no short cut
        if any(changed) and conf["download_all_examples"]:
            generate_zipfiles(gallery_dir, app.srcdir, conf)


def install_cell(app: Sphinx, config: Config) -> None:  # noqa: ARG001
    """Start every notebook with a cell that installs the package from the site's wheel."""
    site = config.html_baseurl.rstrip("/") + "/"
    wheel = urljoin(site, f"sgd_tutorial-{config.release}-py3-none-any.whl")
    config.sphinx_gallery_conf["first_notebook_cell"] = (
        "# The package, from the wheel published with the site, and what the tutorials need\n"
        f'%pip install "sgd-tutorial[tutorials] @ {wheel}"'
    )
    repository = config.html_theme_options.get("source_repository", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/?", repository):  # for colab_link
        msg = f"Colab opens notebooks from GitHub only: source_repository is {repository!r}"
        raise ExtensionError(msg)


def colab_link(app: Sphinx, doctree: nodes.document, docname: str) -> None:  # noqa: ARG001
    """Add "Open in Colab" beside each tutorial page's notebook download (``doctree-resolved``)."""
    repository = app.config.html_theme_options["source_repository"]
    site = (
        f"{COLAB}{urlsplit(repository).path.strip('/')}/blob/{app.config.notebooks_colab_branch}/"
    )
    for container in list(doctree.findall(nodes.container)):
        if "sphx-glr-download-jupyter" not in container["classes"]:
            continue
        download = next(container.findall(addnodes.download_reference))
        url = f"{site}_downloads/{download['filename']}"
        text = nodes.literal("", f"Open in Colab: {Path(download['filename']).name}")
        link = nodes.reference("", "", text, refuri=url)
        colab = nodes.container(classes=["sphx-glr-download", "sphx-glr-download-colab"])
        colab += nodes.paragraph("", "", link)
        container.parent.insert(container.parent.index(container) + 1, colab)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the handlers; the notebooks are fixed after sphinx-gallery has written them."""
    app.add_config_value("notebooks_colab_branch", "gh-pages", "html", types=[str])
    # sphinx-gallery fills its configuration at config-inited (priority 10) and writes the
    # notebooks in its builder-inited handler (default priority 500).
    app.connect("config-inited", install_cell, priority=600)
    app.connect("builder-inited", fix_gallery_notebooks, priority=600)
    app.connect("doctree-resolved", colab_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
