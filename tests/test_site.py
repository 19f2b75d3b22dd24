"""Checks of the built site in a real browser (``nox -s site``, after ``nox -s docs``).

Headless Chromium opens every page of ``docs/_build/html``, served on 127.0.0.1 by the
``site_url`` fixture, once: in furo's light theme at 1280 px, then narrowed to a 390 px phone,
then back at 1280 px switched in place to furo's dark theme by its theme button. ``site_page``
fails a test on any console error, failed request or request to another host (the site works
offline); the tests here add that every response is a success and check, page by page: the
theme applied (furo's setting and the page's background), one viewport tag, the description and
OpenGraph metadata, the links to the page's source and to the issue tracker, every image loaded
with a text alternative (in both themes), every video playing, no serious or critical axe-core
finding (in the dark theme, of the rules that read colours), the weight of the page with
everything it loads. Highlighted code takes one Pygments palette per theme, and axe's contrast
rule costs about 1.5 ms a token: its colours are checked on the few pages whose code, together,
holds every token class the site uses (``pages_with_every_code_colour``), and left out of the
contrast rules elsewhere. Site-wide: every internal link and ``#anchor`` resolves, code and output
blocks fit the page at 1280 px, copy buttons copy the code only, every public name links to its
source and back, search finds the learning-rate tutorial, the downloads are valid, the sitemap
and the 404 page work, and pages stay usable on a 390 px phone.

Screenshots go to ``docs/_build/site-check/screenshots``: the home page and one tutorial in
both themes and that tutorial on a phone; with ``SGD_SCREENSHOTS=all`` in the environment, the
home page and every tutorial in both themes. A per-page report (``report.md``: weight, blocks
that scroll, figures with 2x versions, axe findings below the failing level) goes to
``docs/_build/site-check`` too; it is printed at the end.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest

import sgd_tutorial

if TYPE_CHECKING:  # the browser's packages are in the site group only, not in nox -s tests'
    from playwright.sync_api import Page, Response, Route, ViewportSize

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"
OUT = ROOT / "docs" / "_build" / "site-check"
NOT_PAGES = {"_static", "_images", "_downloads", "_sources"}
PAGES = sorted(
    (
        rel
        for rel in (p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html"))
        if rel.split("/")[0] not in NOT_PAGES and rel != "404.html"  # 404: its own test
    ),
    key=lambda rel: (rel != "index.html", rel),
)
TUTORIALS = [p for p in PAGES if re.fullmatch(r"auto_examples/plot_\w+\.html", p)]
GENERATED = re.compile(r"(genindex|search|py-modindex)\.html|_modules/.*")  # no source file
WEIGHT_LIMIT_KB = {"explorer.html": 300}  # the Explorer's own budget (issue 13)
DEFAULT_WEIGHT_LIMIT_KB = 1024
SCROLLING_LIMIT = 0.05  # of the code blocks, and of the output blocks, at 1280 px
FAILING_IMPACTS = {"serious", "critical"}
COLOUR_RULES = ["color-contrast", "link-in-text-block"]  # axe's rules that read colours
CODE = ".highlight"  # highlighted code and output blocks
SEARCH_QUERY, SEARCH_TARGET = "learning rate", "plot_06_learning_rate"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}  # conftest's browser_context_args
PHONE: ViewportSize = {"width": 390, "height": 844}
FAVICON = "/_static/favicon.svg"  # every page's, conf.py's html_favicon
PHONE_SHOT = "auto_examples/plot_06_learning_rate.html"  # the tutorial shot on a phone
# The pages shot in both themes: the home page and one tutorial, or every tutorial on request.
ALL_SHOTS = os.environ.get("SGD_SCREENSHOTS") == "all"
SHOTS = {"index.html", *(TUTORIALS if ALL_SHOTS else [PHONE_SHOT])}

# --------------------------------------------------------------------------- JavaScript

# Everything the checks read from a loaded page, in one call. Images are made eager and waited
# for, so that lazy ones count (weight, loading) and show in screenshots.
JS_FACTS = """async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(img => { img.loading = 'eager'; });
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(r => {
    img.addEventListener('load', r); img.addEventListener('error', r); setTimeout(r, 10000);
  })));
  const blocks = sel => Array.from(document.querySelectorAll(sel));
  const folded = blocks('details:not([open])');  // the exercises' solutions count too
  folded.forEach(d => { d.open = true; });
  const scrolls = el => el.scrollWidth > el.clientWidth + 1;
  const code = blocks('div.highlight pre').filter(p => !p.closest('.sphx-glr-script-out'));
  const out = blocks('.sphx-glr-script-out pre');
  const meta = name => (document.querySelector(
      `meta[property="${name}"], meta[name="${name}"]`) || {}).content || '';
  const href = sel => (document.querySelector(sel) || {}).href || '';
  const facts = {
    viewports: blocks('meta[name="viewport"]').length,
    meta: {title: meta('og:title'), url: meta('og:url'), description: meta('description'),
           og_description: meta('og:description')},
    view: href('.view-this-page a'), edit: href('.edit-this-page a'),
    footer: blocks('footer .icons a').map(a => [a.getAttribute('aria-label'), a.href]),
    images: imgs.map(img => ({src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
                              width: img.naturalWidth, srcset: img.getAttribute('srcset') || '',
                              figure: img.classList.contains('sphx-glr-single-img') ||
                                      img.classList.contains('sphx-glr-multi-img')})),
    code: code.length, code_scrolling: code.filter(scrolls).length,
    output: out.length, output_scrolling: out.filter(scrolls).length,
    copy_buttons: code.filter(p => p.nextElementSibling &&
                                   p.nextElementSibling.matches('button.copybtn')).length,
    links: blocks('a[href]').map(a => a.href),
    ids: blocks('[id]').map(e => e.id).concat(blocks('a[name]').map(a => a.name)),
    theme: document.body.dataset.theme,
    background: getComputedStyle(document.body).backgroundColor,
  };
  folded.forEach(d => { d.open = false; });
  return facts;
}"""

JS_VIDEOS = """async () => {
  const out = [];
  for (const v of Array.from(document.querySelectorAll('video'))) {
    const r = {src: (v.currentSrc || v.src || '').slice(0, 60), controls: v.controls,
               error: null, t0: 0, t1: 0};
    try {
      v.muted = true;
      v.scrollIntoView();
      if (v.readyState < 1) {
        await new Promise(res => { v.addEventListener('loadedmetadata', res, {once: true});
                                   v.addEventListener('error', res, {once: true});
                                   setTimeout(res, 10000); if (v.preload === 'none') v.load(); });
      }
      r.t0 = v.currentTime;
      const moved = new Promise(res => {  // until the time moves on (or 5 s)
        const tick = () => { if (v.currentTime > r.t0) res(); };
        v.addEventListener('timeupdate', tick); setTimeout(res, 5000); });
      await Promise.race([v.play(), new Promise((_, no) => setTimeout(
        () => no(new Error('play() neither started nor failed in 5 s')), 5000))]);
      await moved;
      r.t1 = v.currentTime;
      v.pause();
    } catch (e) { r.error = String(e); }
    if (v.error) { r.error = 'MediaError ' + v.error.code; }
    out.push(r);
  }
  return out;
}"""

# Before a full-page screenshot: bring each video into view until its first frame is decoded
# (Chromium paints off-screen videos only once they have been on screen).
JS_SHOW_VIDEOS = """async () => {
  for (const v of Array.from(document.querySelectorAll('video'))) {
    v.scrollIntoView();
    if (v.readyState < 2) {
      await new Promise(res => { v.addEventListener('loadeddata', res, {once: true});
                                 setTimeout(res, 5000); });
    }
    if (v.paused && v.currentTime === 0) {
      await new Promise(res => { v.addEventListener('seeked', res, {once: true});
                                 setTimeout(res, 2000); v.currentTime = 0.01; });
    }
  }
  window.scrollTo(0, 0);
}"""


# --------------------------------------------------------------------------- helpers


@dataclass
class Seen:
    """What a page showed in the light theme at 1280 px: the figures of the report."""

    weight: int = 0  # bytes: the page and every file it loaded
    files: int = 0
    images: int = 0
    figures: int = 0
    figures_2x: int = 0
    videos: int = 0
    code: int = 0
    code_scrolling: int = 0
    output: int = 0
    output_scrolling: int = 0
    copy_buttons: int = 0
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    axe_below_failing: list[str] = field(default_factory=list)


SEEN: dict[str, Seen] = {}


def watch(page: Page) -> tuple[list[str], list[str]]:
    """Start recording the URLs the page requests, and the responses that are not a success."""
    requested: list[str] = []
    errors: list[str] = []

    def check(response: Response) -> None:
        if response.status >= 400:
            errors.append(f"HTTP {response.status}: {response.url}")

    page.on("request", lambda request: requested.append(request.url))
    page.on("response", check)
    return requested, errors


def visit(page: Page, url: str) -> Response:
    """Go to ``url``; return its response once the page and its favicon have loaded.

    Chromium asks for the favicon just after the load event: waiting for it (rather than for
    half a second without requests) keeps the next navigation from cancelling it, which
    ``site_page`` would report as a failed request, and counts it in the page's weight.
    """
    with page.expect_request_finished(lambda r: urlsplit(r.url).path.endswith(FAVICON)):
        response = page.goto(url, wait_until="load")
    assert response is not None, f"no response for {url}"
    return response


def open_page(page: Page, url: str) -> Response:
    """Load ``url`` in furo's light theme (furo reads it first) and wait for its favicon."""
    page.add_init_script("localStorage.setItem('theme', 'light')")
    page.emulate_media(color_scheme="light")
    return visit(page, url)


