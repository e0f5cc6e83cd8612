"""The checks a build runs before it writes anything: quotes against their seeds, SHACL,
the reasoner. ``conflictkg validate`` runs them alone."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from rdflib import Graph
from rdflib.namespace import RDF

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import accounts, anchors, forked, reasoning, shacl, views
from conflictkg.pipeline.accounts import TriplesFile
from conflictkg.pipeline.collector import settle
from conflictkg.pipeline.fastshacl import selection
from conflictkg.pipeline.incremental import Cache
from conflictkg.pipeline.inputs import Inputs, load_inputs
from conflictkg.pipeline.mergeindex import Merged
from conflictkg.pipeline.progress import Progress
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
    data: Merged | None = None
    # CPU seconds per step (wall seconds mislead on a shared machine): this process's, but
    # for a check run beside the others, whose are its child's
    cpu: dict[str, float] = field(default_factory=dict)
    # checks still running beside the caller (see ``run_checks(beside=True)``)
    pending: dict[str, Pending] = field(default_factory=dict)
    fail_fast: bool = False
    beside: list[str] = field(default_factory=list)  # the checks that ran beside the others

    @property
    def failed(self) -> list[Check]:
        """The failed checks, once every check has given its verdict (waits for them)."""
        self.settle()
        return self.failed_so_far

    @property
    def failed_so_far(self) -> list[Check]:
        """The failed checks among those that have given their verdict (never waits)."""
        return [c for c in self.checks if c.problems]

    def settle(self) -> None:
        """Wait for the checks running beside the caller and put their verdicts in place."""
        while self.pending:
            name, child = next(iter(self.pending.items()))
            try:
                timed = child.result()
            finally:
                del self.pending[name]
            place = [c.name for c in self.checks].index(name)
            self.checks[place] = timed.check
            self.seconds[name] = self.seconds.get(name, 0.0) + timed.seconds
            self.cpu[name] = self.cpu.get(name, 0.0) + timed.cpu
            if self.fail_fast and timed.check.problems:  # as if run in turn: later ones skipped
                self.cancel()
                for later in range(place + 1, len(self.checks)):
                    self.checks[later] = Check(
                        self.checks[later].name, skipped="skipped after a failed check"
                    )

    def cancel(self) -> None:
        """Stop the checks still running beside the caller (their verdicts are not needed)."""
        for child in self.pending.values():
            child.cancel()
        self.pending.clear()


@dataclass
class Timed:
    """A check's verdict with the wall and CPU seconds it took where it ran."""

    check: Check
    seconds: float
    cpu: float


def _timed(step: Callable[[Inputs, Merged], Check], inputs: Inputs, data: Merged) -> Timed:
    started, cpu_started = time.perf_counter(), time.process_time()
    check = step(inputs, data)
    return Timed(check, time.perf_counter() - started, time.process_time() - cpu_started)


class Pending(Protocol):
    """A check running beside the caller: a forked child (:class:`forked.Forked`) or a
    thread waiting for HermiT (:class:`_Waiting`)."""

    def result(self) -> Timed: ...

    def cancel(self) -> None: ...


class _Waiting:
    """HermiT's verdict, waited for in a thread.

    The reasoner step mostly waits: for the consistency check started after parsing and for
    the classification of the ontology, each in its own JVM. Waited for in the build's own
    line, it held the build up while the JVM shared the second core with SHACL's child;
    in a thread, the build writes its artefacts meanwhile. ``cancel`` stops the JVM (the
    thread then ends at once) and waits for the thread.
    """

    def __init__(
        self,
        step: Callable[[Inputs, Merged], Check],
        inputs: Inputs,
        data: Merged,
        consistency: reasoning.Consistency,
    ) -> None:
        self._consistency = consistency
        self._outcome: Timed | BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(step, inputs, data), name="reasoner", daemon=True
        )
        self._thread.start()

    def _run(self, step: Callable[[Inputs, Merged], Check], inputs: Inputs, data: Merged) -> None:
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            check = step(inputs, data)
            took = time.perf_counter() - started
            self._outcome = Timed(check, took, time.thread_time() - cpu_started)
        except BaseException as error:  # noqa: BLE001 - raised again by result()
            self._outcome = error

    def result(self) -> Timed:
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome

    def cancel(self) -> None:
        self._consistency.close()
        self._thread.join()


