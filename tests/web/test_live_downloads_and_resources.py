"""Downloads, VoID and dereferenceable IRIs on a live ``conflictkg serve``."""

from __future__ import annotations

import gzip
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph
import pytest
import requests

from tests.support.liveserver import LiveServer

JANE = "https://w3id.org/conflictkg/id/person/jane-example"


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("dataset.ttl", "text/turtle"),
        ("dataset.nt", "application/n-triples"),
        ("dataset.jsonld", "application/ld+json"),
        ("dataset.trig", "application/trig"),
        ("dataset.rdf", "application/rdf+xml"),
    ],
)
def test_dataset_downloads(live: LiveServer, name: str, media_type: str) -> None:
    reply = requests.get(
        live.base + "/download/" + name, headers={"Accept-Encoding": "identity"}, timeout=10
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == media_type
    assert reply.headers["Content-Disposition"] == f'attachment; filename="conflictkg-{name}"'
    assert "Content-Encoding" not in reply.headers
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    statements = {
        (q.subject, q.predicate, q.object) for q in pyoxigraph.parse(reply.content, format=fmt)
    }
    assert len(statements) == 44  # every triple of data/sample.trig


def test_conditional_get_with_etag_and_last_modified(live: LiveServer) -> None:
    url = live.base + "/download/dataset.ttl"
    first = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    modified = parsedate_to_datetime(first.headers["Last-Modified"])
    again = requests.get(
        url, headers={"If-None-Match": etag, "Accept-Encoding": "identity"}, timeout=10
    )
    assert again.status_code == 304
    assert again.content == b""
    since = requests.get(
        url, headers={"If-Modified-Since": format_datetime(modified, usegmt=True)}, timeout=10
    )
    assert since.status_code == 304
    stale = requests.get(url, headers={"If-None-Match": '"something-else"'}, timeout=10)
    assert stale.status_code == 200


def test_gzip_when_asked(live: LiveServer) -> None:
    url = live.base + "/download/dataset.nt"
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    with requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10) as zipped:
        raw = zipped.raw.read(decode_content=False)
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in zipped.headers["Vary"]
        assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert gzip.decompress(raw) == plain.content


def test_unknown_download_is_404_listing_the_files(live: LiveServer) -> None:
    reply = requests.get(live.base + "/download/secrets.txt", timeout=10)
    assert reply.status_code == 404
    assert "dataset.ttl" in reply.text


def test_void_is_404_with_a_reason_for_a_dataset_file(live: LiveServer) -> None:
    reply = requests.get(live.base + "/.well-known/void", timeout=10)
    assert reply.status_code == 404
    assert "--dataset" in reply.text


def test_resource_html_page(live: LiveServer) -> None:
    reply = requests.get(
        live.base + "/id/person/jane-example", headers={"Accept": "text/html"}, timeout=10
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Vary"] == "Accept"
    page = reply.text
    assert "<h1>Jane Example</h1>" in page
    assert 'href="/id/org/sample-ministry"' in page  # outgoing link, to our own page
    assert 'href="/ontology#memberOf"' in page  # a ckg: term resolves to /ontology
    assert "Defense Minister" in page
    # The quote it is attested by, escaped (the sample quote holds markup).
    assert "Defense Minister Jane Example &lt;b&gt;" in page
    assert "Jane Example <b>" not in page


def test_resource_page_shows_incoming_links(live: LiveServer) -> None:
    reply = requests.get(
        live.base + "/id/org/sample-ministry", headers={"Accept": "text/html"}, timeout=10
    )
    assert reply.status_code == 200
    assert 'href="/id/person/jane-example"' in reply.text


@pytest.mark.parametrize(
    "media_type",
    ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"],
)
def test_resource_description_for_rdf_clients(live: LiveServer, media_type: str) -> None:
    reply = requests.get(
        live.base + "/id/person/jane-example", headers={"Accept": media_type}, timeout=10
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].split(";")[0] == media_type
    assert reply.headers["Vary"] == "Accept"
    assert not reply.history  # direct negotiation: no 303
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    quads = list(pyoxigraph.parse(reply.content, format=fmt))
    subjects = {q.subject.value for q in quads}
    # Outgoing triples, and the attesting span's own triples (its exact words).
    assert JANE in subjects
    span = "https://w3id.org/conflictkg/id/article/sample-article/span/40-71"
    assert span in subjects
    assert any(q.predicate.value == "http://www.w3.org/ns/oa#exact" for q in quads)


def test_resource_description_includes_incoming_triples(live: LiveServer) -> None:
    reply = requests.get(
        live.base + "/id/org/sample-ministry",
        headers={"Accept": "application/n-triples"},
        timeout=10,
    )
    assert f"<{JANE}> <https://w3id.org/conflictkg/ontology#memberOf>" in reply.text


@pytest.mark.parametrize(("accept", "marker"), [("text/html", "<h1>404"), ("text/turtle", "")])
def test_unknown_resource_is_404(live: LiveServer, accept: str, marker: str) -> None:
    reply = requests.get(
        live.base + "/id/person/nobody-at-all", headers={"Accept": accept}, timeout=10
    )
    assert reply.status_code == 404
    assert reply.headers["Content-Type"].startswith(accept)
    assert marker in reply.text


def test_ontology_by_accept(live: LiveServer) -> None:
    turtle = requests.get(live.base + "/ontology", headers={"Accept": "text/turtle"}, timeout=10)
    assert turtle.status_code == 200
    quads = list(pyoxigraph.parse(turtle.content, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == 19  # the ontology graph of data/sample.trig
    rdfxml = requests.get(
        live.base + "/ontology", headers={"Accept": "application/rdf+xml"}, timeout=10
    )
    assert rdfxml.headers["Content-Type"].startswith("application/rdf+xml")
    assert len(list(pyoxigraph.parse(rdfxml.content, format=pyoxigraph.RdfFormat.RDF_XML))) == 19
    html = requests.get(live.base + "/ontology", headers={"Accept": "text/html"}, timeout=10)
    assert html.status_code == 200
    assert "memberOf" in html.text


def test_named_graph_dereferences(live: LiveServer) -> None:
    reply = requests.get(
        live.base + "/graph/001_sample", headers={"Accept": "application/n-triples"}, timeout=10
    )
    assert reply.status_code == 200
    assert len(reply.text.strip().splitlines()) == 25