def switch_to_dark(page: Page) -> list[str]:
    """Turn furo's theme from light to dark in place, as a reader does: the system's scheme
    dark, then furo's theme button, which goes from light to dark when the system's is dark.
    Returns what went wrong (no button)."""
    page.emulate_media(color_scheme="dark")
    clicked = page.evaluate(
        "() => { const b = document.querySelector('.theme-toggle'); b && b.click(); return !!b; }"
    )
    return [] if clicked else ["no theme button (.theme-toggle)"]


def local_file(url: str, site_url: str) -> Path | None:
    """The file of the built site that a local URL names (None for other hosts)."""
    if not url.startswith(site_url):
        return None
    path = posixpath.normpath(unquote(urlsplit(url).path)).lstrip("/")
    target = HTML / path if path not in {"", "."} else HTML
    return target / "index.html" if target.is_dir() else target


@functools.cache
def _axe() -> Any:
    """axe-core, as axe-playwright-python bundles it (read once)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_findings(
    page: Page,
    rules: list[str] | None = None,
    *,
    without: list[str] | None = None,
    exclude: str | None = None,
) -> tuple[list[str], list[str]]:
    """axe-core's violations (of ``rules``, or all but ``without``; outside the elements that
    CSS selector ``exclude`` matches): (serious or critical, others), one a line."""
    failing: list[str] = []
    other: list[str] = []
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    if without:
        options["rules"] = {rule: {"enabled": False} for rule in without}
    context = {"exclude": [[exclude]]} if exclude else None
    for violation in _axe().run(page, context=context, options=options).response["violations"]:
        nodes = violation["nodes"]
        line = f"{violation['id']} ({violation['impact']}, {len(nodes)} nodes): " + "; ".join(
            " ".join(node["target"]) for node in nodes[:3]
        )
        (failing if violation["impact"] in FAILING_IMPACTS else other).append(line)
    return failing, other


def measure(page: Page, site_url: str, rel: str) -> tuple[Seen, dict[str, Any], list[str]]:
    """Load a page in the light theme; return its figures, its facts and what went wrong."""
    requested, errors = watch(page)
    response = open_page(page, site_url + rel)
    facts: dict[str, Any] = page.evaluate(JS_FACTS)
    files = {f for u in requested if (f := local_file(u, site_url)) is not None and f.is_file()}
    images = facts["images"]
    seen = Seen(
        weight=sum(f.stat().st_size for f in files),
        files=len(files),
        images=len(images),
        figures=sum(i["figure"] for i in images),
        figures_2x=sum(i["figure"] and " 2" in i["srcset"] for i in images),
        videos=page.locator("video").count(),
        **{k: facts[k] for k in ("code", "code_scrolling", "output", "output_scrolling")},
        copy_buttons=facts["copy_buttons"],
        links=facts["links"],
        ids=set(facts["ids"]),
    )
    SEEN[rel] = seen
    if response.status != 200:
        errors.append(f"HTTP {response.status} for the page itself")
    return seen, facts, errors


def seen(page: Page, site_url: str, rel: str) -> Seen:
    """A page's figures, measured by ``test_page`` or now."""
    if rel not in SEEN:
        measure(page, site_url, rel)
    return SEEN[rel]


