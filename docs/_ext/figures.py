"""The tutorials' figures in both of furo's themes, each with a 2× image for sharp screens.

sphinx-gallery's own matplotlib scraper saves each figure at 1× and at every ``image_srcset``
factor (2× here). :func:`scraper` does the same, then recolours the figure's achromatic parts
(faces, text, spines, ticks, grids, legend frames, grey lines and grey colormaps such as "Greys")
for furo's dark background, saves it again, and puts the colours back: one executed figure, two
renderings.
The page gets both, in furo's ``only-light`` and ``only-dark`` containers, and every figure image
is lazy: a browser does not fetch a lazy image that is not displayed, so a page costs the images
of one theme. Thumbnails are made from the light images.
"""

from __future__ import annotations

import html
import struct
from pathlib import Path
from textwrap import indent
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import Collection
from matplotlib.colors import ListedColormap, to_rgba_array
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from sphinx_gallery.directives import imgsgnode, visit_imgsg_html
from sphinx_gallery.scrapers import figure_rst

if TYPE_CHECKING:
    from collections.abc import Callable

    from sphinx.application import Sphinx

DARK_BACKGROUND = np.array([0x13, 0x14, 0x16]) / 255  # furo's dark --color-background-primary
DARK_FOREGROUND = np.array([0xCF, 0xD0, 0xD0]) / 255  # and its --color-foreground-primary
LOCS = ("left", "center", "right")
COLOURED = {
    Patch: ("facecolor", "edgecolor"),  # figure and axes faces, spines, legend frames, bars
    Collection: ("facecolor", "edgecolor"),  # scatter points, unmapped contours and fills
    Line2D: ("color", "markerfacecolor", "markeredgecolor"),  # lines, ticks, grids
    Text: ("color",),
}
GREY = 0.02  # a colour whose red, green and blue differ by less is a grey


def dark(rgba: Any) -> np.ndarray:
    """Colours (N×4 RGBA) with each grey moved from a white page to furo's dark one.

    White becomes the dark background, black its foreground, and the greys between keep their
    place (and so their contrast) between the two; other colours and every alpha stay.
    """
    colours = to_rgba_array(rgba).copy()
    rgb = colours[:, :3]
    grey = np.ptp(rgb, axis=1) < GREY
    colours[grey, :3] = DARK_FOREGROUND + np.outer(
        rgb[grey].mean(axis=1), DARK_BACKGROUND - DARK_FOREGROUND
    )
    return colours


def dark_colours(figure: Any) -> list[tuple[Callable[[Any], Any], Any, Any]]:
    """(setter, light value, dark value) for the colours of ``figure`` and its grey colormaps."""
    found = []
    artists = figure.findobj()
    artists += [a.get_bbox_patch() for a in artists if isinstance(a, Text)]
    artists += [a.arrow_patch for a in artists if isinstance(a, Annotation)]
    for artist in filter(None, artists):
        if isinstance(artist, ScalarMappable) and artist.get_array() is not None:
            cmap = artist.get_cmap()
            table = cmap(np.linspace(0, 1, cmap.N))
            if np.ptp(table[:, :3], axis=1).max() < GREY:  # a grey colormap: "Greys", "gray"
                listed = ListedColormap(dark(table), name=f"{cmap.name}_dark")
                bad = tuple(dark(cmap.get_bad())[0])
                found.append((artist.set_cmap, cmap, listed.with_extremes(bad=bad)))
            continue
        for kind, names in COLOURED.items():
            for name in names if isinstance(artist, kind) else ():
                value = getattr(artist, f"get_{name}")()
                if not (isinstance(value, str) and value in {"none", "face", "auto"}):
                    new = dark(value) if len(value) else value
                    new = new if np.ndim(value) == 2 else tuple(new[0])
                    found.append((getattr(artist, f"set_{name}"), value, new))
    return found


def _save(figure: Any, path: Path, factors: list[float]) -> dict[float, Path]:
    """Save ``figure`` at 1× to ``path`` and at each factor beside it; return the srcset map.

    The larger images are lossless WebP: the same pixels in about 2.6 times fewer bytes than PNG.
    """
    saved = {0.0: path}
    figure.savefig(path, dpi=figure.dpi)
    for factor in factors:
        times = f"{factor:.2f}".replace(".", "_")  # sphinx-gallery's names: _2_00x
        saved[factor] = path.with_name(f"{path.stem}_{times}x.webp")
        figure.savefig(saved[factor], dpi=factor * figure.dpi, pil_kwargs={"lossless": True})
    return saved


def scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:  # noqa: ARG001
    """Save every open figure light and dark, each at 1× and 2×; return their reStructuredText."""
    factors = gallery_conf["image_srcset"]
    source = gallery_conf["src_dir"]
    figures = []
    for number, name in zip(plt.get_fignums(), block_vars["image_path_iterator"], strict=False):
        figure, path = plt.figure(number), Path(name)
        light = _save(figure, path, factors)
        changes = dark_colours(figure)
        for setter, _, new in changes:
            setter(new)
        dark_paths = _save(figure, path.with_name(f"{path.stem}_dark{path.suffix}"), factors)
        for setter, old, _ in changes:  # a later cell may draw this figure again (an animation)
            setter(old)
        # The alt text as sphinx-gallery makes it: the figure's titles.
        titles = [figure.get_suptitle()] + [a.get_title(loc) for a in figure.axes for loc in LOCS]
        alt = ", ".join(title for title in titles if title)
        for theme, paths in (("light", light), ("dark", dark_paths)):
            rst = figure_rst([paths[0]], source, alt, [paths])
            figures.append(f"\n.. container:: only-{theme}\n{indent(rst, '   ')}")
    plt.close("all")
    return "".join(figures)  # several figures of one cell: one under the other


def visit_lazy_image(translator: Any, node: imgsgnode) -> None:
    """sphinx-gallery's ``<img>`` with its size, lazy, and with its alt text escaped."""
    node["alt"] = html.escape(str(node["alt"]))
    visit_imgsg_html(translator, node)
    if node["srcset"] is None:
        return
    png = (Path(translator.builder.srcdir) / str(node["uri"]).lstrip("/")).read_bytes()
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    size = f'loading="lazy" width="{width}" height="{height}"'
    translator.body[-1] = translator.body[-1].replace("<img ", f"<img {size} ", 1)


def setup(app: Sphinx) -> dict[str, Any]:
    """Render sphinx-gallery's images lazily (the scraper is named in ``sphinx_gallery_conf``)."""
    app.add_node(imgsgnode, override=True, html=(visit_lazy_image, lambda *_: None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
