"""The checks a build runs before it writes anything: quotes against their seeds, SHACL,
the reasoner. ``conflictkg validate`` runs them alone."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.namespace import RDF

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import accounts, anchors, reasoning, shacl, views
from conflictkg.pipeline.fastshacl import selection
from conflictkg.pipeline.inputs import Inputs, load_inputs
from conflictkg.pipeline.rdfio import new_graph, short
from conflictkg.project import SHAPES_FILE, VIEW_SHAPES_FILE, Project
from conflictkg.vocab import CKG


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
        f"(inference: {shacl.INFERENCE}, engine: {selection.selected()})"
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
