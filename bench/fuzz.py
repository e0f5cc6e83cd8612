"""Hypothesis-driven fuzzing of a live server's /sparql and resource pages.

Generates and mutates queries, parameters, headers, methods and bodies, sends each case to
the server, and counts the responses with status >= 500 (which must never happen) and the
connections the server dropped; checks the server still answers afterwards.

    .venv/bin/python bench/fuzz.py                          # 10,000 cases, own server
    .venv/bin/python bench/fuzz.py --cases 300              # a quick smoke run
    .venv/bin/python bench/fuzz.py --url http://127.0.0.1:5000 --cases 2000

The strategies are also used by tests/fuzz/ (a few hundred cases in CI).
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

KINDS = [
    "article",
    "person",
    "org",
    "unit",
    "group",
    "place",
    "event",
    "weapon",
    "report",
    "claim",
    "geometry",
]
MEDIA_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
    "text/html",
    "application/json",
    "*/*",
    "text/*",
    "image/png",
    "application/xhtml+xml;q=0.9, */*;q=0.1",
    "",
    "text/html;q=abc",
    ";;;,,",
    "application/sparql-results+json;charset=latin-1",
]
CONTENT_TYPES = [
    "application/sparql-query",
    "application/x-www-form-urlencoded",
    "application/sparql-update",
    "application/sparql-query; charset=utf-16",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/json",
    "",
    "application/x-www-form-urlencoded; charset=klingon",
]
PARAMS = [
    "query",
    "update",
    "default-graph-uri",
    "named-graph-uri",
    "format",
    "output",
    "timeout",
    "callback",
    "results",
    "using-graph-uri",
]
TOKENS = [
    "SELECT",
    "CONSTRUCT",
    "DESCRIBE",
    "ASK",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "*",
    "?s",
    "?p",
    "?o",
    "?x",
    ".",
    ";",
    ",",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "SERVICE",
    "SILENT",
    "VALUES",
    "BIND",
    "AS",
    "COUNT",
    "GROUP BY",
    "ORDER BY",
    "LIMIT 5",
    "OFFSET 3",
    "DISTINCT",
    'REGEX(?o, "a")',
    "STR(?s)",
    "<https://w3id.org/conflictkg/id/place/x>",
    "<http://127.0.0.1:9/>",
    "a",
    "ckg:Event",
    "rdfs:label",
    '"text"@en',
    "42",
    "1e9",
    "PREFIX ckg: <https://w3id.org/conflictkg/ontology#>",
    "FROM <http://127.0.0.1:9/x>",
    "FROM NAMED <http://127.0.0.1:9/y>",
    "LOAD <http://127.0.0.1:9/z>",
    "INSERT DATA",
    "DELETE WHERE",
    "CLEAR ALL",
    "DROP ALL",
    "*",
    "+",
    "?",
    "/",
    "|",
    "^",
    "!",
    "\u0000",
    "\ufffd",
    "é",
    "\U0001f600",
    "#comment\n",
    '"""',
    "'",
    "\\",
    "$x",
    "_:b",
]
BASE_QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "ASK { ?s a <https://w3id.org/conflictkg/ontology#Event> }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
    "DESCRIBE <https://w3id.org/conflictkg/id/place/mosul>",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l)='en') }",
]


def competency_queries() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]


@dataclass
class Case:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def short(self) -> str:
        body = f" body={self.body[:80]!r}" if self.body else ""
        return f"{self.method} {self.path[:160]}{body} headers={self.headers}"


@st.composite
def mutated_query(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(BASE_QUERIES + competency_queries()))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        position = draw(st.integers(0, max(0, len(base))))
        if op == "insert":
            base = base[:position] + " " + draw(st.sampled_from(TOKENS)) + " " + base[position:]
        elif op == "delete":
            base = base[:position] + base[position + draw(st.integers(1, 20)) :]
        elif op == "replace":
            base = base[:position] + draw(st.text(max_size=5)) + base[position + 1 :]
        else:
            base = base[:position] + base[position : position + 30] * 2 + base[position + 30 :]
    return base


def token_query() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join)


@st.composite
def nested_query(draw: st.DrawFn) -> str:
    depth = draw(st.sampled_from([10, 100, 999, 1001, 3000, 6000, 20000]))
    opener, closer = draw(st.sampled_from([("{", "}"), ("(", ")"), ("{ {", "} }")]))
    if opener == "(":
        return f"SELECT * WHERE {{ FILTER({'(' * depth}1{')' * depth}) }}"
    return "SELECT * WHERE " + opener * depth + " ?s ?p ?o " + closer * depth


def any_query() -> st.SearchStrategy[str]:
    return st.one_of(
        mutated_query(),
        token_query(),
        nested_query(),
        st.text(max_size=200),
        st.sampled_from(["", " ", "\x00", "%", "SELECT", "{" * 50]),
    )


def header_value() -> st.SearchStrategy[str]:
    # http.client refuses control characters in headers; keep printable latin-1
    return st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@st.composite
