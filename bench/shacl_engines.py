"""SHACL engines side by side on our shapes: same verdicts and results as pySHACL? how fast?

For each engine: does it load ontology/shapes.ttl; on every fixture of tests/shapes/, the
real article and the synthetic corpora, the verdict and the set of (focus node, result path,
source shape) results, compared with pySHACL's (inference none, advanced=True, the ontology
mixed into the data, as the build validates); and the time to validate the merge of a
synthetic corpus of 10^4 and 10^5 triples (`conflictkg synth --articles 20|196`).

Blank property shapes are given IRIs (skolemised) in the shapes handed to every engine, so
that every engine's report names the same source shape; a result is compared by the node
shape that owns it. Each engine runs in its own process per corpus (peak memory is its own).

    .venv/bin/python -m bench.shacl_engines                      # fixtures, article, 10^4, 10^5
    .venv/bin/python -m bench.shacl_engines --sizes 20 --engines pyshacl,sparql   # quicker

Apache Jena is Debian's libapache-jena-java (`shacl.shacl validate`), run with its jars on
the class path; the script says so when it cannot start.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ENGINES = ("pyshacl", "sparql", "pyrudof", "shacl-rs", "jena")
JENA_JARS = "/usr/share/java"
Key = tuple[str, str, str]


# --------------------------------------------------------------------------- inputs


def skolemised_shapes(folder: Path) -> tuple[Path, dict[str, str]]:
    """ontology/shapes.ttl with every blank shape named; shape IRI -> owning node shape."""
    from rdflib import BNode, Graph, URIRef

    from conflictkg.pipeline.fastshacl.compiler import shape_nodes
    from conflictkg.vocab import SH

    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl")
    names = {
        n: URIRef(f"urn:x-shape:{i}")
        for i, n in enumerate(
            sorted((n for n in shape_nodes(shapes) if isinstance(n, BNode)), key=str)
        )
    }
    named = Graph()
    for s, p, o in shapes:
        named.add((names.get(s, s), p, names.get(o, o)))  # type: ignore[arg-type]
    owner = {}
    for shape in shape_nodes(named):
        parents = sorted(named.subjects(SH.property, shape), key=str)
        owner[str(shape)] = str(parents[0]) if parents else str(shape)
    path = folder / "shapes.ttl"
    named.serialize(path, format="turtle")
    return path, owner


def data_file(folder: Path, name: str, graph: object) -> Path:
    """The data with the ontology mixed in, as N-Triples (what every engine reads)."""
    from rdflib import Graph

    from conflictkg.project import ontology_files

    assert isinstance(graph, Graph)
    merged = Graph()
    merged += graph
    for path in ontology_files(ROOT / "ontology"):
        merged.parse(path, format="turtle")
    out = folder / f"{name}.nt"
    merged.serialize(out, format="nt", encoding="utf-8")
    return out


def corpus_graph(corpus: Path) -> object:
    from rdflib import Graph

    from conflictkg.pipeline.accounts import read_triples_file, triples_files

    data = Graph()
    for path in triples_files(corpus / "triples"):
        for _, graph in read_triples_file(path).graphs():
            data += graph
    return data


def fixture_graphs() -> dict[str, object]:
    from tests import test_shapes  # the fixtures as the shapes tests read them

    return {case: test_shapes.load_case(case) for case in test_shapes.CASE_NAMES}


# --------------------------------------------------------------------------- engines (child side)


def _iri(text: str | None) -> str:
    if not text:
        return ""
    text = text.strip()
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def run_engine(engine: str, data: Path, shapes: Path) -> dict[str, object]:
    """Validate ``data``; verdict, results as (focus, path, source shape), seconds."""
    started = time.perf_counter()
    results: list[Key] = []
    if engine in ("pyshacl", "sparql"):
        from rdflib import Graph

        from conflictkg.pipeline import shacl
        from conflictkg.vocab import SH

        graph = Graph().parse(data, format="nt")
        shapes_graph = Graph().parse(shapes, format="turtle")
        parsed = time.perf_counter()
        report = shacl.run(graph, shapes_graph, engine=engine, inplace=True)
        for r in report.objects(None, SH.result):
            results.append(
                (
                    str(report.value(r, SH.focusNode)),
                    str(report.value(r, SH.resultPath) or ""),
                    str(report.value(r, SH.sourceShape)),
                )
            )
        conforms = not results
        return {
            "conforms": conforms,
            "results": sorted(set(results)),
            "seconds": time.perf_counter() - started,
            "validate_seconds": time.perf_counter() - parsed,
        }
    if engine == "pyrudof":
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_data(str(data), format=pyrudof.RDFFormat.NTriples)
        rudof.read_shacl(str(shapes))
        report = rudof.validate_shacl()
        for e in report:
            results.append((_iri(e.focus_node), _iri(e.path), _iri(e.source_shape)))
        return {
            "conforms": bool(report.conforms),
            "results": sorted(set(results)),
            "seconds": time.perf_counter() - started,
        }
    if engine == "shacl-rs":
        import shacl as shacl_rs

        compiled = shacl_rs.Shapes.from_file(str(shapes))
        report = compiled.validate_file(str(data), allow_warnings=True)
        for e in report.results:
            results.append((_iri(e.focus_node), _iri(e.path), _iri(e.source_shape)))
        return {
            "conforms": not results,
            "results": sorted(set(results)),
            "seconds": time.perf_counter() - started,
        }
    if engine == "jena":
        return run_jena(data, shapes, started)
    raise SystemExit(f"unknown engine {engine}")


def jena_classpath() -> str:
    """Jena's jars and those of its Debian dependencies, one SLF4J binding."""
    packages = ["libapache-jena-java"]
    depends = subprocess.run(
        ["apt-cache", "depends", "libapache-jena-java"], capture_output=True, text=True
    ).stdout
    packages += [line.split()[1] for line in depends.splitlines() if "Depends:" in line]
    jars = []
    for package in packages:
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            name = Path(line).name
            if (
                line.startswith(JENA_JARS)
                and name.endswith(".jar")
                and not any(c.isdigit() for c in name.split("-")[-1][:1])
            ):
                if "log4j" not in name and "slf4j-" not in name and "jcl" not in name:
                    jars.append(line)
    return ":".join([*jars, f"{JENA_JARS}/slf4j-api.jar", f"{JENA_JARS}/slf4j-nop.jar"])


