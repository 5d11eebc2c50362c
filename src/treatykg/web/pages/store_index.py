"""A build too large to hold in memory, read from its store and its dump as each page needs it.

An rdflib graph of a build takes about 1.4 GB and 50 s per million triples to read, so a
server of ten million triples cannot hold one. The SPARQL endpoint already serves such a
build from one read-only pyoxigraph store on disk (:mod:`treatykg.web.endpoint.disk_store`);
the documents and pages read that same store, and the dump it was loaded from:

* :class:`StoreGraph` answers the triple patterns a document is made of: a subject's own
  statements from the build's N-Triples dump, which is sorted by statement, by a binary
  search (:class:`SortedDump`); what points to a node, and every statement of a property,
  from the store's indexes; plus the build's small files that are not in the dump (VoID,
  the validation report, the shapes' header), held in memory. The dump, not the store, gives
  a subject's statements because a store keeps its own forms of terms: canonical literals
  (``"01"`` is ``"1"``), lower-case language tags and, in pyoxigraph 0.5, ``xsd:integer`` for
  every integer type (a treaty's ``"23"^^xsd:positiveInteger`` article count comes back as
  ``"23"^^xsd:integer``), which a document must not publish;
* :class:`StoreIndex` is a :class:`~.graph_index.GraphIndex` whose statements by subject and
  by object are such look-ups, kept in a cache of bounded size
  (:class:`~treatykg.web.documents.Recent`) rather than read whole up front. Every view walks
  it exactly as it walks the index of a graph in memory, so a page shows the same thing;
  what no page may do on a store is list every statement (:class:`Unlisted` refuses), and
  the home page, which summarises the whole dataset, asks it for its first rows instead
  (:meth:`StoreIndex.first_treaties`, :meth:`StoreIndex.first_dated_events`), which are
  worked out once per build and kept beside the store.

Blank nodes have the dump's labels (or the store's, for one only found pointing to a
node), not the ones rdflib gives when it reads ``treatykg.ttl``: a document from the store
is isomorphic to the one from memory, and byte-identical when it has no blank node.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from treatykg.namespaces import ELI, TKG
from treatykg.rdf.terms import RDF_LANGSTRING, XSD_STRING, TermConverter, term_key
from treatykg.web import urls
from treatykg.web.documents import Recent
from treatykg.web.pages.graph_index import LABELS, GraphIndex

Triple = tuple[Node, Node, Node]
Pattern = tuple[Node | None, Node | None, Node | None]

_V = TypeVar("_V")

#: What :meth:`Recent.get` answers for a key it does not hold.
_ABSENT: Any = object()

#: How many statements the look-ups of a :class:`StoreIndex` keep (about 1 KB each as rdflib
#: terms in lists): enough for the pages being rendered and the vocabulary they all name,
#: about 100 MB at most whatever the size of the build.
CACHED_STATEMENTS = 100_000
#: How many labels it keeps.
CACHED_LABELS = 50_000

#: The properties whose first value dates an event (see :func:`~.events.when`).
_EVENT_DATES = (TKG.date, TKG.startDate, TKG.endDate, TKG.notBefore, TKG.notAfter)


class SortedDump:
    """The statements of one subject, read from a dump of N-Triples sorted by statement (as
    every dump ``treatykg build`` writes: :func:`treatykg.rdf.sorted_lines.line_key`): the
    lines of a subject are the ones that start with it, and they are contiguous.

    The first line of every :data:`STEP` bytes is kept in memory (about 200 bytes per 32 KiB
    of dump: 9 MB for ten million statements, read with one small read each), so that a
    look-up is a search of that list and one read of the page cache; the terms are exactly
    as published (a store would not keep them: see the module).
    """

    #: The distance between the lines kept in memory.
    STEP = 32 * 1024

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 (open for the life of the server)
        self._size = os.fstat(self._file.fileno()).st_size
        self._marks: list[bytes] = []
        self._offsets: list[int] = []
        for position in range(0, self._size, self.STEP):
            start = self._line_start(position)
            if start < self._size and (not self._offsets or start > self._offsets[-1]):
                self._offsets.append(start)
                self._marks.append(self._line(start))

    def about(self, subject: bytes) -> bytes:
        """The lines whose subject is ``subject`` (its N-Triples form), in file order."""
        prefix = subject + b" "
        i = bisect.bisect_left(self._marks, prefix)  # marks[i - 1] < prefix <= marks[i]
        if i == 0:
            return self._block(0, prefix)
        start = self._offsets[i - 1]  # a line before the subject's, whose first is at
        end = self._offsets[i] if i < len(self._offsets) else self._size  # or before end
        window = self._read(start, end - start + len(prefix))
        found = window.find(b"\n" + prefix)
        return b"" if found < 0 else self._block(start + found + 1, prefix)

    def _block(self, start: int, prefix: bytes) -> bytes:
        """The lines from ``start`` on that start with ``prefix``."""
        data = b""
        end = 0  # where the lines of the block read so far end
        while True:
            newline = data.find(b"\n", end)
            if newline < 0:  # no whole line left in what was read: read on
                more = self._read(start + len(data), max(4096, len(data)))
                if not more:  # the end of the file, and perhaps a last line without a newline
                    return data if data.startswith(prefix, end) else data[:end]
                data += more
                continue
            if not data.startswith(prefix, end):
                return data[:end]
            end = newline + 1

    def _read(self, position: int, size: int) -> bytes:
        return os.pread(self._file.fileno(), size, position)

    def _line_start(self, position: int) -> int:
        """The offset of the first line that starts at or after ``position``."""
        if position == 0:
            return 0
        position -= 1  # the line starts at ``position`` if a newline ends the one before
        while position < self._size:
            chunk = self._read(position, 4096)
            newline = chunk.find(b"\n")
            if newline >= 0:
                return position + newline + 1
            position += len(chunk)
        return self._size

    def _line(self, start: int) -> bytes:
        """The line at ``start``, with its newline."""
        parts: list[bytes] = []
        while start < self._size:
            chunk = self._read(start, 4096)
            newline = chunk.find(b"\n")
            if newline >= 0:
                parts.append(chunk[: newline + 1])
                break
            parts.append(chunk)
            start += len(chunk)
        return b"".join(parts)


class StoreGraph:
    """The statements of a build: its dump in a pyoxigraph store, looked up pattern by
    pattern, and ``extra`` (the build's small files that the dump leaves out) in memory.

    The look-ups answer what :class:`rdflib.Graph` answers for the same patterns, each
    statement once, as rdflib terms. A subject's own statements are read from ``dump``
    (the sorted N-Triples the store was loaded from), so that their literals are exactly as
    published; the rest (what points to a node, every statement of a property) from the
    store's indexes. Blank nodes keep the labels of where they were found (the dump's, or
    the store's, whose own statements are then read from the store), so that a blank node
    found here can be looked up again.
    """

    def __init__(self, store: ox.Store, extra: rdflib.Graph, dump: SortedDump | None) -> None:
        self.store = store
        self.extra = extra
        self.dump = dump

    def triples(self, pattern: Pattern) -> list[Triple]:
        """The statements that match ``pattern`` (None matches anything)."""
        found = self._published(pattern)
        more = list(self.extra.triples(pattern))
        if more:
            seen = set(found)
            found.extend(t for t in more if t not in seen)
        return found

    def _published(self, pattern: Pattern) -> list[Triple]:
        """The statements of the dump that match ``pattern``: a subject's read from the
        sorted dump, the others looked up in the store."""
        convert = TermConverter()
        terms = _oxigraph_pattern(pattern)
        if terms is None:
            return []
        subject = terms[0]
        if subject is not None and self.dump is not None:
            lines = self.dump.about(str(subject).encode())
            if lines or not isinstance(subject, ox.BlankNode):  # else a label of the store's
                found = []
                for triple in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES):
                    if terms[1] is not None and triple.predicate != terms[1]:
                        continue
                    if terms[2] is not None and triple.object != terms[2]:
                        continue
                    found.append((pattern[0], convert(triple.predicate), convert(triple.object)))
                return found  # type: ignore[return-value]
        return [
            (convert(quad.subject), convert(quad.predicate), convert(quad.object))
            for quad in self.store.quads_for_pattern(*terms, ox.DefaultGraph())
        ]

    def subject_objects(self, predicate: Node) -> list[tuple[Node, Node]]:
        return [(s, o) for s, _, o in self.triples((None, predicate, None))]

    def scan(self, predicate: URIRef, obj: Node | None = None) -> Iterator[tuple[Any, Any]]:
        """(subject, object) of every ``predicate`` statement (about ``obj``) as pyoxigraph
        terms, perhaps twice: for the scans of a property over the whole store that a
        summary of the dataset needs, which converting each term to rdflib would make
        several times slower."""
        terms = _oxigraph_pattern((None, predicate, obj))
        if terms is not None:
            for quad in self.store.quads_for_pattern(*terms, ox.DefaultGraph()):
                yield quad.subject, quad.object
        convert = TermConverter()
        for s, _, o in self.extra.triples((None, predicate, obj)):
            yield convert.to_oxigraph(s)[0], convert.to_oxigraph(o)[0]

    def about(self, subject: Node, predicates: Iterable[URIRef]) -> list[Triple]:
        """The statements of ``subject`` with one of ``predicates``: from the dump, only the
        lines of those properties are read as RDF (a page names thousands of resources)."""
        wanted = tuple(predicates)
        terms = _oxigraph_pattern((subject, None, None))
        if terms is None or self.dump is None:
            return [t for t in self.triples((subject, None, None)) if t[1] in wanted]
        text = str(terms[0])
        lines = self.dump.about(text.encode())
        if not lines and isinstance(subject, BNode):  # a blank node label of the store's
            return [t for t in self.triples((subject, None, None)) if t[1] in wanted]
        starts = tuple(f"{text} <{p}> ".encode() for p in wanted)
        kept = b"".join(line + b"\n" for line in lines.split(b"\n") if line.startswith(starts))
        convert = TermConverter()
        found: list[Triple] = [
            (subject, convert(t.predicate), convert(t.object))
            for t in ox.parse(kept, format=ox.RdfFormat.N_TRIPLES)
        ]
        more = [t for p in wanted for t in self.extra.triples((subject, p, None))]
        if more:
            seen = set(found)
            found.extend(t for t in more if t not in seen)
        return found

    def mentions(self, node: Node) -> bool:
        """Whether ``node`` is the subject or the object of a statement."""
        terms = _oxigraph_pattern((node, None, None))
        if terms is not None:
            graph = ox.DefaultGraph()
            if next(iter(self.store.quads_for_pattern(terms[0], None, None, graph)), None):
                return True
            if next(iter(self.store.quads_for_pattern(None, None, terms[0], graph)), None):
                return True
        return (node, None, None) in self.extra or (None, None, node) in self.extra

    def iris(self) -> set[str]:
        """Every IRI that is the subject or the object of a statement: a scan of the whole
        store, for a static site, which lists every resource (never for a page)."""
        found: set[str] = set()
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    found.add(term.value)
        for s, _, o in self.extra:
            found.update(str(t) for t in (s, o) if isinstance(t, URIRef))
        return found


def _oxigraph_pattern(pattern: Pattern) -> tuple[Any, Any, Any] | None:
    """``pattern`` in pyoxigraph terms, or None if no statement of a store can match it (a
    literal subject, a blank node label the store could not have made)."""
    convert = TermConverter()
    subject, predicate, _ = pattern
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef | None):
        return None
    try:
        return tuple(None if t is None else convert.to_oxigraph(t)[0] for t in pattern)  # type: ignore[return-value]
    except ValueError:
        return None


class Unlisted(Mapping[Node, _V]):
    """Statements by node, looked up one node at a time (``get``, ``in``, ``[]``). Listing
    every node is refused: on a store of millions of statements it would read them all,
    which no page may do (a view that must, asks :class:`StoreIndex` a question of its own)."""

    def __init__(self, lookup: Callable[[Node], _V | None]) -> None:
        self._lookup = lookup

    def __getitem__(self, node: Node) -> _V:
        found = self._lookup(node)
        if found is None:
            raise KeyError(node)
        return found

    def __contains__(self, node: object) -> bool:
        return self._lookup(node) is not None  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Node]:
        raise TypeError("a store's statements are looked up by node, never listed whole")

    def __len__(self) -> int:
        raise TypeError("a store's statements are looked up by node, never counted whole")


class StorePages:
    """The IRIs that have a resource page, as a set that is asked, not listed: an IRI has one
    if the build names it (:meth:`StoreGraph.mentions`) and :meth:`GraphIndex.has_page`."""

    def __init__(self, index: StoreIndex) -> None:
        self._index = index
        self._known: Recent[str, bool] = Recent(CACHED_LABELS)

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str) or not self._index.has_page(iri):
            return False
        found = self._known.get(iri)
        if found is None:
            found = self._known.put(iri, self._index.exists(URIRef(iri)))
        return bool(found)

    def __iter__(self) -> Iterator[str]:
        """Every one (a scan of the whole store: for a static site, never for a page)."""
        return iter(sorted(i for i in self._index.graph.iris() if self._index.has_page(i)))


class StoreIndex(GraphIndex):
    """The :class:`~.graph_index.GraphIndex` of a :class:`StoreGraph`: the same look-ups,
    each answered from the store when first asked and kept while it is recent.

    ``vocabulary`` are the terms the vocabulary page lists (the subjects of the build's
    ``ontology.ttl``): a store cannot list the subjects in a namespace without reading
    every statement.
    """

    def __init__(
        self, graph: StoreGraph, vocabulary: Iterable[URIRef] = (), summaries: Path | None = None
    ) -> None:
        self.graph = graph
        self._vocabulary = sorted(set(vocabulary), key=str)
        self._recent: Recent[Hashable, Any] = Recent(CACHED_STATEMENTS)
        self.out = Unlisted(self._out_of)
        self.incoming = Unlisted(self._incoming_of)
        self.super_classes = self._hierarchy(RDFS.subClassOf)
        self.super_properties = self._hierarchy(RDFS.subPropertyOf)
        self.files = self._download_files()
        self.dataset = self._main_dataset()
        self.pages = StorePages(self)
        self._labels = Recent(CACHED_LABELS)
        #: The answers of :meth:`first_treaties` and :meth:`first_dated_events` (the home
        #: page and its timeline ask the same), by question, kept in ``summaries`` too.
        self._summaries = summaries
        self._firsts = _read_summaries(summaries)

    # --- statements -------------------------------------------------------------------------

    def _out_of(self, node: Node) -> dict[URIRef, list[Node]] | None:
        """``node``'s statements by property, each list in term order; None if none."""
        key = ("out", node)
        found = self._recent.get(key, _ABSENT)
        if found is _ABSENT:
            props: dict[URIRef, list[Node]] = defaultdict(list)
            triples = [] if isinstance(node, Literal) else self.graph.triples((node, None, None))
            for _, predicate, obj in triples:
                props[predicate].append(obj)  # type: ignore[index]
            value = {p: sorted(v, key=term_key) for p, v in props.items()} or None
            found = self._recent.put(key, value, 1 + len(triples))
        return found

    def _incoming_of(self, node: Node) -> list[tuple[URIRef, Node]] | None:
        """The (property, subject) pairs of the statements about ``node``, in term order."""
        if isinstance(node, Literal):
            return None
        key = ("in", node)
        found = self._recent.get(key, _ABSENT)
        if found is _ABSENT:
            pairs = [(p, s) for s, p, _ in self.graph.triples((None, None, node))]
            pairs.sort(key=lambda pair: (term_key(pair[0]), term_key(pair[1])))
            found = self._recent.put(key, pairs or None, 1 + len(pairs))
        return found

    def names(self, node: Node) -> Mapping[URIRef, list[Node]]:
        """``node``'s statements of :data:`~.graph_index.LABELS`: all of them if they were
        looked up, else only those (a page names far more resources than it describes)."""
        props = self._recent.get(("out", node), _ABSENT)
        if props is not _ABSENT:
            return props or {}
        key = ("names", node)
        found = self._recent.get(key, _ABSENT)
        if found is _ABSENT:
            names: dict[URIRef, list[Node]] = defaultdict(list)
            triples = self.graph.about(node, LABELS)
            for _, predicate, obj in triples:
                names[predicate].append(obj)  # type: ignore[index]
            found = self._recent.put(key, dict(names), 1 + len(triples))
        return found

    def exists(self, node: Node) -> bool:
        """Whether ``node`` is the subject or the object of a statement: known at once if its
        statements or names were looked up and found."""
        for kind in ("out", "names"):
            if self._recent.get((kind, node)):
                return True
        return self.graph.mentions(node)

    def subjects(self, predicate: URIRef, obj: Node) -> list[Node]:
        """The subjects of ``predicate`` statements about ``obj``, in term order: one look-up
        of that pattern, not of everything about ``obj`` (a class has millions of those)."""
        if isinstance(obj, Literal):
            return []
        key = ("subjects", predicate, obj)
        found = self._recent.get(key, _ABSENT)
        if found is _ABSENT:
            subjects = sorted(
                {s for s, _, _ in self.graph.triples((None, predicate, obj))}, key=term_key
            )
            found = self._recent.put(key, subjects, 1 + len(subjects))
        return found

    def pairs(self, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
        return iter(self.graph.subject_objects(predicate))

    def described(self, namespace: str) -> Iterator[URIRef]:
        for term in self._vocabulary:
            if str(term).startswith(namespace) and self._out_of(term) is not None:
                yield term

    # --- what a page of the whole dataset shows ---------------------------------------------

    def guesses(self, path: str) -> list[str]:
        """Pages a mistyped ``path`` may have meant: a store cannot compare ``path`` with every
        page, so the ones that differ from it in case, a trailing slash or full stop, ``-``
        for ``_`` or the other way round, and exist."""
        variants = {path.lower(), path.rstrip("/."), path.lower().rstrip("/.")}
        variants |= {v.replace("_", "-") for v in variants}
        variants |= {v.replace("-", "_") for v in variants}
        variants.discard(path)
        return sorted(v for v in variants if urls.iri_of(v) in self.pages)

    def first_treaties(
        self, limit: int, order: Callable[[Iterable[tuple[Node, Node | None]]], list[Node]]
    ) -> tuple[list[Node], int]:
        """The first ``limit`` treaties in the order of the index (what
        :func:`~.treaty.treaties` lists), and how many there are: ``order``
        (:func:`~.treaty.newest_first`) sorts the treaties, each with its date of signature,
        read from the statements of two properties, not by a look-up per treaty."""
        return self._first("treaties", limit, lambda: self._first_treaties(limit, order))

    def _first(
        self, question: str, limit: int, answer: Callable[[], tuple[list[Node], int]]
    ) -> tuple[list[Node], int]:
        """The answer to a question about the whole dataset: from memory, or the file of
        ``summaries``, or ``answer`` (reading statements of the whole store takes seconds
        per million: a build's store is summarised once, as it is made once)."""
        key = (question, limit)
        found = self._firsts.get(key)
        if found is None:
            found = self._firsts[key] = answer()
            _write_summaries(self._summaries, self._firsts)
        return found

    def _first_treaties(
        self, limit: int, order: Callable[[Iterable[tuple[Node, Node | None]]], list[Node]]
    ) -> tuple[list[Node], int]:
        classes = self.classes(TKG.Treaty)
        terms = {str(s): s for c in classes for s, _ in self.graph.scan(RDF.type, c)}
        signed: dict[str, Any] = {}  # the first date of each, as GraphIndex.value gives it
        for treaty, date in self.graph.scan(ELI.date_document):
            name = str(treaty)
            if name in terms and (name not in signed or _order(date) < _order(signed[name])):
                signed[name] = date
        convert = TermConverter()
        ordered = order(
            (convert(term), convert(signed[name]) if name in signed else None)
            for name, term in terms.items()
        )
        return ordered[:limit], len(ordered)

    def first_dated_events(
        self, limit: int, when: Callable[..., tuple[str, str] | None]
    ) -> tuple[list[Node], int]:
        """The first ``limit`` dated events in the order of :func:`~.events.dated_events`, and
        how many there are: ``when`` (:func:`~.events.when`) reads each event's dates from
        the statements of the five date properties, not from a look-up per event. (The
        store's own forms of the dates order them; the page shows them as published.)"""
        return self._first("events", limit, lambda: self._first_dated_events(limit, when))

    def _first_dated_events(
        self, limit: int, when: Callable[..., tuple[str, str] | None]
    ) -> tuple[list[Node], int]:
        events = self._instances(TKG.Event)
        convert = TermConverter()
        terms: dict[str, Any] = {}
        first: dict[URIRef, dict[str, Node]] = {}
        for predicate in _EVENT_DATES:
            best: dict[str, tuple[tuple[int, str, str, str], Any]] = {}
            for event, date in self.graph.scan(predicate):
                name = str(event)
                if name in events:
                    rank = _order(date)
                    known = best.get(name)
                    if known is None or rank < known[0]:
                        best[name] = (rank, date)
                        terms[name] = event
            first[predicate] = {name: convert(date) for name, (_, date) in best.items()}

        def value(name: str, predicate: URIRef) -> Node | None:
            return first[predicate].get(name)

        keyed = []
        for name, event in terms.items():
            found = when(value, name)
            if found is not None:
                keyed.append((found[0], found[1], event.value, name))
        keyed.sort()
        return [convert(terms[name]) for *_, name in keyed[:limit]], len(keyed)

    def _instances(self, cls: URIRef) -> set[str]:
        """The instances of ``cls`` or of a sub-class, as the N-Triples forms of their
        pyoxigraph terms (:meth:`instances` gives them sorted, as rdflib terms)."""
        return {str(s) for c in self.classes(cls) for s, _ in self.graph.scan(RDF.type, c)}


#: The version of the format of the file of summaries that :class:`StoreIndex` keeps (2: the
#: first treaties are every treaty's, the newest first, no longer those with articles by IRI).
_SUMMARIES_FORMAT = 2

Summaries = dict[tuple[str, int], tuple[list[Node], int]]


def _read_summaries(path: Path | None) -> Summaries:
    """The summaries kept in ``path`` (none if it is missing, unreadable or of another
    format: they are made again)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _SUMMARIES_FORMAT:
            return {}
        return {
            (question, int(limit)): ([_node(n) for n in nodes], int(total))
            for question, limit, nodes, total in data["summaries"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_summaries(path: Path | None, summaries: Summaries) -> None:
    """Keep ``summaries`` in ``path``, whole or not at all (none if it cannot be written:
    a read-only directory of stores only costs the next server the time to make them)."""
    if path is None:
        return
    data = {
        "format": _SUMMARIES_FORMAT,
        "summaries": [
            [question, limit, [_text(n) for n in nodes], total]
            for (question, limit), (nodes, total) in sorted(summaries.items())
        ],
    }
    with contextlib.suppress(OSError):
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as out:
            json.dump(data, out)
        os.replace(out.name, path)


def _text(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else f"<{node}>"


def _node(text: str) -> Node:
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text[1:-1])


def _order(term: Any) -> tuple[int, str, str, str]:
    """:func:`~treatykg.rdf.terms.term_key` of a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "", "")
    datatype = term.datatype.value
    plain = term.language or datatype in (XSD_STRING, RDF_LANGSTRING)
    return (2, term.value, term.language or "", "" if plain else datatype)


__all__ = [
    "CACHED_LABELS",
    "CACHED_STATEMENTS",
    "SortedDump",
    "StoreGraph",
    "StoreIndex",
    "Unlisted",
]
