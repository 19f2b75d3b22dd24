"""Sphinx configuration of the sgd-tutorial site.

The site builds offline and its pages load nothing from another host: no intersphinx, math
rendered to MathML at build time (``_ext/mathml.py``), no CDN script. Every tutorial in
``../gallery`` is executed by sphinx-gallery during the build, and a tutorial that fails fails
the build.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import sgd_tutorial

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

# The site's address (absolute links in the notebooks) and its repository (Colab links).
# Stand-ins with the site settings' names and values (issue 18): keep those where they differ.
html_baseurl = os.environ.get("SGD_SITE_URL") or "https://sgd-tutorial.readthedocs.io/en/latest/"
REPOSITORY = "https://github.com/sgd-tutorial/sgd-tutorial"

# -- Project -------------------------------------------------------------------------------
project = "sgd-tutorial"
author = "sgd-tutorial developers"
copyright = "2026, sgd-tutorial developers"
release = sgd_tutorial.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # Local extensions in _ext/:
    "mathml",  # LaTeX → MathML at build time: no MathJax, no CDN, no JavaScript
    "alt_text",  # a text alternative for every image (gallery thumbnails have none)
    "site_quality",  # fixes from the browser check: ARIA, contrast, keyboard, no CDN
    "public_api",  # ``.. public-api::`` documents every name of ``sgd_tutorial.__all__``
    "notebooks",  # the downloadable notebooks: raw HTML, absolute links, install cell, Colab
    "figures",  # the tutorials' figures light and dark, 1x and 2x, lazily loaded
    "wheel",  # the package's wheel, built at build time, published at the site's root
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
autosummary_generate = False  # one hand-made page (api.rst); no stub files
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

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
    "thumbnail_size": (400, 280),
}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "furo"
html_title = "SGD from first principles"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["custom.css"]
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {"navigation_with_keys": True, "source_repository": REPOSITORY}
