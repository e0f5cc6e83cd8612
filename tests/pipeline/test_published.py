"""What the build publishes for researchers and catalogues, on a build of the real article:
``events.csv`` against the SPARQL it comes from, ``dcat.ttl`` against a DCAT-AP-like SHACL
minimum, the downloads and the schema.org ``Dataset`` the home page embeds."""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pandas as pd
import pyoxigraph
import pyshacl
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import artefacts, dumps, entailment, forked, inputs, publish, tables
from conflictkg.pipeline.accounts import INFERRED_GRAPH
from conflictkg.pipeline.build import build
from conflictkg.project import Project
from conflictkg.web.app import create_app
from tests.support import ROOT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SDO = Namespace("https://schema.org/")
DCAT_SHAPES = Path(__file__).with_name("data") / "dcat-shapes.ttl"
BASE = "https://w3id.org/conflictkg/"

# The columns of events.csv, in order: UCDP GED's names where they apply, then the graph's own.
COLUMNS = [
    "id",
    "event_name",
    "event_type",
    "status",
    "date_start",
    "date_end",
    "date_prec",
    "year",
    "where_prec",
    "where_description",
    "latitude",
    "longitude",
    "country",
    "side_a",
    "side_b",
    "held_responsible",
    "deaths_civilians",
    "low",
    "best",
    "high",
    "high_open_ended",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "accounts",
    "according_to",
    "source_grades",
    "contested",
    "span_iris",
    "span_texts",
    "event_iri",
]
NUMBERS = ["date_prec", "year", "where_prec", "latitude", "longitude"]
DEATHS = ["deaths_civilians", "low", "best", "high"]


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the repository's project into a folder of the test's own."""
    output = tmp_path_factory.mktemp("published") / "output"
    build(Project(ROOT), output)
    return output / "current"


@pytest.fixture(scope="module")
def store(current: Path) -> pyoxigraph.Store:
    """The build's dataset as the endpoint serves it."""
    return tables.served_store((current / "dataset.trig").read_bytes())


@pytest.fixture(scope="module")
def events(current: Path) -> pd.DataFrame:
    return pd.read_csv(current / artefacts.EVENTS_FILE)


def select(store: pyoxigraph.Store, query: str) -> list[dict[str, str]]:
    """A SELECT's rows as variable -> lexical value (unbound variables left out)."""
    results = store.query(query)
    assert isinstance(results, pyoxigraph.QuerySolutions)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def test_events_csv_has_the_pinned_columns(current: Path, events: pd.DataFrame) -> None:
    assert list(events.columns) == COLUMNS
    first = (current / artefacts.EVENTS_FILE).read_bytes().split(b"\r\n", 1)[0]
    assert first.decode() == ",".join(COLUMNS)  # RFC 4180: CRLF, a header line


def test_events_csv_is_its_query_one_row_per_event(
    store: pyoxigraph.Store, events: pd.DataFrame
) -> None:
    rows = select(store, tables.events_query())
    event_iris = {
        r["e"]
        for r in select(
            store, "SELECT DISTINCT ?e { ?e a <https://w3id.org/conflictkg/ontology#Event> }"
        )
    }
    assert len(events) == len(rows) == len(event_iris) > 0
    assert set(events["event_iri"]) == event_iris
    assert list(events["id"]) == [r["id"] for r in rows]
    assert events["id"].is_unique
    for (_, csv_row), row in zip(events.iterrows(), rows, strict=True):
        for column in NUMBERS + DEATHS:
            value = csv_row[column]
            if column in row:
                assert float(value) == pytest.approx(float(row[column])), (csv_row["id"], column)
            else:
                assert math.isnan(value), (csv_row["id"], column)
        for column in ("side_a", "held_responsible", "accounts", "source_grades"):
            assert (csv_row[column] if isinstance(csv_row[column], str) else None) == row.get(
                column
            )


