"""Cost against size: synthetic corpora of 10^4, 10^5 and 10^6 triples through every step.

For each size: generate the corpus (`conflictkg synth`), build it (`conflictkg build`:
quotes, SHACL, HermiT, artefacts), SHACL validation alone, loading into the embedded store,
and each competency query's median latency, through conflictkg and through pyoxigraph
alone on the same data (both writing SPARQL JSON; both with the endpoint's default
graph, the merge of all graphs, made in pyoxigraph by one INSERT). The step ``virtuoso``
starts a throwaway Virtuoso 7.2 (tests/support/virtuoso.py, 1 GiB of buffers), loads the
same quads as ``conflictkg load --union-graph`` does (Graph Store PUTs, the union in a graph
of its own) and times each query through conflictkg's remote backend (the same path as
``serve --store``: over HTTP, parsed back, written as SPARQL JSON); its peak memory is the
client's, not Virtuoso's. Each step runs in its
own process, so its peak memory (getrusage's ru_maxrss of that process) is its own; a step
past --cap seconds is stopped and reported as "> cap". Each query's answer is counted too
(rows, and terms: the values bound in them), and the engine's cost of writing one term is
measured by a plain scan: the queries over 200 ms are printed against the floor their
answer's size sets (:func:`floor_table`).

    .venv/bin/python bench/scale.py                                  # 10^4, 10^5, 10^6
    .venv/bin/python bench/scale.py --sizes 1e4 --cap 120 --runs 5   # a quick smoke run

Writes a Markdown table to stdout (and --markdown FILE) and the plot docs/scale.svg.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import benchlib
from bench.benchlib import ROOT

STEPS = (
    "synth",
    "build",
    "rebuild",
    "shacl",
    "load-conflictkg",
    "load-pyoxigraph",
    "queries-conflictkg",
    "queries-pyoxigraph",
    "virtuoso",
)
VIRTUOSO_UNION = "https://w3id.org/conflictkg/graph/union"


# --------------------------------------------------------------------------- steps (child side)


def _dump(corpus: Path) -> Path:
    """dataset.nq: every graph as the build publishes it in dataset.trig.

    The corpus's own build (the build step) when there is one, so the queries meet the
    inferred graph and the ontology as the endpoint serves them; otherwise the same made
    here: each article's backbone and account graphs, graph/inferred and graph/ontology.
    """
    import pyoxigraph

    nq = corpus / "dataset.nq"
    if nq.exists():
        return nq
    built = corpus / "output" / "current" / "dataset.trig"
    if built.is_file():
        quads = pyoxigraph.parse(path=str(built), format=pyoxigraph.RdfFormat.TRIG)
        pyoxigraph.serialize(quads, output=str(nq), format=pyoxigraph.RdfFormat.N_QUADS)
        return nq
    with open(nq, "wb") as quads_out:
        for quads in _graphs_as_built(corpus):
            quads_out.write(pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS))
    return nq


def _graphs_as_built(corpus: Path) -> Iterator[list]:
    """The quads of each triples file, then of graph/inferred and graph/ontology."""
    import pyoxigraph

    from conflictkg.pipeline import entailment, rdfio
    from conflictkg.pipeline.accounts import INFERRED_GRAPH
    from conflictkg.pipeline.inputs import load_inputs
    from conflictkg.project import Project
    from conflictkg.vocab import GRAPH, ONTOLOGY_GRAPH

    inputs = load_inputs(Project.at(corpus))
    for path in (f.path for f in inputs.files.values()):
        backbone = pyoxigraph.NamedNode(str(GRAPH[path.stem]))
        read = pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG)
        yield [
            pyoxigraph.Quad(
                q.subject,
                q.predicate,
                q.object,
                backbone if q.graph_name == pyoxigraph.DefaultGraph() else q.graph_name,
            )
            for q in read
        ]
    inferred = entailment.infer(inputs.data, inputs.ontology)
    for name, graph in ((INFERRED_GRAPH, inferred), (ONTOLOGY_GRAPH, inputs.ontology)):
        triples = pyoxigraph.parse(rdfio.to_ntriples(graph), format=pyoxigraph.RdfFormat.N_TRIPLES)
        named = pyoxigraph.NamedNode(str(name))
        yield [pyoxigraph.Quad(q.subject, q.predicate, q.object, named) for q in triples]


def _load_conflictkg(corpus: Path):  # noqa: ANN202
    """The endpoint's own backend, loaded as `conflictkg serve --dataset` loads it."""
    from conflictkg.store.local import OxigraphBackend

    return OxigraphBackend.from_files([_dump(corpus)])