def repository(page: Page, site_url: str) -> str:
    """The repository's URL, as the home page's footer links it."""
    open_page(page, site_url)
    return str(page.get_attribute("footer .icons a[aria-label='Source code on GitHub']", "href"))


def page_problems(facts: dict[str, Any], rel: str, theme: str) -> list[str]:
    """What is wrong with a page's theme, metadata, source links and images."""
    problems = []
    if facts["theme"] != theme:
        problems.append(f"furo's theme is {facts['theme']!r}, not {theme!r}")
    red, green, blue = (float(c) for c in re.findall(r"[\d.]+", facts["background"])[:3])
    if (red + green + blue > 3 * 127.5) != (theme == "light"):
        problems.append(f"the page's background, {facts['background']}, is not {theme}")
    if facts["viewports"] != 1:
        problems.append(f"{facts['viewports']} viewport meta tags, not 1")
    labels = dict(facts["footer"])
    if not labels.get("Report a problem", "").endswith("/issues"):
        problems.append(f"no link to the issue tracker in the footer: {labels}")
    if not labels.get("Source code on GitHub", "").startswith("https://"):
        problems.append(f"no link to the repository in the footer: {labels}")
    if not GENERATED.fullmatch(rel):  # a page written from a source file
        meta = facts["meta"]
        if not (meta["title"] and meta["description"] and meta["og_description"]):
            problems.append(f"no title or description in the page's metadata: {meta}")
        if not meta["url"].endswith(rel):
            problems.append(f"og:url {meta['url']!r} is not this page's address")
        for kind, marker in (("view", "/blob/"), ("edit", "/edit/")):
            link = facts[kind]
            path = urlsplit(link).path.partition(marker)[2].partition("/")[2]
            if not (link and (ROOT / path).is_file()):
                problems.append(f"the {kind} link {link!r} names no file of the repository")
    for image in facts["images"]:
        if not image["width"]:
            problems.append(f"image did not load: {image['src'][:100]}")
        if not (image["alt"] or "").strip():
            problems.append(f"image without alt text: {image['src'][:100]}")
    return problems


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under docs/_build/site-check/screenshots."""
    page.evaluate(JS_SHOW_VIDEOS)
    (OUT / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUT / "screenshots" / f"{name}.png", full_page=True)


def shot_name(rel: str) -> str:
    return rel.removesuffix(".html").replace("/", "__")


class _Ids(HTMLParser):
    """The ids of an HTML file that no test opened in the browser."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids |= {v for k, v in attrs if v and (k == "id" or (tag == "a" and k == "name"))}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}  # HTML's elements without an end tag
