"""The timeline page lists the undated events, its axis labels keep apart; the map page
lists its places with their precision; the query page wires the editor and its terms."""

from __future__ import annotations

import re

from conflictkg.vocab import PREFIXES
from conflictkg.web.assets import built_assets
from conflictkg.web.pictures.svg import text_width
from conflictkg.web.pictures.timeline import TICK_FONT, readable_ticks


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_timeline_lists_the_events_without_a_date_beside_it(client) -> None:
    body = html(client, "/timeline")
    undated = body[body.index('id="undated-title"') :]
    assert "Events without a date (1)" in undated
    assert 'href="/id/event/hillport-talks">Talks in Hillport</a>' in undated
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "hillport-talks" not in svg, "an undated event is not drawn"


def test_readable_ticks_drop_labels_that_would_overlap() -> None:
    ticks = [(100.0, "2013"), (112.0, "2014"), (140.0, "Jul"), (300.0, "2017")]
    kept = readable_ticks(ticks)
    assert kept == [(100.0, "2013"), (140.0, "Jul"), (300.0, "2017")]
    for (x0, a), (x1, b) in zip(kept, kept[1:], strict=False):
        assert x0 + text_width(a, TICK_FONT) / 2 < x1 - text_width(b, TICK_FONT) / 2


def test_map_page_lists_places_with_their_precision_and_attribution(client) -> None:
    body = html(client, "/map")
    listing = body[body.index('id="places-title"') :]
    items = re.findall(
        r'<li><a href="(/id/place/[^"]+)">[^<]*</a> <span class="note">([^<]+)', listing
    )
    assert {href for href, _ in items} == {
        "/id/place/riverton",
        "/id/place/hillport",
        "/id/place/northland",
    }
    assert all(note.strip() for _, note in items)
    assert "Natural Earth" in body


def test_editor_terms_are_the_ontologys_classes_and_properties(client) -> None:
    response = client.get("/editor/terms.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    terms = response.get_json()
    curies = {t["curie"] for t in terms}
    assert {"ckg:Event", "ckg:location"} <= curies
    kinds = {t["kind"] for t in terms}
    assert "class" in kinds and "object property" in kinds
    for term in terms:
        prefix, local = term["curie"].split(":", 1)
        assert PREFIXES[prefix] + local == term["iri"]


def test_query_page_loads_the_editor_when_built(client) -> None:
    body = html(client, "/query")
    assert built_assets().ready, "make frontend builds the editor"
    assert "data-ckg-editor" in body
    assert 'data-terms-url="/editor/terms.json"' in body
    assert '<script src="/assets/build/editor.js"></script>' in body
    # the editor comes before the page's script, which uses it
    assert body.index("build/editor.js") < body.index("/assets/query.js")
    with client.get("/assets/build/editor.js") as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"


LAYOUT_PAGES = [
    "/",
    "/query",
    "/articles",
    "/article/seed_fixture",
    "/timeline",
    "/map",
    "/ontology/diagram",
    "/id/place/riverton",
    "/id/event/hillport-talks",
    "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
    "/no/such/page",
]


def test_every_page_type_uses_the_one_layout(client) -> None:
    for url in LAYOUT_PAGES:
        response = client.get(url, headers={"Accept": "text/html"})
        body = response.get_data(as_text=True)
        assert '<nav aria-label="Main">' in body, url
        assert '<main id="main"' in body and '<footer class="site">' in body, url
        assert body.count('href="/assets/pages.css"') == 1, url
