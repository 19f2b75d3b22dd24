"""Checks of the built site in ``docs/_build/html`` (``nox -s docs`` builds it, then runs these).

They read the HTML as files: every tutorial has its page, its figures, its downloads and (when it
animates) its playable video; the API page lists every public name; the glossary has its terms;
nothing is loaded from another host; every image has a text alternative; pages stay light.
The real browser checks (loading, playing, links, accessibility) are a separate session.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import PIL.Image
import pytest

import sgd_tutorial

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"
TUTORIALS = sorted((ROOT / "gallery").glob("plot_*.py"))
PAGE_LIMIT = 1_000_000  # bytes: a page with everything it loads
GLOSSARY_TERMS = [
    "learning rate",
    "epoch",
    "minibatch",
    "batch size",
    "iteration",
    "step",
    "SGD",
    "gradient descent",
    "model",
    "architecture",
    "parameters",
    "loss function",
    "mean squared error",
    "gradient",
    "momentum",
    "autograd",
    "tensor",
    "broadcasting",
    "convergence",
    "divergence",
    "device",
    # tutorials 9 to 11
    "all-reduce",
    "data-parallel",
    "process group",
    "neural network",
    "activation function",
    "training set",
    "validation set",
    "standardisation",
    "logistic regression",
    "sigmoid",
    "cross-entropy",
    "overfitting",
    "early stopping",
    "optimizer",
    "power iteration",
    "schedule",
    "Polyak averaging",
    "noise floor",
    "Nesterov momentum",
    "Adam",
    "RMSprop",
]
ANIMATION_CALLS = re.compile(r"\b(animate_fit|animate_descent|FitAnimation|write_video)\(")


class Page(HTMLParser):
    """The parts of a page the checks need: tags with their attributes, and ids."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def local(self, url: str) -> Path | None:
        """The file a relative URL of this page points to (None for data: and anchors)."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:
            return None
        return (self.path.parent / unquote(parts.path)).resolve()

    def resources(self) -> list[str]:
        """URLs the browser loads with the page: images, scripts, stylesheets, media."""
        urls = [
            a.get("src", "") for a in self.all("img") + self.all("script") + self.all("source")
        ]
        # Only links the browser fetches: not rel="next", "prev", "search", "index", ...
        loaded = {"stylesheet", "icon", "preload", "modulepreload"}
        urls += [
            a.get("href", "") for a in self.all("link") if loaded & set(a.get("rel", "").split())
        ]
        return [u for u in urls if u]


def pages() -> list[Path]:
    return sorted(HTML.rglob("*.html"))


@pytest.fixture(scope="module", autouse=True)
def built_site() -> None:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built site at {HTML}: run `nox -s docs` (it builds, then runs these)")


def tutorial_page(script: Path) -> Page:
    path = HTML / "auto_examples" / f"{script.stem}.html"
    assert path.is_file(), f"no page for {script.name}"
    return Page(path)


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_page_has_its_figures(script: Path) -> None:
    page = tutorial_page(script)
    figures = [a for a in page.all("img") if "sphx-glr" in a.get("class", "")]
    assert figures, f"{script.name}: its page shows no figure"
    for image in page.all("img"):
        target = page.local(image["src"])
        assert target is None or target.is_file(), f"{script.name}: missing {image['src']}"


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_page_has_its_videos(script: Path) -> None:
    expected = len(ANIMATION_CALLS.findall(script.read_text(encoding="utf-8")))
    page = tutorial_page(script)
    videos = page.all("video")
    if not expected:
        assert not videos
        return
    assert len(videos) >= 1, f"{script.name} animates, but its page has no <video>"
    for video in videos:
        assert "controls" in video, f"{script.name}: a video without controls"
        assert video.get("aria-label") or video.get("title"), f"{script.name}: unlabelled video"
    sources = [s for s in page.all("source") if s.get("type") == "video/mp4"]
    assert len(sources) == len(videos)
    assert all(s["src"].startswith("data:video/mp4;base64,") for s in sources)


def download(script: Path, suffix: str) -> Path:
    """The file a tutorial's page offers for download as ``suffix`` (.py or .ipynb)."""
    page = tutorial_page(script)
    for a in page.all("a"):
        link = page.local(a.get("href", ""))
        if "download" in a and link is not None and link.name == script.stem + suffix:
            return link
    message = f"{script.name}: its page offers no {suffix} download"
    raise AssertionError(message)


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_downloads(script: Path) -> None:
    page = tutorial_page(script)
    links = [page.local(a.get("href", "")) for a in page.all("a") if "download" in a]
    links = [link for link in links if link is not None]
    names = {link.name for link in links}
    assert {f"{script.stem}.py", f"{script.stem}.ipynb"} <= names
    for link in links:
        assert link.is_file(), f"{script.name}: download {link} is missing"
        if link.suffix == ".ipynb":
            notebook = json.loads(link.read_text(encoding="utf-8"))
            assert notebook["nbformat"] == 4
            assert notebook["cells"]


