"""Writing a build: the artefacts of :mod:`conflictkg.pipeline.artefacts` into a fresh
folder, which becomes ``output/current`` by one atomic symlink replacement, so a failed
or interrupted build never changes what is served; older builds are pruned."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from conflictkg import __version__
from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import accounts, catalogue, ontodocs, rdfio, tables
from conflictkg.pipeline import void as void_description
from conflictkg.pipeline.accounts import INFERRED_GRAPH
from conflictkg.pipeline.artefacts import (
    BY_FILE,
    DCAT_FILE,
    DOCS_FILE,
    DUMPS,
    EVENTS_FILE,
    SCHEMA_ORG_FILE,
    VOID_FILE,
)
from conflictkg.pipeline.inputs import Inputs
from conflictkg.pipeline.rdfio import short
from conflictkg.vocab import CKG, ONTOLOGY_GRAPH, WD

CURRENT = "current"


BUILD_PREFIX = "build-"


KEEP_BUILDS = 2


def counts(inputs: Inputs, data: Graph, inferred: Graph) -> dict[str, object]:
    """What the build holds; ``triples`` counts the merged dumps (asserted + inferred).

    The merge is counted without being built (a copy of a million triples costs more than
    the counting): the inferred triples not asserted, and each typing once.
    """
    extra = sum(1 for triple in inferred if triple not in data)
    typings = set(data.subject_objects(RDF.type))
    typings.update(inferred.subject_objects(RDF.type))
    instances = Counter(short(cls) for _, cls in typings)
    return {
        "triples": len(data) + extra,
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
    trig = rdfio.to_trig(named)
    contents = {
        "dataset.ttl": rdfio.to_turtle(merged),
        "dataset.nt": rdfio.to_ntriples(merged),
        "dataset.jsonld": rdfio.to_jsonld(merged),
        "dataset.rdf": rdfio.to_rdfxml(merged),
        "dataset.trig": trig,
        # the table is the answer of its query over the dataset as the endpoint serves it
        EVENTS_FILE: tables.events_csv(tables.served_store(trig)),
        "ontology.ttl": rdfio.to_turtle(inputs.ontology),
        "ontology.rdf": rdfio.to_rdfxml(inputs.ontology),
        "shapes.ttl": rdfio.to_turtle(inputs.shapes),
        "view-shapes.ttl": rdfio.to_turtle(inputs.view_shapes),
        # pyLODE takes seconds: its page is kept beside the builds while the ontology is the same
        DOCS_FILE: ontodocs.cached_graph_html(inputs.ontology, folder.parent / "cache").encode(),
    }
    # the catalogue record describes the downloads written above, with their byte sizes
    sizes = {name: len(body) for name, body in contents.items() if BY_FILE[name].download}
    meta = catalogue.metadata(merged, sizes, issued=catalogue.build_date())
    void = void_description.describe(merged, dumps=DUMPS, subsets=parts)
    catalogue.link_from_void(void, meta, DCAT_FILE)
    contents[VOID_FILE] = rdfio.to_turtle(void)
    contents[DCAT_FILE] = rdfio.to_turtle(catalogue.dcat(meta))
    described = json.dumps(catalogue.schema_org(meta), indent=2, ensure_ascii=False)
    contents[SCHEMA_ORG_FILE] = (described + "\n").encode()
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
