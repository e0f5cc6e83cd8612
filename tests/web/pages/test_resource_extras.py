"""What the pages add to a resource's page: sentence, neighbourhood, timeline, map."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask import render_template

from conflictkg.vocab import CKR
from conflictkg.web.pages.resource import resource_extras
from conflictkg.web.state import state_of

SVG = "{http://www.w3.org/2000/svg}"


def marks(svg: str, kind: str) -> list[ET.Element]:
    return [a for a in ET.fromstring(str(svg)).iter(f"{SVG}a") if a.get("class") == kind]


def test_place_gets_its_sentence_neighbourhood_and_map(app) -> None:
    with app.test_request_context():
        extras = resource_extras(str(CKR["place/riverton"]))
        html = render_template("pages/_resource_extras.html", extras=extras)
    (said,) = extras["attestations"]
    assert (said.before, said.exact, said.after) == (
        "Forces of the Northland Army took ",
        "Riverton",
        " on Tuesday, a spokesman said.",
    )
    assert said.anchor == "span-93-101"
    assert extras["timeline"] is None
    big = {
        a.get("href")
        for a in marks(extras["map"], "place")
        if a.find(f"{SVG}circle[@class='dot']").get("r") == "8"
    }
    assert big == {"/id/place/riverton"}
    assert len(marks(extras["map"], "place")) == 3, "shown among all located places"
    assert len(marks(extras["neighbourhood"], "neighbour")) == 5
    assert "<mark>Riverton</mark>" in html
    assert 'href="/article/fighting-near-riverton#span-93-101"' in html


def test_event_gets_the_timeline_and_the_map_of_its_location(app) -> None:
    with app.test_request_context():
        extras = resource_extras(str(CKR["event/2016-05-31-riverton-takeover"]))
    chosen = [
        a
        for a in marks(extras["timeline"], "event")
        if a.get("href") == "/id/event/2016-05-31-riverton-takeover"
    ]
    assert chosen and chosen[0].find(f"{SVG}text").get("font-weight") == "bold"
    big = {
        a.get("href")
        for a in marks(extras["map"], "place")
        if a.find(f"{SVG}circle[@class='dot']").get("r") == "8"
    }
    assert big == {"/id/place/riverton"}


def test_person_gets_no_timeline_nor_map(app) -> None:
    with app.test_request_context():
        extras = resource_extras(str(CKR["person/jane-roe"]))
    assert extras["timeline"] is None and extras["map"] is None
    assert [a.exact for a in extras["attestations"]] == ["Jane Roe"]


def test_span_text_missing_from_server_still_shows_the_quote(app) -> None:
    (state_of(app).project.seeds / "seed_fixture.txt").unlink()
    with app.test_request_context():
        extras = resource_extras(str(CKR["place/hillport"]))
    (said,) = extras["attestations"]
    assert (said.before, said.exact, said.after) == ("", "Hillport", "")
