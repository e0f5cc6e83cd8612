"""Reading RDF files with errors that name the file and line, and writing RDF deterministically.

Every writer here returns the same bytes for the same graph, whatever the order rdflib
happens to hold the triples in and whatever labels its blank nodes got: blank nodes are
relabelled canonically (RGDA1) and every list of triples, values or nodes is sorted.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.formats import format_by_name, format_for_path
from conflictkg.pipeline.iris import curie
from conflictkg.vocab import PREFIXES, VOID


def new_graph() -> Graph:
    """An empty graph bound to the project's prefixes and no others."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


_TERM_LOG = logging.getLogger("rdflib.term")
"""rdflib's logger of literal conversions (looked up once: ``getLogger`` takes a lock,
and a rebuild's reads of the merge silenced it a few thousand times)."""


@contextmanager
def _quiet_literal_conversion() -> Iterator[None]:
    # rdflib logs a full traceback for each ill-typed literal ("abc"^^xsd:integer); a person
    # should see one line naming the literal instead, which parse_file raises afterwards.
    logger = _TERM_LOG
    disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = disabled


def parse_file(path: Path, graph: Graph | None = None, *, format: str | None = None) -> Graph:
    """Parse an RDF file (format from its extension unless given) into ``graph``.

    Errors name the file and, where the parser reports it, the line and column. A literal
    whose lexical form does not fit its datatype is an error too (rdflib only logs it).
    """
    rdflib_format = format_by_name(format).rdflib if format else format_for_path(path).rdflib
    fresh = new_graph()
    data = _read_into(fresh, path, rdflib_format, "Turtle")
    _check_literals(path, fresh, data)
    if graph is None:
        return fresh
    bind_missing(graph, fresh)
    graph += fresh
    return graph


def _read_into(target: Graph, path: Path, rdflib_format: str, language: str) -> bytes:
    """Parse ``path`` into ``target``; returns the bytes read. Errors name file and line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConflictKGError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        with _quiet_literal_conversion(), warnings.catch_warnings():
            # rdflib's own JSON-LD/TriG parsers use its deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            target.parse(data=data, format=rdflib_format, publicID=path.resolve().as_uri())
    except BadSyntax as error:
        raise ConflictKGError(_bad_syntax_message(path, error, language)) from None
    except Exception as error:  # every parser raises its own kind
        raise ConflictKGError(_parse_error_message(path, rdflib_format, error)) from None
    return data


@dataclass
class ParsedDataset:
    """A TriG (or Turtle) file: its default graph and its named graphs (IRI -> graph)."""

    default: Graph
    named: dict[URIRef, Graph]


def parse_dataset(path: Path) -> ParsedDataset:
    """Parse a triples file as TriG: Turtle is TriG with only a default graph.

    Oxigraph parses (five times faster than rdflib's TriG parser) and the terms become
    rdflib's; on a syntax error rdflib parses again, for the message with line, column and
    the line's text that :func:`parse_file` gives. A named graph must be an IRI (a
    blank-node graph name could not be published or dereferenced).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConflictKGError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        parser = pyoxigraph.parse(
            data,
            format=pyoxigraph.RdfFormat.TRIG,
            base_iri=path.resolve().as_uri(),
            rename_blank_nodes=True,  # blank nodes of two files never meet
        )
        quads = list(parser)
    except SyntaxError as error:
        _read_into(Dataset(), path, "trig", "TriG")  # raises with rdflib's fuller message
        raise ConflictKGError(f"{path}: bad TriG syntax: {error}") from None
    default = new_graph()
    for prefix, namespace in sorted(parser.prefixes.items()):
        default.bind(prefix, namespace, override=False)
    term = _TermConverter()
    by_graph: dict[object, list[tuple[Node, Node, Node]]] = {}
    with _quiet_literal_conversion():
        for quad in quads:
            found = by_graph.get(quad.graph_name)
            if found is None:
                found = by_graph[quad.graph_name] = []
            found.append((term(quad.subject), term(quad.predicate), term(quad.object)))
    named: dict[URIRef, Graph] = {}
    for name, found in by_graph.items():
        if isinstance(name, pyoxigraph.DefaultGraph):
            fill(default, found)
        elif isinstance(name, pyoxigraph.NamedNode):
            graph = named[URIRef(name.value)] = new_graph()
            bind_missing(graph, default)
            fill(graph, found)
        else:
            raise ConflictKGError(f"{path}: a named graph must be named by an IRI, not {name}")
    ill_typed = {o for o in term.literals() if o.ill_typed}
    if ill_typed:  # rare: the triples are read again only to name each one
        triples = (t for g in (default, *named.values()) for t in g if t[2] in ill_typed)
        _check_literals(path, triples, data)
    return ParsedDataset(default, dict(sorted(named.items())))


