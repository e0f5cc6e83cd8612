"""The build: read the inputs, run every check, write the artefacts and switch ``current``.

``conflictkg build`` and ``conflictkg validate`` share the checks (quotes, SHACL, HermiT);
only ``build`` writes. A build is written into a fresh folder beside the published ones
and becomes ``output/current`` by one atomic symlink replacement, so a failed or
interrupted build never changes what is served.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import textwrap
import time
from contextlib import ExitStack
from pathlib import Path

from conflictkg import __version__
from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import (
    accounts,
    entailment,
    eventrows,
    forked,
    incremental,
    shacl,
    tables,
)
from conflictkg.pipeline.artefacts import ARTEFACTS
from conflictkg.pipeline.checks import Outcome, run_checks
from conflictkg.pipeline.collector import fewer_collections, settle
from conflictkg.pipeline.fastshacl import selection
from conflictkg.pipeline.inputs import Inputs, input_hashes
from conflictkg.pipeline.mergeindex import Merged
from conflictkg.pipeline.progress import Progress
from conflictkg.pipeline.publish import (
    CURRENT,
    Artefacts,
    counts,
    pruning,
    publish,
    tool_versions,
)
from conflictkg.project import Project


def build(
    project: Project,
    output: Path | None = None,
    *,
    if_needed: bool = False,
    full: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Check and publish a build; returns the build record (``build.json``).

    In a process that ends with ``os._exit`` (the console script, see
    :func:`.forked.ends_at_once`) the build's graphs and lines are never freed: freeing the
    millions of objects of a build at 10^6 triples took a second after it was published.

    With ``if_needed``, returns the current record (``"skipped": True``) when it was
    built from inputs with the same SHA-256s and holds every artefact of the table (a
    build by an older version may lack one). Unless ``full``, the checks of the merge
    see only what changed since the last good build (:mod:`.incremental`); the
    artefacts are the same either way.
    """
    output = output if output is not None else project.output
    wall = time.perf_counter()
    if if_needed:
        last = _current_record(output)
        current = output / CURRENT
        complete = all((current / a.file).is_file() for a in ARTEFACTS)
        if last is not None and complete and last.get("inputs") == input_hashes(project):
            return last | {"skipped": True}
    cache = incremental.open_cache(project, output, full=full)
    with fewer_collections(), pruning(output):  # the old builds deleted while files are read
        return _build(project, output, cache, wall, progress)


def _build(
    project: Project,
    output: Path,
    cache: incremental.Cache,
    wall: float,
    progress: Progress | None,
) -> dict:
    with ExitStack() as stack:
        begun: list[tuple[Artefacts, float, float]] = []

        def begin(inputs: Inputs) -> None:
            # As soon as the files are read, before their merge and the checks: the events
            # table's child starts loading the asserted graphs (see Artefacts) on the other
            # core. Leaving the block stops it, whatever failed.
            started, cpu_started = time.perf_counter(), time.process_time()
            change = None
            if cache.incremental:  # the events table answers only the rows it can affect
                new, old = cache.versions(inputs.files)
                change = eventrows.change_of(output / CURRENT, cache.previous, new, old)
                if change is not None:
                    change.read = cache.events_query_reads(tables.events_query())
            artefacts = stack.enter_context(Artefacts(inputs, output, change=change))
            begun.append(
                (artefacts, time.perf_counter() - started, time.process_time() - cpu_started)
            )

        outcome = run_checks(
            project, fail_fast=True, cache=cache, progress=progress, beside=True, parsed=begin
        )
        forked.keep_to_the_end(outcome)
        forked.keep_to_the_end(begun)
        try:
            return _check_and_publish(outcome, output, cache, wall, progress, begun)
        finally:
            outcome.cancel()  # a check still running when something failed: not needed now


