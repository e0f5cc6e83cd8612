"""The W3C SPARQL 1.1 Protocol test manifest, read with rdflib into plain test cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

MANIFEST = Path(__file__).resolve().parent / "sparql11-protocol" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status: set[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None  # "boolean", "tabular", "RDF"
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        content_type = self.headers.get("content-type", "")
        text = (self.body or b"").decode("utf-8", "replace")
        return content_type.startswith("application/sparql-update") or text.startswith("update=")


@dataclass
class ProtocolCase:
    name: str  # the test's local name, e.g. query_post_form
    title: str
    requests: list[HttpRequest] = field(default_factory=list)

    @property
    def needs_update(self) -> bool:
        """An update the test expects to succeed: not applicable to a read-only endpoint."""
        return any(r.is_update and r.expected_status <= {"2xx", "3xx"} for r in self.requests)


def _graph() -> Graph:
    graph = Graph()
    graph.parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    return graph


def _request(graph: Graph, node: URIRef) -> HttpRequest:
    headers = {}
    for header_list in graph.objects(node, HT.headers):
        for header in Collection(graph, header_list):
            name = str(graph.value(header, HT.fieldName)).lower()
            headers[name] = str(graph.value(header, HT.fieldValue))
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        # "UTF-16" without a byte order mark would be ambiguous; the test means UTF-16LE+BOM.
        body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
    response = graph.value(node, HT.resp)
    statuses = {
        str(s).rsplit("StatusCode", 1)[1].lower()
        for s in graph.objects(response, MF.expectedStatus)
    }
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        expected_status=statuses,
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )


def cases() -> list[ProtocolCase]:
    """Every entry of the manifest, in its order."""
    graph = _graph()
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    result = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        assert isinstance(test, URIRef)
        case = ProtocolCase(str(test).rsplit("#", 1)[1], str(graph.value(test, MF.name)))
        action = graph.value(test, MF.action)
        for request_list in graph.objects(action, HT.requests):
            for node in Collection(graph, request_list):
                case.requests.append(_request(graph, node))
        result.append(case)
    return result


def graph_data() -> dict[str, str]:
    """Data file name -> the graph IRI the tests expect it under (its rdfs:label)."""
    graph = _graph()
    mapping = {}
    for node in graph.objects(None, UT.graphData):
        data_file = graph.value(node, UT.graph)
        mapping[str(data_file).rsplit("/", 1)[1]] = str(graph.value(node, RDFS.label))
    return mapping
