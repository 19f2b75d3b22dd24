"""Sphinx configuration of the sgd-tutorial site.

The site builds offline and its pages load nothing from another host: no intersphinx, math
rendered to MathML at build time (``_ext/mathml.py``), no CDN script. Every tutorial in
``../gallery`` is executed by sphinx-gallery during the build, and a tutorial that fails fails
the build. The package's wheel is built before Sphinx runs (``nox -s docs``, Read the Docs'
``pre_build`` job) and published at the site's root.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.errors import ConfigError

import sgd_tutorial

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

# -- Where the site and its sources live ---------------------------------------------------
# The one place to change them. The site's address, for what needs absolute links (sitemap,
# OpenGraph, the 404 page, links in the downloaded notebooks), is read from the environment:
# SGD_SITE_URL, else the address Read the Docs builds for (READTHEDOCS_CANONICAL_URL).
REPOSITORY = "https://github.com/sgd-tutorial/sgd-tutorial"
BRANCH = "main"
ISSUES = f"{REPOSITORY}/issues"
DEFAULT_SITE_URL = "https://sgd-tutorial.readthedocs.io/en/latest/"
html_baseurl = (
    os.environ.get("SGD_SITE_URL")
    or os.environ.get("READTHEDOCS_CANONICAL_URL")
    or DEFAULT_SITE_URL
)
if urlsplit(html_baseurl).scheme not in {"http", "https"} or not urlsplit(html_baseurl).netloc:
    msg = f"SGD_SITE_URL must be an absolute http(s) URL, got {html_baseurl!r}"
    raise ConfigError(msg)
html_baseurl = html_baseurl.rstrip("/") + "/"

# -- Project -------------------------------------------------------------------------------
project = "sgd-tutorial"
author = "sgd-tutorial developers"
copyright = "2026, sgd-tutorial developers"
release = sgd_tutorial.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",  # highlighted source of every documented name, linked both ways
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "notfound.extension",
    # Local extensions in _ext/:
    "mathml",  # LaTeX → MathML at build time: no MathJax, no CDN, no JavaScript
    "images",  # a text alternative for every image; thumbnails lazy, at their display size
    "site_quality",  # fixes from the browser check: ARIA levels, scrollable blocks focusable
    "notebooks",  # the downloadable notebooks: raw HTML, absolute links, install cell, Colab
    "figures",  # the tutorials' figures light and dark, 1x and 2x, lazily loaded
    "explorer",  # ``.. explorer::``: the interactive page, its data computed by the package
]
html_math_renderer = "mathml"

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
default_role = "code"
# Syntax colours that meet WCAG AA contrast (the "sphinx" style does not: 3.97:1 for names).
pygments_style = "a11y-light"
pygments_dark_style = "a11y-dark"

# -- API reference -------------------------------------------------------------------------
autodoc_typehints = "none"  # the numpydoc "Parameters" sections give the types
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- The wheel -----------------------------------------------------------------------------
# Built from these sources before the build (noxfile.py's ``docs``, .readthedocs.yaml), then
# published next to index.html, so that a downloaded tutorial can install it.
WHEEL_DIR = DOCS / "_build" / "wheel"
WHEEL = f"sgd_tutorial-{release}-py3-none-any.whl"
if sorted(p.name for p in WHEEL_DIR.glob("*.whl")) != [WHEEL]:
    msg = (
        f"{WHEEL_DIR} must hold exactly {WHEEL}: build it first with "
        f"`python -m pip wheel --no-deps --no-build-isolation --wheel-dir {WHEEL_DIR} .` "
        "from the repository's root (nox -s docs does)"
    )
    raise ConfigError(msg)
html_extra_path = [str(WHEEL_DIR)]
rst_epilog = f"""
.. |wheel| replace:: {WHEEL}
.. |wheel_link| replace:: `{WHEEL} <{WHEEL}>`__
"""

# -- Gallery -------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    # Execute every tutorial (the default pattern only matches "plot" after a path separator,
    # which is the same thing here, spelled out).
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    # Order by file name: the numbers in plot_NN_* are the reading order.
    "within_subsection_order": "FileNameSortKey",
    # Code in the tutorials links to our API reference. (sphinx-gallery 0.22 resolves those
    # links from the documentation being built; its old "reference_url" option is ignored.)
    "doc_module": ("sgd_tutorial",),
    "backreferences_dir": "gen_modules/backreferences",
    "inspect_global_variables": True,
    # The last expression of a cell is shown as HTML when it has _repr_html_ (our animations
    # become a <video>), else as its repr.
    "capture_repr": ("_repr_html_", "__repr__"),
    # sg_execution_times pages load jQuery and DataTables from a CDN: we do not write them.
    # Each tutorial's page still ends with its running time, and the build log lists them.
    "write_computation_times": False,
    "min_reported_time": 0,
    "remove_config_comments": True,
    "download_all_examples": True,
    # A failing tutorial fails the build: every tutorial runs, then sphinx-gallery raises an
    # error listing each failure (so one broken tutorial does not hide another).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "show_signature": False,
    "line_numbers": False,
    "plot_gallery": "True",
    # Each figure saved light and dark (for furo's two themes), each at 1x and 2x (figures.py).
    "image_scrapers": ("figures.scraper",),
    "image_srcset": ["2x"],
    "default_thumb_file": None,
    # The size the thumbnails are shown at (sphinx-gallery's CSS: 160 × 112 px at most).
    "thumbnail_size": (160, 112),
    # The tutorials run two at a time (joblib's loky processes, one thread each); one that
    # measures timings opts out with "# sphinx_gallery_parallel = False" and runs first, alone.
    "parallel": 2,
}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "furo"
html_title = "SGD from first principles"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["custom.css"]
html_copy_source = False
html_show_sourcelink = False
_GITHUB_ICON = (
    '<svg stroke="currentColor" fill="currentColor" stroke-width="0" viewBox="0 0 16 16" '
    'aria-hidden="true"><path fill-rule="evenodd" d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 '
    "5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48"
    "-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52"
    ".28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 "
    ".67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 "
    "1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 "
    '1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"></path></svg>'
)
html_theme_options = {
    "navigation_with_keys": True,
    # "View this page" and "Edit this page" on every page, pointing at its source file.
    "source_repository": REPOSITORY,
    "source_branch": BRANCH,
    "source_directory": "docs/",
    "footer_icons": [
        {"name": "Report a problem", "url": ISSUES, "html": "Report a problem", "class": ""},
        {"name": "Source code on GitHub", "url": REPOSITORY, "html": _GITHUB_ICON, "class": ""},
    ],
}


# -- Copy buttons: the code only, never the prompts (>>>, $) or the output -------------------
copybutton_selector = ":not(.sphx-glr-script-out) > div.highlight pre"  # not printed output
copybutton_exclude = ".linenos, .gp, .go"
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# -- Sitemap, OpenGraph, 404 ---------------------------------------------------------------
sitemap_url_scheme = "{link}"
# Reading pages only: not the indexes, nor the highlighted sources (reached from the API page).
sitemap_excludes = ["search.html", "genindex.html", "py-modindex.html", "404.html", "_modules/*"]
ogp_site_url = html_baseurl
ogp_site_name = html_title
ogp_social_cards = {"enable": False}  # no generated images: title and description only
notfound_urls_prefix = urlsplit(html_baseurl).path
notfound_context = {
    "title": "Page not found",
    "body": (
        "<h1>Page not found</h1><p>There is no page at this address. Start again from "
        f'<a href="{notfound_urls_prefix}index.html">the home page</a>, or search the site '
        "from the box at the top of the sidebar.</p>"
    ),
}
