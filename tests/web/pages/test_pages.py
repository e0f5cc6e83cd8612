"""The pages through Flask's test client: content read from the data, escaping, links,
readable errors."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conflictkg.web.state import state_of

ARTICLE = "/article/fighting-near-riverton"


class Links(HTMLParser):
    """Collects hrefs, ids and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page(client, url: str, status: int = 200) -> tuple[str, Links]:
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    parsed = Links()
    parsed.feed(body)
    return body, parsed


def test_home_reads_the_article_from_the_data(client) -> None:
    body, parsed = page(client, "/")
    text = " ".join(parsed.text)
    assert "Fighting near <Riverton> & beyond" in text
    assert "Jane Roe" in text and "2016-06-02" in text
    assert "&lt;Riverton&gt; &amp; beyond" in body and "<Riverton>" not in body
    assert ARTICLE in parsed.hrefs
    assert {"/query", "/ontology", "/ontology/diagram", "/timeline", "/map"} <= set(parsed.hrefs)
    # The downloads the build has, described by the artefact table.
    assert {"/download/dataset.ttl", "/download/ontology.ttl"} <= set(parsed.hrefs)
    assert "/download/dataset.nt" not in parsed.hrefs
    assert "the dataset, Turtle" in text and "the ontology, Turtle" in text
    # Each competency question is listed by its question and links to the editor.
    assert "Which places lie in <Northland> & where?" in text
    assert "/query?example=02-places" in parsed.hrefs


def test_home_counts_match_the_data(client) -> None:
    body, _ = page(client, "/")
    counts = dict(re.findall(r'<dt><a href="/ontology#(\w+)">\w+</a></dt><dd>(\d+)</dd>', body))
    # The fixture: 2 actors (Jane Roe, the army), 4 places, 4 events, 1 article, 9 spans,
    # and the claim whose account holds the statements about the events.
    assert counts == {
        "Actor": "2",
        "Article": "1",
        "Claim": "1",
        "Event": "4",
        "Location": "4",
        "TextSpan": "9",
    }


def test_query_page_offers_every_example_and_download_format(client) -> None:
    body, parsed = page(client, "/query?example=02-places")
    assert "Which events does the article date, in order?" in " ".join(parsed.text)
    # The chosen example fills the editor, escaped.
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    assert "# Question: Which places lie in &lt;Northland&gt; &amp; where?" in editor
    formats = {re.search(r"format=(\w+)", h).group(1) for h in parsed.hrefs if "/sparql?" in h}
    assert formats == {"json", "xml", "csv", "tsv"}
    assert all(
        "query=%23+Question" in h or "query=%23%20Question" in h
        for h in parsed.hrefs
        if "/sparql?" in h
    )
    assert 'id="run"' in body and "<button" in body
    assert "/assets/query.js" in parsed.hrefs or "/assets/query.js" in body


def test_query_page_offers_graph_formats_for_construct(client) -> None:
    _, parsed = page(client, "/query?query=CONSTRUCT+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D")
    formats = {re.search(r"format=(\w+)", h).group(1) for h in parsed.hrefs if "/sparql?" in h}
    assert formats == {"turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"}


@pytest.mark.parametrize("key", ["fighting-near-riverton", "seed_fixture", "seed_fixture.txt"])
def test_article_found_by_slug_or_seed(client, key) -> None:
    body, _ = page(client, f"/article/{key}")
    assert "Forces of the" in body


def test_article_highlights_every_span_and_links_its_resources(client) -> None:
    body, parsed = page(client, ARTICLE)
    for start, end in [(37, 45), (73, 112), (88, 101), (93, 101), (189, 201), (205, 213)]:
        assert f"span-{start}-{end}" in parsed.ids
    assert {"/id/place/riverton", "/id/unit/northland-army", "/id/event/hillport-talks"} <= set(
        parsed.hrefs
    )
    # Riverton sits inside two more spans: its segment is the darkest and points to the
    # narrowest span.
    assert re.search(r'class="hl depth-3" href="#span-93-101"[^>]*>Riverton</a>', body)
    assert "Riverton &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in body
    assert "<script>alert" not in body
    # The text is intact: highlights only wrap it.
    plain = re.sub(
        r"<[^>]+>", "", re.search(r'class="article-text"[^>]*>(.*?)</div>', body, re.S).group(1)
    )
    assert "Forces of the Northland Army took Riverton on Tuesday, a spokesman said." in plain


def test_article_flags_spans_that_do_not_match(client, app) -> None:
    seed = state_of(app).project.seeds / "seed_fixture.txt"
    seed.write_text("X" + seed.read_text(encoding="utf-8"), encoding="utf-8")
    body, _ = page(client, ARTICLE)
    assert "9 span(s) do not match this text" in body


def test_unknown_article_is_a_readable_404(client) -> None:
    response = client.get("/article/no-such-thing")
    assert response.status_code == 404
    assert "no-such-thing" in response.get_data(as_text=True)


def test_article_without_its_seed_is_a_readable_404(client, app) -> None:
    (state_of(app).project.seeds / "seed_fixture.txt").unlink()
    response = client.get(ARTICLE)
    assert response.status_code == 404
    assert "seed_fixture.txt" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "kind", "count"),
    [("/timeline", "event", 3), ("/map", "place", 3), ("/ontology/diagram", "class", 14)],
)
def test_picture_pages_inline_their_svg(client, url, kind, count) -> None:
    body, _ = page(client, url)
    svg = re.search(r"<svg.*?</svg>", body, re.S).group(0)
    root = ET.fromstring(svg)
    links = [a for a in root.iter("{http://www.w3.org/2000/svg}a") if a.get("class") == kind]
    assert len(links) == count


def test_static_files_are_served_locally(client) -> None:
    for name, kind in [("pages.css", "text/css"), ("query.js", "text/javascript")]:
        with client.get(f"/assets/{name}") as response:
            assert response.status_code == 200
            assert response.mimetype == kind
            assert b"http://" not in response.data and b"https://" not in response.data


def test_pages_load_nothing_from_elsewhere(client) -> None:
    for url in ["/", "/query", ARTICLE, "/timeline", "/map", "/ontology/diagram"]:
        body, _ = page(client, url)
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", body):
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), (url, tag)