def run_jena(data: Path, shapes: Path, started: float) -> dict[str, object]:
    from rdflib import Graph

    from conflictkg.vocab import SH

    done = subprocess.run(
        [
            "java",
            "-cp",
            jena_classpath(),
            "shacl.shacl",
            "validate",
            "--shapes",
            str(shapes),
            "--data",
            str(data),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        cause = next((line for line in lines if "Caused by" in line), lines[0] if lines else "?")
        return {"error": f"does not start: {cause.strip()[:160]}"}
    report = Graph().parse(data=done.stdout, format="turtle")
    results = [
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath) or ""),
            str(report.value(r, SH.sourceShape)),
        )
        for r in report.objects(None, SH.result)
    ]
    return {
        "conforms": not results,
        "results": sorted(set(results)),
        "seconds": time.perf_counter() - started,
    }


def child(engine: str, listing: Path, shapes: Path) -> None:
    """Run ``engine`` on each data file listed in ``listing``; one JSON object out."""
    out = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        try:
            out[line] = run_engine(engine, Path(line), shapes)
        except Exception as error:  # noqa: BLE001 - an engine that fails is a finding
            out[line] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    print(json.dumps(out))


# --------------------------------------------------------------------------- driver


def in_child(engine: str, data: list[Path], shapes: Path, cap: float) -> dict[str, dict]:
    """Run ``engine`` on each of ``data`` in one child process (fixtures) or one each."""
    listing = shapes.parent / f"list-{engine}.txt"
    listing.write_text("\n".join(str(p) for p in data), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "bench.shacl_engines",
        "--child",
        engine,
        str(listing),
        str(shapes),
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=cap, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {str(p): {"error": f"> {cap:.0f} s"} for p in data}
    try:
        out: dict = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        error = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return {str(p): {"error": error} for p in data}
    for result in out.values():
        result["wall"] = time.perf_counter() - started
    return out


def owned(results: list, owner: dict[str, str]) -> set[Key]:
    """Results by owning node shape; a blank focus node (its id differs per parse) as ``_:``."""
    return {
        (f if f.startswith(("http", "urn:")) else "_:", p, owner.get(s, s)) for f, p, s in results
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--sizes", default="20,196", help="synthetic corpora, in articles")
    parser.add_argument("--workdir", type=Path, default=None, help="keep corpora here")
    parser.add_argument("--cap", type=float, default=900, help="seconds per engine run")
    parser.add_argument("--no-fixtures", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    engines = args.engines.split(",")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="shacl-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    shapes, owner = skolemised_shapes(work)
    inputs: dict[str, Path] = {}
    if not args.no_fixtures:
        for case, graph in fixture_graphs().items():
            inputs[f"fixture:{case}"] = data_file(work, f"fixture-{case}", graph)
    inputs["article"] = data_file(work, "article", corpus_graph(ROOT))
    for articles in [int(n) for n in args.sizes.split(",") if n]:
        corpus = work / f"corpus-{articles}"
        if not corpus.exists():
            subprocess.run(
                [
                    str(ROOT / ".venv/bin/conflictkg"),
                    "synth",
                    str(corpus),
                    "--articles",
                    str(articles),
                ],
                check=True,
                capture_output=True,
            )
        inputs[f"synth:{articles}"] = data_file(work, f"corpus-{articles}", corpus_graph(corpus))
    runs: dict[str, dict[str, dict]] = {e: {} for e in engines}
    by_path = {str(path): name for name, path in inputs.items()}
    batches = [[p for n, p in inputs.items() if n.startswith("fixture:")]]
    batches += [[p] for n, p in inputs.items() if not n.startswith("fixture:")]
    for batch in [b for b in batches if b]:
        for engine in engines:
            for path, result in in_child(engine, batch, shapes, args.cap).items():
                runs[engine][by_path[path]] = result
        print(f"{by_path[str(batch[-1])]} done", file=sys.stderr)
    (work / "runs.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
    print(table(engines, runs, inputs, owner, work))
    return 0


def table(engines: list[str], runs: dict, inputs: dict, owner: dict, work: Path) -> str:
    triples = {
        name: sum(1 for _ in open(path, encoding="utf-8"))
        for name, path in inputs.items()
        if not name.startswith("fixture:")
    }
    fixtures = [n for n in inputs if n.startswith("fixture:")]
    lines = [
        f"SHACL engines on ontology/shapes.ttl "
        f"({time.strftime('%d %b %Y %H:%M UTC', time.gmtime())}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        "",
        "| engine | fixtures: same verdict / same results as pySHACL "
        "| article: verdict, results = pySHACL | "
        + " | ".join(
            f"{n.split(':')[1]} articles ({triples[n]:,} triples): seconds, same results"
            for n in inputs
            if n.startswith("synth:")
        )
        + " |",
        "|---" * (3 + sum(1 for n in inputs if n.startswith("synth:"))) + "|",
    ]
    reference = runs.get("pyshacl", {})
    for engine in engines:
        cells = [engine]
        same_verdict = same_results = 0
        errors = set()
        for name in fixtures:
            got, ref = runs[engine][name], reference.get(name, {})
            if "error" in got:
                errors.add(got["error"])
                continue
            same_verdict += got["conforms"] == ref.get("conforms")
            same_results += owned(got["results"], owner) == owned(ref.get("results", []), owner)
        text = f"{same_verdict} / {same_results} of {len(fixtures)}"
        cells.append(text + (f" ({'; '.join(sorted(errors))[:160]})" if errors else ""))
        for name in [n for n in inputs if not n.startswith("fixture:")]:
            got, ref = runs[engine][name], reference.get(name, {})
            if "error" in got:
                cells.append(got["error"])
                continue
            same = owned(got["results"], owner) == owned(ref.get("results", []), owner)
            verdict = "conforms" if got["conforms"] else f"{len(got['results'])} results"
            seconds = got.get("validate_seconds", got["seconds"])
            if name == "article":
                cells.append(f"{verdict}, {'same' if same else 'DIFFERENT'}")
            else:
                agree = "same" if same else "DIFFERENT"
                cells.append(f"{seconds:.2f} s ({got['wall']:.1f} s in all), {verdict}, {agree}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Seconds: pyshacl and sparql from a parsed rdflib graph to the report (what the build "
        "pays; 'in all' adds Python start-up and parsing the N-Triples); the Rust engines and "
        "Jena from the N-Triples file to the report. Data: the merge of every graph with the "
        f"ontology mixed in. Work folder: {work}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