BOXES = ("sphx-glr", "admonition", "highlight-", "dropdown")  # classes that may restyle code


class _CodeColours(HTMLParser):
    """The colours an HTML file's highlighted code can take, by what sets them: each token's
    Pygments classes, with the classes of the boxes around its block that restyle code
    (sphinx-gallery's output, admonitions, language variants)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.classes: set[str] = set()
        self.open: list[tuple[bool, str]] = []  # per open tag: in a block?, boxes around it
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = (dict(attrs).get("class") or "").split()
        inside, boxes = self.open[-1] if self.open else (False, "")
        if not inside:
            boxes += "".join(f" {n}" for n in names if n.startswith(BOXES))
        inside = inside or "highlight" in names
        if inside:  # a token (a span), or the block's own text (the block itself)
            self.classes.add(f"{' '.join(names) if tag == 'span' else tag} in{boxes}")
        if tag not in VOID:
            self.open.append((inside, boxes))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.open:
            self.open.pop()


@functools.cache
def pages_with_every_code_colour() -> frozenset[str]:
    """Few pages whose highlighted code, together, holds every colour code takes on the site."""
    classes = {rel: _CodeColours(HTML / rel).classes for rel in PAGES}
    left = set().union(*classes.values())
    chosen: set[str] = set()
    while left:  # greedy: the page with the most classes not yet covered
        best = max(PAGES, key=lambda rel: len(classes[rel] & left))
        chosen.add(best)
        left -= classes[best]
    return frozenset(chosen)


# --------------------------------------------------------------------------- the report


@pytest.fixture(scope="module", autouse=True)
def report(pytestconfig: pytest.Config) -> Iterator[None]:
    """Write the per-page figures to docs/_build/site-check/report.md, and print them."""
    shutil.rmtree(OUT / "screenshots", ignore_errors=True)
    yield
    columns = (
        "page KB files images figures(2x) videos code-scrolling output-scrolling copy-buttons"
    )
    rows = ["| " + " | ".join(columns.split()) + " |", "|---" + "|--:" * 8 + "|"]
    for rel, s in SEEN.items():
        rows.append(
            f"| {rel} | {s.weight / 1024:.0f} | {s.files} | {s.images} | {s.figures} "
            f"({s.figures_2x}) | {s.videos} | {s.code_scrolling}/{s.code} "
            f"| {s.output_scrolling}/{s.output} | {s.copy_buttons} |"
        )
    counted = [s for rel, s in SEEN.items() if not rel.startswith("_modules/")]
    code = sum(s.code_scrolling for s in counted), sum(s.code for s in counted)
    output = sum(s.output_scrolling for s in counted), sum(s.output for s in counted)
    notes = [f"Scrolling sideways at 1280 px (source pages aside): code {code[0]}/{code[1]}, "]
    notes[0] += f"output {output[0]}/{output[1]}."
    notes.append(f"Code colours checked on: {', '.join(sorted(pages_with_every_code_colour()))}.")
    if SEEN:
        heaviest = max(SEEN, key=lambda rel: SEEN[rel].weight)
        notes.append(f"Heaviest page: {heaviest}, {SEEN[heaviest].weight / 1024:.0f} KB.")
    notes += [
        f"axe, below the failing level, {rel}: {finding}"
        for rel, s in SEEN.items()
        for finding in s.axe_below_failing
    ]
    text = "# Site check\n\n" + "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.md").write_text(text, encoding="utf-8")
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and SEEN:
        terminal.write_sep("-", f"site check: {OUT / 'report.md'}")
        terminal.write_line(text)


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("rel", PAGES)
def test_page(site_page: Page, site_url: str, rel: str) -> None:
    """One page, loaded once and checked in each theme, then on a phone.

    Light, at 1280 px: it loads cleanly; its theme, metadata, links, images, videos, weight and
    axe. Switched to dark: the theme, metadata, links and images again, and axe's rules about
    colours (the dark theme changes colours only). At 390 px: whatever scrolls sideways takes
    keyboard focus (axe).
    """
    page_seen, facts, problems = measure(site_page, site_url, rel)
    problems += page_problems(facts, rel, "light")
    for video in site_page.evaluate(JS_VIDEOS):
        if not video["controls"] or video["error"] or not video["t1"] > video["t0"]:
            problems.append(f"video without controls or not playing: {video}")
    limit = WEIGHT_LIMIT_KB.get(rel, DEFAULT_WEIGHT_LIMIT_KB)
    if page_seen.weight > limit * 1024:
        problems.append(f"weighs {page_seen.weight / 1024:.0f} KB, over {limit} KB")
    # Code's colours: on the pages that hold every token class (see the module docstring).
    code = None if rel in pages_with_every_code_colour() else CODE
    failing, page_seen.axe_below_failing = axe_findings(site_page, without=["color-contrast"])
    colours, below = axe_findings(site_page, ["color-contrast"], exclude=code)
    page_seen.axe_below_failing += below
    problems += [f"axe: {line}" for line in failing + colours]
    if rel in SHOTS:
        screenshot(site_page, f"{shot_name(rel)}-light")
    site_page.set_viewport_size(PHONE)
    failing, _ = axe_findings(site_page, rules=["scrollable-region-focusable"])
    problems += [f"at 390 px, axe: {line}" for line in failing]
    if rel == PHONE_SHOT:
        screenshot(site_page, f"{shot_name(rel)}-phone")
    site_page.set_viewport_size(DESKTOP)
    problems += switch_to_dark(site_page)
    dark_facts = site_page.evaluate(JS_FACTS)
    problems += [f"dark theme: {p}" for p in page_problems(dark_facts, rel, "dark")]
    failing, _ = axe_findings(site_page, COLOUR_RULES, exclude=code)
    problems += [f"dark theme, axe: {line}" for line in failing]
    if rel in SHOTS:
        screenshot(site_page, f"{shot_name(rel)}-dark")
    assert not problems, f"{rel}:\n" + "\n".join(problems)


def test_thumbnails_are_lazy_and_shown_at_their_size(site_page: Page, site_url: str) -> None:
    """The home page's thumbnails: lazy, drawn at their file's size, inside their cards."""
    open_page(site_page, site_url)
    thumbnails = site_page.eval_on_selector_all(
        ".sphx-glr-thumbcontainer img",
        """images => images.map(img => {
             const box = img.getBoundingClientRect();
             const card = img.closest('.sphx-glr-thumbcontainer').getBoundingClientRect();
             return {src: img.src, loading: img.loading, natural: [img.naturalWidth,
                     img.naturalHeight], shown: [box.width, box.height],
                     inside: box.left >= card.left && box.right <= card.right &&
                             box.top >= card.top && box.bottom <= card.bottom};
           })""",
    )
    assert len(thumbnails) == len(TUTORIALS)
    for thumbnail in thumbnails:
        assert thumbnail["loading"] == "lazy", thumbnail
        assert thumbnail["natural"] == thumbnail["shown"], thumbnail
        assert thumbnail["inside"], thumbnail


def test_internal_links_resolve(site_page: Page, site_url: str) -> None:
    """Every link from one page of the site to another names a file, and an id in it."""
    broken: dict[str, set[str]] = {}
    for rel in PAGES:
        for link in seen(site_page, site_url, rel).links:
            target = local_file(link.split("#")[0], site_url)
            if target is None:
                continue  # another site: not followed, the check is offline
            fragment = unquote(urlsplit(link).fragment)
            if not target.is_file():
                broken.setdefault(f"{link}: no such file", set()).add(rel)
            elif fragment and target.suffix == ".html":
                target_rel = target.relative_to(HTML).as_posix()
                if target_rel in PAGES:
                    ids = seen(site_page, site_url, target_rel).ids
                else:
                    ids = _Ids(target).ids
                if fragment not in ids:
                    broken.setdefault(f"{link}: no id {fragment!r}", set()).add(rel)
    assert not broken, "broken links:\n" + "\n".join(
        f"{problem} (on {', '.join(sorted(pages))})" for problem, pages in sorted(broken.items())
    )


def test_code_and_output_fit_the_page(site_page: Page, site_url: str) -> None:
    """At 1280 px, at most 5 % of the code blocks, and of the output blocks, scroll sideways.

    The highlighted source pages (``_modules/``) are left out: they show the package's modules
    as they are, at the package's line length.
    """
    counted = [seen(site_page, site_url, rel) for rel in PAGES if not rel.startswith("_modules")]
    code = sum(s.code for s in counted)
    output = sum(s.output for s in counted)
    code_scrolling = sum(s.code_scrolling for s in counted)
    output_scrolling = sum(s.output_scrolling for s in counted)
    assert code, "no code blocks found"
    assert code_scrolling <= SCROLLING_LIMIT * code, (
        f"{code_scrolling} of {code} code blocks scroll sideways at 1280 px"
    )
    assert output_scrolling <= SCROLLING_LIMIT * output, (
        f"{output_scrolling} of {output} output blocks scroll sideways at 1280 px"
    )


# --------------------------------------------------------------------------- features


@pytest.mark.parametrize("rel", ["installation.html", "api.html", *TUTORIALS[:1]])
def test_copy_buttons_copy_the_code_only(site_page: Page, site_url: str, rel: str) -> None:
    """Every code block has a copy button; it copies the code, without prompts or output."""
    site_page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    open_page(site_page, site_url + rel)
    site_page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    blocks = site_page.locator("div.highlight pre:not(.sphx-glr-script-out pre)")
    assert blocks.count(), f"{rel} has no code block"
    assert site_page.locator(".sphx-glr-script-out button.copybtn").count() == 0
    for index in range(blocks.count()):
        block = blocks.nth(index)
        button = block.locator("xpath=following-sibling::button[1]")
        assert button.count() == 1, f"{rel}: code block {index} has no copy button"
        text = block.inner_text()
        if ">>> " in text:  # a doctest: the code is on the lines with a prompt, without it
            lines = [line[4:] for line in text.splitlines() if line.startswith((">>> ", "... "))]
            expected = "\n".join(lines)
        else:
            expected = text
        block.hover()
        button.click()
        copied = str(site_page.evaluate("navigator.clipboard.readText()"))
        assert copied.strip() == expected.strip(), f"{rel}: code block {index} copied {copied!r}"


def test_every_public_name_links_to_its_source_and_back(site_page: Page, site_url: str) -> None:
    """``[source]`` on the API page leads to the highlighted code, whose ``[docs]`` lead back."""
    open_page(site_page, site_url + "api.html")
    sources = {}
    for name in sgd_tutorial.__all__:
        if name == "__version__":
            continue
        link = site_page.locator(f"dt[id='sgd_tutorial.{name}'] a:has(.viewcode-link)")
        assert link.count() == 1, f"api.html: {name} has no [source] link"
        sources[name] = str(link.get_attribute("href"))
    for name, href in sources.items():
        source, _, fragment = href.partition("#")
        assert source.startswith("_modules/sgd_tutorial/"), f"{name}'s source is {href}"
        if site_page.url != site_url + source:
            open_page(site_page, site_url + source)
        assert site_page.locator(f"[id='{fragment}']").count(), f"{href}: no {fragment!r}"
        back = site_page.locator(f"a.viewcode-back[href$='api.html#sgd_tutorial.{name}']")
        assert back.count() == 1, f"{href} does not link back to {name}'s entry"


def test_search_finds_the_learning_rate_tutorial(site_page: Page, site_url: str) -> None:
    open_page(site_page, f"{site_url}search.html?q={quote_plus(SEARCH_QUERY)}")
    site_page.wait_for_function(
        "() => /Search finished|found \\d+ page|did not match/i.test("
        "(document.querySelector('#search-results') || {}).textContent || '')"
    )
    hrefs = site_page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.href)"
    )
    assert any(SEARCH_TARGET in h for h in hrefs), f"{SEARCH_QUERY!r} found only {hrefs}"


@pytest.mark.parametrize("rel", TUTORIALS)
def test_downloads_are_valid(site_page: Page, site_url: str, rel: str) -> None:
    """A tutorial's .py compiles and its .ipynb is a valid notebook (nbformat 4)."""
    import nbformat

    open_page(site_page, site_url + rel)
    hrefs = site_page.eval_on_selector_all(
        "div.sphx-glr-download a", "links => links.map(a => a.href)"
    )
    local = [h for h in hrefs if h.startswith(site_url)]  # not the link to open it in Colab
    for suffix in (".py", ".ipynb"):
        links = [h for h in local if urlsplit(h).path.endswith(suffix)]
        assert len(links) == 1, f"{rel}: {len(links)} {suffix} downloads, not 1"
        response = site_page.request.get(links[0])
        assert response.status == 200, f"{links[0]}: HTTP {response.status}"
        if suffix == ".py":
            compile(response.body(), links[0], "exec")
        else:
            notebook = nbformat.reads(  # type: ignore[no-untyped-call]
                response.text(), as_version=nbformat.NO_CONVERT
            )
            assert notebook.nbformat == 4
            nbformat.validate(notebook)


