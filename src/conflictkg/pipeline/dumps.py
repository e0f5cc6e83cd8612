"""The dataset's dumps at scale: every format written from sorted N-Triples lines.

At a million triples rdflib's serialisers and graph copies took minutes; here each graph
is turned into N-Triples lines once (a line is bytes, sorted as bytes), the lines of the
merge are the sorted union of the graphs' lines, and each format is written from them:

- ``dataset.nt``: the sorted, unique lines themselves;
- ``dataset.ttl`` and ``dataset.rdf``: Oxigraph's Turtle and RDF/XML writers fed the
  sorted lines (they group a subject's triples, so the same lines give the same bytes);
  Turtle declares the project's prefixes (:data:`conflictkg.vocab.PREFIXES`) and writes
  an IRI as a prefixed name where Turtle allows it, in full otherwise. A prefix that only
  a triples file declares is not kept: Oxigraph declares every prefix it is given, and the
  prefixes rdflib reports for a graph are not stable (an unpickled graph, as the
  incremental cache gives, comes back bound to rdflib's default namespaces);
- ``dataset.jsonld``: compacted JSON-LD with the project's prefixes as ``@context``,
  written here (Oxigraph 0.5 writes only expanded JSON-LD): one node object a line,
  nodes in subject order, ``@id`` first, ``@type`` second, then the properties in IRI
  order; one value stands alone, several are an array in line order. A literal's value
  is its N-Triples string, which is a JSON string as it stands (Oxigraph escapes only
  ``"``, ``\\`` and control characters, as JSON does);
- ``dataset.trig``: one ``<graph> { ... }`` block per named graph in IRI order, each the
  Turtle of that graph's lines, after the prefix declarations.

Blank nodes are rare in the data (none in the synthetic corpora, many in the ontology):
a graph's triples that touch a blank node are set apart and relabelled canonically
(:func:`conflictkg.pipeline.rdfio.canonical`) together, so the labels depend on nothing
but the triples; the other triples need no relabelling. In TriG each graph's labels get
a prefix from its IRI, so blank nodes of two graphs never meet (as in the merge of two
files). Everything here is deterministic: the same graphs give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, islice
from operator import ne

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from conflictkg.pipeline import rdfio

Triple = tuple[Node, Node, Node]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@dataclass
class GraphLines:
    """A graph as N-Triples: the sorted, unique lines of its triples without blank nodes,
    and its triples with a blank node (rdflib terms), relabelled only when written."""

    lines: list[bytes]
    blank: list[Triple] = field(default_factory=list)


def graph_lines(graph: Graph) -> GraphLines:
    """``graph``'s triples as N-Triples lines (sorted), those with blank nodes set apart."""
    lines: list[bytes] = []
    blank: list[Triple] = []
    add = lines.append
    literals: dict[Node, str] = {}
    for s, predicates in _by_subject(graph):
        if type(s) is BNode:
            blank += ((s, p, o) for p, objects in predicates for o in objects)
            continue
        for p, objects in predicates:
            head = f"<{s}> <{p}> "
            for o in objects:
                kind = type(o)
                if kind is URIRef:
                    add(f"{head}<{o}> .\n".encode())
                elif kind is BNode:
                    blank.append((s, p, o))
                else:
                    text = literals.get(o)
                    if text is None:
                        text = literals[o] = nt_term(o)
                    add(f"{head}{text} .\n".encode())
    lines.sort()
    return GraphLines(lines, blank)


def lines_of(triples: Iterable[Triple]) -> GraphLines:
    """:func:`graph_lines` of the graph holding ``triples`` (each once), from the triples
    themselves: the build hands the inferred graph's lines on before it makes the graph."""
    lines: list[bytes] = []
    blank: list[Triple] = []
    add = lines.append
    terms: dict[Node, str] = {}
    for s, p, o in triples:
        if type(s) is BNode or type(o) is BNode:
            blank.append((s, p, o))
            continue
        subject = terms.get(s)
        if subject is None:
            subject = terms[s] = f"<{s}>"
        predicate = terms.get(p)
        if predicate is None:
            predicate = terms[p] = f"<{p}>"
        value = terms.get(o)
        if value is None:
            value = terms[o] = f"<{o}>" if type(o) is URIRef else nt_term(o)
        add(f"{subject} {predicate} {value} .\n".encode())
    lines.sort()
    return GraphLines(lines, blank)


