"""Give every image on the site a text alternative.

sphinx-gallery writes its thumbnails with an empty ``:alt:`` (and so does any image whose author
forgot one); screen readers then announce nothing, or the file name. After references are
resolved we give each such image the text of the link or paragraph that follows it (for a gallery
thumbnail: the tutorial's title), or else a description made from its file name. Images of
figures keep the alt text sphinx-gallery made from the figure's titles.

The other accessibility fixes found by the browser check live in ``site_quality.py``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def _text_after(image: nodes.Element) -> str:
    parent = image.parent
    if parent is None:
        return ""
    siblings = list(parent.children)
    for sibling in siblings[siblings.index(image) + 1 :]:
        text = " ".join(sibling.astext().split())
        if text:
            return text
    return ""


def _from_file_name(uri: str) -> str:
    stem = PurePosixPath(uri).stem
    for prefix in ("sphx_glr_",):
        stem = stem.removeprefix(prefix)
    words = stem.replace("_", " ").replace("-", " ").split()
    return "Image: " + " ".join(words) if words else "Image"


def fill_alt_text(app: Sphinx, doctree: nodes.document, docname: str) -> None:  # noqa: ARG001
    """Set the ``alt`` of every image in ``doctree`` that has none (``doctree-resolved``)."""
    for image in doctree.findall(lambda n: isinstance(n, nodes.Element) and "uri" in n):
        if not isinstance(image, nodes.Element) or str(image.get("alt", "")).strip():
            continue
        uri = str(image["uri"])
        title = _text_after(image)
        if "/thumb/" in uri and title:
            image["alt"] = f"Thumbnail of the tutorial: {title}"
        else:
            image["alt"] = title or _from_file_name(uri)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    app.connect("doctree-resolved", fill_alt_text)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