def check_quotes(
    inputs: Inputs, data: Merged, cache: Cache | None = None, progress: Progress | None = None
) -> Check:
    """Every article names its seed and hash; every span quotes its seed exactly.

    Each file's spans are checked in a view of its own graphs plus the few facts they
    read from other files; with a ``cache``, a file whose view and seeds are as before
    keeps its verdict.
    """
    check = Check("quotes")
    # the merge as numbers (a rebuild's): the articles' facts the check reads
    articles = data
    if not isinstance(articles, Graph):
        read = (RDF.type, *anchors.ARTICLE_FACTS)
        articles = articles.described(articles.subjects(RDF.type, CKG.Article), read)
    check.problems += anchors.verify_articles(articles, inputs.seeds)
    spans = 0
    for done, (stem, file) in enumerate(inputs.files.items(), start=1):
        problems, count = _file_quotes(inputs, data, stem, file, cache)
        check.problems += problems
        spans += count
        if progress is not None:
            progress.advance("quotes", done, len(inputs.files))
    check.notes.append(f"{spans} text span(s) checked against their seeds")
    return check


def _file_quotes(
    inputs: Inputs, data: Merged, stem: str, file: TriplesFile, cache: Cache | None
) -> tuple[list[str], int]:
    """One file's quote problems and its number of spans."""
    where = file.path
    # spans are checked in their own file; their article may be described elsewhere
    # (the articles read without making the graphs of a file read back from the cache)
    borrowed = sorted(
        (article, p, o)
        for article in file.backbone_objects(CKG.inArticle)
        for p in (CKG.seedFile, RDF.type)
        for o in data.objects(article, p)
    )
    key = ""
    if cache is not None and stem in cache.current:
        digest = hashlib.sha256(f"{where}\n{cache.current[stem]}\n".encode())
        for s, p, o in borrowed:
            digest.update(f"{s.n3()} {p.n3()} {o.n3()}\n".encode())
            seed = inputs.seeds.get(str(o)) if p == CKG.seedFile else None
            digest.update(f"{seed.sha256 if seed else '-'}\n".encode())
        key = digest.hexdigest()
        known = cache.verdict("quotes", key)
        if known is not None:
            return [str(p) for p in known["problems"]], int(known["spans"])
    graph = file.backbone
    problems = []
    for article in sorted(set(graph.subjects(RDF.type, CKG.Article)), key=str):
        named = graph.value(article, CKG.seedFile)
        if named is not None and str(named) != f"{stem}.txt":
            problems.append(
                f"{where}: describes {short(article)} with ckg:seedFile {str(named)!r}; "
                f"a triples file describes the article of its own seed ({stem}.txt)"
            )
    view = graph  # an article described in its own file: nothing to borrow, nothing to copy
    if any(triple not in graph for triple in borrowed):
        view = new_graph()
        view += graph
        for triple in borrowed:
            view.add(triple)
    problems += [f"{where}: {p}" for p in anchors.verify_spans(view, inputs.seeds)]
    count = len(set(graph.subjects(RDF.type, CKG.TextSpan)))
    if cache is not None and key:
        cache.remember("quotes", key, {"problems": problems, "spans": count})
    return problems, count


def check_views(inputs: Inputs, data: Merged, cache: Cache | None = None) -> Check:
    """The rules of the account layout, each on the view of the data it concerns; in an
    incremental build, on what the changed files can affect (:mod:`.views`)."""
    check = Check("views")
    files = list(inputs.files.values())
    changed = None
    if cache is not None and cache.incremental:
        changed = cache.changed_versions(inputs.files)
        check.notes.append(f"incremental: the resources of {len(cache.changed)} changed file(s)")
    check.problems += views.check(
        files,
        inputs.ontology,
        inputs.view_shapes,
        shapes_name=str(inputs.project.ontology / VIEW_SHAPES_FILE),
        changed=changed,
    )
    check.notes.append(
        f"{sum(accounts.is_account_graph(n) for f in files for n in f.names())} account graph(s), "
        f"{len(accounts.merged_outside(files))} outside graph(s) checked"
    )
    return check


