"""Checks of the built site in ``docs/_build/html`` (``nox -s docs`` builds it, then runs these).

They read the HTML as files: every tutorial has its page, its figures (light and dark, 1x and
2x), its downloads and (when it animates) its playable video; the API page lists every public
name; the glossary has its terms; nothing is loaded from another host; every image has a text
alternative; pages stay light. Every downloaded notebook links only to absolute addresses, opens
in Colab from its page, and runs from an empty folder in a fresh environment that has only torch
and the site's wheel (made once per session: the slow part). The real browser checks (loading,
playing, links, accessibility) are a separate session.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from importlib.metadata import version
from pathlib import Path
from urllib.parse import unquote, urlsplit

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
import pytest
from matplotlib.colors import to_hex

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
    """A page with what a browser fetches for it: for the figures, one theme's 2x images.

    The other theme's figures are hidden and lazy (not fetched); each figure's ``srcset`` ends
    with its largest image, the one a sharp screen fetches.
    """
    page = Page(path)
    figures = [a for a in page.all("img") if a.get("srcset")]
    sizes = {False: 0, True: 0}  # bytes of figures, light and dark
    for image in figures:
        largest = page.local(image["srcset"].rsplit(",", 1)[-1].split()[0])
        assert largest is not None, f"{path.name}: {image['srcset'][:80]}"
        sizes[image["src"].endswith("_dark.png")] += largest.stat().st_size
    files = {path.resolve()}
    for url in set(page.resources()) - {a["src"] for a in figures}:
        target = page.local(url)
        if target is not None and target.is_file():
            files.add(target)
    inline = sum(len(u) for u in page.resources() if u.startswith("data:"))
    total = sum(f.stat().st_size for f in files) + max(sizes.values())
    assert total <= PAGE_LIMIT, (
        f"{path.name} weighs {total} bytes with its assets ({inline} inline, figures {sizes})"
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


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_figures_have_2x_and_dark_versions(script: Path) -> None:
    """Each figure: a light and a dark rendering (furo shows one), each lazy, with a 2x image."""
    text = tutorial_page(script).path.read_text(encoding="utf-8")
    found = {
        theme: re.findall(rf'<div class="only-{theme} docutils container">\s*(<img [^>]*>)', text)
        for theme in ("light", "dark")
    }
    figures = re.findall(r'<img [^>]*class = "sphx-glr-(?:single|multi)-img"', text)
    assert found["light"], f"{script.name}: no figure in an only-light container"
    assert len(found["light"]) == len(found["dark"]) == len(figures) / 2, (
        f"{script.name}: {len(figures)} figure images, {len(found['light'])} light and "
        f"{len(found['dark'])} dark"
    )
    for light, dark in zip(found["light"], found["dark"], strict=True):
        for image in (light, dark):
            assert 'loading="lazy"' in image, f"{script.name}: {image[:80]} is not lazy"
            assert re.search(r'srcset="[^"]*_2_00x\.webp 2\.00x"', image), f"no 2x: {image[:99]}"
        name = re.search(r'src="([^"]*)"', light).group(1)  # type: ignore[union-attr]
        assert f'src="{name.removesuffix(".png")}_dark.png"' in dark, f"{name}: no dark twin"


def test_dark_rendering_recolours_the_greys_and_puts_them_back() -> None:
    """The scraper's dark colours: greys move to furo's dark theme, colours stay, then undone."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    figures = importlib.import_module("figures")
    fig, ax = plt.subplots()
    grid = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9))
    ax.contourf(*grid, grid[0] ** 2 + grid[1] ** 2, cmap="Greys")
    (line,) = ax.plot([0, 1], color="k")
    (blue,) = ax.plot([1, 0], color="tab:blue")
    ax.set_title("a title")
    before = io.BytesIO()
    fig.savefig(before, format="png")
    changes = figures.dark_colours(fig)
    for setter, _, dark in changes:
        setter(dark)
    assert to_hex(fig.patch.get_facecolor()) == "#131416"  # furo's dark background
    assert to_hex(line.get_color()) == to_hex(ax.title.get_color()) == "#cfd0d0"  # its text
    assert to_hex(blue.get_color()) == to_hex("tab:blue")
    shades = ax.collections[0].get_cmap()(np.linspace(0, 1, 5))
    assert np.all(np.diff(shades[:, :3].mean(axis=1)) > 0), "Greys: darkest on the dark page"
    for setter, light, _ in changes:
        setter(light)
    after = io.BytesIO()
    fig.savefig(after, format="png")
    assert after.getvalue() == before.getvalue(), "the light figure is not as it was"


