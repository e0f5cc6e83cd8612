"""The build: read the inputs, run every check, write the artefacts and switch ``current``.

``conflictkg build`` and ``conflictkg validate`` share the checks (quotes, SHACL, HermiT);
only ``build`` writes. A build is written into a fresh folder beside the published ones
and becomes ``output/current`` by one atomic symlink replacement, so a failed or
interrupted build never changes what is served.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from conflictkg import __version__, accounts, anchors, entailment, rdfio, reasoning, shacl, views
from conflictkg import void as void_description
from conflictkg.accounts import INFERRED_GRAPH, TriplesFile
from conflictkg.errors import ConflictKGError
from conflictkg.project import SHAPES_FILE, VIEW_SHAPES_FILE, Project
from conflictkg.project import ontology_files as project_ontology_files
from conflictkg.rdfio import new_graph, short
from conflictkg.seeds import Seed, read_seed, sha256_file
from conflictkg.vocab import CKG, ONTOLOGY_GRAPH, WD

CURRENT = "current"
BUILD_PREFIX = "build-"
KEEP_BUILDS = 2
DUMPS = ("dataset.ttl", "dataset.nt", "dataset.jsonld", "dataset.rdf", "dataset.trig")
RDF_ARTEFACTS = (
    *DUMPS,
    "ontology.ttl",
    "ontology.rdf",
    "shapes.ttl",
    "view-shapes.ttl",
    "void.ttl",
)


@dataclass
class Inputs:
    """Everything a build reads, parsed."""

    project: Project
    ontology: Graph
    shapes: Graph
    view_shapes: Graph
    files: dict[str, TriplesFile]  # triples-file stem -> its graphs
    seeds: dict[str, Seed]  # seed file name -> seed
    hashes: dict[str, str]  # path relative to the project -> SHA-256

    def graphs(self) -> dict[str, Graph]:
        """Every asserted graph under its published name: backbones, accounts, outside."""
        named: dict[str, Graph] = {}
        for file in self.files.values():
            named[str(file.published_name)] = file.backbone
            for name, graph in file.accounts.items():
                if str(name) in named:  # one claim's account in two files: merge them
                    named[str(name)] = named[str(name)] + graph
                else:
                    named[str(name)] = graph
        for name, graph in accounts.merged_outside(list(self.files.values())).items():
            named[str(name)] = graph
        return dict(sorted(named.items()))

    @property
    def data(self) -> Graph:
        """The merge of every asserted graph (each triple once)."""
        merged = new_graph()
        for file in self.files.values():
            for _, graph in file.graphs():
                rdfio.bind_missing(merged, graph)
                merged += graph
        return merged


@dataclass
class Check:
    """One check's outcome: problems fail it; notes are shown either way."""

    name: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.skipped


@dataclass
class Outcome:
    inputs: Inputs | None
    checks: list[Check]
    seconds: dict[str, float]
    data: Graph | None = None

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.problems]


# -- inputs ------------------------------------------------------------------------------


def input_files(project: Project) -> list[Path]:
    """The files a build reads, in a fixed order: ontology, triples, seeds."""
    return [
        *sorted(project.ontology.glob("*.ttl")),
        *accounts.triples_files(project.triples),
        *sorted(project.seeds.glob("*.txt")),
    ]


def input_hashes(project: Project) -> dict[str, str]:
    return {
        path.relative_to(project.root).as_posix(): sha256_file(path)
        for path in input_files(project)
    }


def load_inputs(project: Project) -> Inputs:
    """Parse the ontology, the shapes, every triples file and every seed.

    Errors name the file (and line); a triples file without its seed is an error.
    """
    ontology_files = project_ontology_files(project.ontology)
    shapes_file = project.ontology / SHAPES_FILE
    view_shapes_file = project.ontology / VIEW_SHAPES_FILE
    if not ontology_files:
        raise ConflictKGError(
            f"{project.ontology}: no ontology (*.ttl other than {SHAPES_FILE}, {VIEW_SHAPES_FILE})"
        )
    for path in (shapes_file, view_shapes_file):
        if not path.is_file():
            raise ConflictKGError(f"{path}: missing: the SHACL shapes are needed to build")
    seeds = {p.name: read_seed(p) for p in sorted(project.seeds.glob("*.txt"))}
    triples_files = accounts.triples_files(project.triples)
    missing = [p for p in triples_files if f"{p.stem}.txt" not in seeds]
    if missing:
        raise ConflictKGError(
            "triples file(s) without their seed article",
            details=[
                f"{p}: expected the seed {project.seeds / (p.stem + '.txt')}" for p in missing
            ],
        )
    ontology = new_graph()
    for path in ontology_files:
        rdfio.parse_file(path, ontology)
    shapes = rdfio.parse_file(shapes_file)
    view_shapes = rdfio.parse_file(view_shapes_file)
    files = {path.stem: accounts.read_triples_file(path) for path in triples_files}
    hashes = {
        path.relative_to(project.root).as_posix(): sha256_file(path)
        for path in [*ontology_files, shapes_file, view_shapes_file, *triples_files]
    } | {f"seeds/{name}": seed.sha256 for name, seed in seeds.items()}
    return Inputs(
        project, ontology, shapes, view_shapes, files, seeds, dict(sorted(hashes.items()))
    )