def check_shacl(inputs: Inputs, data: Merged, cache: Cache | None = None) -> Check:
    """SHACL on the merge; in an incremental build, on the region of the change."""
    check = Check("shacl")
    focus = None
    if cache is not None and cache.incremental:
        region = cache.region(data, inputs.ontology, inputs.files, inputs.shapes)
        data, focus = region.data, region.focus
        check.notes.append(
            f"incremental: {len(focus)} focus node(s) of {len(cache.changed)} changed "
            f"file(s), over {len(data)} triple(s) they reach"
        )
    assert isinstance(data, Graph), "a merge read as numbers is an incremental build's"
    report = shacl.validate(
        data,
        inputs.shapes,
        inputs.ontology,
        shapes_name=str(inputs.project.ontology / SHAPES_FILE),
        focus_nodes=focus,
    )
    check.problems += [str(r) for r in report.violations]
    others = [str(r) for r in report.results if r.severity != "Violation"]
    check.notes.append(
        f"{len(report.violations)} violation(s), {len(others)} warning(s)/info(s) "
        f"(inference: {shacl.INFERENCE}, engine: {selection.selected()})"
    )
    check.notes += others
    return check


def check_reasoner(
    inputs: Inputs,
    data: Merged,
    cache: Cache | None = None,
    started: reasoning.Consistency | None = None,
) -> Check:
    """HermiT on the ontology and the merge; in an incremental build, the change's region.

    ``started`` is HermiT's consistency check of the whole merge, begun by
    :func:`run_checks` before the other checks so that it runs beside them.
    """
    check = Check("reasoner")
    incremental = cache is not None and cache.incremental
    if cache is not None and incremental:
        data = cache.region(data, inputs.ontology, inputs.files, inputs.shapes).near
        check.notes.append(
            f"incremental: HermiT on the {len(data)} triple(s) near the change; the ontology "
            "(in the cache's key) was classified by the last good build"
        )
    assert isinstance(data, Graph), "a merge read as numbers is an incremental build's"
    report = reasoning.check(inputs.ontology, data, classify=not incremental, started=started)
    check.problems += report.problems()
    if report.ok:
        check.notes.append("HermiT: consistent, no unsatisfiable classes")
    return check


def run_checks(
    project: Project,
    *,
    fail_fast: bool = False,
    cache: Cache | None = None,
    progress: Progress | None = None,
    beside: bool = False,
    parsed: Callable[[Inputs], object] | None = None,
) -> Outcome:
    """Parse and run the checks, cheapest first; a failed check is reported, not raised.

    ``parsed`` is called with the inputs as soon as every file is read, before their merge
    (the build starts its events table's child there, see :class:`.publish.Artefacts`);
    its seconds are not counted in the parse's.

    With ``fail_fast`` (the build) the checks after a failed one are skipped: SHACL and
    HermiT take seconds, and their verdicts on data that already failed matter less.
    With a ``cache`` (the build), unchanged files are read from it and, unless the cache
    asks for a full build, SHACL and HermiT see only the region of the change
    (:mod:`conflictkg.pipeline.incremental`).

    Over the whole merge (every run but an incremental build's), the two longest checks
    run beside the others: SHACL in a forked child (:mod:`.forked`) from the merge on, and
    HermiT's verdict in a thread that waits for its JVMs (:class:`_Waiting`), while the
    quotes and the views run here. With ``fail_fast``, a failure of the quotes or the
    views stops them, and a failure of SHACL makes HermiT's verdict "skipped": the report
    is the one of checks run in turn (an incremental build's). In an incremental build,
    HermiT's check of the change's region starts once the merge is made and its verdict
    is waited for in the same kind of thread, beside the quotes, the views and SHACL
    (about 1.5 s of a rebuild at 10^6 triples, most of it the JVM's start). Unless
    ``beside``, their
    verdicts are waited for before returning; with ``beside`` (the build, which computes
    and writes its artefacts meanwhile) the caller must wait for them before publishing:
    :attr:`Outcome.failed` does.
    """
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    read = cache.read_triples_file if cache is not None else accounts.read_triples_file
    tell = progress.advance if progress is not None else None
    try:
        inputs = load_inputs(project, read, tell)
    except ConflictKGError as error:
        seconds["parse"] = time.perf_counter() - started
        parse = Check("parse", problems=[str(error)])
        skipped = [Check(n, skipped="the inputs did not parse") for n in STEPS]
        return Outcome(None, [parse, *skipped], seconds)
    # HermiT's consistency check of everything reads the files' graphs, not the merge: it
    # starts now and runs in its own JVM beside the merge and the checks below.
    # Its start (writing HermiT's input) is counted in the reasoner's seconds.
    whole = cache is None or not cache.incremental
    cpu["parse"] = time.process_time() - cpu_started
    settle()  # the ontology and shapes too (and a child forked now inherits that)
    if parsed is not None:
        calling = time.perf_counter()
        parsed(inputs)
        started += time.perf_counter() - calling
    starting, cpu_starting = time.perf_counter(), time.process_time()
    consistency = reasoning.start(inputs.ontology, inputs.data_graphs()) if whole else None
    head_start = {"reasoner": time.perf_counter() - starting}
    cpu["reasoner"] = time.process_time() - cpu_starting
    started += head_start["reasoner"]
    try:
        outcome = _run_steps(
            inputs, started, seconds, fail_fast, cache, progress, consistency, head_start
        )
        if not beside:
            outcome.settle()
    except BaseException:
        if consistency is not None:
            consistency.close()  # the thread waiting for it, if any, ends with it
        raise
    # the steps' own CPU, plus what parse (reading) and the reasoner (starting) spent first
    outcome.cpu = {name: cpu.get(name, 0.0) + spent for name, spent in outcome.cpu.items()}
    return outcome