def test_home_page_shows_every_tutorial() -> None:
    """One thumbnail per tutorial, lazy, at the size it is shown at (160 x 112, conf.py)."""
    page = Page(HTML / "index.html")
    thumbnails = [a for a in page.all("img") if "_thumb" in a.get("src", "")]
    assert len(thumbnails) == len(TUTORIALS)
    for thumbnail in thumbnails:
        assert thumbnail.get("loading") == "lazy", thumbnail
        assert (thumbnail.get("width"), thumbnail.get("height")) == ("160", "112"), thumbnail
        with PIL.Image.open(page.local(thumbnail["src"])) as image:  # type: ignore[arg-type]
            assert image.size == (160, 112), f"{thumbnail['src']} is {image.size}"
    links = {a.get("href", "") for a in page.all("a")}
    for script in TUTORIALS:
        assert f"auto_examples/{script.stem}.html" in links, f"home page misses {script.name}"
    assert (HTML / "installation.html").is_file()


def test_api_reference_lists_every_public_name() -> None:
    page = Page(HTML / "api.html")
    missing = [n for n in sgd_tutorial.__all__ if f"sgd_tutorial.{n}" not in page.ids]
    assert not missing, f"api.html does not document {missing}"


def test_glossary_has_its_terms() -> None:
    page = Page(HTML / "glossary.html")
    ids = {i.lower() for i in page.ids}
    missing = [t for t in GLOSSARY_TERMS if "term-" + t.lower().replace(" ", "-") not in ids]
    assert not missing, f"glossary.html lacks {missing}"


def test_tutorials_link_to_the_api_and_the_glossary() -> None:
    api_links = glossary_links = 0
    for script in TUTORIALS:
        page = Page(HTML / "auto_examples" / f"{script.stem}.html")
        hrefs = [a.get("href", "") for a in page.all("a")]
        api_links += sum(bool(re.match(r"\.\./api\.html#sgd_tutorial\.\w+", h)) for h in hrefs)
        glossary_links += sum(h.startswith("../glossary.html#term-") for h in hrefs)
    assert api_links, "no code in the tutorials links to the API reference"
    assert glossary_links, "no :term: links from the tutorials to the glossary"


def test_math_is_rendered_at_build_time() -> None:
    text = (HTML / "glossary.html").read_text(encoding="utf-8")
    assert "<math" in text
    for path in pages():
        assert "mathjax" not in path.read_text(encoding="utf-8").lower(), path


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_page_loads_nothing_from_elsewhere(path: Path) -> None:
    page = Page(path)
    remote = [u[:100] for u in page.resources() if urlsplit(u).scheme not in {"", "data"}]
    remote += [u[:100] for u in page.resources() if u.startswith("//")]
    assert not remote, f"{path.name} loads {remote}"


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_every_image_has_alt_text(path: Path) -> None:
    page = Page(path)
    bad = [a.get("src", "")[:80] for a in page.all("img") if not a.get("alt", "").strip()]
    assert not bad, f"{path.name}: images without alt text: {bad}"


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(HTML)))
def test_page_weight(path: Path) -> None:
    page = Page(path)
    files = {path.resolve()}
    for url in page.resources():
        target = page.local(url)
        if target is not None and target.is_file():
            files.add(target)
    inline = sum(len(u) for u in page.resources() if u.startswith("data:"))
    total = sum(f.stat().st_size for f in files)
    assert total <= PAGE_LIMIT, (
        f"{path.name} weighs {total} bytes with its assets ({inline} inline)"
    )


def test_favicon_and_no_cdn_timing_page() -> None:
    page = Page(HTML / "index.html")
    icons = [a["href"] for a in page.all("link") if "icon" in a.get("rel", "").split()]
    assert icons
    assert all(page.local(h) and page.local(h).is_file() for h in icons)  # type: ignore[union-attr]
    assert not list(HTML.rglob("sg_execution_times.html")), "that page loads jQuery from a CDN"