def numbered_lines(
    keys: Sequence[tuple[str, ...]], triples: Iterable[tuple[int, ...]]
) -> GraphLines:
    """:func:`lines_of` of triples given as numbers into a table of term keys (see
    :class:`.entailment.Numbered`): each term's text made once, no rdflib term made but
    for a triple with a blank node."""
    triples = list(triples)
    text: list[str] = [""] * len(keys)
    blank_terms = set()
    for n in set(chain.from_iterable(triples)):
        key = keys[n]
        if key[0] == "I":
            text[n] = f"<{key[1]}>"
        elif key[0] == "B":
            blank_terms.add(n)
        else:
            text[n] = nt_term(rdfio.terms_of([key])[0])
    if blank_terms:
        blank = [t for t in triples if t[0] in blank_terms or t[2] in blank_terms]
        triples = [t for t in triples if t[0] not in blank_terms and t[2] not in blank_terms]
        terms = rdfio.terms_of([keys[n] for t in blank for n in t])
        blank_triples = list(zip(terms[0::3], terms[1::3], terms[2::3], strict=True))
    else:
        blank_triples = []
    lines = [f"{text[s]} {text[p]} {text[o]} .\n".encode() for s, p, o in triples]
    lines.sort()
    return GraphLines(lines, blank_triples)


def split_lines(text: bytes) -> list[bytes]:
    """N-Triples lines joined, apart again: each ends with the only ``\\n`` it holds (a
    literal's is escaped)."""
    return _LINE.findall(text)


_LINE = re.compile(rb"[^\n]*\n")


def nquads(lines: Iterable[bytes], graph: str) -> bytes:
    """N-Triples ``lines`` (each ending `` .\n``) as N-Quads in the named graph ``graph``."""
    end = f" <{graph}> .\n".encode()
    return b"".join([line[:-3] + end for line in lines])


def _by_subject(graph: Graph) -> Iterable[tuple[Node, Iterable[tuple[Node, Iterable[Node]]]]]:
    """``graph``'s triples by subject and predicate.

    A graph alone in rdflib's memory store (every graph the build makes) is read from the
    store's subject index directly: walking it is several times faster than
    ``Graph.triples``, which checks each triple's contexts. The walk is used only when it
    holds exactly the graph's triples; otherwise the graph is iterated as usual.
    """
    index = rdfio.subject_index(graph)
    if index is not None:
        return ((s, predicates.items()) for s, predicates in index.items())
    return (((s, [(p, [o])])) for s, p, o in graph)


def nt_term(term: Node) -> str:
    """One term in N-Triples (blank nodes by their rdflib label)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    assert isinstance(term, Literal), term
    if term.language:
        return str(pyoxigraph.Literal(str(term), language=term.language))
    datatype = pyoxigraph.NamedNode(str(term.datatype) if term.datatype else XSD_STRING)
    return str(pyoxigraph.Literal(str(term), datatype=datatype))


def blank_lines(triples: Sequence[Triple], prefix: str = "") -> list[bytes]:
    """Triples with blank nodes as sorted lines, the nodes labelled canonically (each
    label after ``prefix``)."""
    if not triples:
        return []
    graph = Graph(bind_namespaces="none")
    for triple in triples:
        graph.add(triple)
    lines = []
    for s, p, o in rdfio.canonical(graph):
        terms = [f"_:{prefix}{t}" if isinstance(t, BNode) else nt_term(t) for t in (s, p, o)]
        lines.append(f"{terms[0]} {terms[1]} {terms[2]} .\n".encode())
    return sorted(set(lines))


def merge(runs: Iterable[list[bytes]]) -> list[bytes]:
    """The sorted union of sorted runs of lines (Python's sort merges runs quickly); each
    line once: those unlike the line before them, compared in C (a third of the time
    ``dict.fromkeys`` took to hash the million lines of 10^6 triples)."""
    every: list[bytes] = []
    for run in runs:
        every += run
    every.sort()
    return list(compress(every, chain((True,), map(ne, islice(every, 1, None), every))))


def ntriples(lines: list[bytes]) -> bytes:
    return b"".join(lines)


def _oxigraph(nt: bytes, format: pyoxigraph.RdfFormat, prefixes: Mapping[str, str]) -> bytes:
    triples = pyoxigraph.parse(nt, format=pyoxigraph.RdfFormat.N_TRIPLES)
    data = pyoxigraph.serialize(triples, format=format, prefixes=dict(prefixes))
    assert data is not None  # no output file given, so the bytes are returned
    return data


def turtle(nt: bytes, prefixes: Mapping[str, str]) -> bytes:
    """Turtle of sorted N-Triples, subjects in line order."""
    return _oxigraph(nt, pyoxigraph.RdfFormat.TURTLE, prefixes)


def rdfxml(nt: bytes, prefixes: Mapping[str, str]) -> bytes:
    """RDF/XML (for owlready2 and Protégé) of sorted N-Triples, one description a subject."""
    return _oxigraph(nt, pyoxigraph.RdfFormat.RDF_XML, prefixes)


def trig_block(iri: str, nt: bytes, prefixes: Mapping[str, str]) -> bytes:
    """One graph of a TriG document: ``<iri> {`` its Turtle ``}`` (no prefix lines)."""
    return block_of(iri, turtle(nt, prefixes))


def block_of(iri: str, body: bytes) -> bytes:
    """The TriG block of graph ``iri`` whose Turtle document (Oxigraph's) is ``body``."""
    # Oxigraph's Turtle starts with one line per prefix, each ending " .", then the triples
    lines = body.split(b"\n")
    start = 0
    while start < len(lines) and lines[start].startswith(b"@prefix "):
        start += 1
    text = b"\n".join(lines[start:]).strip(b"\n")
    return b"<" + iri.encode() + b"> {\n" + text + b"\n}\n"


def trig(blocks: Iterable[bytes], prefixes: Mapping[str, str]) -> bytes:
    """A TriG document: the prefix declarations, then the blocks (already in IRI order)."""
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))
    return header.encode() + b"\n" + b"\n".join(blocks)