def _run_steps(
    inputs: Inputs,
    started: float,
    seconds: dict[str, float],
    fail_fast: bool,
    cache: Cache | None,
    progress: Progress | None,
    consistency: reasoning.Consistency | None,
    head_start: dict[str, float],
) -> Outcome:
    """The merge, then each check in turn (see :func:`run_checks`); ``head_start`` holds
    the seconds a step spent before the merge."""
    if progress is not None:
        progress.stage("merge")  # seconds at 10^6 triples: said, not silent
    merging = time.process_time()
    whole = cache is None or not cache.incremental
    # a rebuild reads little of the merge: made as numbers, not as an rdflib graph
    data: Merged = inputs.data if whole else inputs.merge_index()
    settle()  # the merge is held to the end
    seconds["parse"] = time.perf_counter() - started
    cpu = {"parse": time.process_time() - merging}
    parse = Check("parse")
    parse.notes.append(
        f"{len(inputs.files)} triples file(s) ({len(data)} triples), "
        f"{len(inputs.seeds)} seed(s), ontology {len(inputs.ontology)} triples, "
        f"shapes {len(inputs.shapes)} triples"
    )
    checks = [parse]
    steps = dict(STEPS)
    if cache is not None:
        steps["quotes"] = partial(check_quotes, cache=cache, progress=progress)
        steps["views"] = partial(check_views, cache=cache)
        steps["shacl"] = partial(check_shacl, cache=cache)
        steps["reasoner"] = partial(check_reasoner, cache=cache)
    if cache is not None and not whole:
        # HermiT on the change's region starts now, in its own JVM, and gives its verdict
        # beside the quotes, the views and SHACL (which reads the whole region)
        starting, cpu_starting = time.perf_counter(), time.process_time()
        region = cache.region(data, inputs.ontology, inputs.files, inputs.shapes)
        consistency = reasoning.start(inputs.ontology, [region.near])
        head_start = head_start | {"reasoner": time.perf_counter() - starting}
        cpu["reasoner"] = time.process_time() - cpu_starting
    if consistency is not None:
        steps["reasoner"] = partial(check_reasoner, cache=cache, started=consistency)
    pending: dict[str, Pending] = {}
    if whole and forked.available():
        pending["shacl"] = forked.Forked(
            partial(_timed, steps["shacl"], inputs, data), "the SHACL check"
        )
    if consistency is not None:
        pending["reasoner"] = _Waiting(steps["reasoner"], inputs, data, consistency)
    outcome = Outcome(inputs, checks, seconds, data, cpu, pending, fail_fast, list(pending))
    try:
        for name, step in steps.items():
            if fail_fast and any(c.problems for c in checks):
                checks.append(Check(name, skipped="skipped after a failed check"))
                child = outcome.pending.pop(name, None)
                if child is not None:
                    child.cancel()
                continue
            if name in pending:  # its verdict takes this place when it comes (Outcome.settle)
                checks.append(Check(name, skipped="running beside the other checks"))
                seconds[name], cpu[name] = head_start.get(name, 0.0), cpu.get(name, 0.0)
                continue
            if progress is not None:
                progress.stage(name)
            started, cpu_started = time.perf_counter(), time.process_time()
            checks.append(step(inputs, data))
            seconds[name] = head_start.get(name, 0.0) + time.perf_counter() - started
            cpu[name] = time.process_time() - cpu_started
    except BaseException:
        outcome.cancel()  # no child left running behind an error
        raise
    return outcome


STEPS: dict[str, Callable[[Inputs, Merged], Check]] = {
    "quotes": check_quotes,
    "views": check_views,
    "shacl": check_shacl,
    "reasoner": check_reasoner,
}