def test_zip_downloads_are_valid(site_page: Page, site_url: str) -> None:
    zips = {
        link
        for rel in PAGES
        if rel.endswith("index.html")
        for link in seen(site_page, site_url, rel).links
        if link.startswith(site_url) and link.endswith(".zip")
    }
    assert len(zips) == 2, f"expected the scripts' and the notebooks' zips, found {zips}"
    for link in zips:
        with zipfile.ZipFile(io.BytesIO(site_page.request.get(link).body())) as archive:
            assert archive.namelist(), f"{link} is empty"
            assert archive.testzip() is None, f"{link} is corrupt"


def test_sitemap_lists_every_page(site_page: Page, site_url: str) -> None:
    response = site_page.request.get(site_url + "sitemap.xml")
    assert response.status == 200, "no sitemap.xml"
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [e.text or "" for e in ET.fromstring(response.body()).iter(namespace + "loc")]
    open_page(site_page, site_url)
    base = str(site_page.get_attribute("meta[property='og:url']", "content")).removesuffix(
        "index.html"
    )
    assert base.startswith("https://"), f"the site's address is not absolute: {base!r}"
    listed = {loc.removeprefix(base) for loc in locations if loc.startswith(base)}
    assert len(listed) == len(locations), f"sitemap addresses outside {base}"
    expected = {rel for rel in PAGES if not GENERATED.fullmatch(rel)}  # the reading pages
    # An incremental build lists only the pages it wrote (sphinx-sitemap issue 13): nox -s docs
    # and Read the Docs build from clean.
    assert listed == expected, f"missing {expected - listed}, extra {listed - expected}"