class Compactor:
    """IRIs as compact IRIs (``ckg:Event``) under the longest matching prefix, as JSON."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.known: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self.known.get(iri)
        if found is None:
            shown = iri
            for prefix, namespace in self.prefixes:
                rest = iri[len(namespace) :]
                if iri.startswith(namespace) and rest and not rest.startswith("//"):
                    shown = f"{prefix}:{rest}"
                    break
            found = self.known[iri] = json.dumps(shown, ensure_ascii=False)
        return found


def jsonld(lines: Sequence[bytes], prefixes: Mapping[str, str]) -> bytes:
    """Compacted JSON-LD of sorted N-Triples lines, with ``prefixes`` as its context."""
    return jsonld_document([jsonld_nodes(lines, prefixes)], prefixes)


def jsonld_document(parts: Iterable[bytes], prefixes: Mapping[str, str]) -> bytes:
    """The JSON-LD document of node runs made by :func:`jsonld_nodes` (in subject order):
    a run of a subject's nodes never depends on another run, so runs made apart and joined
    are the document made at once. The runs are UTF-8 already: joining bytes is a copy,
    where joining the text and encoding it took 0.5 s of a rebuild at 10^6 triples."""
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False).encode("utf-8")
    body = b",\n".join(part for part in parts if part)
    return b'{"@context": ' + context + b',\n "@graph": [\n' + body + b"\n ]}\n"


def jsonld_nodes(
    lines: Sequence[bytes], prefixes: Mapping[str, str], compact: Compactor | None = None
) -> bytes:
    """The node objects of sorted N-Triples lines, one a line, joined by ``,\\n``, in
    UTF-8.

    ``lines`` hold each of their subjects' every line (a subject is never cut in two);
    ``compact`` (for ``prefixes``) may be shared by the runs of one document.
    """
    if compact is None:
        compact = Compactor(prefixes)
    values: dict[str, str] = {}

    def value(term: str) -> str:
        found = values.get(term)
        if found is None:
            found = values[term] = _jsonld_value(term, compact)
        return found

    def node(subject: str, properties: list[tuple[str, list[str]]]) -> str:
        ident = json.dumps(f"{subject}") if subject.startswith("_:") else compact(subject[1:-1])
        parts = ['"@id": ' + ident]
        for key, items in properties:
            shown = items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"
            parts.append(f"{key}: {shown}")
        return "  {" + ", ".join(parts) + "}"

    nodes: list[str] = []
    subject = ""
    types: list[str] = []
    properties: list[tuple[str, list[str]]] = []
    last_predicate = ""
    type_predicate = RDF_TYPE.decode()
    for raw in lines:
        s, p, o = raw.decode()[:-3].split(" ", 2)
        if s != subject:
            if subject:
                nodes.append(node(subject, ([('"@type"', types)] if types else []) + properties))
            subject, types, properties, last_predicate = s, [], [], ""
        if p == type_predicate and o.startswith("<"):
            types.append(compact(o[1:-1]))
            continue
        if p != last_predicate:
            properties.append((compact(p[1:-1]), []))
            last_predicate = p
        properties[-1][1].append(value(o))
    if subject:
        nodes.append(node(subject, ([('"@type"', types)] if types else []) + properties))
    return ",\n".join(nodes).encode("utf-8")


def _jsonld_value(term: str, compact: Compactor) -> str:
    """An object term of an N-Triples line as a JSON-LD value."""
    if term.startswith("<"):
        return '{"@id": ' + compact(term[1:-1]) + "}"
    if term.startswith("_:"):
        return '{"@id": ' + json.dumps(term) + "}"
    end = term.rfind('"')
    lexical, suffix = term[: end + 1], term[end + 1 :]
    if not suffix:
        return lexical
    if suffix.startswith("@"):
        return '{"@language": ' + json.dumps(suffix[1:]) + ', "@value": ' + lexical + "}"
    return '{"@type": ' + compact(suffix[3:-1]) + ', "@value": ' + lexical + "}"


@dataclass
class Statistics:
    """What VoID and the catalogue count in the merge, from its sorted lines."""

    triples: int
    subjects: int
    objects: int
    entities: int  # subjects that are IRIs under the dataset's URI space
    predicates: Counter[str]  # IRI -> triples
    classes: dict[str, int]  # IRI -> distinct instances
    links: dict[tuple[str, str], int]  # (predicate IRI, object namespace) -> triples


@dataclass
class Tally:
    """The counts of a run of sorted lines that hold their subjects' every line: all of
    them add up over runs (a subject, so its classes and entities, is in one run only)
    but the distinct objects, kept as a set to be joined."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0
    objects: set[bytes] = field(default_factory=set)
    predicates: Counter[bytes] = field(default_factory=Counter)
    classes: Counter[bytes] = field(default_factory=Counter)  # class -> distinct instances
    links: Counter[tuple[str, str]] = field(default_factory=Counter)


