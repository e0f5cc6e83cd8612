"""The W3C SPARQL 1.1 Protocol tests, every manifest entry replayed against a live server.

Entries that need a successful SPARQL Update are not applicable (the endpoint is
read-only) and are skipped with that reason; every query and bad-request entry runs.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests

from tests.support.liveserver import LiveServer
from tests.w3c.protocol_manifest import HttpRequest, ProtocolCase, cases

CASES = cases()
ENDPOINT_PATH = "/sparql"  # the manifest's paths start with /sparql/, to be replaced
RESULT_TYPES = {
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


def test_every_manifest_entry_is_collected() -> None:
    assert len(CASES) == 34
    assert len({c.name for c in CASES}) == 34
    assert sum(c.needs_update for c in CASES) == 7


def _send(server: LiveServer, request: HttpRequest) -> requests.Response:
    assert request.path.startswith("/sparql/")
    url = server.base + ENDPOINT_PATH + request.path[len("/sparql/") - 1 :].removeprefix("/")
    headers = dict(request.headers)
    return requests.request(
        request.method,
        url,
        data=request.body,
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def _boolean(reply: requests.Response) -> bool:
    media_type = reply.headers["Content-Type"].split(";")[0]
    if media_type == "application/sparql-results+json":
        value = json.loads(reply.text)["boolean"]
        assert isinstance(value, bool)
        return value
    root = ET.fromstring(reply.content)
    element = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert element is not None and element.text in ("true", "false")
    return element.text == "true"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol(protocol_server: LiveServer, case: ProtocolCase) -> None:
    if case.needs_update:
        pytest.skip("read-only endpoint: update not applicable")
    for request in case.requests:
        reply = _send(protocol_server, request)
        status_class = f"{reply.status_code // 100}xx"
        assert status_class in request.expected_status, (
            f"{case.name}: HTTP {reply.status_code}, expected {sorted(request.expected_status)}: "
            f"{reply.text[:300]}"
        )
        assert reply.status_code != 500
        if request.expected_format is not None:
            media_type = reply.headers["Content-Type"].split(";")[0]
            assert media_type in RESULT_TYPES[request.expected_format], case.name
        if request.expected_boolean is not None:
            assert _boolean(reply) is request.expected_boolean, case.name
    assert protocol_server.alive()
