"""Check the built tutorial site in a real browser (headless Chromium driven by Playwright).

Usage::

    python tools/check_site.py docs/_build/html docs/_build/site-check

The site is served from the HTML folder by a threaded ``http.server`` on 127.0.0.1 (a free port),
started and stopped here. Every page is opened in furo's light and dark themes and checked for:

- HTTP 200, no console errors, no failed requests, and no request to any host but the local server
  (requests elsewhere are recorded and aborted: the site must work offline);
- every ``<img>`` loaded (``naturalWidth > 0``) with a non-empty ``alt``;
- every ``<video>`` has controls and plays (``currentTime`` advances after ``play()``);
- axe-core (``tools/node_modules/axe-core``, installed by ``npm ci --prefix tools``) reports no
  serious or critical violation;
- page weight (the HTML and every distinct file it loads) at most ``--max-kb`` (1024 KB).

Every internal link and ``#anchor`` gathered from all pages must resolve to an existing file and an
element id in the target page. Site-wide, the search page must list the learning-rate tutorial for
"learning rate", each tutorial's download buttons must serve a ``.py`` that compiles and an
``.ipynb`` that validates as nbformat 4, and the gallery's zip downloads must be valid zips.

The Explorer page (``explorer.html``) gets its own checks in ``explorer_check.py``: its runs
against the package's reference runs, the stable-bound mark, settings by URL and keyboard, the
divergence message, the redraw time, reduced motion, the themes and the page without JavaScript;
it must weigh at most 300 KB. Links to it may carry its settings as a query
(``explorer.html?lr=0.1&momentum=0&batch=5&steps=100&seed=0``): the file is resolved without the
query, and the query must name only settings the explorer has. ``--pages explorer.html`` checks
only the pages named, without the site-wide checks (for iterating; the full check is the test).

Screenshots of the home page, the explorer and every tutorial, light and dark, go to
``OUT/screenshots``; the per-page table goes to stdout and ``OUT/report.md``, the details to
``OUT/report.json``. The exit status is 1 when anything failed (each failure is listed), 2 when
the check could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import io
import json
import os
import posixpath
import shutil
import sys
import threading
import time
import urllib.parse
import zipfile
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from explorer_check import EXPLORER, check_explorer, link_problem
from explorer_check import MAX_KB as EXPLORER_MAX_KB

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
THEMES = ("light", "dark")
SKIP_DIRS = {"_static", "_images", "_downloads", "_sources", "_sphinx_design_static"}
FAILING_IMPACTS = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
SEARCH_QUERY = "learning rate"
SEARCH_TARGET = "plot_06_learning_rate"
TUTORIAL_GLOB = "plot_*.html"
VIEWPORT = {"width": 1280, "height": 900}


# --------------------------------------------------------------------------- local server


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the site quietly and remember every request and its status."""

    log: list[tuple[str, int]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:  # noqa: ARG002
        status = code.value if isinstance(code, http.HTTPStatus) else code
        self.log.append((self.path, int(status) if str(status).isdigit() else 0))

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def serve(root: Path) -> Any:
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yield (base URL, request log)."""
    log: list[tuple[str, int]] = []
    handler = functools.partial(type("H", (_Handler,), {"log": log}), directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- results


@dataclass
class PageResult:
    """What was found on one page (both themes)."""

    page: str
    status: int = 0
    weight: int = 0
    resources: int = 0
    images: int = 0
    videos: int = 0
    axe: dict[str, dict[str, int]] = field(default_factory=dict)  # theme -> impact -> count
    axe_rules: dict[str, list[str]] = field(default_factory=dict)  # theme -> "rule (impact): n"
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Report:
    """The whole check: per-page results, site-wide failures and notes."""

    base: str = ""
    pages: list[PageResult] = field(default_factory=list)
    site_failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def failures(self) -> list[str]:
        """Every failure, prefixed with its page."""
        out = [f"{p.page}: {f}" for p in self.pages for f in p.failures]
        return out + self.site_failures


# --------------------------------------------------------------------------- helpers


def list_pages(root: Path) -> list[str]:
    """All HTML pages of the site, as paths relative to ``root`` (posix), home page first."""
    pages = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP_DIRS:
            continue
        pages.append(rel.as_posix())
    pages.sort(key=lambda p: (p != "index.html", p))
    return pages


def url_to_file(root: Path, base: str, url: str) -> Path | None:
    """The file under ``root`` that a local URL names (None for other hosts)."""
    if not url.startswith(base):
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    rel = posixpath.normpath(path).lstrip("/")
    target = root / rel if rel not in ("", ".") else root
    if target.is_dir():
        target = target / "index.html"
    return target


class _IdParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


def ids_in_file(path: Path) -> set[str]:
    """The element ids (and ``<a name>``) in an HTML file, parsed without a browser."""
    parser = _IdParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.ids


def is_local(url: str, base: str) -> bool:
    """Whether a request stays on the local server (or needs no network at all)."""
    scheme = urllib.parse.urlsplit(url).scheme
    return url.startswith(base) or scheme in ("data", "blob", "about")


# JavaScript run in the page ------------------------------------------------------------

JS_IMAGES = """async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r);
                         setTimeout(r, 10000); })));
  return imgs.map(img => ({src: img.currentSrc || img.src, alt: img.getAttribute('alt'),
                           width: img.naturalWidth}));
}"""

JS_VIDEOS = """async () => {
  const out = [];
  for (const v of Array.from(document.querySelectorAll('video'))) {
    const r = {src: v.currentSrc || v.src ||
                    (v.querySelector('source') || {}).src || '',
               controls: v.controls, error: null, t0: 0, t1: 0, duration: 0};
    try {
      v.muted = true;
      v.scrollIntoView();
      if (v.readyState < 1) {
        await new Promise(res => { v.addEventListener('loadedmetadata', res, {once: true});
                                   v.addEventListener('error', res, {once: true});
                                   setTimeout(res, 10000); if (v.preload === 'none') v.load(); });
      }
      r.t0 = v.currentTime;
      await v.play();
      await new Promise(res => setTimeout(res, 1200));
      r.t1 = v.currentTime;
      r.duration = v.duration;
      v.pause();
    } catch (e) { r.error = String(e); }
    if (v.error) { r.error = 'MediaError ' + v.error.code + ' ' + (v.error.message || ''); }
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
    if (v.paused && v.currentTime === 0) {  // a seek makes the frame paint in the capture
      await new Promise(res => { v.addEventListener('seeked', res, {once: true});
                                 setTimeout(res, 2000); v.currentTime = 0.01; });
    }
    await new Promise(res => requestAnimationFrame(() => requestAnimationFrame(res)));
  }
  window.scrollTo(0, 0);
}"""

JS_LINKS = """() => ({
  hrefs: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id)
       .concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name)),
})"""

JS_AXE = """async () => {
  const res = await axe.run(document, {resultTypes: ['violations']});
  return res.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')
                                .replace(/\\s+/g, ' ').slice(0, 300))}));
}"""


# --------------------------------------------------------------------------- the check


class SiteChecker:
    """Check every page of the site at ``root``; screenshots and reports go to ``out``."""

    def __init__(
        self,
        root: Path,
        out: Path,
        max_kb: int,
        screenshots: bool = True,
        only: list[str] | None = None,
    ) -> None:
        self.root = root
        self.only = only  # check only these pages (while iterating); None: the whole site
        self.out = out
        self.max_kb = max_kb
        self.take_screenshots = screenshots
        self.report = Report()
        self.links: dict[str, list[str]] = {}  # page -> absolute hrefs
        self.ids: dict[str, set[str]] = {}  # file path (str) -> ids in the rendered DOM
        self.axe_source = AXE_JS.read_text(encoding="utf-8")

    # one page in one theme ---------------------------------------------------------------
    def check_page(self, context: Any, base: str, rel: str, theme: str, res: PageResult) -> None:
        """Open one page in one theme and record what is wrong with it in ``res``."""
        page = context.new_page()
        console: list[str] = []
        requests: list[str] = []
        failed: list[str] = []
        page.on(
            "console",
            lambda m: (
                console.append(f"{m.text} @ {m.location.get('url', '')}")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.on(
            "requestfailed",
            lambda r: failed.append(f"{r.url} ({r.failure})") if is_local(r.url, base) else None,
        )
        page.on(
            "response",
            lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )
        url = base + rel
        try:
            response = page.goto(url, wait_until="load", timeout=30000)
            with contextlib.suppress(Exception):
                page.wait_for_load_state("networkidle", timeout=5000)
            status = response.status if response else 0
            if status != 200:
                res.failures.append(f"[{theme}] HTTP {status}")
            res.status = res.status or status
            body_theme = page.evaluate("() => document.body.dataset.theme")
            if body_theme != theme:
                res.failures.append(
                    f"[{theme}] furo theme not applied (body data-theme={body_theme!r})"
                )

            images = page.evaluate(JS_IMAGES)
            res.images = len(images)
            for img in images:
                if not img["width"]:
                    res.failures.append(f"[{theme}] image did not load: {img['src']}")
                if not (img["alt"] or "").strip():
                    res.failures.append(f"[{theme}] image without alt: {img['src']}")

            if theme == THEMES[0]:
                videos = page.evaluate(JS_VIDEOS)
                res.videos = len(videos)
                for v in videos:
                    name = v["src"][:80] + ("…" if len(v["src"]) > 80 else "")
                    if not v["controls"]:
                        res.failures.append(f"video without controls: {name}")
                    if v["error"] or not v["t1"] > v["t0"]:
                        res.failures.append(
                            f"video does not play: {name} (currentTime {v['t0']}→{v['t1']}, "
                            f"error {v['error']})"
                        )
                found = page.evaluate(JS_LINKS)
                self.links[rel] = found["hrefs"]
                self.ids[str(url_to_file(self.root, base, url))] = set(found["ids"])

            page.add_script_tag(content=self.axe_source)
            violations = page.evaluate(JS_AXE)
            counts = dict.fromkeys(IMPACTS, 0)
            rules = []
            for v in violations:
                counts[v["impact"] or "minor"] = counts.get(v["impact"] or "minor", 0) + 1
                first = v["nodes"][0].split(" :: ")[0] if v["nodes"] else ""
                rules.append(f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s), e.g. {first}")
                if v["impact"] in FAILING_IMPACTS:
                    detail = "; ".join(v["nodes"][:3])
                    res.failures.append(
                        f"[{theme}] axe {v['impact']} {v['id']} ({v['help']}), "
                        f"{len(v['nodes'])} node(s): {detail}"
                    )
            res.axe[theme] = counts
            res.axe_rules[theme] = rules

            if self.take_screenshots and (
                rel in ("index.html", EXPLORER) or self._is_tutorial(rel)
            ):
                shot = self.out / "screenshots" / f"{rel[:-5].replace('/', '__')}-{theme}.png"
                page.evaluate(JS_SHOW_VIDEOS)
                page.screenshot(path=str(shot), full_page=True)
                self.report.screenshots.append(str(shot))
        except Exception as exc:  # noqa: BLE001  (a page that cannot be checked fails; no crash)
            res.failures.append(f"[{theme}] check raised {type(exc).__name__}: {exc}")
        finally:
            page.close()

        external = [u for u in requests if not is_local(u, base)]
        res.external_requests += [u for u in external if u not in res.external_requests]
        res.failed_requests += [f for f in failed if f not in res.failed_requests]
        res.console_errors += [c for c in console if c not in res.console_errors]
        for u in external:
            res.failures.append(f"[{theme}] request to another host: {u}")
        for f in failed:
            res.failures.append(f"[{theme}] failed request: {f}")
        for c in console:
            res.failures.append(f"[{theme}] console error: {c}")
        if theme == THEMES[0]:
            files = {url_to_file(self.root, base, u.split("#")[0]) for u in requests}
            files.discard(None)
            sizes = [f.stat().st_size for f in files if f is not None and f.is_file()]
            res.weight = sum(sizes)
            res.resources = len(sizes)
            limit = EXPLORER_MAX_KB if rel == EXPLORER else self.max_kb
            if res.weight > limit * 1024:
                res.failures.append(f"page weight {res.weight / 1024:.0f} KB > {limit} KB")

    @staticmethod
    def _is_tutorial(rel: str) -> bool:
        return Path(rel).match(TUTORIAL_GLOB)

    # links ------------------------------------------------------------------------------
    def check_links(self, base: str) -> None:
        """Every internal link gathered from the pages names a file and an id that exist."""
        checked: dict[str, str | None] = {}
        bad: dict[str, list[str]] = {}
        for rel, hrefs in self.links.items():
            for href in hrefs:
                if not href.startswith(base):
                    continue
                if href not in checked:
                    checked[href] = self._link_problem(base, href)
                if checked[href]:
                    bad.setdefault(f"{checked[href]}", []).append(rel)
        for problem, pages in sorted(bad.items()):
            where = ", ".join(sorted(set(pages))[:5])
            more = len(set(pages)) - 5
            self.report.site_failures.append(
                f"broken link: {problem} (on {where}{f' and {more} more' if more > 0 else ''})"
            )
        external = {h for hrefs in self.links.values() for h in hrefs if not h.startswith(base)}
        self.report.notes.append(
            f"{len(checked)} distinct internal links checked; {len(external)} links to other "
            "sites (not followed: the check is offline)"
        )

    def _link_problem(self, base: str, href: str) -> str | None:
        # The query is not part of the file (urlsplit drops it); links to the explorer's
        # settings (explorer.html?lr=...) must name settings it has.
        target = url_to_file(self.root, base, href.split("#", maxsplit=1)[0])
        if target is None or not target.is_file():
            return f"{href} -> no such file"
        if problem := link_problem(href):
            return problem
        fragment = urllib.parse.unquote(urllib.parse.urlsplit(href).fragment)
        if not fragment:
            return None
        if target.suffix != ".html":
            return None
        ids = self.ids.get(str(target))
        if ids is None:
            ids = self.ids[str(target)] = ids_in_file(target)
        if fragment not in ids:
            return f"{href} -> no element with id {fragment!r}"
        return None

    # site-wide --------------------------------------------------------------------------
    def check_search(self, context: Any, base: str) -> None:
        """The search page lists the learning-rate tutorial for *learning rate*."""
        page = context.new_page()
        q = urllib.parse.quote_plus(SEARCH_QUERY)
        try:
            page.goto(f"{base}search.html?q={q}", wait_until="load")
            page.wait_for_function(
                "() => document.querySelectorAll('#search-results ul.search li').length > 0 || "
                "/Search finished|did not match/i.test("
                "(document.querySelector('#search-results') || {}).textContent || '')",
                timeout=20000,
            )
            # Sphinx adds results one by one; wait until the count settles.
            page.wait_for_function(
                "() => /Search finished|found \\d+ page|did not match/i.test("
                "(document.querySelector('#search-results') || {}).textContent || '')",
                timeout=20000,
            )
            hrefs = page.eval_on_selector_all(
                "#search-results ul.search li a", "els => els.map(a => a.href)"
            )
            if not any(SEARCH_TARGET in h for h in hrefs):
                self.report.site_failures.append(
                    f"search for {SEARCH_QUERY!r} does not list {SEARCH_TARGET} "
                    f"(results: {[h.replace(base, '') for h in hrefs]})"
                )
            else:
                self.report.notes.append(
                    f"search {SEARCH_QUERY!r}: {len(hrefs)} results, {SEARCH_TARGET} at rank "
                    f"{next(i for i, h in enumerate(hrefs, 1) if SEARCH_TARGET in h)}"
                )
        except Exception as exc:  # noqa: BLE001
            self.report.site_failures.append(
                f"search for {SEARCH_QUERY!r} failed: {type(exc).__name__}: {exc}"
            )
        finally:
            page.close()

    def check_downloads(self, context: Any, base: str, tutorials: list[str]) -> None:
        """Each tutorial serves a .py that compiles and an .ipynb valid as nbformat 4."""
        import nbformat  # noqa: PLC0415  (only needed here)

        if not tutorials:
            self.report.site_failures.append(f"no tutorial pages ({TUTORIAL_GLOB}) in the site")
            return
        page = context.new_page()
        try:
            for rel in tutorials:
                page.goto(base + rel, wait_until="domcontentloaded")
                hrefs = page.eval_on_selector_all(
                    "div.sphx-glr-download a, a.download", "els => els.map(a => a.href)"
                )
                kinds = {".py": None, ".ipynb": None}
                for href in hrefs:
                    for ext in kinds:
                        if urllib.parse.urlsplit(href).path.endswith(ext):
                            kinds[ext] = href
                for ext, href in kinds.items():
                    if href is None:
                        self.report.site_failures.append(f"{rel}: no {ext} download button")
                        continue
                    resp = context.request.get(href)
                    if resp.status != 200:
                        self.report.site_failures.append(
                            f"{rel}: {ext} download HTTP {resp.status}"
                        )
                        continue
                    body = resp.body()
                    try:
                        if ext == ".py":
                            compile(body, href, "exec")
                        else:
                            nb = nbformat.reads(
                                body.decode("utf-8"), as_version=nbformat.NO_CONVERT
                            )
                            if nb.nbformat != 4:
                                msg = f"nbformat {nb.nbformat}, not 4"
                                raise ValueError(msg)
                            nbformat.validate(nb)
                    except Exception as exc:  # noqa: BLE001
                        self.report.site_failures.append(
                            f"{rel}: {ext} download is not valid: {type(exc).__name__}: {exc}"
                        )
            # The gallery index offers all examples as zips.
            zips: set[str] = set()
            for rel, hrefs in self.links.items():
                if "index" in rel:
                    zips |= {h for h in hrefs if h.startswith(base) and h.endswith(".zip")}
            for href in sorted(zips):
                resp = context.request.get(href)
                try:
                    with zipfile.ZipFile(io.BytesIO(resp.body())) as zf:
                        if zf.testzip() is not None or not zf.namelist():
                            raise ValueError("corrupt or empty")
                except Exception as exc:  # noqa: BLE001
                    self.report.site_failures.append(
                        f"zip download {href.replace(base, '')} invalid: {exc}"
                    )
            self.report.notes.append(
                f"downloads: .py and .ipynb of {len(tutorials)} tutorial(s) fetched and validated "
                f"(nbformat 4); {len(zips)} zip(s) checked"
            )
        finally:
            page.close()

    # driver -----------------------------------------------------------------------------
    def run(self) -> Report:
        """Serve the site, check every page in both themes, then the site-wide checks."""
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        start = time.perf_counter()
        pages = list_pages(self.root)
        if self.only is not None:
            missing = sorted(set(self.only) - set(pages))
            self.report.site_failures += [f"{p}: no such page" for p in missing]
            pages = [p for p in pages if p in self.only]
        tutorials = [p for p in pages if self._is_tutorial(p)]
        results = {p: PageResult(p) for p in pages}
        with serve(self.root) as (base, server_log), sync_playwright() as pw:
            self.report.base = base
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                for theme in THEMES:
                    context = browser.new_context(
                        viewport=VIEWPORT,
                        color_scheme=theme,  # type: ignore[arg-type]
                        service_workers="block",
                    )
                    # furo reads the theme from localStorage before the body renders.
                    context.add_init_script(f"localStorage.setItem('theme', '{theme}');")
                    # Offline: answer every request to another host with an abort (recorded).
                    context.route(
                        lambda url: not url.startswith(base), lambda route: route.abort()
                    )
                    for rel in pages:
                        t0 = time.perf_counter()
                        self.check_page(context, base, rel, theme, results[rel])
                        results[rel].seconds += time.perf_counter() - t0
                        print(f"  {theme:5} {rel}", file=sys.stderr, flush=True)
                    if theme == THEMES[0] and self.only is None:
                        self.check_search(context, base)
                        self.check_downloads(context, base, tutorials)
                    context.close()
                if EXPLORER in pages:
                    found = check_explorer(browser, base, self.root)
                    self.report.site_failures += found.failures
                    self.report.notes += found.notes
            finally:
                browser.close()
            self.check_links(base)
            # The server saw every request, browser-internal ones (favicon) included.
            errors = sorted({f"{p} (HTTP {s})" for p, s in server_log if s >= 400})
            for e in errors:
                self.report.site_failures.append(f"server answered an error: {e}")
        self.report.pages = list(results.values())
        self.report.seconds = time.perf_counter() - start
        return self.report


# --------------------------------------------------------------------------- output


def render_table(report: Report) -> str:
    """The per-page table, in Markdown."""
    head = (
        "| page | KB | files | img | video | axe light (crit/ser/mod/min) | "
        "axe dark (crit/ser/mod/min) | console errors | failed / external requests | s |"
    )
    rows = [head, "|" + "---|" * 10]

    def axe(p: PageResult, theme: str) -> str:
        c = p.axe.get(theme)
        return "/".join(str(c[i]) for i in IMPACTS) if c else "n/a"

    for p in report.pages:
        rows.append(
            f"| {p.page} | {p.weight / 1024:.0f} | {p.resources} | {p.images} | {p.videos} | "
            f"{axe(p, 'light')} | {axe(p, 'dark')} | {len(p.console_errors)} | "
            f"{len(p.failed_requests)} / {len(p.external_requests)} | {p.seconds:.1f} |"
        )
    return "\n".join(rows)


def write_report(report: Report, out: Path) -> str:
    """Write report.md and report.json into ``out``; return the Markdown."""
    heaviest = max(report.pages, key=lambda p: p.weight, default=None)
    failures = report.failures()
    lines = [
        "# Site check",
        "",
        render_table(report),
        "",
    ]
    if heaviest:
        lines.append(
            f"Heaviest page: {heaviest.page}, {heaviest.weight / 1024:.0f} KB "
            f"({heaviest.resources} files)."
        )
    lines += [f"- {n}" for n in report.notes]
    lines.append(
        f"Pages: {len(report.pages)}; screenshots: {len(report.screenshots)} in "
        f"{out / 'screenshots'}; total check time {report.seconds:.1f} s."
    )
    minor: dict[str, set[str]] = {}
    for p in report.pages:
        for rs in p.axe_rules.values():
            for r in rs:
                if "(moderate)" in r or "(minor)" in r:
                    minor.setdefault(r.split(":")[0], set()).add(p.page)
    for rule, pages in sorted(minor.items()):
        lines.append(
            f"- axe {rule}, not a failure, on {len(pages)} page(s): {', '.join(sorted(pages))}"
        )
    lines.append("")
    if failures:
        lines.append(f"FAILED: {len(failures)} problem(s)")
        lines += [f"- {f}" for f in failures]
    else:
        lines.append("PASSED: no failures.")
    text = "\n".join(lines) + "\n"
    (out / "report.md").write_text(text, encoding="utf-8")
    data = asdict(report)
    data["failures"] = failures
    (out / "report.json").write_text(json.dumps(data, indent=1, default=list), encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built HTML folder (docs/_build/html)")
    parser.add_argument("out", type=Path, help="where screenshots and the report go")
    parser.add_argument("--max-kb", type=int, default=1024, help="page weight limit (KB)")
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PAGE",
        help="check only these pages (e.g. explorer.html), without the site-wide checks",
    )
    args = parser.parse_args(argv)

    html: Path = args.html.resolve()
    if not (html / "index.html").is_file():
        print(
            f"error: {html}/index.html not found: build the site first (nox -s docs)",
            file=sys.stderr,
        )
        return 2
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        print(
            f"error: Chromium not found at {CHROMIUM}. Install Debian's package "
            "(apt-get update && apt-get install -y chromium) or set CHROMIUM=/path/to/chromium.",
            file=sys.stderr,
        )
        return 2
    if not AXE_JS.is_file():
        print(
            f"error: {AXE_JS} not found: run `npm ci --prefix tools` (nox -s site does).",
            file=sys.stderr,
        )
        return 2
    out: Path = args.out.resolve()
    shutil.rmtree(out / "screenshots", ignore_errors=True)
    (out / "screenshots").mkdir(parents=True, exist_ok=True)

    print(f"Checking {html} in {CHROMIUM} ...", file=sys.stderr)
    report = SiteChecker(html, out, args.max_kb, not args.no_screenshots, args.pages).run()
    print(write_report(report, out))
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
