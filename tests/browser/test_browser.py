"""The pages in a real browser (headless Chromium through Playwright) against the live server.

Each test opens pages as a person would, fails on any console error, and saves screenshots
to test-artifacts/screenshots/. With CONFLICTKG_README_SHOTS=1 set, one per kind of page is
also copied to docs/screenshots/ (the README's pictures); otherwise the tests never write
into the checkout. Without /usr/bin/chromium every test is skipped with a plain reason.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from tests.support import ROOT
from tests.support.liveserver import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
README_SHOTS = ROOT / "docs" / "screenshots"
START_TIMEOUT = 180.0

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium not installed: browser tests skipped"
)

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``conflictkg serve`` of this project (built first when needed) on a free loopback
    port, through the endpoint tests' LiveServer; or the server at
    ``$CONFLICTKG_BROWSER_URL``, to look at one already running."""
    if os.environ.get("CONFLICTKG_BROWSER_URL"):
        yield os.environ["CONFLICTKG_BROWSER_URL"].rstrip("/")
        return
    log = tmp_path_factory.mktemp("server") / "serve.log"
    live = LiveServer(
        ["--project", str(ROOT), "serve", "--workers", "1"], log, start_seconds=START_TIMEOUT
    )
    try:
        yield live.base
    finally:
        live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are recorded."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"),
        )

    def _failed(self, request: object) -> None:
        # A load the browser itself cancelled (the page navigated or closed while, say, the
        # favicon was still loading) is not the server's failure; anything else is.
        failure = getattr(request, "failure", None) or ""
        if "ERR_ABORTED" not in failure:
            self.errors.append(f"failed: {getattr(request, 'url', '?')} ({failure})")


CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    "'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')"
    " + ' in ' + e.sourceFile + ':' + e.lineNumber))"
)


@pytest.fixture
def open_page(browser, server) -> Iterator[object]:
    """A factory of fresh pages at a given width; after the test, none may have logged an
    error (a failed query shows a readable message, and its 4xx is expected only there)."""
    pages: list[Watched] = []
    contexts = []

    def make(width: int = 1280, height: int = 900) -> object:
        context = browser.new_context(viewport={"width": width, "height": height})
        # Chromium reports what the Content-Security-Policy blocks on the console; the event
        # names the directive too, so a violation reads plainly in the failure.
        context.add_init_script(CSP_LISTENER)
        contexts.append(context)
        watched = Watched(context.new_page())
        pages.append(watched)
        return watched

    yield make
    errors = [e for w in pages for e in w.errors]
    for context in contexts:
        context.close()
    assert errors == [], f"browser console errors: {errors}"