# -- checks ------------------------------------------------------------------------------


def check_quotes(inputs: Inputs, data: Graph) -> Check:
    """Every article names its seed and hash; every span quotes its seed exactly."""
    check = Check("quotes")
    check.problems += anchors.verify_articles(data, inputs.seeds)
    spans = 0
    for stem, file in inputs.files.items():
        graph, where = file.backbone, file.path
        for article in sorted(set(graph.subjects(RDF.type, CKG.Article)), key=str):
            named = graph.value(article, CKG.seedFile)
            if named is not None and str(named) != f"{stem}.txt":
                check.problems.append(
                    f"{where}: describes {short(article)} with ckg:seedFile {str(named)!r}; "
                    f"a triples file describes the article of its own seed ({stem}.txt)"
                )
        # spans are checked in their own file; their article may be described elsewhere
        view = new_graph()
        view += graph
        for article in set(graph.objects(None, CKG.inArticle)):
            for p in (CKG.seedFile, RDF.type):
                for o in data.objects(article, p):
                    view.add((article, p, o))
        problems = anchors.verify_spans(view, inputs.seeds)
        check.problems += [f"{where}: {p}" for p in problems]
        spans += len(set(graph.subjects(RDF.type, CKG.TextSpan)))
    check.notes.append(f"{spans} text span(s) checked against their seeds")
    return check


def check_views(inputs: Inputs, data: Graph) -> Check:
    """The rules of the account layout, each on the view of the data it concerns."""
    check = Check("views")
    files = list(inputs.files.values())
    check.problems += views.check(
        files,
        inputs.ontology,
        inputs.view_shapes,
        shapes_name=str(inputs.project.ontology / VIEW_SHAPES_FILE),
    )
    check.notes.append(
        f"{sum(len(f.accounts) for f in files)} account graph(s), "
        f"{len(accounts.merged_outside(files))} outside graph(s) checked"
    )
    return check


def check_shacl(inputs: Inputs, data: Graph) -> Check:
    check = Check("shacl")
    report = shacl.validate(
        data,
        inputs.shapes,
        inputs.ontology,
        shapes_name=str(inputs.project.ontology / SHAPES_FILE),
    )
    check.problems += [str(r) for r in report.violations]
    others = [str(r) for r in report.results if r.severity != "Violation"]
    check.notes.append(
        f"{len(report.violations)} violation(s), {len(others)} warning(s)/info(s) "
        f"(inference: {shacl.INFERENCE}, engine: {_shacl_engine()})"
    )
    check.notes += others
    return check


def check_reasoner(inputs: Inputs, data: Graph) -> Check:
    check = Check("reasoner")
    report = reasoning.check(inputs.ontology, data)
    check.problems += report.problems()
    if report.ok:
        check.notes.append("HermiT: consistent, no unsatisfiable classes")
    return check