def test_low_best_high_are_the_death_toll_range_of_each_event(
    store: pyoxigraph.Store, events: pd.DataFrame
) -> None:
    tolls = select(store, (ROOT / "queries" / "death-toll-range-per-event.rq").read_text())
    assert tolls
    with_deaths = events[events["low"].notna()]
    assert sorted(with_deaths["event_name"]) == sorted(t["eventName"] for t in tolls)
    by_name = with_deaths.set_index("event_name")
    for toll in tolls:
        row = by_name.loc[toll["eventName"]]
        assert (row["low"], row["best"], row["high"]) == (
            int(toll["low"]),
            int(toll["best"]),
            int(toll["high"]),
        ), toll["eventName"]
        assert str(row["high_open_ended"]).lower() == toll["openEnded"]
    # not one figure included in another is added: the >100 and the 20 stay inside the >200
    march = by_name.loc["Airstrike in Mosul, 17 March 2017"]
    assert march["best"] == 201 and march["date_prec"] == 1 and march["where_prec"] == 2


def test_contested_flag_follows_the_accounts(store: pyoxigraph.Store, events: pd.DataFrame) -> None:
    query = (ROOT / "queries" / "contested-responsibility.rq").read_text()
    blamed_differently = {r["eventName"] for r in select(store, query)}
    assert blamed_differently
    contested = events.set_index("event_name")["contested"]
    assert contested.dtype == bool
    for name in blamed_differently:
        assert contested[name], name
    march = events.set_index("event_name").loc["Airstrike in Mosul, 17 March 2017"]
    assert set(march["held_responsible"].split(" | ")) == {
        "Islamic State of Iraq and Syria",
        "US armed forces",
    }
    assert "anonymous official source" in march["source_grades"]
    assert all(span.startswith(BASE + "id/article/") for span in march["span_iris"].split(" | "))
    assert len(march["span_texts"].split(" | ")) == len(march["span_iris"].split(" | "))


def test_dcat_description_passes_its_shapes(current: Path) -> None:
    description = Graph().parse(current / artefacts.DCAT_FILE, format="turtle")
    shapes = Graph().parse(DCAT_SHAPES, format="turtle")
    conforms, _, report = pyshacl.validate(description, shacl_graph=shapes)
    assert conforms, report
    # the same shapes reject a distribution without a media type, naming it
    broken = Graph() + description
    csv = URIRef(BASE + "id/dataset/distribution/events.csv")
    broken.remove((csv, DCAT.mediaType, None))
    conforms, _, report = pyshacl.validate(broken, shacl_graph=shapes)
    assert not conforms and str(csv) in report and "dcat:mediaType" in report


def test_dcat_lists_every_download_with_its_size(current: Path) -> None:
    description = Graph().parse(current / artefacts.DCAT_FILE, format="turtle")
    urls = {str(u): d for d, u in description.subject_objects(DCAT.downloadURL)}
    downloads = [a for a in artefacts.DOWNLOADS if a.role != "catalogue"]
    assert set(urls) == {BASE + "download/" + a.file for a in downloads}
    for artefact in downloads:
        node = urls[BASE + "download/" + artefact.file]
        size = description.value(node, DCAT.byteSize)
        assert int(size) == (current / artefact.file).stat().st_size, artefact.file
    dataset = URIRef(BASE + "id/dataset")
    period = description.value(dataset, DCTERMS.temporal)
    assert description.value(period, DCAT.startDate) == Literal("2003-01-01", datatype=XSD.date)
    assert description.value(period, DCAT.endDate) == Literal("2017-05-04", datatype=XSD.date)
    places = set(description.objects(dataset, DCTERMS.spatial))
    assert places == {URIRef(BASE + "id/place/iraq"), URIRef(BASE + "id/place/mosul")}
    service = URIRef(BASE + "sparql")
    assert (service, RDF.type, DCAT.DataService) in description
    assert (service, DCAT.servesDataset, dataset) in description


@pytest.fixture(scope="module")
def client(current: Path) -> FlaskClient:
    return create_app({"BUILD_DIR": current, "TESTING": True}).test_client()