def _load_pyoxigraph(corpus: Path):  # noqa: ANN202
    import pyoxigraph

    store = pyoxigraph.Store()
    store.bulk_load(path=str(_dump(corpus)), format=pyoxigraph.RdfFormat.N_QUADS)
    # the endpoint's dataset semantics: the default graph is the merge of all graphs
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def _run_query(engine: object, text: str) -> tuple[str, bytes]:
    """Run a query and write its answer as a client would get it: the answer's kind and
    bytes (SPARQL JSON for solutions and booleans, Turtle for a graph)."""
    import pyoxigraph

    if isinstance(engine, pyoxigraph.Store):
        result = engine.query(text)
        if isinstance(result, pyoxigraph.QueryTriples):
            return "graph", result.serialize(format=pyoxigraph.RdfFormat.TURTLE) or b""
        kind = "boolean" if isinstance(result, pyoxigraph.QueryBoolean) else "solutions"
        return kind, result.serialize(format=pyoxigraph.QueryResultsFormat.JSON) or b""
    from conflictkg.web.mediatypes import RDF_TYPES, RESULT_TYPES

    answer = engine.query(text)  # type: ignore[attr-defined]
    written_as = RDF_TYPES[0] if answer.kind == "graph" else RESULT_TYPES[0]
    return answer.kind, answer.serialize(written_as.engine_format)


def _answer_size(kind: str, body: bytes) -> tuple[int, int]:
    """An answer's rows and terms: the values bound in its rows (three per triple)."""
    import pyoxigraph

    if kind == "graph":
        rows = sum(1 for _ in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))
        return rows, 3 * rows
    if kind == "boolean":
        return 1, 1
    bindings = json.loads(body)["results"]["bindings"]
    return len(bindings), sum(len(row) for row in bindings)


def _median_in_fork(engine: object, text: str, runs: int, cap: float) -> dict[str, float] | None:
    """The median seconds of up to ``runs`` runs, with the answer's rows and terms and the
    number of runs made, measured in a fork (sharing the loaded store).

    Runs stop once they have taken ``cap`` seconds in all (at least one is made), so a slow
    query still gets a median, of fewer runs; a fork still running after twice ``cap``
    seconds is killed and the query gives None. One exploding query must not cost the
    figures of the others, and pyoxigraph cannot cancel a query.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        times: list[float] = []
        answer = ("boolean", b"")
        while len(times) < runs and sum(times) < cap:
            t0 = time.perf_counter()
            answer = _run_query(engine, text)
            times.append(time.perf_counter() - t0)
        size = _answer_size(*answer)
        figures = {
            "median": statistics.median(times),
            "runs": len(times),
            "rows": size[0],
            "terms": size[1],
        }
        os.write(write_end, json.dumps(figures).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as result:
        # the child writes once, when it is done; a run that passes the cap is killed
        deadline = time.monotonic() + 2 * cap
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return None
        data = result.read()
    return json.loads(data) if data else None


def _timed_queries(engine: object, queries_glob: str, runs: int, cap: float) -> dict[str, object]:
    """Each competency query's median (None past the cap) and, apart, its answer's size
    and the number of runs behind the median."""
    medians: dict[str, float | None] = {}
    answers: dict[str, dict[str, float]] = {}
    for name, text in benchlib.competency_queries(queries_glob).items():
        figures = _median_in_fork(engine, text, runs, cap)
        medians[name] = figures["median"] if figures else None
        if figures:
            answers[name] = figures
    return {"medians": medians, "answers": answers}


# The engine's floor: a scan of the store's named graphs written as SPARQL JSON, LIMIT this
# many rows of four terms. Reading T terms back from the store and writing them costs about
# T times this scan's time per term, whatever the query's shape: the answer's size alone
# sets that floor under a query's median (see bench/README, "Answer sizes").
FLOOR_ROWS = 250_000


def _floor_per_term(engine: object, runs: int) -> float:
    """Seconds per term of writing a plain scan's answer (median of ``runs``, at most 5)."""
    text = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {FLOOR_ROWS}"
    times, answer = [], ("boolean", b"")
    for _ in range(min(runs, 5)):
        t0 = time.perf_counter()
        answer = _run_query(engine, text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / max(1, _answer_size(*answer)[1])


def _virtuoso(corpus: Path, queries_glob: str, runs: int, cap: float) -> dict[str, object]:
    """Load the corpus into a fresh Virtuoso, then each query's median through the remote
    backend; the load's seconds (parse and PUT, the store's indexing included)."""
    from tests.support.virtuoso import PASSWORD, USER, Virtuoso

    from conflictkg.store.client import Credentials
    from conflictkg.store.remote import RemoteBackend
    from conflictkg.store.upload import graphs_of, put_graphs, with_union_graph

    dump = _dump(corpus)
    # The store's files (about 560 MB at 10^6) go once the store has stopped.
    folder = Path(tempfile.mkdtemp(prefix="virtuoso-", dir=corpus))
    try:
        with Virtuoso(folder, memory_mb=1024) as server:
            started = time.perf_counter()
            graphs = with_union_graph(graphs_of(dump), VIRTUOSO_UNION)
            put_graphs(server.graph_store, graphs, 1800.0, Credentials(USER, PASSWORD))
            load_seconds = time.perf_counter() - started
            backend = RemoteBackend(server.sparql, timeout=cap, union_graph=VIRTUOSO_UNION)
            backend.check()
            backend.close()
            timed = _timed_queries(backend, queries_glob, runs, cap)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"load_seconds": load_seconds, "graphs": len(graphs), **timed}


