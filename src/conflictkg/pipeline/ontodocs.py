"""HTML documentation of the ontology (the build's ``ontology.html``), made with pyLODE and
cached to a file.

pyLODE takes seconds and its output only changes with the ontology's text, so the HTML is
kept under a name derived from the SHA-256 of the source files and rebuilt when they change.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from html import escape
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.formats import format_for_path
from conflictkg.pipeline.iris import curie, local_name
from conflictkg.vocab import CKG

CACHE_PREFIX = "ontology-docs-"
CKG_NS = str(CKG._NS)


@contextmanager
def _root_logger_kept() -> Iterator[None]:
    """Undo what pyLODE does to the root logger.

    pyLODE 3.3.4 calls ``logging.basicConfig(level=DEBUG)`` when imported and the module-level
    ``logging.info`` (which installs a stderr handler) while rendering; left alone, every
    library in the server would then log at DEBUG to stderr.
    """
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # With any handler present, basicConfig and the module-level helpers configure nothing.
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def parse_ontology(files: Sequence[Path]) -> Graph:
    """The ontology files parsed into one rdflib Graph; an error names the file at fault."""
    graph = Graph(bind_namespaces="core")
    for path in files:
        fmt = format_for_path(path)
        try:
            graph.parse(path, format=fmt.rdflib)
        except FileNotFoundError:
            raise ConflictKGError(f"{path}: ontology file not found") from None
        except Exception as error:  # rdflib raises many parser-specific types
            raise ConflictKGError(f"{path}: cannot parse: {error}") from None
    return graph


def render_html(files: Sequence[Path]) -> str:
    """The pyLODE (OntPub profile) HTML page of the ontology in ``files``, CSS inlined."""
    names = ", ".join(str(f) for f in files)
    return render_graph_html(parse_ontology(files), names)


def render_graph_html(graph: Graph, source: str = "the ontology") -> str:
    """The pyLODE page of an ontology already parsed; ``source`` names it in errors."""
    with _root_logger_kept(), warnings.catch_warnings():
        # pyLODE 3.3.4 reads its CSS with an unclosed open(); the ResourceWarning is its own.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            from pylode import OntPub
            from pylode.utils import PylodeError
        except ImportError:
            raise ConflictKGError(
                "the ontology's documentation needs pyLODE, a dependency of conflictkg: "
                "reinstall it (make .venv/bin/.installed, or pip install -e .)"
            ) from None
        try:
            ontpub = OntPub(_without_scheme_headers(graph), sort_subjects=True)
            html = ontpub.make_html(include_css=True)
        except PylodeError as error:
            raise ConflictKGError(
                f"{source}: pyLODE cannot document this ontology: {error}"
            ) from None
    if not isinstance(html, str):
        raise ConflictKGError(f"{source}: pyLODE returned no HTML")
    html = _fix_fragment_ids(html, {str(k): str(v) for k, v in ontpub.fids.items()})
    return _add_concept_schemes(html, graph)


def _without_scheme_headers(graph: Graph) -> Graph:
    """A copy of ``graph`` in which concept schemes are not typed ``skos:ConceptScheme``.

    OntPub takes every ontology *and* concept scheme of the graph as the document's header
    and merges their titles into one; the schemes are documented by
    :func:`_add_concept_schemes` instead.
    """
    copy = Graph(bind_namespaces="core")
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True)
    for triple in graph:
        if triple[1] == RDF.type and triple[2] == SKOS.ConceptScheme:
            continue
        copy.add(triple)
    return copy


_FRAGMENT = re.compile(r'(\bid="|\bhref="#)([^"]+)"')


def _fix_fragment_ids(html: str, fids: dict[str, str]) -> str:
    """Make ``/ontology#Term`` land on the term: every ckg term's anchor becomes its local
    name (pyLODE derives some from labels, and numbers clashes such as ``Location1``), and
    an external term whose anchor would clash gets its prefix (``prov-Location``)."""
    ckg_locals = {iri[len(CKG_NS) :] for iri in fids if iri.startswith(CKG_NS)}
    renamed: dict[str, str] = {}
    for iri, fid in fids.items():
        if iri.startswith(CKG_NS):
            wanted = iri[len(CKG_NS) :]
        elif fid in ckg_locals:
            wanted = re.sub(r"[^A-Za-z0-9_-]", "-", curie(iri))
        else:
            continue
        if wanted != fid:
            renamed[fid] = wanted

    def rename(match: re.Match[str]) -> str:
        return match.group(1) + renamed.get(match.group(2), match.group(2)) + '"'

    return _FRAGMENT.sub(rename, html)


def _text(graph: Graph, subject: URIRef, *predicates: URIRef) -> str:
    """The first English (or untagged) literal of the first predicate that has one."""
    for predicate in predicates:
        values = sorted(
            str(o)
            for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and o.language in (None, "en")
        )
        if values:
            return values[0]
    return ""


def _add_concept_schemes(html: str, graph: Graph) -> str:
    """Insert a "Concept schemes" section (and its table-of-contents entry) before the
    namespaces: OntPub documents classes and properties but not SKOS individuals."""
    schemes = sorted(
        s for s in graph.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)
    )
    if not schemes:
        return html
    parts = ['<div id="conceptschemes" class="section"><h2>Concept schemes</h2>']
    for scheme in schemes:
        name = _text(graph, scheme, SKOS.prefLabel, RDFS.label) or local_name(str(scheme))
        parts.append(
            f'<div class="entity" id="{escape(local_name(str(scheme)))}">'
            f"<h3>{escape(name)}</h3><p><code>{escape(str(scheme))}</code></p>"
        )
        definition = _text(graph, scheme, SKOS.definition, RDFS.comment)
        if definition:
            parts.append(f"<p>{escape(definition)}</p>")
        concepts = sorted(c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef))
        parts.append("<dl>")
        for concept in concepts:
            label = _text(graph, concept, SKOS.prefLabel, RDFS.label) or local_name(str(concept))
            note = _text(graph, concept, SKOS.definition, RDFS.comment)
            parts.append(
                f'<dt id="{escape(local_name(str(concept)))}">{escape(label)} '
                f"<code>{escape(curie(str(concept)))}</code></dt><dd>{escape(note)}</dd>"
            )
        parts.append("</dl></div>")
    parts.append("</div>")
    section = "".join(parts)
    anchor = '<div id="namespaces">'
    html = html.replace(anchor, section + anchor, 1) if anchor in html else html
    toc_entry = '<li><h4><a href="#conceptschemes">Concept schemes</a></h4></li>'
    toc_anchor = re.search(r'<li>\s*<h4>\s*<a href="#namespaces">', html)
    if toc_anchor:
        html = html[: toc_anchor.start()] + toc_entry + html[toc_anchor.start() :]
    return html


def source_digest(files: Sequence[Path]) -> str:
    """SHA-256 over the bytes of ``files`` in order (with their names), hex."""
    digest = hashlib.sha256()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ConflictKGError(f"{path}: cannot read: {error}") from None
        digest.update(path.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def cached_html(files: Sequence[Path], cache_dir: Path) -> str:
    """The documentation of ``files``, from ``cache_dir`` when generated before."""
    return _cached(source_digest(files), cache_dir, lambda: render_html(files))


def graph_digest(graph: Graph) -> str:
    """SHA-256 of the graph's sorted N-Triples, blank node labels left out (they change each
    time the graph is loaded, its meaning does not)."""
    lines = graph.serialize(format="nt").splitlines()
    canonical = sorted(re.sub(r"_:\S+", "_:", line) for line in lines if line.strip())
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def cached_graph_html(graph: Graph, cache_dir: Path) -> str:
    """The documentation of an ontology graph, from ``cache_dir`` when generated before."""
    return _cached(graph_digest(graph), cache_dir, lambda: render_graph_html(graph))


def _renderer_key() -> str:
    """What a page depends on besides the ontology: pyLODE's version and this module."""
    try:
        version = importlib.metadata.version("pylode")
    except importlib.metadata.PackageNotFoundError:
        version = "none"
    return hashlib.sha256(version.encode() + b"\0" + Path(__file__).read_bytes()).hexdigest()


def _cached(digest: str, cache_dir: Path, render: Callable[[], str]) -> str:
    """The page cached under ``digest``, rendered and stored when missing.

    The cache file is written atomically, so concurrent server workers never read half a
    page; files left by older versions of the ontology are removed.
    """
    digest = hashlib.sha256(f"{digest} {_renderer_key()}".encode()).hexdigest()
    target = cache_dir / f"{CACHE_PREFIX}{digest[:16]}.html"
    if target.is_file():
        return target.read_text(encoding="utf-8")
    html = render()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-", suffix=".html")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(html)
        os.replace(tmp, target)
        for old in cache_dir.glob(f"{CACHE_PREFIX}*.html"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError as error:
        # A read-only deployment still serves the page; it is only regenerated each time.
        logging.getLogger(__name__).warning(
            "cannot cache ontology docs in %s: %s", cache_dir, error
        )
    return html