def test_the_wheel_is_published_and_linked() -> None:
    """The installation page links the package's wheel, built from these sources."""
    wheels = sorted(HTML.glob("sgd_tutorial-*.whl"))
    assert len(wheels) == 1, f"expected one wheel at the site's root, found {wheels}"
    wheel = wheels[0]
    assert wheel.name.startswith(f"sgd_tutorial-{sgd_tutorial.__version__}-py3-none-any")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"sgd_tutorial-{sgd_tutorial.__version__}.dist-info/METADATA")
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "sgd_tutorial").glob("*.py")}
    assert modules | {"sgd_tutorial/py.typed"} <= names
    assert f"Version: {sgd_tutorial.__version__}" in metadata.decode()
    assert "Requires-Dist: torch" in metadata.decode()
    page = Page(HTML / "installation.html")
    assert wheel.name in [a.get("href") for a in page.all("a")]


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_downloaded_script_is_the_tutorial(script: Path) -> None:
    """The .py download is the tutorial itself (test_gallery.py runs it from an empty folder)."""
    assert download(script, ".py").read_bytes() == script.read_bytes()


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_notebook_renders_the_raw_html(script: Path) -> None:
    """No reStructuredText ``.. raw:: html`` leaks into the notebook's markdown as text."""
    notebook = json.loads(download(script, ".ipynb").read_text(encoding="utf-8"))
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    leaked = [m[:80] for m in markdown if ".. raw::" in m]
    assert not leaked, f"{script.name}: raw HTML directives shown as text in {leaked}"
    solutions = re.findall(
        r"<summary>(Solution to exercise \d+)</summary>", script.read_text(encoding="utf-8")
    )
    for summary in solutions:
        assert any(f"**{summary}**" in m for m in markdown), f"{script.name}: {summary} lost"


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_downloaded_notebook_runs_from_an_empty_folder(script: Path, tmp_path: Path) -> None:
    """Every code cell of the downloaded notebook, in order, run in a folder of its own.

    The cells are run as one script (the way a notebook's kernel runs them, one namespace) with
    the installed package; a notebook with IPython magics would fail here, and should.
    """
    notebook = json.loads(download(script, ".ipynb").read_text(encoding="utf-8"))
    code = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    work, videos = tmp_path / "work", Path(tempfile.mkdtemp(prefix="notebook-videos-"))
    work.mkdir()
    env = {**os.environ, "MPLBACKEND": "Agg", "TMPDIR": str(videos), "PYTHONIOENCODING": "utf-8"}
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            check=False,
        )
    finally:
        shutil.rmtree(videos, ignore_errors=True)
    assert result.returncode == 0, f"{script.name} as a notebook:\n{result.stderr[-3000:]}"
    assert not list(work.iterdir()), f"{script.name} as a notebook left files in its folder"


# --------------------------------------------------------------------------- the explorer

EXPLORER_LIMIT = 300_000  # bytes, with everything it loads (issue 13)


def explorer_data() -> dict[str, object]:
    text = (HTML / "explorer.html").read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="sgdx-json">(.*?)</script>', text, re.DOTALL
    )
    assert found, "explorer.html has no data block"
    data: dict[str, object] = json.loads(found.group(1).replace("<\\/", "</"))
    return data


@pytest.mark.parametrize(("key", "half"), [("1", 1.0), ("30", 30.0)])
def test_explorer_numbers_come_from_the_package(key: str, half: float) -> None:
    data = explorer_data()
    shown = data["problems"][key]  # type: ignore[index]
    tutorials = sgd_tutorial.make_linear_data(100, low=-half, high=half, seed=0)
    x, y = tutorials.x.double(), tutorials.y.double()
    assert data["n"] == len(x)
    assert shown["u"] == x[:, 0].tolist()  # exactly the tutorials' (float32) values
    assert shown["y"] == y.tolist()
    coef = sgd_tutorial.least_squares(x, y)
    assert shown["least_squares"] == pytest.approx(coef.tolist(), rel=1e-12)
    assert shown["least_squares_loss"] == pytest.approx(float(sgd_tutorial.mse(x @ coef, y)))
    eigenvalues = sgd_tutorial.hessian_eigenvalues(x).tolist()
    assert shown["hessian_eigenvalues"] == pytest.approx(eigenvalues, rel=1e-12)
    assert shown["max_stable_lr"] == pytest.approx(sgd_tutorial.max_stable_lr(x), rel=1e-12)
    one_sample = max(float(sgd_tutorial.hessian_eigenvalues(x[i : i + 1])[-1]) for i in range(100))
    assert shown["sample_curvature"] == pytest.approx(one_sample, rel=1e-12)
    default_init = inspect.signature(sgd_tutorial.gradient_descent).parameters["init"].default
    assert data["init"] == list(default_init)


def test_explorer_page_is_light_and_in_the_sidebar() -> None:
    page = Page(HTML / "explorer.html")
    scripts = [a.get("src", "") for a in page.all("script")]
    assert "_static/explorer.js" in scripts
    fallback = [page.local(a.get("srcset", a.get("src", ""))) for a in page.all("source")]
    fallback += [
        page.local(a.get("src", ""))
        for a in page.all("img")
        if "explorer-static" in a.get("src", "")
    ]
    figures = {f for f in fallback if f is not None}
    assert len(figures) == 2, "no wide and narrow figure for readers without JavaScript"
    files = {page.path.resolve()}
    files |= {t for u in page.resources() if (t := page.local(u)) is not None and t.is_file()}
    # A visit loads one figure at most (none with JavaScript, the figure sits in <noscript>).
    total = sum(f.stat().st_size for f in files - figures)
    total += max(f.stat().st_size for f in figures)
    assert total <= EXPLORER_LIMIT, f"explorer.html weighs {total} bytes with what it loads"
    static = [a for a in page.all("img") if "explorer-static" in a.get("src", "")]
    assert len(static[0].get("alt", "")) > 40
    home = Page(HTML / "index.html")
    assert "explorer.html" in {a.get("href", "") for a in home.all("a")}