def run_checks(project: Project, *, fail_fast: bool = False) -> Outcome:
    """Parse and run the checks, cheapest first; a failed check is reported, not raised.

    With ``fail_fast`` (the build) the checks after a failed one are skipped: SHACL and
    HermiT take seconds, and their verdicts on data that already failed matter less.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        inputs = load_inputs(project)
    except ConflictKGError as error:
        seconds["parse"] = time.perf_counter() - started
        parse = Check("parse", problems=[str(error)])
        skipped = [Check(n, skipped="the inputs did not parse") for n in STEPS]
        return Outcome(None, [parse, *skipped], seconds)
    data = inputs.data
    seconds["parse"] = time.perf_counter() - started
    parse = Check("parse")
    parse.notes.append(
        f"{len(inputs.files)} triples file(s) ({len(data)} triples), "
        f"{len(inputs.seeds)} seed(s), ontology {len(inputs.ontology)} triples, "
        f"shapes {len(inputs.shapes)} triples"
    )
    checks = [parse]
    for name, step in STEPS.items():
        if fail_fast and any(c.problems for c in checks):
            checks.append(Check(name, skipped="skipped after a failed check"))
            continue
        started = time.perf_counter()
        checks.append(step(inputs, data))
        seconds[name] = time.perf_counter() - started
    return Outcome(inputs, checks, seconds, data)


STEPS: dict[str, Callable[[Inputs, Graph], Check]] = {
    "quotes": check_quotes,
    "views": check_views,
    "shacl": check_shacl,
    "reasoner": check_reasoner,
}


# -- artefacts ---------------------------------------------------------------------------


def counts(inputs: Inputs, data: Graph, inferred: Graph) -> dict[str, object]:
    """What the build holds; ``triples`` counts the merged dumps (asserted + inferred)."""
    merged = data + inferred
    instances = Counter(short(cls) for _, cls in merged.subject_objects(RDF.type))
    return {
        "triples": len(merged),
        "asserted_triples": len(data),
        "inferred_triples": len(inferred),
        "triples_per_file": {stem: len(f) for stem, f in inputs.files.items()},
        "graphs": graph_counts(inputs),
        "ontology_triples": len(inputs.ontology),
        "shapes_triples": len(inputs.shapes),
        "articles": len(set(data.subjects(RDF.type, CKG.Article))),
        "spans": len(set(data.subjects(RDF.type, CKG.TextSpan))),
        "wikidata_links": sum(
            1 for o in data.objects(None, SKOS.exactMatch) if str(o).startswith(str(WD))
        ),
        "instances": dict(sorted(instances.items())),
    }


def graph_counts(inputs: Inputs) -> dict[str, int]:
    """Named graphs by kind and their sizes (a triple in two graphs counts in each)."""
    files = list(inputs.files.values())
    outside = accounts.merged_outside(files)
    account_names = {name for f in files for name in f.accounts}
    return {
        "backbone_graphs": len(files),
        "backbone_triples": sum(len(f.backbone) for f in files),
        "account_graphs": len(account_names),
        "account_triples": sum(len(g) for f in files for g in f.accounts.values()),
        "outside_graphs": len(outside),
        "outside_triples": sum(len(g) for g in outside.values()),
    }


def write_artefacts(inputs: Inputs, data: Graph, inferred: Graph, folder: Path) -> dict[str, str]:
    """Write every RDF artefact into ``folder``; returns file name -> SHA-256.

    ``dataset.trig`` holds every graph (asserted, ``graph/inferred``, ``graph/ontology``);
    the other dumps hold the merge of the data graphs, inferred included.
    """
    named = inputs.graphs()
    named[str(INFERRED_GRAPH)] = inferred
    named[str(ONTOLOGY_GRAPH)] = inputs.ontology
    merged = data + inferred
    rdfio.bind_missing(merged, data)
    sizes = graph_counts(inputs)
    parts = [
        void_description.Subset(
            "articles",
            "What the articles say: their backbones and account graphs",
            sizes["backbone_graphs"] + sizes["account_graphs"],
            sizes["backbone_triples"] + sizes["account_triples"],
        ),
        void_description.Subset(
            "outside",
            "Outside knowledge: what sources other than the articles say",
            sizes["outside_graphs"],
            sizes["outside_triples"],
        ),
        void_description.Subset(
            "inferred", "What the ontology implies (graph/inferred)", 1, len(inferred)
        ),
    ]
    contents = {
        "dataset.ttl": rdfio.to_turtle(merged),
        "dataset.nt": rdfio.to_ntriples(merged),
        "dataset.jsonld": rdfio.to_jsonld(merged),
        "dataset.rdf": rdfio.to_rdfxml(merged),
        "dataset.trig": rdfio.to_trig(named),
        "ontology.ttl": rdfio.to_turtle(inputs.ontology),
        "ontology.rdf": rdfio.to_rdfxml(inputs.ontology),
        "shapes.ttl": rdfio.to_turtle(inputs.shapes),
        "view-shapes.ttl": rdfio.to_turtle(inputs.view_shapes),
        "void.ttl": rdfio.to_turtle(void_description.describe(merged, dumps=DUMPS, subsets=parts)),
    }
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}


def tool_versions() -> dict[str, str]:
    import owlready2
    import pyoxigraph
    import pyshacl
    import rdflib

    return {
        "conflictkg": __version__,
        "python": platform.python_version(),
        "rdflib": rdflib.__version__,
        "pyshacl": pyshacl.__version__,
        "owlready2": str(owlready2.VERSION),
        "pyoxigraph": pyoxigraph.__version__,
    }


# -- publishing --------------------------------------------------------------------------


def current_build(output: Path) -> Path:
    """The published build folder (``output/current``); an error when there is none."""
    current = output / CURRENT
    if not current.is_dir():
        raise ConflictKGError(
            f"{current}: no build yet; run `conflictkg build` first (or pass --dataset FILE)"
        )
    return current


def publish(output: Path, write: Callable[[Path], None]) -> Path:
    """Run ``write`` into a fresh folder in ``output``, then make it ``output/current``.

    The switch is one ``os.replace`` of a symlink; until it happens the previous build
    stays current, and on any error the new folder is removed. Old builds are pruned,
    keeping the last ``KEEP_BUILDS``.
    """
    output.mkdir(parents=True, exist_ok=True)
    current = output / CURRENT
    if current.exists() and not current.is_symlink():
        raise ConflictKGError(f"{current}: exists and is not a symlink; move it away to build")
    folder = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=output))
    folder.chmod(0o755)  # mkdtemp makes it private; a server may run as another user
    link = output / f".{CURRENT}-{folder.name}"
    switched = False
    try:
        write(folder)
        final = output / _build_name(output)
        os.rename(folder, final)  # same parent folder, so atomic
        folder = final
        os.symlink(final.name, link)  # relative, so the output folder can be moved
        os.replace(link, current)
        switched = True
    finally:
        if not switched:
            shutil.rmtree(folder, ignore_errors=True)
            if link.is_symlink():
                link.unlink()
    prune(output, keep=KEEP_BUILDS)
    return folder


def _build_name(output: Path) -> str:
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 1_000_000_000))
    name = f"{BUILD_PREFIX}{stamp}.{now // 1000 % 1_000_000:06d}Z"
    n = 1
    while (output / name).exists():
        n += 1
        name = f"{BUILD_PREFIX}{stamp}.{now // 1000 % 1_000_000:06d}Z-{n}"
    return name


def prune(output: Path, keep: int = KEEP_BUILDS) -> list[Path]:
    """Delete all but the newest ``keep`` builds, never the current one."""
    current = output / CURRENT
    target = current.resolve() if current.is_symlink() else None
    builds = sorted(p for p in output.iterdir() if p.name.startswith(BUILD_PREFIX) and p.is_dir())
    removed = []
    for old in builds[:-keep] if keep > 0 else builds:
        if old.resolve() != target:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


# -- commands ----------------------------------------------------------------------------


def project_from_args(args: argparse.Namespace) -> Project:
    """The project ``--project`` names (which must be one), else the one found from cwd."""
    root = getattr(args, "project", None)
    if root is None:
        return Project.find()
    project = Project(Path(root).resolve())
    missing = [d for d in ("seeds", "ontology", "triples") if not (project.root / d).is_dir()]
    if missing:
        raise ConflictKGError(
            f"--project {root}: not a conflictkg project (missing {', '.join(missing)}/)"
        )
    return project


def build(project: Project, output: Path | None = None, *, if_needed: bool = False) -> dict:
    """Check and publish a build; returns the build record (``build.json``).

    With ``if_needed``, returns the current record (``"skipped": True``) when it was
    built from inputs with the same SHA-256s.
    """
    output = output if output is not None else project.output
    wall = time.perf_counter()
    if if_needed:
        last = _current_record(output)
        if last is not None and last.get("inputs") == input_hashes(project):
            return last | {"skipped": True}
    outcome = run_checks(project, fail_fast=True)
    if outcome.inputs is None:  # did not parse: say exactly what the parser said
        raise ConflictKGError(outcome.checks[0].problems[0])
    if outcome.failed:
        names = ", ".join(c.name for c in outcome.failed)
        raise ConflictKGError(
            f"check failed: {names}; {output / CURRENT} is unchanged "
            "(`conflictkg validate` runs every check)",
            details=[f"{c.name}: {p}" for c in outcome.failed for p in c.problems],
        )
    inputs, data = outcome.inputs, outcome.data
    assert data is not None
    started = time.perf_counter()
    inferred = entailment.infer(data, inputs.ontology)
    outcome.seconds["inferred"] = time.perf_counter() - started
    record: dict = {}

    def write(folder: Path) -> None:
        started = time.perf_counter()
        artefacts = write_artefacts(inputs, data, inferred, folder)
        outcome.seconds["write"] = time.perf_counter() - started
        record.update(
            {
                "conflictkg": __version__,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "inputs": inputs.hashes,
                "counts": counts(inputs, data, inferred),
                "shacl": {"inference": shacl.INFERENCE, "engine": _shacl_engine()},
                "tools": tool_versions(),
                "seconds": {k: round(v, 3) for k, v in outcome.seconds.items()},
                "wall_seconds": round(time.perf_counter() - wall, 3),
                "artefacts": artefacts,
            }
        )
        text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (folder / "build.json").write_text(text, encoding="utf-8")

    folder = publish(output, write)
    return record | {"folder": str(folder), "notes": [n for c in outcome.checks for n in c.notes]}


def _shacl_engine() -> str:
    from conflictkg.fastshacl import selection

    return selection.selected()


def _current_record(output: Path) -> dict | None:
    path = output / CURRENT / "build.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def summary(record: dict, output: Path) -> str:
    """The few lines ``conflictkg build`` prints."""
    if record.get("skipped"):
        return f"up to date: {output / CURRENT} was built from the same inputs"
    c = record["counts"]
    seconds = record["seconds"]
    lines = [
        f"built {record['folder']} -> {output / CURRENT}",
        f"  triples: {c['triples']} from {len(c['triples_per_file'])} triples file(s); "
        f"ontology {c['ontology_triples']}, shapes {c['shapes_triples']}",
        *_graph_lines(c),
        f"  articles: {c['articles']}, text spans: {c['spans']} (all quotes verified), "
        f"Wikidata links: {c['wikidata_links']}",
        textwrap.fill(  # a no-break space keeps each class beside its count
            ", ".join(f"{cls}\u00a0{n}" for cls, n in c["instances"].items()) or "none",
            width=100,
            initial_indent="  instances: ",
            subsequent_indent="    ",
            break_on_hyphens=False,
        ).replace("\u00a0", " "),
        "  seconds: "
        + ", ".join(f"{step} {s:.2f}" for step, s in seconds.items())
        + f" (wall {record['wall_seconds']:.2f})",
    ]
    return "\n".join(lines)


def _graph_lines(c: dict) -> list[str]:
    if "graphs" not in c:  # a record from before accounts
        return []
    g = c["graphs"]
    return [
        f"  asserted {c['asserted_triples']}, inferred {c['inferred_triples']} "
        f"(graph/inferred), outside {g['outside_triples']}; named graphs: "
        f"{g['backbone_graphs']} article, {g['account_graphs']} account, "
        f"{g['outside_graphs']} outside"
    ]


def report(outcome: Outcome) -> str:
    """The readable report of ``conflictkg validate``: each check OK / FAILED / SKIPPED."""
    lines = []
    for check in outcome.checks:
        status = "OK" if check.ok else ("SKIPPED" if check.skipped else "FAILED")
        took = outcome.seconds.get(check.name)
        timing = f" ({took:.2f} s)" if took is not None else ""
        lines.append(f"{check.name:<9} {status}{timing}")
        for problem in check.problems:
            lines += _indented(problem, "  - ")
        for note in check.notes:
            lines += _indented(note, "    ")
        if check.skipped:
            lines.append(f"    {check.skipped}")
    return "\n".join(lines)


def _indented(text: str, first: str) -> list[str]:
    rows = text.splitlines() or [""]
    return [first + rows[0]] + [" " * len(first) + row for row in rows[1:]]


def command(args: argparse.Namespace) -> int:
    """``conflictkg build`` and ``conflictkg validate``."""
    from conflictkg.fastshacl import selection

    selection.use_from_args(args)
    project = project_from_args(args)
    if args.command == "validate":
        outcome = run_checks(project)
        print(f"validating {project.root}")
        print(report(outcome))
        sys.stdout.flush()
        if outcome.failed:
            names = ", ".join(c.name for c in outcome.failed)
            raise ConflictKGError(f"validation failed: {names}")
        return 0
    output = getattr(args, "output", None)
    output = Path(output) if output is not None else project.output
    record = build(project, output, if_needed=getattr(args, "if_needed", False))
    print(summary(record, output))
    return 0
