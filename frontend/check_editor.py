"""Check the built SPARQL editor in headless Chromium on the standalone demo page.

Mounts the editor on demo/index.html (served from memory under a strict
Content-Security-Policy), types a query, completes a PREFIX declaration, a prefixed term
and a term by its label, marks a server error position, reads the textarea the form
submits, fails on any console error or CSP violation, and saves a screenshot.

    make frontend && .venv/bin/python frontend/check_editor.py [--out DIR]

Needs /usr/bin/chromium (Debian's package) and the venv's playwright.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from pathlib import Path

from pyoxigraph import Store
from rdflib import Graph

from conflictkg.vocab import PREFIXES
from conflictkg.web_assets import EDITOR_JS, built_assets, editor_terms

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
        "/terms.json": (json.dumps(terms).encode(), "application/json"),
        "/prefixes.json": (json.dumps(PREFIXES).encode(), "application/json"),
    }
    for path in (HERE / "demo").iterdir():
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        served["/" + path.name] = (path.read_bytes(), kind)
    served["/"] = served["/index.html"]
    return served


def check(out: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    served = files()
    problems: list[str] = []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 760})

        def serve(route):  # type: ignore[no-untyped-def]
            path = route.request.url.removeprefix(ORIGIN).split("?")[0]
            if path in served:
                body, kind = served[path]
                route.fulfill(status=200, body=body, content_type=kind)
            else:
                route.fulfill(status=404, body=f"{path} not in the demo", content_type="text/plain")

        page.route(f"{ORIGIN}/**", serve)
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        # Chromium logs a blocked resource as a console error; the event names the directive.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e =>"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        page.goto(ORIGIN + "/")
        page.evaluate("() => window.ckgEditor.ready")
        editor = page.locator(".cm-content")
        editor.click()

        def expect(what: str, condition: bool) -> None:
            print(("ok   " if condition else "FAIL ") + what)
            if not condition:
                problems.append(what)
                print("     the query is now:\n" + value().replace("\n", "\n     | "))

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
        expect(f"Oxigraph's {message!r} marked at {marked}", marked is not None)
        print("query now:\n" + value())
        page.screenshot(path=str(out / "editor.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 760})
        page.screenshot(path=str(out / "editor-375.png"), full_page=True)
        browser.close()
    return problems


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