def test_404_page_works_anywhere_and_offline(site_page: Page, site_url: str) -> None:
    """The 404 page, served for a missing address deep in the site, loads all it needs."""
    open_page(site_page, site_url)
    base = str(site_page.get_attribute("meta[property='og:url']", "content"))
    prefix = urlsplit(base).path.removesuffix("index.html")  # where the site lives on its host
    origin = site_url.rstrip("/")
    not_found = (HTML / "404.html").read_bytes()

    def serve_as_published(route: Route) -> None:
        path = urlsplit(route.request.url).path
        if path.endswith("/no/such/page.html"):  # a host answers 404 with this body;
            # the status is 200 here, as Chromium logs a console error for a 404 document
            route.fulfill(body=not_found, content_type="text/html")
        else:
            route.fallback(url=origin + "/" + path.removeprefix(prefix))

    site_page.route(lambda url: urlsplit(url).path.startswith(prefix), serve_as_published)
    requested, errors = watch(site_page)
    visit(site_page, f"{origin}{prefix}no/such/page.html")
    assert not errors, errors
    assert site_page.inner_text("h1") == "Page not found"
    assert any("furo.css" in url for url in requested), "the 404 page is unstyled"
    home = site_page.get_attribute("article a[href$='index.html']", "href")
    assert home == f"{prefix}index.html", f"the 404 page links home as {home!r}"
    failing, _ = axe_findings(site_page)
    assert not failing, failing