_SHARED: dict[object, Node] = {}
"""IRIs and literals already made, shared by every :class:`_TermConverter`: the same
predicates, classes, shared resources and values recur in every triples file, rdflib's
constructors cost several microseconds each (a literal's value is parsed), and one object
each is cheaper to hash and compare later. Emptied when it reaches
:data:`_SHARED_LIMIT` entries. Blank nodes, renamed apart in each file, are not kept."""
_SHARED_LIMIT = 4_000_000


def _shared(key: object, make: Callable[[], Node]) -> Node:
    """The term kept in :data:`_SHARED` under ``key``, made (and kept) when absent."""
    found = _SHARED.get(key)
    if found is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
        found = _SHARED[key] = make()
    return found


class _TermConverter:
    """Oxigraph terms as rdflib terms, each distinct term converted once (IRIs and
    literals once for every converter, see :data:`_SHARED`)."""

    XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

    def __init__(self) -> None:
        self.known: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        found = self.known.get(term)
        if found is None:
            found = self.known[term] = self._shared(term)
        return found

    def literals(self) -> list[Literal]:
        """The literals this converter was given (each once)."""
        return [t for t in self.known.values() if type(t) is Literal]

    def _shared(self, term: object) -> Node:
        if isinstance(term, pyoxigraph.BlankNode):
            return BNode(term.value)
        return _shared(term, lambda: self._convert(term))

    def _convert(self, term: object) -> Node:
        if isinstance(term, pyoxigraph.NamedNode):
            return URIRef(term.value)
        assert isinstance(term, pyoxigraph.Literal), term
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == self.XSD_STRING:  # rdflib's Turtle parser gives a plain literal
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))


Packed = tuple[list[tuple[str, ...]], list[tuple[list[tuple[str, str]], list[int]]]]
"""Graphs as plain data (:func:`pack`): the terms, then each graph's prefixes and triples."""


def pack(graphs: Sequence[Graph]) -> Packed:
    """``graphs`` as plain data for pickling: a table of their terms (each once, as
    strings) and each graph's prefixes and triples (three indexes into the table each).

    Unpickling rdflib's own form rebuilds every term (an IRI checked, a literal's value
    parsed) and every index of every store through rdflib's Python-level hashing; the
    plain form is half the bytes, and :func:`unpack` makes each term once for all the
    graphs it reads (:data:`_SHARED`) and fills each store's indexes directly (:func:`fill`):
    about 40% less time for an incremental build's unchanged files.
    """
    numbers: dict[Node, int] = {}
    packed_graphs = []
    for graph in graphs:
        flat: list[int] = []
        for triple in each_triple(graph):
            for term in triple:
                number = numbers.get(term)
                if number is None:
                    number = numbers[term] = len(numbers)
                flat.append(number)
        prefixes = [(prefix, str(namespace)) for prefix, namespace in graph.namespaces()]
        packed_graphs.append((prefixes, flat))
    return [term_key(term) for term in numbers], packed_graphs