def child(
    step: str, corpus: Path, queries_glob: str, runs: int, query_cap: float = 30.0
) -> dict[str, object]:
    started = time.perf_counter()
    out: dict[str, object] = {}
    if step == "shacl":
        from rdflib import Graph

        from conflictkg.pipeline import shacl
        from conflictkg.pipeline.accounts import read_triples_file, triples_files
        from conflictkg.project import ontology_files

        ontology = Graph()
        for path in ontology_files(corpus / "ontology"):
            ontology.parse(path, format="turtle")
        shapes = Graph().parse(corpus / "ontology" / "shapes.ttl", format="turtle")
        data = Graph()
        for path in triples_files(corpus / "triples"):
            for _, graph in read_triples_file(path).graphs():
                data += graph
        report = shacl.validate(data, shapes, ontology)
        out["conforms"] = report.conforms
    elif step == "rebuild":
        out.update(rebuild(corpus))
    elif step in ("load-conflictkg", "load-pyoxigraph"):
        _dump(corpus)
        started = time.perf_counter()
        if step == "load-conflictkg":
            out["quads"] = _load_conflictkg(corpus).triple_count()
        else:
            out["quads"] = len(_load_pyoxigraph(corpus))
    elif step in ("queries-conflictkg", "queries-pyoxigraph"):
        if step == "queries-conflictkg":
            engine = _load_conflictkg(corpus)
        else:
            engine = _load_pyoxigraph(corpus)
        out.update(_timed_queries(engine, queries_glob, runs, query_cap))
        out["floor_per_term"] = _floor_per_term(engine, runs)
        started = time.perf_counter()  # the step's time is the queries' medians, not loading
    elif step == "virtuoso":
        out.update(_virtuoso(corpus, queries_glob, runs, query_cap))
        started = time.perf_counter()
    else:
        raise SystemExit(f"unknown step {step}")
    out["seconds"] = time.perf_counter() - started
    return out


