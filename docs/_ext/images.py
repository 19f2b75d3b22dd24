"""Images: a text alternative for every one, and gallery thumbnails that load lazily.

sphinx-gallery writes its thumbnails with an empty ``:alt:`` (and so does any image whose author
forgot one); screen readers then announce nothing, or the file name. After references are
resolved we give each such image the text of the link or paragraph that follows it (for a gallery
thumbnail: the tutorial's title), or else a description made from its file name. Images of
figures keep the alt text sphinx-gallery made from the figure's titles.

Thumbnails also get ``loading="lazy"`` and their width and height (``thumbnail_size`` in
``conf.py``, the size they are shown at), so the browser fetches only those in view and reserves
their space before they arrive.
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
    stem = PurePosixPath(uri).stem.removeprefix("sphx_glr_")
    words = stem.replace("_", " ").replace("-", " ").split()
    return "Image: " + " ".join(words) if words else "Image"


def fix_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:  # noqa: ARG001
    """Fill in missing ``alt`` texts; make thumbnails lazy, at their size (``doctree-resolved``)."""
    width, height = app.config.sphinx_gallery_conf["thumbnail_size"]
    # Not only nodes.image: sphinx-gallery's image-sg (figures with a srcset) has its own node.
    for image in doctree.findall(lambda n: isinstance(n, nodes.Element) and "uri" in n):
        if not isinstance(image, nodes.Element):
            continue
        uri = str(image["uri"])
        thumbnail = "/thumb/" in uri
        if thumbnail:
            image["loading"], image["width"], image["height"] = "lazy", str(width), str(height)
            # A sized image would be wrapped in a link to its file (html_scaled_image_link),
            # which sphinx-gallery's CSS lays over the card: the card's own link is the one.
            image["classes"].append("no-scaled-link")
        if str(image.get("alt", "")).strip():
            continue
        title = _text_after(image)
        if thumbnail and title:
            image["alt"] = f"Thumbnail of the tutorial: {title}"
        else:
            image["alt"] = title or _from_file_name(uri)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension."""
    app.connect("doctree-resolved", fix_images)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
