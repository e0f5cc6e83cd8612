"""Check the built front-end in headless Chromium: the SPARQL editor on the standalone
demo page, and the region map drawn from the graph's places.

Editor: mounts it on demo/index.html (served from memory under a strict
Content-Security-Policy), types a query, completes a PREFIX declaration, a prefixed term,
a term by its label and a term whose PREFIX line it adds, runs with Ctrl+Enter, marks the
error position Oxigraph reports. Map: a page with the SVG of the places of triples/, as
/map draws them, at 375 px. Both pages: axe-core must find no serious or critical
violation, and any console error or CSP violation fails the check. Screenshots go to
test-artifacts/frontend/.

    make frontend && .venv/bin/python frontend/check_frontend.py [--out DIR]

Needs /usr/bin/chromium (Debian's package) and the venv's playwright.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, Route, sync_playwright
from pyoxigraph import Store
from rdflib import Graph

from conflictkg.pipeline.accounts import triples_files
from conflictkg.store.files import load_files
from conflictkg.store.local import OxigraphBackend
from conflictkg.vocab import PREFIXES
from conflictkg.web.assets import AXE_JS, EDITOR_JS, built_assets, editor_terms, load_region
from conflictkg.web.pictures.placemap import place_map

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

ORIGIN = "http://demo.localhost"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def files() -> dict[str, tuple[bytes, str]]:
    """Path on the demo origin -> (body, media type)."""
    assets = built_assets()
    editor = assets.path(EDITOR_JS)
    ontology = Graph().parse(REPO / "ontology" / "conflictkg.ttl")
    terms = editor_terms(ontology, PREFIXES)
    served = {
        "/build/editor.js": (editor.read_bytes(), "text/javascript"),
        "/build/axe.min.js": (assets.path(AXE_JS).read_bytes(), "text/javascript"),
        "/map.html": (map_page().encode(), "text/html"),
        "/terms.json": (json.dumps(terms).encode(), "application/json"),
        "/prefixes.json": (json.dumps(PREFIXES).encode(), "application/json"),
    }
    for path in (HERE / "demo").iterdir():
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        served["/" + path.name] = (path.read_bytes(), kind)
    served["/"] = served["/index.html"]
    return served


Expect = Callable[[str, bool], None]


def map_page() -> str:
    """An HTML page with the map of the places and events of the project's triples, drawn
    as the app draws /map (conflictkg.web.pictures.placemap)."""
    files = [REPO / "ontology" / "conflictkg.ttl", *triples_files(REPO / "triples")]
    store = OxigraphBackend(load_files(files))
    svg = place_map(store, load_region(), title="Places and events of the article").svg
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'self'; style-src 'self'; img-src 'self'\">"
        '<title>Map demo — conflictkg</title><link rel="stylesheet" href="demo.css"></head>'
        f"<body><main><h1>Map demo</h1>{svg}</main></body></html>"
    )


def check(out: Path) -> list[str]:
    served = files()
    problems: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def open_page(path: str, width: int) -> Page:
            page = browser.new_page(viewport={"width": width, "height": 760})

            def serve(route: Route) -> None:
                path = route.request.url.removeprefix(ORIGIN).split("?")[0]
                if path in served:
                    body, kind = served[path]
                    route.fulfill(status=200, body=body, content_type=kind)
                else:
                    route.fulfill(status=404, body=f"{path} not in the demo")

            page.route(f"{ORIGIN}/**", serve)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            # Chromium logs a blocked resource as a console error; the event names the rule.
            page.add_init_script(
                "document.addEventListener('securitypolicyviolation', e =>"
                " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
            )
            page.goto(ORIGIN + path)
            return page

        def expect(what: str, condition: bool) -> None:
            print(("ok   " if condition else "FAIL ") + what)
            if not condition:
                problems.append(what)

        page = open_page("/", 900)
        check_editor(page, expect, out)
        axe(page, expect, "editor demo")
        page.set_viewport_size({"width": 375, "height": 760})
        page.screenshot(path=str(out / "editor-375.png"), full_page=True)

        page = open_page("/map.html", 375)
        check_map(page, expect)
        axe(page, expect, "map demo")
        page.screenshot(path=str(out / "map-375.png"), full_page=True)
        page.set_viewport_size({"width": 900, "height": 760})
        page.screenshot(path=str(out / "map-900.png"), full_page=True)
        browser.close()
    return problems


def axe(page: Page, expect: Expect, name: str) -> None:
    """axe-core on the page: no serious or critical violation."""
    page.add_script_tag(url=ORIGIN + "/build/axe.min.js")
    result = page.evaluate("() => axe.run(document)")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    found = "; ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes)" for v in bad)
    rules = len(result["passes"]) + len(result["violations"])
    expect(f"axe-core on the {name}: {rules} rules, no serious or critical violation", not bad)
    if bad:
        print("     " + found)
    minor = [f"{v['id']} ({v['impact']})" for v in result["violations"] if v not in bad]
    if minor:
        print("     minor: " + ", ".join(minor))


def check_map(page: Page, expect: Expect) -> None:
    """Every place and event of the map is a link with a title; it fits a 375 px screen."""
    places = page.locator("svg.ckg-region-map a.place")
    events = page.locator("svg.ckg-region-map a.event")
    titles = page.eval_on_selector_all(
        "svg.ckg-region-map a.place",
        "links => links.map(a => a.querySelector('title').textContent)",
    )
    expect(
        f"map: {places.count()} places, {events.count()} events, each titled with its precision",
        places.count() >= 5 and events.count() >= 1 and all("precision:" in t for t in titles),
    )
    width = page.evaluate(
        "() => document.querySelector('svg.ckg-region-map').getBoundingClientRect().width"
    )
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    expect(
        f"map at 375 px: {width:.0f} px wide, page {scroll} px, no sideways scroll", scroll <= 375
    )


def check_editor(page: Page, expect: Expect, out: Path) -> None:
    """Type, complete, run and show an error in the editor of the demo page."""
    page.evaluate("() => window.ckgEditor.ready")
    editor = page.locator(".cm-content")
    editor.click()

    def value() -> str:
        return page.evaluate("() => document.getElementById('query').value")

    def pick(option: str) -> None:
        """Wait for `option` in the completion list and take it with Enter."""
        page.wait_for_selector(f".cm-tooltip-autocomplete li:has-text('{option}')")
        # CodeMirror ignores Enter for 75 ms after the list opens (its interactionDelay),
        # so that a pick is never made by a key meant as a new line.
        page.wait_for_timeout(150)
        page.keyboard.press("Enter")

    # 1. A PREFIX declaration completed from the prefix map, on a new first line.
    page.keyboard.press("Control+Home")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    page.keyboard.type("PREFIX ck")
    pick("ckg:")
    expect(
        "PREFIX ckg: completed with its namespace",
        value().startswith(f"PREFIX ckg: <{PREFIXES['ckg']}>\nSELECT"),
    )

    # 2. A class by prefixed name, after "a".
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type("\n  ?base a ckg:Milit")
    page.wait_for_selector(".cm-tooltip-autocomplete li:has-text('ckg:MilitaryBase')")
    first = page.locator(".cm-tooltip-autocomplete li").first.inner_text()
    page.screenshot(path=str(out / "editor-completion.png"))
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")
    page.keyboard.type(" .")
    expect(
        f"ckg:Milit completed to a class (first option {first!r})",
        "ckg:MilitaryBase ." in value(),
    )

    # 3. A property by a word of its label.
    page.keyboard.type("\n  ?event date")
    page.wait_for_selector(".cm-tooltip-autocomplete li")
    options = page.locator(".cm-tooltip-autocomplete li").all_inner_texts()
    page.wait_for_timeout(150)
    page.keyboard.press("Enter")
    page.keyboard.type(" ?when .")
    picked = value().splitlines()[-2].strip()
    expect(
        f"'date' offered {len(options)} terms by label; picked: {picked}",
        picked.startswith("?event ckg:"),
    )

    # 4. A term whose prefix the query does not declare: the PREFIX line comes too.
    page.keyboard.type("\n  ?base geo:hasGeo")
    pick("geo:hasGeometry")
    page.keyboard.type(" ?place .")
    expect(
        "geo:hasGeometry completed and PREFIX geo: added",
        "geo:hasGeometry ?place" in value() and f"PREFIX geo: <{PREFIXES['geo']}>" in value(),
    )

    # 5. Ctrl+Enter runs: here the form's submit handler copies what it would send.
    page.keyboard.press("Control+Enter")
    sent = page.locator("#sent").inner_text()
    expect("Ctrl+Enter submitted the textarea's text", sent == value())

    # 6. The error position Oxigraph reports (rdfs: is used but not declared).
    try:
        Store().query(value())
        message = ""
    except SyntaxError as error:
        message = str(error)
    marked = page.evaluate(
        "m => window.ckgEditor.get(document.getElementById('query')).showServerError(m)",
        message,
    )
    page.wait_for_selector(".cm-lintRange-error")
    shown = message.split(": expected")[0]
    where = f"{marked['from']}-{marked['to']}" if marked else "nowhere"
    expect(f"Oxigraph's {shown!r} marked at characters {where}", marked is not None)
    print("query now:\n" + value())
    page.screenshot(path=str(out / "editor.png"), full_page=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "test-artifacts" / "frontend")
    args = parser.parse_args()
    problems = check(args.out)
    print(f"screenshots in {args.out}")
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