def rebuild(corpus: Path) -> dict[str, object]:
    """One article changed in a built corpus: the incremental build's time, then back.

    The article in the middle of the corpus gets one label changed (a new word in the
    first ``rdfs:label``, a text span's in the synthetic articles, which no row of
    ``events.csv`` reads); ``conflictkg build`` then rebuilds from the cache the build
    step left. The file is restored and built again (the second figure), so the corpus
    ends as it began and the later steps query the same data. Then the same with the
    label of the article's first event (its row, and those reading it, answered again),
    and with the article removed (its file and seed) and added back.
    """
    import re

    files = sorted((corpus / "triples").glob("*.trig"))
    path = files[len(files) // 2]
    seed = corpus / "seeds" / f"{path.stem}.txt"
    original, seed_text = path.read_bytes(), seed.read_bytes()
    build = [benchlib.tool("conflictkg"), "--project", str(corpus), "build"]
    out: dict[str, object] = {"article": path.name}

    def timed(name: str) -> None:
        started = time.perf_counter()
        subprocess.run(build, check=True, capture_output=True)
        out[f"{name}_seconds"] = time.perf_counter() - started

    edits = {
        "": rb'(rdfs:label ")',
        "event_": rb'(/id/event/[^>]+> a [^;]+;\s*rdfs:label ")',
    }
    for kind, pattern in edits.items():
        changed, n = re.subn(pattern, rb"\1Changed ", original, count=1)
        if n != 1:
            raise SystemExit(f"{path}: no label to change ({pattern!r})")
        try:
            path.write_bytes(changed)
            timed(f"{kind}changed")
        finally:
            path.write_bytes(original)
        timed(f"{kind}restored")
    try:
        path.unlink()
        seed.unlink()
        timed("removed")
    finally:
        path.write_bytes(original)
        seed.write_bytes(seed_text)
    timed("added")
    record = json.loads((corpus / "output" / "current" / "build.json").read_text())
    out["steps"] = record["seconds"]
    out["checked"] = record.get("checked")
    return out


def fmt_rebuild(result: dict[str, object] | None) -> str:
    """The rebuild column: one label changed and restored, an event's label changed and
    restored, the article removed and added back (seconds; those measured)."""
    if not result or "changed_seconds" not in result:
        return fmt_seconds(result)
    pairs = [("changed", "restored"), ("event_changed", "event_restored"), ("removed", "added")]
    return "; ".join(
        f"{float(result[a + '_seconds']):.1f} / {float(result[b + '_seconds']):.1f} s"  # type: ignore[arg-type]
        for a, b in pairs
        if f"{a}_seconds" in result and f"{b}_seconds" in result
    )


# --------------------------------------------------------------------------- driver (parent side)


def run_step(command: list[str], cap: float) -> dict[str, object]:
    """Run one step in a child process; its wall time, peak RSS and JSON output (if any)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err, start_new_session=True, cwd=ROOT
        )
        deadline = started + cap
        rusage = None
        while True:
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                benchlib.stop(process)
                return {"timeout": True, "wall": cap}
            time.sleep(0.05)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result: dict[str, object] = {"wall": wall, "maxrss_mib": rusage.ru_maxrss / 1024}
    if process.returncode != 0:
        result["error"] = (stderr or stdout).strip().splitlines()[-1:] or ["failed"]
        return result
    for line in stdout.splitlines():
        if line.startswith("STEPJSON "):
            result.update(json.loads(line[len("STEPJSON ") :]))
    return result


def floor_table(size: int, step: dict[str, object], goal: float = 0.2) -> str:
    """The queries over ``goal`` seconds at ``size``: their answer's size, the engine's floor
    for writing that many terms (:data:`FLOOR_ROWS`) and the median against it."""
    per_term = step.get("floor_per_term")
    medians = step.get("medians") or {}
    answers = step.get("answers") or {}
    if not isinstance(per_term, float) or not isinstance(medians, dict):
        return ""
    rows = []
    for name, median in sorted(medians.items(), key=lambda item: -(item[1] or math.inf)):
        answer = answers.get(name) if isinstance(answers, dict) else None
        if median is not None and median <= goal:
            continue
        if median is None or not answer:
            rows.append([name, "–", "–", "–", "killed", "–"])
            continue
        floor = answer["terms"] * per_term
        rows.append(
            [
                name,
                f"{answer['rows']:,}",
                f"{answer['terms']:,}",
                f"{floor * 1000:.0f}",
                f"{median * 1000:.0f} ({answer['runs']} runs)",
                f"{median / floor:.1f}x" if floor else "–",
            ]
        )
    if not rows:
        return f"\nAt {size:,} triples every competency query's median is within {goal:g} s.\n"
    header = ["query", "rows", "terms", "floor (ms)", "median (ms)", "median / floor"]
    return (
        f"\nAt {size:,} triples, the queries over {goal * 1000:g} ms (conflictkg), against the "
        f"floor their answer's size sets: a scan writing as many terms, "
        f"{per_term * 1e6:.2f} us a term here:\n\n"
        f"{benchlib.markdown_table(header, rows)}\n"
    )


def triples_per_article() -> float:
    from conflictkg.synth.corpus import generate

    sizes = [len(g) for _, _, g in generate(8, 0)]
    return sum(sizes) / len(sizes)


def fmt_seconds(result: dict[str, object] | None, key: str = "seconds") -> str:
    if result is None:
        return "–"
    if result.get("timeout"):
        return f"> {result['wall']:.0f} s"
    if "error" in result:
        return "failed"
    value = result.get(key, result.get("wall"))
    return f"{float(value):.2f} s"  # type: ignore[arg-type]


def fmt_mib(result: dict[str, object] | None) -> str:
    if result is None or result.get("timeout") or "maxrss_mib" not in result:
        return "–"
    return f"{float(result['maxrss_mib']):.0f}"  # type: ignore[arg-type]


def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 0.0


def svg_plot(series: dict[str, list[tuple[float, float]]], path: Path) -> None:
    """A log-log line plot of seconds against triples, written as plain SVG."""
    width, height, left, right, top, bottom = 720, 440, 70, 200, 30, 50
    points = [p for values in series.values() for p in values if p[1] > 0]
    if not points:
        return
    xs = [math.log10(x) for x, _ in points]
    ys = [math.log10(y) for _, y in points]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)

    def px(x: float) -> float:
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - (math.log10(y) - y0) / (y1 - y0) * (height - top - bottom)

    colours = ["#1b6ca8", "#d1495b", "#edae49", "#00798c", "#30638e", "#6a4c93", "#8a8a8a"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        "<title>conflictkg: cost against size (log-log)</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for e in range(x0, x1 + 1):
        x = px(10**e)
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f'10<tspan dy="-6" font-size="9">{e}</tspan></text>'
        )
    for e in range(y0, y1 + 1):
        y = py(10**e)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        label = f"{10**e:g} s" if e >= 0 else f"{10**e * 1000:g} ms"
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" '
        'text-anchor="middle">triples</text>'
    )
    out.append(
        f'<text x="{left}" y="{top - 10}">seconds per step; queries: geometric mean of '
        "the per-query medians</text>"
    )
    for i, (name, values) in enumerate(series.items()):
        colour = colours[i % len(colours)]
        shown = [(x, y) for x, y in values if y > 0]
        if len(shown) > 1:
            path_d = " ".join(
                f"{'M' if j == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for j, (x, y) in enumerate(shown)
            )
            dash = ' stroke-dasharray="6 4"' if "pyoxigraph" in name else ""
            out.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for x, y in shown:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}"/>')
        ly = top + 10 + i * 20
        out.append(
            f'<rect x="{width - right + 15}" y="{ly - 9}" width="12" height="12" fill="{colour}"/>'
        )
        out.append(f'<text x="{width - right + 33}" y="{ly + 1}">{name}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5,1e6", help="triple counts, comma-separated")
    parser.add_argument("--cap", type=float, default=1800, help="seconds allowed per step")
    parser.add_argument(
        "--query-cap",
        type=float,
        default=30,
        help="seconds of runs of one query (default 30): no new run starts past it, and a "
        "query still running at twice it is stopped and shown as '> cap'",
    )
    parser.add_argument("--runs", type=int, default=21, help="runs per query for the median")
    parser.add_argument("--queries", default="queries/*.rq", help="glob of queries (from root)")
    parser.add_argument("--skip", default="", help="steps to skip, comma-separated")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep corpora and figures here; a second run re-uses them (see --skip)",
    )
    parser.add_argument("--svg", type=Path, default=ROOT / "docs" / "scale.svg")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.step:  # child process: one step, figures as one JSON line
        result = child(args.step, args.corpus, args.queries, args.runs, args.query_cap)
        print("STEPJSON " + json.dumps(result))
        return 0

    benchlib.competency_queries(args.queries)  # fail early when there are none
    skip = {s for s in args.skip.split(",") if s}
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    per_article = triples_per_article()
    print(f"synthetic articles have {per_article:.0f} triples each on average", file=sys.stderr)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="conflictkg-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    # figures of earlier runs in the same --workdir are kept for the steps not run now
    saved = workdir / "results.json"
    earlier = json.loads(saved.read_text()) if saved.exists() else {}
    results: dict[int, dict[str, dict[str, object]]] = {}
    for size in sizes:
        articles = max(1, round(size / per_article))
        corpus = workdir / f"corpus-{size}"
        steps: dict[str, dict[str, object]] = dict(earlier.get(str(size), {}))
        results[size] = steps
        commands = {
            "synth": [
                benchlib.tool("conflictkg"),
                "synth",
                str(corpus),
                "--articles",
                str(articles),
                "--seed",
                "0",
            ],
            "build": [benchlib.tool("conflictkg"), "--project", str(corpus), "build", "--full"],
        }
        if corpus.exists():
            # a corpus kept from an earlier run carries the ontology and shapes of its day:
            # measure today's, as `synth` would copy them
            shutil.copytree(ROOT / "ontology", corpus / "ontology", dirs_exist_ok=True)
        for step in STEPS:
            if step in skip or (step == "synth" and corpus.exists()):
                continue
            if step != "synth" and not corpus.exists():
                continue  # the corpus could not be generated
            command = commands.get(step) or [
                python,
                "-m",
                "bench.scale",
                "--step",
                step,
                "--corpus",
                str(corpus),
                "--queries",
                args.queries,
                "--runs",
                str(args.runs),
                "--query-cap",
                str(args.query_cap),
            ]
            if step == "build":  # a cold build: nothing kept from an earlier one is reused
                shutil.rmtree(corpus / "output" / "cache", ignore_errors=True)
            print(f"{size} triples ({articles} articles): {step} ...", file=sys.stderr)
            steps[step] = run_step(command, args.cap)
            print(f"  {steps[step]}", file=sys.stderr)
            earlier[str(size)] = steps
            saved.write_text(json.dumps(earlier, indent=1))

    # ---- the table: every size measured in this --workdir, this run's and earlier ones
    for size_key, steps in earlier.items():
        results.setdefault(int(size_key), steps)
    results = dict(sorted(results.items()))
    names = sorted(benchlib.competency_queries(args.queries))
    header = [
        "triples",
        "articles",
        "synth",
        "build",
        "rebuild: label changed / restored; event's label; article removed / added",
        "SHACL",
        "load conflictkg",
        "load pyoxigraph",
        "load Virtuoso",
        "peak MiB build / SHACL / load ckg / load oxi",
    ]
    rows = []
    for size, steps in results.items():
        rows.append(
            [
                f"{size:,}",
                max(1, round(size / per_article)),
                fmt_seconds(steps.get("synth"), "wall"),
                fmt_seconds(steps.get("build"), "wall"),
                fmt_rebuild(steps.get("rebuild")),
                fmt_seconds(steps.get("shacl")),
                fmt_seconds(steps.get("load-conflictkg")),
                fmt_seconds(steps.get("load-pyoxigraph")),
                fmt_seconds(steps.get("virtuoso"), "load_seconds"),
                " / ".join(
                    fmt_mib(steps.get(s))
                    for s in ("build", "shacl", "load-conflictkg", "load-pyoxigraph")
                ),
            ]
        )
    table = benchlib.markdown_table(header, rows)
    qheader = ["query", *[f"{s:,}: ckg / oxi / Virtuoso (ms)" for s in results]]
    qrows = []
    for name in names:
        cells = [name]
        for steps in results.values():
            pair = []
            for engine in ("queries-conflictkg", "queries-pyoxigraph", "virtuoso"):
                medians = (steps.get(engine) or {}).get("medians") or {}
                value = medians.get(name) if isinstance(medians, dict) else None
                if value is None:
                    pair.append(f"> {2 * args.query_cap:g} s" if name in medians else "–")
                else:
                    pair.append(f"{value * 1000:.2f}")
            cells.append(" / ".join(pair))
        qrows.append(cells)
    qtable = benchlib.markdown_table(qheader, qrows)
    text = (
        f"{table}\n\nMedian latency of each competency query (up to {args.runs} runs, fewer "
        f"when the runs pass {args.query_cap:g} s; conflictkg / pyoxigraph alone / "
        f"conflictkg's backend in front of Virtuoso):\n\n{qtable}\n"
    )
    for size, steps in results.items():
        text += floor_table(size, steps.get("queries-conflictkg") or {})
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")

    # ---- the plot
    series: dict[str, list[tuple[float, float]]] = {}
    for label, step, key in (
        ("build", "build", "wall"),
        ("SHACL", "shacl", "seconds"),
        ("load conflictkg", "load-conflictkg", "seconds"),
        ("load pyoxigraph", "load-pyoxigraph", "seconds"),
        ("load Virtuoso", "virtuoso", "load_seconds"),
    ):
        for size, steps in results.items():
            result = steps.get(step)
            if result and not result.get("timeout") and "error" not in result:
                series.setdefault(label, []).append((size, float(result.get(key, 0.0))))
    for label, step in (
        ("queries conflictkg", "queries-conflictkg"),
        ("queries pyoxigraph", "queries-pyoxigraph"),
        ("queries Virtuoso", "virtuoso"),
    ):
        for size, steps in results.items():
            medians = (steps.get(step) or {}).get("medians")
            if isinstance(medians, dict) and medians:
                finished = [v for v in medians.values() if v is not None]
                series.setdefault(label, []).append((size, geomean(finished)))
    args.svg.parent.mkdir(parents=True, exist_ok=True)
    svg_plot(series, args.svg)
    print(f"plot: {args.svg}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