def unpack(packed: Packed) -> list[Graph]:
    """The graphs :func:`pack` was given: the same triples and prefixes."""
    table, packed_graphs = packed
    terms = terms_of(table)
    graphs = []
    for prefixes, flat in packed_graphs:
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in prefixes:
            graph.bind(prefix, namespace)
        nodes = [terms[n] for n in flat]
        fill(graph, zip(nodes[0::3], nodes[1::3], nodes[2::3], strict=True), distinct=True)
        graphs.append(graph)
    return graphs


def terms_of(table: list[tuple[str, ...]]) -> list[Node]:
    """The terms of a packed table, in its order (each IRI and literal made once for every
    table, see :data:`_SHARED`)."""
    with _quiet_literal_conversion():
        return [_from_key(key) for key in table]


def unpacked_triples(packed: Packed) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of every graph :func:`pack` was given, in turn, without making the
    graphs (the terms are those :func:`unpack` makes)."""
    table, packed_graphs = packed
    terms = terms_of(table)
    for _, flat in packed_graphs:
        nodes = [terms[n] for n in flat]
        yield from zip(nodes[0::3], nodes[1::3], nodes[2::3], strict=True)


PackedTriples = tuple[list[tuple[str, ...]], list[int]]


def pack_triples(triples: Iterable[tuple[Node, Node, Node]]) -> PackedTriples:
    """``triples`` as plain data for pickling (a table of their terms, three indexes into it
    per triple), as :func:`pack` keeps a graph's.

    Terms are told apart by object, not by value: rdflib hashes a literal in Python, and
    the terms of a build are mostly shared objects (:data:`_SHARED`). Two equal terms
    that are distinct objects take two places in the table, and come back as one object
    from :func:`terms_of`, like every term it makes.
    """
    numbers: dict[int, int] = {}
    terms: list[Node] = []
    flat: list[int] = []
    add = flat.append
    for triple in triples:
        for term in triple:
            number = numbers.get(id(term))
            if number is None:
                number = numbers[id(term)] = len(terms)
                terms.append(term)  # held, so that no id is reused meanwhile
            add(number)
    return [term_key(term) for term in terms], flat


def packed_objects(packed: Packed, graph: int, predicate: URIRef) -> set[Node]:
    """The objects of ``predicate`` in the ``graph``-th graph :func:`pack` was given,
    read from the plain data (no graph made)."""
    table, packed_graphs = packed
    try:
        wanted = table.index(("I", str(predicate)))
    except ValueError:
        return set()
    flat = packed_graphs[graph][1]
    found = {flat[i + 2] for i in range(0, len(flat), 3) if flat[i + 1] == wanted}
    with _quiet_literal_conversion():
        return {_from_key(table[n]) for n in found}


_LAST_KEYS: list[object] = [None, frozenset()]


def _keys_of(subjects: AbstractSet[Node]) -> frozenset[tuple[str, ...]]:
    """The plain-data keys of ``subjects``; made once for the same frozenset asked about
    many files in turn (the last one asked for is remembered: it cannot change)."""
    if _LAST_KEYS[0] is subjects:
        return _LAST_KEYS[1]  # type: ignore[return-value]
    keys = frozenset(term_key(subject) for subject in subjects)
    if isinstance(subjects, frozenset):
        _LAST_KEYS[:] = [subjects, keys]
    return keys


def packed_about(
    packed: Packed, subjects: AbstractSet[Node]
) -> list[list[tuple[Node, Node, Node]]]:
    """The triples about ``subjects`` in each graph :func:`pack` was given, read from the
    plain data (no graph made)."""
    table, packed_graphs = packed
    wanted = _keys_of(subjects)
    numbers = {n for n, key in enumerate(table) if key in wanted}
    if not numbers:
        return [[] for _ in packed_graphs]
    found = []
    with _quiet_literal_conversion():
        for _, flat in packed_graphs:
            found.append(
                [
                    (
                        _from_key(table[flat[i]]),
                        _from_key(table[flat[i + 1]]),
                        _from_key(table[flat[i + 2]]),
                    )
                    for i in range(0, len(flat), 3)
                    if flat[i] in numbers
                ]
            )
    return found


def prefix_pairs(graph: Graph) -> list[tuple[str, str]]:
    """The prefixes ``graph`` is bound to, as (prefix, namespace) strings (as :func:`pack`
    keeps them)."""
    return [(prefix, str(namespace)) for prefix, namespace in graph.namespaces()]


def term_key(term: Node) -> tuple[str, ...]:
    if type(term) is URIRef:
        return ("I", str(term))
    if type(term) is BNode:
        return ("B", str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else ""
        return ("L", str(term), term.language or "", datatype)
    if isinstance(term, URIRef):  # a subclass (rdflib's Namespace terms)
        return ("I", str(term))
    raise ConflictKGError(f"cannot keep the RDF term {term!r} in the cache")


def _from_key(key: tuple[str, ...]) -> Node:
    if key[0] == "B":
        return BNode(key[1])
    if key[0] == "I":
        return _shared(key, lambda: URIRef(key[1]))
    _, value, language, datatype = key
    return _shared(
        key,
        lambda: Literal(
            value, lang=language or None, datatype=URIRef(datatype) if datatype else None
        ),
    )


def fill(
    graph: Graph, triples: Iterable[tuple[Node, Node, Node]], *, distinct: bool = False
) -> None:
    """Add ``triples`` to an empty ``graph``, in their order, each once (``distinct``: the
    caller knows no triple comes twice, or does not mind: they are not looked up once more
    to drop the repeats, since hashing an rdflib literal runs Python code every time; a
    repeat put straight into the indexes, as below, only sets again what is set, so it
    costs nothing else).

    Straight into the indexes of rdflib's memory store: ``Graph.add`` keeps, for each
    triple, the contexts it is in, which costs five times the indexing itself (about 30 s
    per 10^6 triples). Every triple of a graph alone in its store has the same contexts
    (the graph and the store's default), which the store keeps once; the first triple goes
    through ``Graph.add`` so that rdflib records them itself. A graph that is not empty or
    not in a store of that shape gets the ordinary ``Graph.add``.
    """
    unique = iter(triples) if distinct else iter(dict.fromkeys(triples))
    first = next(unique, None)
    if first is None:
        return
    fresh = len(graph) == 0
    graph.add(first)
    if not fresh or not _index(graph, unique):
        for triple in unique:
            graph.add(triple)


def _index(graph: Graph, triples: Iterator[tuple[Node, Node, Node]]) -> bool:
    """Add ``triples`` (none in ``graph`` yet) to the indexes of ``graph``'s memory store,
    which holds exactly one triple; False (nothing done) if the store is not of that shape."""
    store = graph.store
    try:
        spo, pos, osp = store._Memory__spo, store._Memory__pos, store._Memory__osp  # type: ignore[attr-defined]
        by_context = store._Memory__contextTriples  # type: ignore[attr-defined]
        shared = store._Memory__defaultContexts  # type: ignore[attr-defined]
        own = store._Memory__tripleContexts  # type: ignore[attr-defined]
    except AttributeError:
        return False
    contexts = [c for c in (shared or {}) if c is not None]
    if type(store) is not Memory or own or len(contexts) != 1 or len(graph) != 1:
        return False
    in_graph, in_default = by_context[contexts[0]], by_context[None]
    add_to_graph, add_to_default = in_graph.add, in_default.add
    # index[first][second][third] = 1 in each index, as rdflib keeps them, in the loop
    # itself (a function call per index was three more calls per triple)
    for triple in triples:
        s, p, o = triple
        spo.setdefault(s, {}).setdefault(p, {})[o] = 1
        pos.setdefault(p, {}).setdefault(o, {})[s] = 1
        osp.setdefault(o, {}).setdefault(s, {})[p] = 1
        add_to_graph(triple)
        add_to_default(triple)
    return True


def each_triple(graph: Graph) -> Iterator[tuple[Node, Node, Node]]:
    """``graph``'s triples; a graph alone in rdflib's memory store (every graph the build
    parses or merges) is read from the store's subject index (:func:`subject_index`)."""
    index = subject_index(graph)
    if index is None:
        return iter(graph)
    return (
        (s, p, o)
        for s, predicates in index.items()
        for p, objects in predicates.items()
        for o in objects
    )


def with_predicates(graph: Graph, predicates: Iterable[Node]) -> list[tuple[Node, Node, Node]]:
    """``graph``'s triples of the ``predicates``; a graph alone in rdflib's memory store is
    read from the store's predicate index (as :func:`subject_index`, without the context
    checks of ``Graph.triples``)."""
    if subject_index(graph) is None:
        return [t for p in predicates for t in graph.triples((None, p, None))]
    index = graph.store._Memory__pos  # type: ignore[attr-defined]
    return [
        (s, p, o) for p in predicates for o, subjects in index.get(p, {}).items() for s in subjects
    ]


def subjects_of(graph: Graph, predicate: Node, value: Node) -> list[Node]:
    """The subjects of ``predicate`` with ``value`` in ``graph`` (``graph.subjects``, read
    from the store's predicate index when the graph is alone in rdflib's memory store)."""
    if subject_index(graph) is None:
        return list(graph.subjects(predicate, value))
    index = graph.store._Memory__pos  # type: ignore[attr-defined]
    return list(index.get(predicate, {}).get(value, ()))


def subject_index(graph: Graph) -> dict[Node, dict[Node, dict[Node, object]]] | None:
    """The subject index of rdflib's memory store (subject -> predicate -> objects) when
    ``graph`` is alone in that store, so the index holds exactly its triples; else None.

    Reading it directly is several times faster than ``Graph.triples`` or ``in``, which
    check each triple's contexts.
    """
    store = graph.store
    if type(store) is not Memory:
        return None
    index = getattr(store, "_Memory__spo", None)
    every = getattr(store, "_Memory__contextTriples", {}).get(None)
    # the store's set of every (unquoted) triple is the graph's own: the index holds nothing
    # else (counted in O(1), where summing the index cost a walk over it on every call)
    if isinstance(index, dict) and every is not None and len(every) == len(graph):
        return index
    return None


def bind_missing(target: Graph, *sources: Graph) -> None:
    """Bind in ``target`` each prefix of ``sources`` (in turn) whose prefix and namespace
    are both unbound there: the prefixes a file declares (beyond the project's own) keep
    the output readable. ``target``'s prefixes are read once, however many sources."""
    bind_prefixes(target, [prefix_pairs(source) for source in sources])


def bind_prefixes(target: Graph, sources: Iterable[Sequence[tuple[str, str]]]) -> None:
    """:func:`bind_missing` of sources given by their (prefix, namespace) pairs."""
    bound_prefixes = {prefix for prefix, _ in target.namespaces()}
    bound_namespaces = {str(namespace) for _, namespace in target.namespaces()}
    seen: set[tuple[str, str]] = set()
    for pairs in sources:
        for prefix, namespace in sorted(pairs):
            if (prefix, namespace) in seen:
                continue
            seen.add((prefix, namespace))
            if prefix and prefix not in bound_prefixes and str(namespace) not in bound_namespaces:
                target.bind(prefix, namespace, override=False)
                bound_prefixes.add(prefix)
                bound_namespaces.add(str(namespace))


def _bad_syntax_message(path: Path, error: BadSyntax, language: str = "Turtle") -> str:
    text = error._str.decode("utf-8", "replace")
    index = min(error._i, len(text))
    line_start = text.rfind("\n", 0, index) + 1
    line_end = text.find("\n", index)
    line_text = text[line_start : line_end if line_end >= 0 else len(text)]
    line = text.count("\n", 0, index) + 1
    column = index - line_start + 1
    pointer = " " * (column - 1) + "^"
    where = f"{path}:{line}:{column}"
    return f"{where}: bad {language} syntax: {error._why}\n    {line_text}\n    {pointer}"


def _parse_error_message(path: Path, rdflib_format: str, error: Exception) -> str:
    line = None
    for attribute in ("lineno", "line"):
        value = getattr(error, attribute, None)
        if isinstance(value, int):
            line = value
    get_line = getattr(error, "getLineNumber", None)  # xml.sax.SAXParseException
    if callable(get_line):
        line = get_line()
    where = f"{path}:{line}" if line else str(path)
    reason = getattr(error, "msg", None) or str(error) or type(error).__name__
    return f"{where}: cannot parse as {rdflib_format}: {reason}"


def _check_literals(path: Path, triples: Iterable[tuple[Node, Node, Node]], data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    problems = []
    for s, p, o in triples:
        if isinstance(o, Literal) and o.ill_typed:
            match = re.search(re.escape(f'"{o}"'), text)
            line = text.count("\n", 0, match.start()) + 1 if match else None
            where = f"{path}:{line}" if line else str(path)
            problems.append(
                f"{where}: {o!s:.60} is not a valid {short(o.datatype)} "
                f"(subject {short(s)}, property {short(p)})"
            )
    if problems:
        problems.sort()
        raise ConflictKGError(f"{path}: ill-typed literal(s)", details=problems)


def short(term: Any) -> str:
    """A term as a person reads it: ``ckr:person/x`` for IRIs under a known prefix."""
    if isinstance(term, URIRef):
        iri = str(term)
        shown = curie(iri)
        return shown if shown != iri else f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return repr(str(term)) if len(str(term)) < 80 else repr(str(term)[:77] + "...")
    return str(term)


# -- deterministic writers ---------------------------------------------------------------


def canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` with canonical blank-node labels and the prefixes it had."""
    result = new_graph()
    bind_missing(result, graph)
    labels = _tree_labels(graph)
    if labels is None:  # shared or cyclic blank nodes: the general algorithm (slow)
        result += to_canonical_graph(graph)
    else:
        for triple in graph:
            result.add(tuple(labels.get(t, t) for t in triple))  # type: ignore[arg-type]
    return result


def _tree_labels(graph: Graph) -> dict[Node, BNode] | None:
    """Labels for blank nodes that form trees (each referenced at most once), or None.

    Turtle's ``[ ... ]`` and ``( ... )`` always give trees. A node's label hashes its
    parent's label, the linking property and its whole subtree, so it depends on nothing
    but the graph. rdflib's general canonicalisation takes seconds on a shapes graph
    with hundreds of look-alike ``[ sh:class ... ]`` nodes; this takes milliseconds.
    """
    parents: dict[BNode, list[tuple[Node, Node]]] = {}
    children: dict[BNode, list[tuple[Node, Node]]] = {}
    for s, p, o in graph:
        if isinstance(s, BNode):
            children.setdefault(s, []).append((p, o))
        if isinstance(o, BNode):
            parents.setdefault(o, []).append((s, p))
            if len(parents[o]) > 1:
                return None
    content: dict[BNode, str] = {}

    def subtree(node: BNode, path: frozenset[BNode]) -> str | None:
        if node in path:
            return None  # a cycle
        if node not in content:
            parts = []
            for p, o in children.get(node, []):
                inner = subtree(o, path | {node}) if isinstance(o, BNode) else o.n3()
                if inner is None:
                    return None
                parts.append(f"{p.n3()} {inner}")
            content[node] = _digest("\n".join(sorted(parts)))
        return content[node]

    bnodes = set(parents) | set(children)
    for node in bnodes:
        if subtree(node, frozenset()) is None:
            return None
    labels: dict[Node, BNode] = {}
    taken: set[str] = set()

    def label(node: BNode) -> BNode:
        if node not in labels:
            parent = parents.get(node)
            if parent:
                s, p = parent[0]
                above = label(s).toPython() if isinstance(s, BNode) else s.n3()
                key = _digest(f"{above} {p.n3()} {content[node]}")
            else:
                key = content[node]
            # identical siblings are interchangeable: numbering them in any order
            # yields the same serialisation
            n, name = 0, "b" + key[:24]
            while name in taken:
                n += 1
                name = f"b{key[:24]}x{n}"
            taken.add(name)
            labels[node] = BNode(name)
        return labels[node]

    for node in sorted(bnodes, key=lambda b: content[b]):
        label(node)
    return labels


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_turtle(graph: Graph) -> bytes:
    """Turtle, sorted, blank nodes nested where referenced once; ontology headers first."""
    return _turtle(canonical(graph)).encode("utf-8")


def _turtle(graph: Graph) -> str:
    serializer = TurtleSerializer(graph)
    # the ontology header and the VoID dataset are read first, so they are written first
    serializer.topClasses = [OWL.Ontology, VOID.Dataset]
    stream = io.BytesIO()
    serializer.serialize(stream, encoding="utf-8")
    return stream.getvalue().decode("utf-8")


def to_ntriples(graph: Graph) -> bytes:
    """N-Triples, one line per triple, lines sorted."""
    return _sorted_ntriples(canonical(graph))


def _sorted_ntriples(graph: Graph) -> bytes:
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "".join(line + "\n" for line in lines).encode("utf-8")


def to_rdfxml(graph: Graph) -> bytes:
    """RDF/XML (for owlready2 and Protégé), one description per subject in sorted order."""
    # Oxigraph writes triples in the order given, grouping runs of one subject, so sorted
    # N-Triples in gives the same document out every time.
    triples = pyoxigraph.parse(to_ntriples(graph), format=pyoxigraph.RdfFormat.N_TRIPLES)
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.RDF_XML, prefixes=PREFIXES)
    assert data is not None  # no output file given, so the bytes are returned
    return data


def to_jsonld(graph: Graph) -> bytes:
    """Compacted JSON-LD with the project's prefixes as context; nodes and values sorted."""
    document = json.loads(canonical(graph).serialize(format="json-ld", context=dict(PREFIXES)))
    if isinstance(document, dict) and "@graph" in document:
        document["@graph"] = _sorted_values(document["@graph"])
    elif isinstance(document, dict) and len(document) > 1:  # one node, inlined by rdflib
        context = document.pop("@context", None)
        document = {"@context": context, "@graph": [_sorted_values(document)]}
    return (json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _sorted_values(value: Any) -> Any:
    if isinstance(value, list):
        items = [_sorted_values(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, dict):
        return {
            # an @list is ordered data (an RDF collection): keep its order
            key: ([_sorted_values(v) for v in val] if key == "@list" else _sorted_values(val))
            for key, val in value.items()
        }
    return value


def to_trig(graphs: Mapping[str, Graph]) -> bytes:
    """TriG with one block per named graph (graph IRI -> graph), blocks in IRI order."""
    prefix_lines: set[str] = set()
    blocks = []
    for index, iri in enumerate(sorted(graphs)):
        graph = canonical(graphs[iri])
        # blank-node labels are document-wide in TriG: keep each graph's apart
        relabelled = new_graph()
        bind_missing(relabelled, graph)
        for triple in graph:
            relabelled.add(
                tuple(BNode(f"g{index}{t}") if isinstance(t, BNode) else t for t in triple)  # type: ignore[arg-type]
            )
        body = []
        for line in _turtle(relabelled).splitlines():
            if line.startswith("@prefix "):
                prefix_lines.add(line)
            else:
                body.append(line)
        text = "\n".join(body).strip("\n")
        blocks.append(f"<{iri}> {{\n{text}\n}}\n")
    header = "\n".join(sorted(prefix_lines))
    return (header + "\n\n" + "\n".join(blocks)).encode("utf-8")


WRITERS = {
    "turtle": to_turtle,
    "ntriples": to_ntriples,
    "rdfxml": to_rdfxml,
    "jsonld": to_jsonld,
}


def serialize(graph: Graph, format: str) -> bytes:
    """``graph`` in the named format (``turtle``, ``ntriples``, ``rdfxml``, ``jsonld``)."""
    try:
        writer = WRITERS[format]
    except KeyError:
        raise ConflictKGError(f"cannot write RDF format {format!r}") from None
    return writer(graph)