def test_downloads_serve_the_table_and_the_catalogue(client: FlaskClient, current: Path) -> None:
    reply = client.get("/download/events.csv")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert reply.data == (current / artefacts.EVENTS_FILE).read_bytes()
    reply = client.get("/download/dcat.ttl")
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/turtle")
    assert client.get("/download/schema-org.jsonld").status_code == 404  # the page's, not a file
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert '</download/dcat.ttl>; rel="describedby"' in void.headers["Link"]
    described = Graph().parse(data=void.data, format="turtle")
    table = URIRef(BASE + "id/dataset/distribution/events.csv")
    assert (URIRef(BASE + "id/dataset"), DCAT.distribution, table) in described
    assert described.value(table, DCAT.mediaType) == URIRef(
        "http://www.iana.org/assignments/media-types/text/csv"
    )


# schema.org's context says these properties hold IRIs; the test reads the page offline
SCHEMA_CONTEXT = {
    "@vocab": str(SDO),
    **{p: {"@type": "@id"} for p in ("url", "license", "contentUrl", "sameAs")},
}


def test_home_page_embeds_the_schema_org_dataset(client: FlaskClient, current: Path) -> None:
    page = client.get("/").get_data(as_text=True)
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    described = json.loads(blocks[0])
    assert described["@context"] == "https://schema.org/"
    described["@context"] = SCHEMA_CONTEXT
    g = Graph()
    with warnings.catch_warnings():
        # rdflib's JSON-LD parser calls its own deprecated ConjunctiveGraph, not ours
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"rdflib\.")
        g.parse(data=json.dumps(described), format="json-ld")
    dataset = URIRef(BASE + "id/dataset")
    assert (dataset, RDF.type, SDO.Dataset) in g
    catalogue = Graph().parse(current / artefacts.DCAT_FILE, format="turtle")
    assert str(g.value(dataset, SDO.name)) == str(catalogue.value(dataset, DCTERMS.title))
    assert g.value(dataset, SDO.license) == catalogue.value(dataset, DCTERMS.license)
    assert g.value(dataset, SDO.isAccessibleForFree).toPython() is True
    assert str(g.value(dataset, SDO.temporalCoverage)) == "2003-01-01/2017-05-04"
    assert (None, SDO.sameAs, URIRef("http://www.wikidata.org/entity/Q796")) in g
    assert g.value(dataset, SDO.includedInDataCatalog) == URIRef(BASE + "id/catalog")
    assert g.value(g.value(dataset, SDO.creator), SDO.name) is not None
    formats = {
        str(g.value(d, SDO.contentUrl)): str(g.value(d, SDO.encodingFormat))
        for d in g.objects(dataset, SDO.distribution)
    }
    assert formats[BASE + "download/events.csv"] == "text/csv"
    assert formats[BASE + "download/dataset.ttl"] == "text/turtle"
    assert len(list(g.objects(dataset, SDO.keywords))) >= 3


def _served_default(trig: bytes) -> bytes:
    """The default graph of ``trig`` served (the merge of its graphs), as N-Triples."""
    return tables.served_store(trig).dump(
        format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()
    )


def test_events_table_from_a_child_is_the_table_computed_here(current: Path) -> None:
    trig = (current / "dataset.trig").read_bytes()
    here = tables.events_csv(tables.served_store(trig))
    default = _served_default(trig)
    with tables.EventsTable(trig, default) as table:
        assert table.result() == here
    assert (current / artefacts.EVENTS_FILE).read_bytes() == here


def _inferred_apart(trig: bytes) -> tuple[bytes, bytes]:
    """``trig`` as two TriG documents: every graph but graph/inferred, and graph/inferred."""
    inferred = pyoxigraph.NamedNode(str(INFERRED_GRAPH))
    quads = list(pyoxigraph.parse(trig, format=pyoxigraph.RdfFormat.TRIG))
    first = [q for q in quads if q.graph_name != inferred]
    rest = [q for q in quads if q.graph_name == inferred]
    assert first and rest
    return tuple(  # type: ignore[return-value]
        pyoxigraph.serialize(part, format=pyoxigraph.RdfFormat.TRIG) for part in (first, rest)
    )