# --------------------------------------------------------------------------- notebooks

NOTEBOOK_LINK = re.compile(
    r"\]\((?P<url>[^)\s]*)\)(?P<stray>_?)|\b(?:href|src)=[\"'](?P<attr>[^\"']*)"
)
RELATIVE_PAGE = re.compile(r"""["'(]\.\.?/[\w./-]*\.html\b""")  # "../explorer.html?lr=..."
INSTALL = re.compile(r'^%pip install "sgd-tutorial\[tutorials\] @ (?P<wheel>https://\S+\.whl)"$')
COLAB = re.compile(
    r"https://colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/(?P<path>.+)"
)
VIDEO_PATH = re.compile(r"(?<![.\w])(/\S+\.(?:mp4|gif|html))\b")  # an absolute path, printed


def notebook_cells(script: Path, kind: str) -> list[str]:
    notebook = json.loads(download(script, ".ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == kind]


def site_wheel() -> Path:
    wheels = sorted(HTML.glob("sgd_tutorial-*.whl"))
    assert len(wheels) == 1, f"expected one wheel at the site's root, found {wheels}"
    return wheels[0]


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()  # PEP 503


def site_url() -> str:
    """``html_baseurl``, as the build wrote it into the home page's canonical link."""
    links = [a for a in Page(HTML / "index.html").all("link") if a.get("rel") == "canonical"]
    assert links, "index.html has no canonical link: is html_baseurl set?"
    return links[0]["href"].removesuffix("index.html")


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_notebook_has_no_relative_link(script: Path) -> None:
    """Links in a downloaded notebook lead to the site, wherever the notebook is opened."""
    for cell in notebook_cells(script, "markdown"):
        for link in NOTEBOOK_LINK.finditer(cell):
            url = link["url"] if link["url"] is not None else link["attr"]
            assert url.startswith(("https://", "data:", "#")), f"{script.name}: link to {url}"
            assert not link["stray"], f"{script.name}: a stray '_' after the link to {url}"
    for cell in notebook_cells(script, "code"):
        pages = [m.group(0) for m in RELATIVE_PAGE.finditer(cell)]
        assert not pages, f"{script.name}: code makes relative links to {pages}"


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_notebook_first_cell_installs_the_sites_wheel(script: Path) -> None:
    first = notebook_cells(script, "code")[0].splitlines()[-1]
    install = INSTALL.match(first)
    assert install, f"{script.name}: the first cell is {first!r}"
    assert install["wheel"] == site_url() + site_wheel().name


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_page_links_to_its_notebook_in_colab(script: Path) -> None:
    """A plain link (nothing is contacted): Colab opens the notebook from the site's branch."""
    page = tutorial_page(script)
    links = [a["href"] for a in page.all("a") if a.get("href", "").startswith("https://colab.")]
    assert len(links) == 1, f"{script.name}: {len(links)} Colab links"
    colab = COLAB.fullmatch(links[0])
    assert colab, f"{script.name}: {links[0]}"
    notebook = download(script, ".ipynb")
    assert colab["path"] == notebook.relative_to(HTML).as_posix()


def test_tutorials_extra_brings_what_the_tutorials_import() -> None:
    """Every package a tutorial imports is a requirement of the wheel or of its extra."""
    with zipfile.ZipFile(site_wheel()) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    assert "Provides-Extra: tutorials" in metadata
    required = {
        re.split(r"[\s;<>=!~\[]", line.removeprefix("Requires-Dist: "))[0].lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
        and "extra ==" not in line.replace('extra == "tutorials"', "")
    }
    distributions = importlib.metadata.packages_distributions()
    for script in TUTORIALS:
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for top in {n.split(".")[0] for n in names} - set(sys.stdlib_module_names):
                if top == "sgd_tutorial":
                    continue
                dists = {normalise(d) for d in distributions.get(top, [top])}
                assert dists & required, f"{script.name} imports {top}, which no install brings"


@pytest.fixture(scope="session")
def wheel_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with torch and the site's wheel, ``[tutorials]``: no more.

    Made once per session, with the build's torch (``TORCH_SPEC``, which ``nox -s docs`` passes;
    else the running version). ``SGD_NOTEBOOK_VENV`` names a folder to keep it in between runs.
    """
    folder = os.environ.get("SGD_NOTEBOOK_VENV") or tmp_path_factory.mktemp("wheel-only")
    python = Path(folder) / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    wheel = site_wheel()
    torch_spec = os.environ.get("TORCH_SPEC") or f"torch=={version('torch')}"
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, torch_spec, f"{wheel}[tutorials]"], check=True)
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(wheel)], check=True)  # this build
    return python


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_downloaded_notebook_runs_from_an_empty_folder(
    script: Path, tmp_path: Path, wheel_only_python: Path
) -> None:
    """Every code cell of the downloaded notebook, in order, with only torch and the site's wheel.

    Its first cell installs the wheel (``%pip``), as the fixture did; the others run as one
    script (one namespace, as in a kernel) from an empty folder, with another CPU's rounding
    than the site's build (``ATEN_CPU_CAPABILITY=default``): the tutorial's own checks must hold
    there too. One thread, as in the build: beside the browser checks on the other pytest
    worker, a second thread only waits for a core (and costs tiny tensors several times over). The videos it writes must exist and not be empty.
    """
    first, *cells = notebook_cells(script, "code")
    assert INSTALL.match(first.splitlines()[-1]), f"{script.name}: first cell {first!r}"
    work, videos = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    videos.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env |= {"MPLBACKEND": "Agg", "TMPDIR": str(videos), "PYTHONIOENCODING": "utf-8"}
    env |= {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [str(wheel_only_python), "-c", "\n\n".join(cells)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{script.name} as a notebook:\n{result.stderr[-3000:]}"
    assert not list(work.iterdir()), f"{script.name} as a notebook left files in its folder"
    printed = [Path(p) for p in VIDEO_PATH.findall(result.stdout)]
    if ANIMATION_CALLS.search(script.read_text(encoding="utf-8")):
        assert printed, f"{script.name} animates: it must save its videos and print the paths"
    for video in printed:
        assert video.is_file(), f"{script.name} printed {video}, which does not exist"
        assert video.stat().st_size > 0, f"{script.name}: {video} is empty"


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
    files -= figures
    scripts = {t for a in page.all("script") if (t := page.local(a.get("src", ""))) is not None}
    # With JavaScript a visit loads the scripts and no figure (it sits in <noscript>); without,
    # one figure and no script.
    with_js = sum(f.stat().st_size for f in files)
    without_js = sum(f.stat().st_size for f in files - scripts)
    without_js += max(f.stat().st_size for f in figures)
    for visit, total in (("with", with_js), ("without", without_js)):
        assert total <= EXPLORER_LIMIT, (
            f"explorer.html weighs {total} bytes {visit} JavaScript, with what it loads"
        )
    static = [a for a in page.all("img") if "explorer-static" in a.get("src", "")]
    assert len(static[0].get("alt", "")) > 40
    home = Page(HTML / "index.html")
    assert "explorer.html" in {a.get("href", "") for a in home.all("a")}