def shoot(page: object, name: str, readme: bool = False, full_page: bool = True) -> Path:
    """Save a screenshot (the whole page, or what the window shows for very long pages)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 1000
    if readme and os.environ.get("CONFLICTKG_README_SHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, README_SHOTS / f"{name}.png")
    return path


def sparql(server: str, query: str) -> dict:
    response = requests.post(
        server + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


ARTICLES = """
PREFIX ckg: <https://w3id.org/conflictkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?article ?title ?seed WHERE {
  ?article a ckg:Article ; dcterms:title ?title ; ckg:seedFile ?seed .
} ORDER BY ?article
"""


@pytest.fixture(scope="module")
def article(server) -> dict[str, str]:
    rows = sparql(server, ARTICLES)["results"]["bindings"]
    assert rows, "the served dataset has an article"
    return {k: v["value"] for k, v in rows[0].items()}


def test_home_shows_the_article_from_the_data(open_page, server, article) -> None:
    watched = open_page()
    page = watched.page
    page.goto(server + "/")
    assert article["title"] in page.inner_text("main")
    assert page.locator("a[href='/query']").count() > 0
    assert page.locator("a[href^='/download/']").count() > 0
    shoot(page, "home", readme=True)


def test_example_query_runs_and_leads_to_a_resource_page(open_page, server) -> None:
    watched = open_page()
    page = watched.page
    page.goto(server + "/query")
    example = page.locator("a.example").first
    expected = sparql(server, example.get_attribute("data-query"))["results"]["bindings"]
    example.click()
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == len(expected) > 0
    assert page.locator("#error").is_hidden()
    shoot(page, "query", readme=True, full_page=False)

    resource = page.locator("table.results a[href^='/id/']").first
    href = resource.get_attribute("href")
    resource.click()
    page.wait_for_url(server + href)
    assert page.locator("svg.ckg-neighbourhood").count() == 1
    assert page.locator("svg.ckg-neighbourhood a.neighbour").count() > 0
    shoot(page, "resource", readme=True)


def test_a_broken_query_shows_a_readable_error_and_its_position(browser, server) -> None:
    context = browser.new_context()
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    uncaught: list[str] = []
    page.on("pageerror", lambda e: uncaught.append(str(e)))
    page.on("console", lambda m: "CSP violation" in m.text and uncaught.append(m.text))
    page.goto(server + "/query")
    page.evaluate("() => window.ckgEditor.ready")
    # textarea.value writes go through the editor (see frontend/README.md)
    page.evaluate("q => { document.getElementById('query').value = q; }", BROKEN)
    page.click("#run")
    page.wait_for_selector("#error:not([hidden])")
    message = page.inner_text("#error")
    assert "400" in message and "Traceback" not in message and len(message) > 20
    assert "1:25" in message, "the server names the line and column"
    marked = page.locator(".cm-lintRange-error")
    marked.wait_for()
    # Oxigraph's column points just after the token it stopped at: the editor marks it.
    assert marked.inner_text() == "}"
    assert page.locator(".cm-lint-marker-error").count() == 1, "a marker in the gutter"
    assert "marks where" in page.inner_text("#status")
    shoot(page, "query-error")
    assert uncaught == []
    context.close()


BROKEN = "SELECT * WHERE { ?s ?p }"


def pick(page: object, option: str) -> None:
    """Wait for ``option`` in the completion list and take it with Enter."""
    page.wait_for_selector(f".cm-tooltip-autocomplete li:has-text('{option}')")
    # CodeMirror ignores Enter for 75 ms after the list opens (its interactionDelay).
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")


def test_editor_completes_a_prefix_and_a_term_and_runs(open_page, server) -> None:
    page = open_page().page
    page.goto(server + "/query")
    page.evaluate("() => window.ckgEditor.ready")
    assert page.locator("#query").is_hidden(), "the editor stands in for the textarea"
    assert page.locator(".cm-content .tok-keyword, .cm-content span[class]").count() > 0, (
        "the example is highlighted"
    )
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")

    def value() -> str:
        return page.evaluate("() => document.getElementById('query').value")

    page.keyboard.type("PREFIX ck")
    pick(page, "ckg:")
    assert value() == "PREFIX ckg: <https://w3id.org/conflictkg/ontology#>"
    page.keyboard.press("End")
    # closeBrackets adds the closing brace; Enter inside the braces opens a line between.
    page.keyboard.type("\nSELECT ?event WHERE {")
    page.keyboard.press("Enter")
    page.keyboard.type("?event a ckg:Airstr")
    pick(page, "ckg:Airstrike")
    text = value()
    assert "?event a ckg:Airstrike" in text and text.rstrip().endswith("}"), text
    shoot(page, "query-completed")
    expected = sparql(server, text)["results"]["bindings"]
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == len(expected) > 0
    assert page.locator("table.results a[href^='/id/event/']").count() == len(expected)
    downloads = page.locator("#downloads a[data-format]")
    assert downloads.count() > 3
    assert "Airstrike" in unquote(downloads.first.get_attribute("href"))


def test_event_and_place_pages_show_their_pictures(open_page, server) -> None:
    page = open_page().page
    page.goto(server + "/timeline")
    event = page.locator("svg.ckg-timeline a.event").first
    event_href = event.get_attribute("href")
    shoot(page, "timeline", readme=True)
    page.goto(server + event_href)
    assert page.locator("svg.ckg-timeline").count() == 1
    assert page.locator(".evidence mark").count() > 0
    page.goto(server + "/map")
    place = page.locator("svg.ckg-region-map a.place").first
    place_href = place.get_attribute("href")
    shoot(page, "map", readme=True)
    page.goto(server + place_href)
    assert page.locator("svg.ckg-region-map").count() == 1
    shoot(page, "place")


def test_ontology_docs_and_diagram(open_page, server) -> None:
    page = open_page().page
    page.goto(server + "/ontology")
    assert "Table of Contents" in page.inner_text("body")
    assert page.locator("#Person").count() == 1
    shoot(page, "ontology", readme=True, full_page=False)
    page.goto(server + "/ontology/diagram")
    assert page.locator("svg.ckg-classes a.class").count() > 10
    shoot(page, "diagram", readme=True)


def test_article_page_highlights_and_links(open_page, server, article) -> None:
    page = open_page().page
    page.goto(server + "/article/" + Path(article["seed"]).stem)
    highlights = page.locator(".article-text a.hl")
    assert highlights.count() > 10
    shoot(page, "article", readme=True, full_page=False)
    target = highlights.first.get_attribute("href")
    highlights.first.click()
    assert page.evaluate("location.hash") == target
    assert page.locator(f"{target} a").count() > 0


PAGES = ["/", "/query", "/timeline", "/map", "/ontology/diagram", "/articles"]


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scroll_at_375px(open_page, server, path) -> None:
    page = open_page(width=375, height=800).page
    page.goto(server + path)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{path} scrolls sideways at 375 px ({scroll} > {inner})"
    if path == "/query":
        shoot(page, "query-375")


def test_no_horizontal_scroll_on_resource_pages_at_375px(open_page, server) -> None:
    page = open_page(width=375, height=800).page
    page.goto(server + "/map")
    place = page.locator("svg.ckg-region-map a.place").first.get_attribute("href")
    page.goto(server + "/timeline")
    event = page.locator("svg.ckg-timeline a.event").first.get_attribute("href")
    for path in (place, event):
        page.goto(server + path)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path} scrolls sideways at 375 px ({scroll} > {inner})"
    shoot(page, "resource-375")


def test_no_horizontal_scroll_on_the_article_at_375px(open_page, server, article) -> None:
    page = open_page(width=375, height=800).page
    page.goto(server + "/article/" + Path(article["seed"]).stem)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    shoot(page, "article-375", full_page=False)


def test_tab_reaches_the_query_button_and_enter_runs_it(open_page, server) -> None:
    page = open_page().page
    page.goto(server + "/query")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "run":
            break
    else:
        pytest.fail("Tab never reached the Run query button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows a visible focus ring"
    page.keyboard.press("Enter")
    page.wait_for_selector("table.results, #error:not([hidden])")
    assert page.locator("#error").is_hidden()


LABEL_BOXES = """() => Array.from(
  document.querySelectorAll('svg.ckg-timeline text.tick, svg.ckg-timeline text.axis-note'),
  t => { const r = t.getBoundingClientRect();
         return {text: t.textContent, left: r.left, right: r.right, top: r.top,
                 bottom: r.bottom}; })"""


@pytest.mark.parametrize("width", [375, 1280])
def test_timeline_axis_labels_never_overlap(open_page, server, width) -> None:
    page = open_page(width=width, height=900).page
    page.goto(server + "/timeline")
    boxes = page.evaluate(LABEL_BOXES)
    assert len([b for b in boxes]) >= 5
    for i, a in enumerate(boxes):
        assert a["bottom"] - a["top"] >= 9, f"{a['text']!r} is under 9 px tall at {width} px"
        for b in boxes[i + 1 :]:
            apart = (
                a["right"] <= b["left"]
                or b["right"] <= a["left"]
                or a["bottom"] <= b["top"]
                or b["bottom"] <= a["top"]
            )
            assert apart, f"{a['text']!r} overlaps {b['text']!r} at {width} px"
    undated = page.locator(".undated li a")
    assert undated.count() > 0, "the events without a date are listed"
    figure = page.locator("figure.timeline").bounding_box()
    listing = page.locator(".undated").bounding_box()
    if width >= 1280:
        assert listing["x"] >= figure["x"] + figure["width"] - 1, "beside the timeline"
    else:
        assert listing["y"] >= figure["y"] + figure["height"] - 1, "under it on a phone"
    shoot(page, f"timeline-{width}")


def test_map_draws_places_with_precision_and_events_at_375px(open_page, server) -> None:
    page = open_page(width=375, height=800).page
    page.goto(server + "/map")
    places = page.locator("svg.ckg-region-map a.place")
    titles = places.evaluate_all("links => links.map(a => a.querySelector('title').textContent)")
    assert places.count() >= 10 and all("precision: " in t for t in titles)
    hrefs = set(places.evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert {
        "/id/place/tigris",
        "/id/place/iraqi-syrian-border",
        "/id/place/unnamed-district-of-western-mosul",
        "/id/place/us-bases-around-mosul",
        "/id/place/western-mosul",
        "/id/place/mosul",
    } <= hrefs
    assert page.locator("svg.ckg-region-map a.event").count() > 0
    label = page.locator("svg.ckg-region-map a.place text").first.bounding_box()
    assert label["height"] >= 9, "place labels stay readable at 375 px"
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    shoot(page, "map-375")


AXE = ROOT / "src" / "conflictkg" / "web" / "static" / "build" / "axe.min.js"
AXE_RESULTS = ROOT / "test-artifacts" / "axe"

AXE_PAGES = {
    "home": "/",
    "query": "/query",
    "articles": "/articles",
    "article": None,  # the first article of the data, by its seed
    "timeline": "/timeline",
    "map": "/map",
    "diagram": "/ontology/diagram",
    "ontology": "/ontology",
    "place": "/id/place/mosul",
    "event": "/id/event/2017-05-04-western-mosul-airstrike",
    "results": "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%3Fs%20a%20%3Ft%7D%20LIMIT%205",
    "not-found": "/no/such/page",
}


@pytest.mark.parametrize("name", sorted(AXE_PAGES))
def test_axe_finds_no_serious_or_critical_violation(open_page, server, article, name) -> None:
    assert AXE.is_file(), f"{AXE} missing: run `make frontend`"
    watched = open_page()
    page = watched.page
    path = AXE_PAGES[name] or "/article/" + Path(article["seed"]).stem
    response = page.goto(server + path, wait_until="load")
    if name == "not-found":
        # The 404 is this page's point: only its own status is let off the watched errors.
        assert response.status == 404
        expected = [e for e in watched.errors if "404" in e]
        assert len(expected) == len(watched.errors) == 2, watched.errors
        watched.errors.clear()
    # axe-core is loaded as a file of the site, so the page's policy allows it
    page.add_script_tag(url=server + "/assets/build/axe.min.js")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = {
        "page": path,
        "violations": [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in result["violations"]
        ],
    }
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    (AXE_RESULTS / f"{name}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    bad = [v for v in found["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], f"axe-core on {path}: {bad}"


def test_query_page_works_without_javascript(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/query")
    assert page.locator("#query").is_visible(), "the plain textarea, no editor"
    query = "SELECT ?event WHERE { ?event a <https://w3id.org/conflictkg/ontology#Airstrike> }"
    page.fill("#query", query)
    page.click("#run")
    page.wait_for_url("**/sparql?**")
    expected = sparql(server, query)["results"]["bindings"]
    assert page.locator("table a[href^='/id/event/']").count() == len(expected) > 0
    assert page.locator('nav[aria-label="Main"]').count() == 1, "the results in the one layout"
    context.close()