def _check_and_publish(
    outcome: Outcome,
    output: Path,
    cache: incremental.Cache,
    wall: float,
    progress: Progress | None,
    begun: list[tuple[Artefacts, float, float]],
) -> dict:
    """Compute and write the artefacts while checks may still run beside (SHACL and HermiT
    of a full build, see :func:`run_checks`); publish only once every check has passed.
    ``begun``: the :class:`Artefacts` begun once the files were read, with its wall and CPU
    seconds (counted in the write step's)."""
    if outcome.inputs is None:  # did not parse: say exactly what the parser said
        raise ConflictKGError(outcome.checks[0].problems[0])
    if outcome.failed_so_far:  # reported as if the checks had run in turn: SHACL's first
        outcome.settle()
        raise _failed(outcome, output)
    inputs, data = outcome.inputs, outcome.data
    assert data is not None and begun, "the inputs were read: the artefacts were begun"
    artefacts, *spent = begun[0]  # its seconds and CPU seconds so far (writing)
    if progress is not None:
        progress.stage("inferred")
    started, cpu_started = time.perf_counter(), time.process_time()
    # made by the events table's child beside the merge and the checks, when it could
    inferred = artefacts.inferred()
    if inferred is None:  # made here, with its lines (counted as inferring)
        inferred = artefacts.infer(
            entailment.inferred_from(inputs.asserted_triples(), inputs.ontology)
        )
    forked.keep_to_the_end(inferred)
    settle()  # the inferred graph is made: held to the end of the build
    outcome.seconds["inferred"] = time.perf_counter() - started
    outcome.cpu["inferred"] = time.process_time() - cpu_started
    record: dict = {}

    def write(folder: Path) -> None:
        if progress is not None:
            progress.stage("write")
        started, cpu_started = time.perf_counter(), time.process_time()
        written = artefacts.write(data, inferred, folder)
        outcome.seconds["write"] = spent[0] + time.perf_counter() - started
        outcome.cpu["write"] = spent[1] + time.process_time() - cpu_started
        if outcome.pending and progress is not None:  # verdicts waited for before publishing
            progress.stage(" and ".join(outcome.pending))
        if outcome.failed:
            raise _failed(outcome, output)
        record.update(_record(outcome, inputs, data, inferred, cache, wall, written))
        text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (folder / "build.json").write_text(text, encoding="utf-8")

    folder = publish(output, write)
    cache.commit()
    return record | {"folder": str(folder), "notes": [n for c in outcome.checks for n in c.notes]}


def _record(
    outcome: Outcome,
    inputs: Inputs,
    data: Merged,
    inferred: entailment.Inferred,
    cache: incremental.Cache,
    wall: float,
    artefacts: dict[str, str],
) -> dict:
    """The build record (``build.json``) of a build whose checks all passed."""
    return {
        "conflictkg": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "inputs": inputs.hashes,
        "counts": counts(inputs, data, inferred),
        "shacl": {"inference": shacl.INFERENCE, "engine": selection.selected()},
        "checked": _checked(cache),
        "tools": tool_versions(),
        "seconds": {k: round(v, 3) for k, v in outcome.seconds.items()},
        "beside": outcome.beside,
        "wall_seconds": round(time.perf_counter() - wall, 3),
        "cpu_seconds": _cpu_seconds(outcome.cpu),
        "artefacts": artefacts,
    }


def _failed(outcome: Outcome, output: Path) -> ConflictKGError:
    names = ", ".join(c.name for c in outcome.failed_so_far)
    return ConflictKGError(
        f"check failed: {names}; {output / CURRENT} is unchanged "
        "(`conflictkg validate` runs every check)",
        details=[f"{c.name}: {p}" for c in outcome.failed_so_far for p in c.problems],
    )


def _cpu_seconds(steps: dict[str, float]) -> dict:
    """CPU seconds of the build by step, and of the processes it started (HermiT's JVMs,
    the forked children of SHACL and of the events table): on a shared machine wall seconds
    say how busy the machine was as much as what the build cost. A step is counted where it
    ran: this process, but for a check run beside the others (``beside`` in the record),
    whose CPU is its child's (SHACL) or its waiting thread's (HermiT)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "steps": {k: round(v, 3) for k, v in steps.items()},
        "process": round(time.process_time(), 3),
        "children": round(children.ru_utime + children.ru_stime, 3),
    }


def _checked(cache: incremental.Cache) -> dict:
    """How the checks of the merge ran: ``full`` (and why) or on the changed files."""
    if not cache.incremental:
        return {"full": True, "why": cache.full_reason}
    return {"full": False, "changed": cache.changed}


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
        + _timings(seconds, record.get("beside", []))
        + f" (wall {record['wall_seconds']:.2f})",
    ]
    return "\n".join(lines)


def _timings(seconds: dict[str, float], beside: list[str]) -> str:
    """Each step's seconds; those of the checks run beside the others said apart (the
    steps overlap, so the seconds add up to more than the wall time)."""
    line = ", ".join(f"{step} {s:.2f}" for step, s in seconds.items() if step not in beside)
    apart = ", ".join(f"{step} {seconds[step]:.2f}" for step in beside if step in seconds)
    return line + (f"; beside them: {apart}" if apart else "")


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
    selection.use_from_args(args)
    project = Project.at(args.project)
    if args.command == "validate":
        with fewer_collections():
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
    files = len(accounts.triples_files(project.triples)) if project.triples.is_dir() else 0
    with Progress(files) as progress:
        record = build(
            project,
            output,
            if_needed=getattr(args, "if_needed", False),
            full=getattr(args, "full", False),
            progress=progress,
        )
    print(summary(record, output))
    return 0