def statistics(
    lines: Sequence[bytes], uri_space: str, links: Sequence[tuple[str, str]]
) -> Statistics:
    """Counts over sorted, unique N-Triples lines; ``links`` are (predicate IRI, object
    IRI namespace) pairs whose triples are counted."""
    return combine([tally(lines, uri_space, links)], links)


def tally(lines: Sequence[bytes], uri_space: str, links: Sequence[tuple[str, str]]) -> Tally:
    """The :class:`Tally` of sorted, unique lines (see :func:`statistics`)."""
    subjects = 0
    entities = 0
    previous = b""
    space = b"<" + uri_space.encode()
    objects: set[bytes] = set()
    predicates: list[bytes] = []
    members: dict[bytes, set[bytes]] = {}
    wanted = {f"<{p}>".encode(): f"<{ns}".encode() for p, ns in links}
    linked: Counter[tuple[str, str]] = Counter()
    for line in lines:
        s, p, rest = line.split(b" ", 2)
        o = rest[:-3]
        if s != previous:
            subjects += 1
            entities += s.startswith(space)
            previous = s
        predicates.append(p)
        objects.add(o)
        if p == RDF_TYPE and o.startswith(b"<"):
            members.setdefault(o, set()).add(s)
        elif p in wanted and o.startswith(wanted[p]):
            linked[(p.decode()[1:-1], wanted[p].decode()[1:])] += 1
    return Tally(
        triples=len(lines),
        subjects=subjects,
        entities=entities,
        objects=objects,
        predicates=Counter(predicates),
        classes=Counter({o: len(s) for o, s in members.items()}),
        links=linked,
    )


def combine(tallies: Iterable[Tally], links: Sequence[tuple[str, str]]) -> Statistics:
    """The statistics of the runs whose tallies are given, in line order."""
    total = Tally()
    objects: set[bytes] = set()
    for part in tallies:
        total.triples += part.triples
        total.subjects += part.subjects
        total.entities += part.entities
        objects.update(part.objects)
        total.predicates.update(part.predicates)
        total.classes.update(part.classes)
        total.links.update(part.links)
    return Statistics(
        triples=total.triples,
        subjects=total.subjects,
        objects=len(objects),
        entities=total.entities,
        predicates=Counter({p.decode()[1:-1]: n for p, n in total.predicates.items()}),
        classes={o.decode()[1:-1]: n for o, n in total.classes.items()},
        links={pair: total.links.get(pair, 0) for pair in links},
    )


def digest(*parts: bytes) -> str:
    """SHA-256 over ``parts`` (each length-prefixed, so no two sequences collide)."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big") + part)
    return hasher.hexdigest()
