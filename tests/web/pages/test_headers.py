"""The browser security headers (web.headers) on every kind of response, and pages that
need no inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from conflictkg.pipeline.artefacts import DOCS_FILE
from conflictkg.web import headers

PATHS = [
    "/",
    "/query",
    "/map",
    "/timeline",
    "/articles",
    "/article/seed_fixture",
    "/ontology/diagram",
    "/ontology",
    "/sparql?query=ASK%7B%7D",
    "/sparql",
    "/health",
    "/void",
    "/editor/terms.json",
    "/assets/pages.css",
    "/no/such/page",
]


def headers_of(client: FlaskClient, path: str) -> dict[str, str]:
    """The headers of GET ``path`` (the response closed, static files included)."""
    response = client.get(path)
    found = dict(response.headers)
    response.close()
    return found


def directives(value: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in value.split(";"))


@pytest.mark.parametrize("path", PATHS)
def test_content_security_policy_on_every_response(client: FlaskClient, path: str) -> None:
    policy = directives(headers_of(client, path)["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'"


@pytest.mark.parametrize("path", PATHS)
def test_nosniff_on_every_response(client: FlaskClient, path: str) -> None:
    assert headers_of(client, path)["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PATHS)
def test_referrer_policy_on_every_response(client: FlaskClient, path: str) -> None:
    assert headers_of(client, path)["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_headers_on_posts_and_errors(client: FlaskClient) -> None:
    for response in (
        client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p }"}),
        client.options("/sparql"),
    ):
        assert response.headers["Content-Security-Policy"] == headers.POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"


INLINE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("path", [p for p in PATHS if not p.startswith(("/assets", "/health"))])
def test_pages_have_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    body = response.get_data(as_text=True)
    assert INLINE.findall(body) == [], f"{path} has inline script or style"


def test_resource_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    html = client.get("/map").get_data(as_text=True)
    resources = sorted(set(re.findall(r'href="(/id/[^"#]+)"', html)))
    assert resources, "the map links to resource pages"
    for path in resources:
        body = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert INLINE.findall(body) == [], f"{path} has inline script or style"


PYLODE_PAGE = """<html><head><style>body { color: red; }</style>
<link rel="icon" href="data:image/png;base64,AAAA"></head>
<body><div id="content"><h1>Ontology</h1></div></body></html>"""


def test_the_pylode_page_gets_hashes_of_its_own_styles(client: FlaskClient, app) -> None:
    from conflictkg.web.state import state

    with app.app_context():
        build_dir: Path = state().build_dir
    (build_dir / DOCS_FILE).write_text(PYLODE_PAGE, encoding="utf-8")
    response = client.get("/ontology", headers={"Accept": "text/html"})
    body = response.get_data(as_text=True)
    assert "<style>body { color: red; }</style>" in body, "pyLODE's style kept as written"
    # served with its language and the site's contrast fixes (axe-core finds none left)
    assert body.startswith('<html lang="en">')
    assert '<link rel="stylesheet" href="/assets/pylode.css"></head>' in body
    policy = directives(response.headers["Content-Security-Policy"])
    # the hash of "body { color: red; }" (sha256, base64), and data: images for the icons
    expected = "'sha256-" + "XeYlw2NVzOfB1UCIJqCyGr+0n7bA4fFslFpvKu84IAw=" + "'"
    assert headers.style_hashes(PYLODE_PAGE) == [expected]
    assert policy["style-src"] == f"'self' {expected}"
    assert policy["img-src"] == "'self' data:"
    assert policy["script-src"] == "'self'"
    # only that page: the others keep the strict policy
    assert client.get("/map").headers["Content-Security-Policy"] == headers.POLICY
