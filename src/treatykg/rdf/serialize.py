"""Deterministic, faithful serializers: the bytes that ``treatykg build`` publishes.

Why not ``Graph.serialize``? rdflib's Turtle, N-Triples and JSON-LD output follows set and dict
iteration order, so it changes with ``PYTHONHASHSEED`` once blank nodes are shared, and its
only canonical mode (``longturtle``, ``canon=True``) took 266 s on our shapes. Here every
statement is converted to pyoxigraph terms, sorted by a total key (graph, subject, predicate,
object, each in its N-Triples form; rdf:type first: :func:`line_key`, the order of statements
in files, where :func:`treatykg.rdf.terms.term_key` is the order of terms in lists) and
written by pyoxigraph, which keeps lexical forms and blank node labels (our loader numbers
those per file deterministically). Same input, same bytes, in any process. Convert once with
:func:`prepare` to write several formats of the same graph. A corpus is not converted at all:
:func:`sort_statements` sorts pyoxigraph quads as N-Triples lines (:class:`SortedStatements`).

JSON-LD is written by rdflib's JSON-LD serializer, compacted against the context made by
:func:`treatykg.publish.jsonld.build_context` (pyld's ``from_rdf`` + ``compact`` is as right but
takes seconds). rdflib emits nodes and values in hash order, so the document is then put in
a canonical order (:func:`canonical_tree`): JSON-LD arrays are unordered except ``@list``,
and the context declares no ``@list`` containers. The tests read the result back with pyld.

A format that cannot carry named graphs refuses them (:class:`NamedGraphsError`) instead of
merging them silently: the caller chooses TriG or N-Quads.
"""

from __future__ import annotations

import inspect
import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby, islice
from typing import Any, TypeAlias

import pyoxigraph as ox
from rdflib import XSD, Dataset, Graph, Literal
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, ConjunctiveGraph
from rdflib.term import IdentifiedNode, Node

from treatykg.errors import UsageError
from treatykg.namespaces import BASE, PREFIXES
from treatykg.rdf import formats
from treatykg.rdf.jsonld_types import types_as_keyword
from treatykg.rdf.sorted_lines import line_key
from treatykg.rdf.terms import TermConverter

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
    graphs = (q.graph_name for q in quads)
    named = next((g.value for g in graphs if not isinstance(g, ox.DefaultGraph)), None)
    return Prepared(source, tuple(quads), named)


# --- formats -----------------------------------------------------------------------------------


