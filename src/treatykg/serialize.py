"""Deterministic, faithful serializers: the bytes that ``treatykg build`` publishes.

Why not ``Graph.serialize``? rdflib's Turtle, N-Triples and JSON-LD output follows set and dict
iteration order, so it changes with ``PYTHONHASHSEED`` once blank nodes are shared, and its
only canonical mode (``longturtle``, ``canon=True``) took 266 s on our shapes. Here every
statement is converted to pyoxigraph terms, sorted by a total key (graph, subject, predicate,
object, each in its N-Triples form; rdf:type first) and written by pyoxigraph, which keeps
lexical forms and blank node labels (our loader numbers those per file deterministically).
Same input, same bytes, in any process. Convert once with :func:`prepare` to write several
formats of the same graph.

JSON-LD is written by rdflib's JSON-LD serializer, compacted against the context made by
:func:`treatykg.context.build_context` (pyld's ``from_rdf`` + ``compact`` is as right but
takes seconds). rdflib emits nodes and values in hash order, so the document is then put in
a canonical order (:func:`canonical_tree`): JSON-LD arrays are unordered except ``@list``,
and the context declares no ``@list`` containers. The tests read the result back with pyld.

A format that cannot carry named graphs refuses them (:class:`NamedGraphsError`) instead of
merging them silently: the caller chooses TriG or N-Quads.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby, islice
from typing import Any, TypeAlias

import pyoxigraph as ox
from rdflib import RDF, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, ConjunctiveGraph
from rdflib.term import Node

from treatykg.errors import UsageError
from treatykg.namespaces import BASE, PREFIXES

# The kinds of https://w3id.org/treatykg/id/{kind}/{slug}, each with its own output prefix so
# that data IRIs print as state:prk. The bare id: prefix is left out: pyoxigraph would write
# id:state\/prk for any kind missing here. "org" is W3C ORG, so id/org/ is "organisation".
ID_KIND_PREFIXES: dict[str, str] = {
    "state": f"{BASE}id/state/",
    "person": f"{BASE}id/person/",
    "organisation": f"{BASE}id/org/",
    "office": f"{BASE}id/office/",
    "tenure": f"{BASE}id/tenure/",
    "place": f"{BASE}id/place/",
    "legal": f"{BASE}id/legal/",
    "norm": f"{BASE}id/norm/",
    "obligation": f"{BASE}id/obligation/",
    "condition": f"{BASE}id/condition/",
    "event": f"{BASE}id/event/",
    "quotation": f"{BASE}id/quotation/",
    "claim": f"{BASE}id/claim/",
    "source": f"{BASE}id/source/",
    "dataset": f"{BASE}id/dataset/",
}

OUTPUT_PREFIXES: dict[str, str] = {
    **{prefix: ns for prefix, ns in PREFIXES.items() if prefix != "id"},
    **ID_KIND_PREFIXES,
}
"""The prefixes every Turtle/TriG file we write declares, and only these, sorted by name."""

Statement: TypeAlias = tuple[Node, ...]
RdfInput: TypeAlias = "Graph | Iterable[Statement] | Prepared"
"""A Graph (triples), a Dataset (quads), an iterable of (s, p, o) or (s, p, o, g) tuples, or
statements already converted and sorted by :func:`prepare`."""


class NamedGraphsError(UsageError):
    """The statements are in named graphs and the requested format cannot say so."""


@dataclass(frozen=True)
class Prepared:
    """Statements converted to pyoxigraph terms and sorted, once, for several formats.

    Conversion and sorting are most of the cost of every RDF format here (the writing itself
    takes a few milliseconds), so a build that writes Turtle and N-Triples (or TriG and
    N-Quads) of the same graph should call :func:`prepare` once and pass the result to each.
    :func:`jsonld` accepts it too, but works from the rdflib source.
    """

    source: Graph | tuple[Statement, ...]
    quads: tuple[ox.Quad, ...]
    named_graph: str | None
    """A named graph the statements use (the first in order), or None if all are default."""

    def triples(self, format_name: str) -> list[ox.Triple]:
        """The triples, or NamedGraphsError if some statement is in a named graph."""
        if self.named_graph is not None:
            _refuse_named(self.named_graph, format_name)
        return [quad.triple for quad in self.quads]


def prepare(data: RdfInput) -> Prepared:
    """Convert and sort ``data`` once: the common first step of every serializer."""
    if isinstance(data, Prepared):
        return data
    source = data if isinstance(data, Graph) else tuple(data)
    quads = _sorted_quads(source)
    named = next((q.graph_name.value for q in quads if q.graph_name != _DEFAULT), None)
    return Prepared(source, tuple(quads), named)


# --- formats -----------------------------------------------------------------------------------


def turtle(data: RdfInput, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
    """Turtle, grouped by subject, one predicate per line; refuses named graphs."""
    triples = prepare(data).triples("Turtle")
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return _with_sorted_header(body, prefixes)


def ntriples(data: RdfInput) -> bytes:
    """N-Triples, one statement per line in sorted order; refuses named graphs."""
    return ox.serialize(prepare(data).triples("N-Triples"), format=ox.RdfFormat.N_TRIPLES)


def trig(data: RdfInput, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
    """TriG: the default graph first, then each named graph once, in IRI order."""
    body = ox.serialize(prepare(data).quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    return _with_sorted_header(body, prefixes)


def nquads(data: RdfInput) -> bytes:
    """N-Quads, one statement per line in sorted order (default graph first)."""
    return ox.serialize(prepare(data).quads, format=ox.RdfFormat.N_QUADS)


def jsonld(data: RdfInput, context: Mapping[str, Any]) -> bytes:
    """Compacted JSON-LD 1.1 with ``context`` inline, as canonical JSON.

    The context is embedded, not referenced by URL: the dump then loads offline in any
    processor, including our own strict loader, which never fetches a remote context.
    Top-level nodes are sorted by ``id``, every other array by its canonical JSON; ``@list``
    keeps its order. A named graph becomes a top-level node with an ``@graph`` of its own.
    """
    source = data.source if isinstance(data, Prepared) else data
    graph = _rdflib_graph(source)
    _refuse_lossy_native_literals(graph)
    text = graph.serialize(format="json-ld", context=dict(context), auto_compact=False)
    document = json.loads(text)
    nodes = document.get("@graph", [document]) if "@graph" in document or len(graph) else []
    if "@graph" not in document:
        nodes = [{k: v for k, v in document.items() if k != "@context"}] if len(graph) else []
    return canonical_json({"@context": dict(context), "@graph": canonical_tree(nodes)})


# rdflib writes xsd:integer, xsd:boolean and xsd:double literals as JSON numbers and
# booleans whenever a context is active, which keeps the value but not a non-canonical
# lexical form ("01" comes back as "1"). Such literals are refused rather than changed.
_NATIVE_FORMS = {
    XSD.integer: re.compile(r"-?(0|[1-9][0-9]*)"),
    XSD.boolean: re.compile(r"true|false"),
    XSD.double: re.compile(r"-?[0-9]\.[0-9]+E-?[0-9]+"),
}


def _refuse_lossy_native_literals(graph: Graph) -> None:
    for _s, _p, o in graph.triples((None, None, None)):
        form = _NATIVE_FORMS.get(o.datatype) if isinstance(o, Literal) else None
        if form is not None and not form.fullmatch(str(o)):
            raise UsageError(
                f"cannot write {o.n3()} to JSON-LD without changing its lexical form: "
                "write it in canonical form (e.g. 1 rather than 01, true rather than 1)"
            )


def canonical_tree(value: Any) -> Any:
    """Every JSON array in a stable order, recursively, except the ordered ``@list``.

    Node objects sort by their identifier, everything else by its canonical JSON text, so
    hash-ordered output (rdflib's, pyld's) becomes byte-stable.
    """
    if isinstance(value, dict):
        return {k: (v if k == "@list" else canonical_tree(v)) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical_tree(v) for v in value), key=_json_sort_key)
    return value


def _json_sort_key(value: Any) -> tuple[str, str]:
    identifier = value.get("id", value.get("@id")) if isinstance(value, dict) else None
    if isinstance(identifier, str):
        return ("0", identifier)
    return ("1", json.dumps(value, sort_keys=True, ensure_ascii=False))


def _rdflib_graph(source: Graph | tuple[Statement, ...]) -> Graph:
    """An rdflib graph of the statements: a Dataset when some are in named graphs.

    A plain Graph is used as it is (copying 4k triples costs more than serializing them).
    """
    if isinstance(source, Graph) and not isinstance(source, ConjunctiveGraph):
        return source
    statements = list(_statements(source))
    if any(g is not None for *_, g in statements):
        dataset = Dataset()
        for s, p, o, g in statements:
            dataset.graph(g if g is not None else DATASET_DEFAULT_GRAPH_ID).add((s, p, o))
        return dataset
    graph = Graph(bind_namespaces="none")
    for s, p, o, _ in statements:
        graph.add((s, p, o))
    return graph


def canonical_json(document: Any) -> bytes:
    """Sorted keys, two-space indent, UTF-8 unescaped, trailing newline: stable bytes."""
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


@dataclass(frozen=True)
class Format:
    """An output format: its serializer, file suffix and IANA media type."""

    name: str
    function: Callable[..., bytes]
    suffix: str
    media_type: str
    named_graphs: bool
    """Whether the format can carry named graphs (else the function refuses them)."""
    needs_context: bool = False

    def write(self, data: RdfInput, context: Mapping[str, Any] | None = None) -> bytes:
        """Call the serializer; ``context`` is required by JSON-LD and ignored otherwise."""
        if not self.needs_context:
            return self.function(data)
        if context is None:
            raise UsageError(f"the {self.name} format needs a JSON-LD context")
        return self.function(data, context)


FORMATS: dict[str, Format] = {
    "turtle": Format("turtle", turtle, ".ttl", "text/turtle", named_graphs=False),
    "ntriples": Format("ntriples", ntriples, ".nt", "application/n-triples", named_graphs=False),
    "trig": Format("trig", trig, ".trig", "application/trig", named_graphs=True),
    "nquads": Format("nquads", nquads, ".nq", "application/n-quads", named_graphs=True),
    "jsonld": Format(
        "jsonld", jsonld, ".jsonld", "application/ld+json", named_graphs=True, needs_context=True
    ),
}


def get_format(name: str) -> Format:
    """The format called ``name``; a UsageError listing the known ones otherwise."""
    found = FORMATS.get(name)
    if found is None:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"unknown output format {name!r}; known formats: {known}")
    return found


# --- statements and pyoxigraph terms ------------------------------------------------------------


def _statements(data: RdfInput) -> Iterator[tuple[Node, Node, Node, Node | None]]:
    """(s, p, o, graph name or None for the default graph) for every supported input."""
    if isinstance(data, ConjunctiveGraph):  # Dataset included: keep the graph of each quad
        default = _default_graph_ids(data)
        for s, p, o, g in data.quads((None, None, None, None)):
            name = g.identifier if isinstance(g, Graph) else g
            yield s, p, o, (None if name is None or name in default else name)
    elif isinstance(data, Graph):
        for s, p, o in data:
            yield s, p, o, None
    else:
        for statement in data:
            if len(statement) == 3:
                yield statement[0], statement[1], statement[2], None
            elif len(statement) == 4:
                g = statement[3]
                name = g.identifier if isinstance(g, Graph) else g
                yield (*statement[:3], None if name == DATASET_DEFAULT_GRAPH_ID else name)
            else:
                raise TypeError(f"expected (s, p, o) or (s, p, o, g), got {statement!r}")


def _default_graph_ids(data: ConjunctiveGraph) -> set[Node | None]:
    if isinstance(data, Dataset):
        return {DATASET_DEFAULT_GRAPH_ID}
    with warnings.catch_warnings():  # rdflib 7 deprecates the attribute, not the concept
        warnings.simplefilter("ignore", DeprecationWarning)
        return {DATASET_DEFAULT_GRAPH_ID, data.default_context.identifier}


def _refuse_named(graph: Node | str | None, format_name: str) -> bool:
    if graph is not None:
        raise NamedGraphsError(
            f"{format_name} output does not carry named graphs, but the input has statements in "
            f"<{graph}>; write TriG or N-Quads instead (or merge the graphs on purpose)"
        )
    return True


_RDF_TYPE = f"<{RDF.type}>"
_DEFAULT = ox.DefaultGraph()


def _sorted_quads(data: Graph | Iterable[Statement]) -> list[ox.Quad]:
    """The statements as pyoxigraph quads, sorted by (graph, s, p, o) in N-Triples form.

    One exception to N-Triples order, for readers: rdf:type comes first (``a`` leads each
    subject, as people write Turtle). The key stays total, so the order is fully determined.
    """
    convert = _ToOxigraph()
    keyed: list[tuple[tuple[str, str, str, str], tuple[Any, Any, Any, Any]]] = []
    for s, p, o, g in _statements(data):
        (ox_s, key_s), (ox_p, key_p), (ox_o, key_o) = convert(s), convert(p), convert(o)
        ox_g, key_g = (_DEFAULT, "") if g is None else convert(g)
        if key_p == _RDF_TYPE:
            key_p = ""
        keyed.append(((key_g, key_s, key_p, key_o), (ox_s, ox_p, ox_o, ox_g)))
    keyed.sort(key=lambda item: item[0])
    return [ox.Quad(*terms) for _, terms in keyed]


class _ToOxigraph:
    """rdflib term -> (pyoxigraph term, its N-Triples form), caching IRIs and blank nodes."""

    def __init__(self) -> None:
        # Keyed by (type, text): rdflib's own __hash__/__eq__ are slow Python code.
        self._cache: dict[tuple[type, str], tuple[Any, str]] = {}

    def __call__(self, term: Node) -> tuple[Any, str]:
        if isinstance(term, Literal):  # never cached: rdflib equates "a"@EN and "a"@en
            literal = _ox_literal(term)
            return literal, str(literal)
        key = (type(term), str(term))
        found = self._cache.get(key)
        if found is None:
            if isinstance(term, URIRef):
                node: Any = ox.NamedNode(str(term))
            elif isinstance(term, BNode):
                node = ox.BlankNode(str(term))  # keep the label: the loader made it stable
            else:
                raise TypeError(f"cannot serialize RDF term {term!r}")
            found = self._cache[key] = (node, str(node))
        return found


def _ox_literal(term: Literal) -> ox.Literal:
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is None:
        return ox.Literal(str(term))
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))


def _with_sorted_header(body: bytes, prefixes: Mapping[str, str]) -> bytes:
    """Replace pyoxigraph's prefix lines (longest namespace first) by ours, sorted by name.

    The order should not depend on a library's internals; if pyoxigraph's header ever
    differs from exactly one ``@prefix`` line per prefix, fail loudly rather than guess.
    """
    if not prefixes:
        return body
    ours = [f"@prefix {p}: <{ns}> .".encode() for p, ns in sorted(prefixes.items())]
    if not body:  # pyoxigraph writes nothing at all for an empty graph
        return b"\n".join(ours) + b"\n"
    *header, rest = body.split(b"\n", len(prefixes))
    if sorted(header) != sorted(ours):
        raise RuntimeError(f"unexpected prefix header from pyoxigraph: {header[:3]!r}…")
    return b"\n".join(ours) + (b"\n\n" + rest if rest else b"\n")


# --- sorting ----------------------------------------------------------------------------------


def term_key(term: Node) -> tuple[int, str, str, str]:
    """A total order on RDF terms: IRIs, then blank nodes, then literals."""
    if isinstance(term, URIRef):
        return (0, str(term), "", "")
    if isinstance(term, BNode):
        return (1, str(term), "", "")
    if isinstance(term, Literal):
        return (2, str(term), term.language or "", str(_datatype(term) or ""))
    raise TypeError(f"cannot serialize RDF term {term!r}")


def _datatype(term: Literal) -> URIRef | None:
    return None if term.datatype in (None, XSD.string) else term.datatype


# --- statements at corpus scale -----------------------------------------------------------------

_TYPE_PREDICATE = f" <{RDF.type}> ".encode()


@dataclass(frozen=True)
class Canonical:
    """Statements deduplicated and sorted as N-Triples/N-Quads lines, for every dump format.

    The same order as :func:`prepare` (graph, subject, predicate with rdf:type first, object,
    each compared in N-Triples form), reached without converting terms in Python: pyoxigraph
    writes the lines and they are sorted as bytes. Terms are self-delimiting in that form, so
    comparing lines compares the terms one after the other, and UTF-8 keeps code point order.
    """

    default: tuple[bytes, ...]
    """Sorted N-Triples lines of the default graph (no newline)."""
    named: tuple[tuple[bytes, tuple[bytes, ...]], ...]
    """(graph term, its sorted N-Triples lines) per named graph, by graph term."""
    statements: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)
    """The pyoxigraph quads of :attr:`default`, one per line in the same order, when they
    are at hand (:func:`canonical` keeps them): the writers then need not parse the lines."""

    def __len__(self) -> int:
        return len(self.default) + sum(len(lines) for _, lines in self.named)

    def ntriples(self) -> bytes:
        if self.named:
            _refuse_named(self.named[0][0].decode()[1:-1], "N-Triples")
        return _joined(self.default)

    def ntriples_of(self, *, with_named: bool = False) -> bytes:
        """N-Triples of the default graph, or of every graph merged (for statistics)."""
        if not with_named:
            return _joined(self.default)
        return b"".join([_joined(self.default), *(_joined(lines) for _, lines in self.named)])

    def nquads(self) -> bytes:
        parts = [_joined(self.default)]
        for graph, lines in self.named:
            suffix = b" " + graph + b" ."
            parts.append(b"".join(line[:-2] + suffix + b"\n" for line in lines))
        return b"".join(parts)

    def turtle(self, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
        if self.named:
            _refuse_named(self.named[0][0].decode()[1:-1], "Turtle")
        body = ox.serialize(self._default(), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        return _with_sorted_header(body, prefixes)

    def _default(self) -> Iterator[Any]:
        """The default graph's statements in order, as pyoxigraph terms."""
        if self.statements is not None:
            return iter(self.statements)
        return ox.parse(_joined(self.default), format=ox.RdfFormat.N_TRIPLES)

    def _quads(self) -> Iterator[Any]:
        yield from self._default()
        for graph, lines in self.named:
            name = _graph_term(graph)
            for triple in ox.parse(_joined(lines), format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, name)

    def trig(self, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
        body = ox.serialize(self._quads(), format=ox.RdfFormat.TRIG, prefixes=prefixes)
        return _with_sorted_header(body, prefixes)

    def jsonld(self) -> bytes:
        """Expanded JSON-LD 1.1 written by pyoxigraph: one node object per line, in order.

        Expanded, not compacted: compaction in Python (rdflib, pyld) is the slowest part of a
        large build. Every JSON-LD processor reads it; ``context.jsonld`` compacts it, and
        ``treatykg.framed.jsonld`` is the compacted, nested view for web pages.

        One line per node object, so that a diff of two releases shows what changed: the
        lines are sorted by subject, so pyoxigraph is given one subject at a time (one named
        graph at a time: a graph object is one line) and each answer is one line. Reading
        pyoxigraph's whole document back with ``json`` to split it cost twice as much.
        """
        # One parser reads every line; each node object takes its subject's run of lines.
        runs = [len(list(run)) for _, run in groupby(map(_subject_of, self.default))]
        triples = self._default()
        nodes = [_json_ld(islice(triples, length)) for length in runs]
        for graph, lines in self.named:
            name = _graph_term(graph)
            triples = ox.parse(_joined(lines), format=ox.RdfFormat.N_TRIPLES)
            nodes.append(_json_ld(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples))
        return b"[\n" + b",\n".join(nodes) + b"\n]\n" if nodes else b"[]\n"


def _subject_of(line: bytes) -> bytes:
    return line[: line.index(b" ")]


def _graph_term(graph: bytes) -> Any:
    text = graph.decode()
    return ox.NamedNode(text[1:-1]) if text.startswith("<") else ox.BlankNode(text[2:])


def _json_ld(statements: Iterable[Any]) -> bytes:
    """pyoxigraph's JSON-LD of one subject's triples (or one graph's quads): one node object."""
    text = ox.serialize(statements, format=ox.RdfFormat.JSON_LD)
    if not (text.startswith(b"[{") and text.endswith(b"}]")) or b"\n" in text:
        raise RuntimeError(f"unexpected JSON-LD from pyoxigraph: {text[:80]!r}…")
    return text[1:-1]


def _joined(lines: tuple[bytes, ...]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def canonical(quads: Iterable[Any], *, named_graphs: bool = True) -> Canonical:
    """Deduplicate and sort pyoxigraph quads (or triples) into a :class:`Canonical`.

    ``named_graphs=False`` promises that every quad is in the default graph, which spares
    reading each quad's graph name in Python (~1 µs a quad).
    """
    if not named_graphs:
        lines, statements = _sorted_statements(list(quads))
        return Canonical(lines, (), statements)
    default: list[Any] = []
    graphs: dict[str, list[Any]] = {}
    for quad in quads:
        graph = quad.graph_name
        if type(graph) is ox.DefaultGraph:
            default.append(quad)
        else:
            graphs.setdefault(str(graph), []).append(quad.triple)
    named = tuple(
        (name.encode(), _sorted_statements(triples)[0]) for name, triples in sorted(graphs.items())
    )
    lines, statements = _sorted_statements(default)
    return Canonical(lines, named, statements)


def _sorted_statements(quads: list[Any]) -> tuple[tuple[bytes, ...], tuple[Any, ...]]:
    """The distinct N-Triples lines of ``quads`` in canonical order, and a quad for each."""
    lines = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).split(b"\n")
    if lines.pop() != b"" or len(lines) != len(quads):  # one line per quad, newline-ended
        raise RuntimeError("pyoxigraph did not write one N-Quads line per quad")
    # A dict drops duplicates and keeps the input's order: files give a subject's statements
    # together, and Python's sort is several times faster on runs already in order.
    index = dict(zip(lines, range(len(lines)), strict=True))
    ordered = tuple(sorted(index, key=line_key))
    return ordered, tuple(quads[index[line]] for line in ordered)


def line_key(line: bytes) -> bytes:
    """The sort key of an N-Triples line: rdf:type sorts before every other predicate of its
    subject (see :func:`_sorted_quads`)."""
    space = line.find(b" ")
    if line.startswith(_TYPE_PREDICATE, space):
        return line[:space] + b" \x00" + line[space + len(_TYPE_PREDICATE) - 1 :]
    return line
