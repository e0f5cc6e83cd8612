"""The floor the endpoint is compared against: a bare Granian WSGI app over pyoxigraph.

Parse the query string, ``Store.query`` on an in-memory store, serialise to SPARQL JSON:
no guard, no limits, no negotiation, no cache, no log. Whatever `conflictkg serve
--cache-mb 0` costs beyond this is the project's own Python (``oxigraph_compare.py``
prints both). The dataset is the file named by ``BARE_DATASET``, loaded in each worker
with the union of its graphs as the default graph, as the endpoint serves it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph

STORE = pyoxigraph.Store()
STORE.load(path=os.environ["BARE_DATASET"], format=pyoxigraph.RdfFormat.TRIG)
JSON = pyoxigraph.QueryResultsFormat.JSON


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    query = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
    result = STORE.query(query, use_default_graph_as_union=True)
    assert isinstance(result, pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean)
    body = result.serialize(format=JSON) or b""
    start_response("200 OK", [("Content-Type", "application/sparql-results+json")])
    return [body]