def sparql_case(draw: st.DrawFn) -> Case:
    method = draw(
        st.sampled_from(
            ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]
        )
    )
    params: list[tuple[str, str]] = []
    if draw(st.booleans()) or method == "GET":
        params.append(("query", draw(any_query())))
    for _ in range(draw(st.integers(0, 3))):
        params.append(
            (
                draw(st.sampled_from(PARAMS) | st.text(max_size=10)),
                draw(st.text(max_size=40) | st.sampled_from(MEDIA_TYPES)),
            )
        )
    headers = {"Accept": draw(st.sampled_from(MEDIA_TYPES) | header_value())}
    body = None
    query_string = urlencode(params)
    if method == "POST":
        content_type = draw(st.sampled_from(CONTENT_TYPES) | header_value())
        headers["Content-Type"] = content_type
        kind = draw(st.sampled_from(["query", "form", "bytes", "big"]))
        if kind == "query":
            body = draw(any_query()).encode("utf-8", "surrogatepass")
        elif kind == "form":
            body = urlencode([("query", draw(any_query())), *params]).encode(
                "utf-8", "surrogatepass"
            )
            query_string = ""
        elif kind == "bytes":
            body = draw(st.binary(max_size=300))
        else:  # a body larger than any limit the server should accept
            body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * draw(
                st.sampled_from([1024, 1_000_000, 1_100_000])
            )
    for _ in range(draw(st.integers(0, 2))):
        name = draw(
            st.sampled_from(
                [
                    "If-None-Match",
                    "If-Modified-Since",
                    "Range",
                    "X-Forwarded-For",
                    "Accept-Encoding",
                    "Accept-Language",
                    "Cookie",
                    "X-Custom",
                ]
            )
        )
        headers[name] = draw(header_value())
    path = "/sparql" + ("?" + query_string if query_string else "")
    return Case(method, path, headers, body)


@st.composite
def page_case(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(KINDS) | st.text(max_size=8))
    slug = draw(
        st.sampled_from(
            [
                "mosul",
                "james-mattis",
                "x",
                "",
                "..",
                "../../etc/passwd",
                "%2e%2e%2f",
                "a" * 3000,
                "<script>alert(1)</script>",
                "é",
            ]
        )
        | st.text(max_size=40)
    )
    prefix = draw(
        st.sampled_from(
            [
                "/id/",
                "/id/",
                "/page/",
                "/data/",
                "/ontology",
                "/",
                "/download/",
                "/static/",
                "/void",
                "/.well-known/void",
            ]
        )
    )
    path = prefix + quote(kind, safe="") + "/" + quote(slug, safe="/%")
    if draw(st.booleans()):
        path += draw(
            st.sampled_from(
                [
                    ".ttl",
                    ".json",
                    ".html",
                    ".nt",
                    ".rdf",
                    ".xyz",
                    "?format=x",
                    "?_format=text/turtle",
                    "#frag",
                ]
            )
        )
    headers = {"Accept": draw(st.sampled_from(MEDIA_TYPES) | header_value())}
    method = draw(st.sampled_from(["GET", "GET", "HEAD", "POST", "OPTIONS"]))
    return Case(method, path, headers, None)


def cases() -> st.SearchStrategy[Case]:
    return st.one_of(sparql_case(), sparql_case(), page_case())


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[tuple[int, str]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    sent: int = 0


def send(base: str, case: Case, timeout: float) -> int | str:
    """The response status, or a string naming the connection failure."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        try:
            connection.request(case.method, case.path, body=case.body, headers=case.headers)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer and close before reading a body it refuses (an
            # oversized request head, for one): the answer it sent is still readable.
            pass
        reply = connection.getresponse()
        reply.read()
        return reply.status
    except TimeoutError:
        return "timeout"
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__
    finally:
        connection.close()


def alive(base: str) -> bool:
    status = send(
        base,
        Case(
            "GET", "/sparql?query=" + quote("ASK {}"), {"Accept": "application/sparql-results+json"}
        ),
        30,
    )
    return status == 200


def fuzz(base: str, count: int, random_seed: int = 0, timeout: float = 30) -> Tally:
    """Send ``count`` generated cases to the server at ``base``; never raises on a bad status."""
    tally = Tally()

    @seed(random_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases())
    def run(case: Case) -> None:
        status = send(base, case, timeout)
        tally.sent += 1
        if isinstance(status, str):
            tally.dropped.append((status, case.short()))
            return
        tally.statuses[status] += 1
        if status >= 500:
            tally.server_errors.append((status, case.short()))

    run()
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None, help="a live server (default: start one)")
    parser.add_argument("--project", type=Path, default=ROOT, help="project to serve")
    parser.add_argument(
        "--dataset",
        type=Path,
        default=None,
        help="serve this RDF file (TriG/N-Quads) instead of the project's build",
    )
    parser.add_argument("--cases", type=int, default=10_000, help="number of cases")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    parser.add_argument("--serve-arg", action="append", default=[], help="extra serve argument")
    args = parser.parse_args(argv)

    started = time.monotonic()
    if args.url:
        tally = fuzz(args.url, args.cases, args.seed)
        ok = alive(args.url)
    else:
        from bench import benchlib

        if args.dataset is not None:
            serve = ["serve", "--dataset", str(args.dataset.resolve()), *args.serve_arg]
        else:
            serve = ["--project", str(args.project), "serve", *args.serve_arg]
        with benchlib.conflictkg_server(serve) as server:
            tally = fuzz(server.base, args.cases, args.seed)
            ok = alive(server.base)
    seconds = time.monotonic() - started
    print(f"fuzz: {tally.sent} cases in {seconds:.0f} s (seed {args.seed})")
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items())))
    print(f"responses >= 500: {len(tally.server_errors)}")
    for status, case in tally.server_errors[:20]:
        print(f"  {status}: {case}")
    print(f"dropped connections / timeouts: {len(tally.dropped)}")
    for reason, case in tally.dropped[:20]:
        print(f"  {reason}: {case}")
    print(f"server alive after: {'yes' if ok else 'NO'}")
    return 0 if ok and not tally.server_errors and not tally.dropped else 1


if __name__ == "__main__":
    sys.exit(main())