@pytest.mark.parametrize("rest_as", [pyoxigraph.RdfFormat.TRIG, pyoxigraph.RdfFormat.N_QUADS])
@pytest.mark.parametrize("fork", [True, False])
def test_events_table_given_in_two_parts_is_the_table_of_the_whole(
    current: Path, fork: bool, rest_as: pyoxigraph.RdfFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the build starts the child on the asserted graphs and adds graph/inferred later (as
    # N-Quads when the inferred graph has no blank node, as TriG otherwise)
    monkeypatch.setattr(forked, "available", lambda: fork)
    trig = (current / "dataset.trig").read_bytes()
    first, rest = _inferred_apart(trig)
    if rest_as == pyoxigraph.RdfFormat.N_QUADS:
        rest = pyoxigraph.serialize(
            pyoxigraph.parse(rest, format=pyoxigraph.RdfFormat.TRIG), format=rest_as
        )
    default = _served_default(trig)
    lines = default.splitlines(keepends=True)
    with tables.EventsTable(first, b"".join(lines[::2]), more=True) as table:
        table.add(rest, b"".join(lines[1::2]), rest_as)
        assert table.result() == (current / artefacts.EVENTS_FILE).read_bytes()


@pytest.mark.parametrize("fork", [True, False])
def test_events_table_whose_child_makes_its_rest_is_the_table_of_the_whole(
    current: Path, fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the build's child infers graph/inferred itself and hands a value back first
    monkeypatch.setattr(forked, "available", lambda: fork)
    trig = (current / "dataset.trig").read_bytes()
    first, rest = _inferred_apart(trig)
    nquads = pyoxigraph.serialize(
        pyoxigraph.parse(rest, format=pyoxigraph.RdfFormat.TRIG),
        format=pyoxigraph.RdfFormat.N_QUADS,
    )
    default = _served_default(trig)
    lines = default.splitlines(keepends=True)

    def make_rest(hand: Callable[[object], None]) -> tables.Part:
        hand(("made in", os.getpid()))
        return nquads, b"".join(lines[1::2]), pyoxigraph.RdfFormat.N_QUADS

    with tables.EventsTable(first, b"".join(lines[::2]), more=True, rest=make_rest) as table:
        value = table.handed()
        if fork:  # handed from the child, before its table
            assert isinstance(value, tuple) and value[0] == "made in"
            assert value[1] != os.getpid()
        else:  # made here when the table is asked for: nothing handed
            assert value is None
        assert table.result() == (current / artefacts.EVENTS_FILE).read_bytes()


@pytest.mark.parametrize("fork", [True, False])
def test_events_table_asks_for_an_account_graph_it_was_not_given(
    current: Path, fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the build gives the child the account and outside graphs only (the query reads no
    # other named graph); a graph named by a ckg:assertionGraph that the child was not
    # given it asks for, once the default graph is complete
    monkeypatch.setattr(forked, "available", lambda: fork)
    trig = (current / "dataset.trig").read_bytes()
    whole = (current / artefacts.EVENTS_FILE).read_bytes()
    served = tables.served_store(trig)
    default = _served_default(trig)
    solutions = served.query(tables.ASSERTION_GRAPHS)
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    accounts = sorted(row[0].value for row in solutions)
    quads = list(pyoxigraph.parse(trig, format=pyoxigraph.RdfFormat.TRIG))
    named = [q for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode)]

    def graphs(names: set[str]) -> bytes:
        chosen = [q for q in named if q.graph_name.value in names]
        return pyoxigraph.serialize(chosen, format=pyoxigraph.RdfFormat.TRIG)

    # an account graph the table reads: without it, the table is another
    held_back = next(
        name
        for name in accounts
        if tables.events_csv(tables.served_store(graphs(set(accounts) - {name}), default)) != whole
    )
    first = graphs(set(accounts) - {held_back})
    asked: list[set[str]] = []

    def others(names: set[str]) -> bytes:
        asked.append(names)
        return graphs({held_back}) if held_back in names else b""

    assert len(first) < len(trig) // 2  # the backbones, ontology and inferred graph left out
    with tables.EventsTable(first, default, others=others) as table:
        assert table.result() == whole
    if not fork:  # asked here, once, for the one graph it lacked
        assert asked == [{held_back}]


def test_events_table_whose_rest_gives_none_waits_for_it(current: Path) -> None:
    # as when graph/inferred holds a blank node: the build hands its TriG over later
    first, rest = _inferred_apart((current / "dataset.trig").read_bytes())
    trig = (current / "dataset.trig").read_bytes()
    default = _served_default(trig)
    with tables.EventsTable(first, default, more=True, rest=lambda hand: None) as table:
        assert table.handed() is None  # said by the child, which then waits for add()
        table.add(rest, b"")
        assert table.result() == (current / artefacts.EVENTS_FILE).read_bytes()


def test_events_table_left_waiting_for_its_rest_leaves_no_file_or_process(
    current: Path,
) -> None:
    first, rest = _inferred_apart((current / "dataset.trig").read_bytes())
    _left_with_its_child(lambda: tables.EventsTable(first, b"", more=True))
    # left after the rest was handed over: its file is removed too
    with pytest.raises(RuntimeError), tables.EventsTable(first, b"", more=True) as table:
        table.add(rest, b"")
        parcel = table._parcel
        raise RuntimeError("a dump failed")
    assert parcel is not None and not parcel.exists()


def test_events_table_whose_rest_never_comes_says_so(current: Path) -> None:
    first, _ = _inferred_apart((current / "dataset.trig").read_bytes())
    with tables.EventsTable(first, b"", more=True) as table:
        table._close_outbox()  # as when the build stops: the child reads an end of input
        with pytest.raises(ConflictKGError, match="stopped before the dataset was complete"):
            table.result()


def test_events_table_child_errors_name_the_query(
    current: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trig = (current / "dataset.trig").read_bytes()
    for text, expected in (
        ("ASK { ?s ?p ?o }", "must be a SELECT"),
        ("SELECT * WHERE { ?s ?p", "SyntaxError"),
    ):
        query = tmp_path / "events-table.rq"
        query.write_text(text, encoding="utf-8")
        monkeypatch.setattr(tables, "EVENTS_QUERY", query)
        with tables.EventsTable(trig, b"") as table, pytest.raises(ConflictKGError) as error:
            table.result()
        assert str(query) in str(error.value) and expected in str(error.value)


def test_events_table_left_without_its_result_leaves_no_file_or_process(
    current: Path,
) -> None:
    trig = (current / "dataset.trig").read_bytes()
    _left_with_its_child(lambda: tables.EventsTable(trig, b""))


def _left_with_its_child(make: Callable[[], tables.EventsTable]) -> None:
    """A table made by ``make`` and left by an error while its child runs: the child's file
    is removed and the child waited for."""
    with pytest.raises(RuntimeError), make() as table:
        assert table._child is not None
        child, path = table._child._pid, table._child._path
        raise RuntimeError("the build failed")
    assert path is not None and not path.exists()
    with pytest.raises(ChildProcessError):  # waited for: no longer a child of this process
        os.waitpid(child, os.WNOHANG)


def test_the_childs_inferred_part_is_the_default_graphs_and_keeps_the_named_graph() -> None:
    # the events table's child loads graph/inferred's triples into the default graph and
    # leaves the named graph to tables.completed, which asks for it only when an
    # assertion graph names it
    loaded = inputs.load_inputs(Project(ROOT))
    blocks: dict[str, bytes] = {}
    handed: list[object] = []
    numbered: list[entailment.Numbered] = []
    part = publish._inferred_part(loaded, blocks, numbered, handed.append)
    assert part is not None, "the project's inferred graph holds no blank node"
    assert len(numbered) == 1 and numbered[0].graphs, "kept for a rebuild's events table"
    quads, default, fmt = part
    expected = entailment.inferred_triples(loaded.data, loaded.ontology)
    assert quads == b"" and fmt == pyoxigraph.RdfFormat.N_QUADS
    assert default == b"".join(dumps.lines_of(expected).lines) and default
    assert len(handed) == 1
    text, (keys, flat) = cast(tuple[bytes, entailment.Parcel], handed[0])
    assert text == default and len(entailment.Inferred(keys, flat)) == len(expected)
    name = str(INFERRED_GRAPH)
    store = pyoxigraph.Store()
    store.load(publish._graphs_trig(blocks, {name}), pyoxigraph.RdfFormat.TRIG)
    named = {str(q.graph_name) for q in store}
    assert named == {f"<{name}>"} and len(store) == len(expected)