def turtle(data: RdfInput, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
    """Turtle, grouped by subject, one predicate per line; refuses named graphs."""
    triples = prepare(data).triples("Turtle")
    body = _serialize(triples, ox.RdfFormat.TURTLE, prefixes)
    return _with_sorted_header(body, prefixes)


def ntriples(data: RdfInput) -> bytes:
    """N-Triples, one statement per line in sorted order; refuses named graphs."""
    return _serialize(prepare(data).triples("N-Triples"), ox.RdfFormat.N_TRIPLES)


def trig(data: RdfInput, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
    """TriG: the default graph first, then each named graph once, in IRI order."""
    body = _serialize(prepare(data).quads, ox.RdfFormat.TRIG, prefixes)
    return _with_sorted_header(body, prefixes)


def nquads(data: RdfInput) -> bytes:
    """N-Quads, one statement per line in sorted order (default graph first)."""
    return _serialize(prepare(data).quads, ox.RdfFormat.N_QUADS)


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
    _integers_as_numbers(nodes, context)
    return canonical_json({"@context": dict(context), "@graph": canonical_tree(nodes)})


# rdflib writes xsd:integer, xsd:boolean and xsd:double literals as JSON numbers and
# booleans whenever a context is active, which keeps the value but not a non-canonical
# lexical form ("01" comes back as "1"). Such literals are refused rather than changed.
_NATIVE_FORMS = {
    XSD.integer: re.compile(r"-?(0|[1-9][0-9]*)"),
    XSD.boolean: re.compile(r"true|false"),
    XSD.double: re.compile(r"-?[0-9]\.[0-9]+E-?[0-9]+"),
}


def integer_number(lexical: str) -> int | None:
    """The JSON number to write for a derived integer literal (``xsd:positiveInteger`` …)
    under a term that declares its datatype, or None to keep the string.

    A JSON number under such a term reads back as the same literal (JSON-LD writes an
    integral number in the canonical form, with the term's datatype), so only a canonical
    lexical form (no sign on 0, no leading zero or +) may become one, and only a number
    JavaScript holds exactly (``Number.isSafeInteger``): ``"articleCount": 23``, not ``"23"``.
    """
    if not _CANONICAL_INTEGER.fullmatch(lexical):
        return None
    number = int(lexical)
    return number if abs(number) <= _SAFE_INTEGER else None


_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,15}")
_SAFE_INTEGER = 2**53 - 1

#: The derived integer datatypes (compact, as the context names them) written as numbers.
_DERIVED_INTEGERS = frozenset(
    f"xsd:{name}"
    for name in (
        *("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger"),
        *("long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort"),
        "unsignedByte",
    )
)


def _integers_as_numbers(nodes: Any, context: Mapping[str, Any]) -> None:
    """Derived integers under a term declaring their datatype as JSON numbers, in place
    (rdflib writes them as strings; see :func:`integer_number`)."""
    keys = {
        term
        for term, definition in context.items()
        if isinstance(definition, dict) and definition.get("@type") in _DERIVED_INTEGERS
    }
    if keys:
        _numbers_under(nodes, keys)


def _numbers_under(value: Any, keys: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _numbers_under(item, keys)
    elif isinstance(value, dict):
        for key, member in value.items():
            if key in keys:
                items = member if isinstance(member, list) else [member]
                numbers = [integer_number(v) if isinstance(v, str) else None for v in items]
                converted = [v if n is None else n for v, n in zip(items, numbers, strict=True)]
                value[key] = converted if isinstance(member, list) else converted[0]
            else:
                _numbers_under(member, keys)


def _refuse_lossy_native_literals(graph: Graph) -> None:
    for _s, _p, o in graph.triples((None, None, None)):
        datatype = o.datatype if isinstance(o, Literal) else None
        form = _NATIVE_FORMS.get(datatype) if datatype is not None else None
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


def _rdflib_graph(source: Graph | Iterable[Statement]) -> Graph:
    """An rdflib graph of the statements: a Dataset when some are in named graphs.

    A plain Graph is used as it is (copying 4k triples costs more than serializing them).
    """
    if isinstance(source, Graph) and not isinstance(source, ConjunctiveGraph):
        return source
    statements = list(_statements(source))
    if any(g is not None for *_, g in statements):
        dataset = Dataset()
        for s, p, o, g in statements:
            dataset.graph(DATASET_DEFAULT_GRAPH_ID if g is None else g).add((s, p, o))
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
class Writer:
    """A format of :mod:`treatykg.rdf.formats` that this module writes, with its function."""

    format: formats.Format
    function: Callable[..., bytes]

    @property
    def name(self) -> str:
        return self.format.key

    @property
    def suffix(self) -> str:
        return self.format.suffix

    @property
    def media_type(self) -> str:
        return self.format.media_type

    @property
    def named_graphs(self) -> bool:
        """Whether the format can carry named graphs (else the function refuses them)."""
        return self.format.named_graphs

    @property
    def needs_context(self) -> bool:
        """Whether the function takes a JSON-LD context (JSON-LD does)."""
        return "context" in inspect.signature(self.function).parameters

    def write(self, data: RdfInput, context: Mapping[str, Any] | None = None) -> bytes:
        """Call the serializer; ``context`` is required by JSON-LD and ignored otherwise."""
        if not self.needs_context:
            return self.function(data)
        if context is None:
            raise UsageError(f"the {self.name} format needs a JSON-LD context")
        return self.function(data, context)


#: The formats written here, by key: each row of the format table that names a ``writer``
#: (one of this module's functions: ``turtle``, ``ntriples``, ``trig``, ``nquads``, ``jsonld``).
FORMATS: dict[str, Writer] = {
    f.key: Writer(f, globals()[f.writer]) for f in formats.FORMATS if f.writer is not None
}


def get_format(name: str) -> Writer:
    """The format called ``name``; a UsageError listing the known ones otherwise."""
    found = FORMATS.get(name)
    if found is None:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"unknown output format {name!r}; known formats: {known}")
    return found


# --- statements and pyoxigraph terms ------------------------------------------------------------


def _statements(
    data: Graph | Iterable[Statement],
) -> Iterator[tuple[Node, Node, Node, IdentifiedNode | None]]:
    """(s, p, o, graph name or None for the default graph) for every supported input."""
    if isinstance(data, ConjunctiveGraph):  # Dataset included: keep the graph of each quad
        default = _default_graph_ids(data)
        for s, p, o, g in data.quads((None, None, None, None)):
            name = _graph_name(g)
            yield s, p, o, (None if name is None or name in default else name)
    elif isinstance(data, Graph):
        for s, p, o in data:
            yield s, p, o, None
    else:
        for statement in data:
            if len(statement) == 3:
                yield statement[0], statement[1], statement[2], None
            elif len(statement) == 4:
                name = _graph_name(statement[3])
                s, p, o = statement[:3]
                yield s, p, o, (None if name == DATASET_DEFAULT_GRAPH_ID else name)
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


_DEFAULT = ox.DefaultGraph()


def _sorted_quads(data: Graph | Iterable[Statement]) -> list[ox.Quad]:
    """The statements as pyoxigraph quads, in the order of the dumps: by graph (the default
    graph first, then each by name in N-Triples form), then by :func:`line_key` (subject,
    predicate with rdf:type first, object, in N-Triples form): the order
    :func:`sort_statements` gives at corpus scale, from one definition.
    """
    convert = TermConverter().to_oxigraph
    keyed: list[tuple[tuple[str, bytes], tuple[Any, Any, Any, Any]]] = []
    for s, p, o, g in _statements(data):
        (ox_s, key_s), (ox_p, key_p), (ox_o, key_o) = convert(s), convert(p), convert(o)
        ox_g, key_g = (_DEFAULT, "") if g is None else convert(g)
        line = f"{key_s} {key_p} {key_o} .".encode()
        keyed.append(((key_g, line_key(line)), (ox_s, ox_p, ox_o, ox_g)))
    keyed.sort(key=lambda item: item[0])
    return [ox.Quad(*terms) for _, terms in keyed]


def nquads_text(quads: Iterable[Any]) -> bytes:
    """pyoxigraph quads as N-Quads lines, one per quad, each newline-ended (a quad in the
    default graph is an N-Triples line): what the dumps are sorted from."""
    return _serialize(quads, ox.RdfFormat.N_QUADS)


def _serialize(
    statements: Iterable[Any], rdf_format: ox.RdfFormat, prefixes: Mapping[str, str] | None = None
) -> bytes:
    """pyoxigraph's serialization of ``statements``, as bytes (it returns None only when it
    is given a file to write)."""
    body = ox.serialize(
        statements, format=rdf_format, prefixes=None if prefixes is None else dict(prefixes)
    )
    if body is None:
        raise TypeError("pyoxigraph wrote to a file although none was given")
    return body


def _graph_name(graph: object) -> IdentifiedNode | None:
    """The name of a statement's graph: rdflib gives a Graph, an identifier, or None."""
    name = graph.identifier if isinstance(graph, Graph) else graph
    if name is None or isinstance(name, IdentifiedNode):
        return name
    raise TypeError(f"not a graph name: {graph!r}")


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


# --- statements at corpus scale -----------------------------------------------------------------


@dataclass(frozen=True)
class SortedStatements:
    """Statements deduplicated and sorted as N-Triples/N-Quads lines, for every dump format.

    The same order as :func:`prepare` (graph, subject, predicate with rdf:type first, object,
    each compared in N-Triples form), reached without converting terms in Python: pyoxigraph
    writes the lines and they are sorted as bytes. Terms are self-delimiting in that form, so
    comparing lines compares the terms one after the other, and UTF-8 keeps code point order.

    Everything here is held in memory: the build writes its dumps from lines sorted on disk
    instead (:class:`treatykg.rdf.dumps.Dumps`), and the tests check those files against
    these bytes, the reference that fits a small graph.
    """

    default: tuple[bytes, ...]
    """Sorted N-Triples lines of the default graph (no newline)."""
    named: tuple[tuple[bytes, tuple[bytes, ...]], ...]
    """(graph term, its sorted N-Triples lines) per named graph, by graph term."""
    statements: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)
    """The pyoxigraph quads of :attr:`default`, one per line in the same order, when they
    are at hand (:func:`sort_statements` keeps them): the writers then need not parse the lines."""

    def __len__(self) -> int:
        return len(self.default) + sum(len(lines) for _, lines in self.named)

    def default_graph(self) -> SortedStatements:
        """The statements of the default graph only (what Turtle and N-Triples can hold)."""
        return SortedStatements(self.default, (), self.statements)

    def ntriples(self) -> bytes:
        if self.named:
            _refuse_named(self.named[0][0].decode()[1:-1], "N-Triples")
        return _joined(self.default)

    def lines(self) -> Iterator[bytes]:
        """Every N-Triples line, of the default graph and then of each named graph."""
        yield from self.default
        for _, lines in self.named:
            yield from lines

    def nquads(self) -> bytes:
        parts = [_joined(self.default)]
        for graph, lines in self.named:
            suffix = b" " + graph + b" ."
            parts.append(b"".join(line[:-2] + suffix + b"\n" for line in lines))
        return b"".join(parts)

    def turtle(self, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
        if self.named:
            _refuse_named(self.named[0][0].decode()[1:-1], "Turtle")
        body = _serialize(self.default_statements(), ox.RdfFormat.TURTLE, prefixes)
        return _with_sorted_header(body, prefixes)

    def default_statements(self) -> Iterator[Any]:
        """The default graph's statements in order, as pyoxigraph terms."""
        if self.statements is not None:
            return iter(self.statements)
        return ox.parse(_joined(self.default), format=ox.RdfFormat.N_TRIPLES)

    def _quads(self) -> Iterator[Any]:
        yield from self.default_statements()
        for graph, lines in self.named:
            name = _graph_term(graph)
            for triple in ox.parse(_joined(lines), format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(triple.subject, triple.predicate, triple.object, name)

    def trig(self, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> bytes:
        body = _serialize(self._quads(), ox.RdfFormat.TRIG, prefixes)
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
        triples = self.default_statements()
        nodes = [json_ld_node(islice(triples, length)) for length in runs]
        for graph, lines in self.named:
            name = _graph_term(graph)
            triples = ox.parse(_joined(lines), format=ox.RdfFormat.N_TRIPLES)
            nodes.append(
                json_ld_node(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
            )
        return b"[\n" + b",\n".join(nodes) + b"\n]\n" if nodes else b"[]\n"


def _subject_of(line: bytes) -> bytes:
    return line[: line.index(b" ")]


def _graph_term(graph: bytes) -> Any:
    text = graph.decode()
    return ox.NamedNode(text[1:-1]) if text.startswith("<") else ox.BlankNode(text[2:])


def json_ld_node(statements: Iterable[Any]) -> bytes:
    """pyoxigraph's JSON-LD of one subject's triples (or one graph's quads): one node object,
    its types as ``@type`` (:func:`types_as_keyword`)."""
    text = _serialize(statements, ox.RdfFormat.JSON_LD)
    if not (text.startswith(b"[{") and text.endswith(b"}]")) or b"\n" in text:
        raise RuntimeError(f"unexpected JSON-LD from pyoxigraph: {text[:80]!r}…")
    return types_as_keyword(text[1:-1])


def _joined(lines: tuple[bytes, ...]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def sort_statements(quads: Iterable[Any], *, named_graphs: bool = True) -> SortedStatements:
    """Deduplicate and sort pyoxigraph quads (or triples) into :class:`SortedStatements`.

    ``named_graphs=False`` promises that every quad is in the default graph, which spares
    reading each quad's graph name in Python (~1 µs a quad).
    """
    if not named_graphs:
        lines, statements = _sorted_lines(list(quads))
        return SortedStatements(lines, (), statements)
    default: list[Any] = []
    graphs: dict[str, list[Any]] = {}
    for quad in quads:
        graph = quad.graph_name
        if type(graph) is ox.DefaultGraph:
            default.append(quad)
        else:
            graphs.setdefault(str(graph), []).append(quad.triple)
    named = tuple(
        (name.encode(), _sorted_lines(triples)[0]) for name, triples in sorted(graphs.items())
    )
    lines, statements = _sorted_lines(default)
    return SortedStatements(lines, named, statements)


def _sorted_lines(quads: list[Any]) -> tuple[tuple[bytes, ...], tuple[Any, ...]]:
    """The distinct N-Triples lines of ``quads`` in canonical order, and a quad for each."""
    lines = _serialize(quads, ox.RdfFormat.N_QUADS).split(b"\n")
    if lines.pop() != b"" or len(lines) != len(quads):  # one line per quad, newline-ended
        raise RuntimeError("pyoxigraph did not write one N-Quads line per quad")
    # A dict drops duplicates and keeps the input's order: files give a subject's statements
    # together, and Python's sort is several times faster on runs already in order.
    index = dict(zip(lines, range(len(lines)), strict=True))
    ordered = tuple(sorted(index, key=line_key))
    return ordered, tuple(quads[index[line]] for line in ordered)
