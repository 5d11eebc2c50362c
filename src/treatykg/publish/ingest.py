"""Reading a build's files into what every later stage reads: a Store, and sorted lines.

Why a stage of its own: at ten million statements the files' quads as Python objects would
take more memory than everything else, so they are never all held. Each file is parsed
(:class:`~treatykg.rdf.load.QuadFiles`), and each block of its quads goes at once into the
in-memory Store that the validation and the views query, into
:class:`~treatykg.validation.engine.Originals` (the literals the Store rewrote, which the
validation and the statistics undo), and into a :class:`~treatykg.rdf.sorted_lines.LineSorter`
of N-Triples lines, the dumps' source, which keeps every literal as written and spills sorted
runs to disk past its memory budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, Graph

from treatykg.rdf import serialize
from treatykg.rdf import store as graphstore
from treatykg.rdf.load import QuadFiles, parse_bytes
from treatykg.rdf.sorted_lines import LineSorter, SortedLines
from treatykg.validation.engine import Originals

__all__ = ["SORT_DIRECTORY", "Ingested", "ingest"]

#: The staging subdirectory of the sorter's run files (gone before the release is swapped in).
SORT_DIRECTORY = ".sort"
#: Quads stored, recorded and sorted at a time while loading (a Store insert per file would
#: cost more than the insert itself for files of a few hundred statements).
_BLOCK = 100_000


@dataclass
class Ingested:
    """The statements, once loaded: stored for the queries, and sorted for the dumps."""

    store: ox.Store  # every statement, all in the default graph (SHACL reads the union)
    published: ox.Store  # the default graph only: ``store`` itself unless graphs are named
    originals: Originals  # the literals ``store`` changed
    default: SortedLines  # the default graph's statements, as written
    named_lines: SortedLines | None  # ``graph s p o .`` lines, if some statement is named
    statements: int  # statements read (a statement in two files counts twice)

    @property
    def named(self) -> bool:
        return self.named_lines is not None

    def reference_data(self) -> Graph:
        """Every statement as an rdflib graph (for pySHACL), read back from the sorted lines."""
        graph = Graph(bind_namespaces="none")
        for block in self.default.blocks():
            for triple in parse_bytes(block):
                graph.add(triple)
        if self.named_lines is not None:
            for line in _statement_lines(self.named_lines):
                for triple in parse_bytes(line + b"\n"):
                    graph.add(triple)
        return graph

    def merges(self) -> graphstore.Merges:
        """What the Store merged of the statements as written (for the VoID statistics), from
        what it changed: two literals merge only where one of them changed."""
        triples: dict[str, int] = {}
        for (_subject, predicate, _stored), found in self.originals.by_triple.items():
            if len(found) > 1:
                triples[predicate] = triples.get(predicate, 0) + len(found) - 1
        objects = sum(len(found) - 1 for found in self.originals.by_literal.values())
        return graphstore.Merges(objects, triples)


def ingest(files: QuadFiles, ontology: list[ox.Quad], sort_directory: Path) -> Ingested:
    """Parse the files one at a time into a Store, the literals it changes and the sorted
    lines of the dumps, without keeping the files' quads: memory holds the Store, a block of
    quads and the sorter's budget of lines."""
    store = ox.Store()
    published = ox.Store() if files.graph_formats else store
    originals = Originals()
    default = LineSorter(sort_directory / "default")
    named = LineSorter(sort_directory / "named", terms=2)
    has_named = False
    statements = 0
    block: list[ox.Quad] = list(ontology)
    # The Store inserts a block without holding the GIL: a thread does it while this one
    # parses the next files (a second of a million statements' ten, on the second core).
    inserting: Future[None] | None = None

    def flush() -> None:
        nonlocal has_named, inserting, block
        in_default: list[ox.Quad] = block
        inserts: list[tuple[ox.Store, list[ox.Quad]]] = []
        if files.graph_formats:
            in_default = []
            in_named: list[ox.Quad] = []
            for q in block:
                (in_default if type(q.graph_name) is ox.DefaultGraph else in_named).append(q)
            if in_named:
                has_named = True
                named.add(_graph_first(in_named))
                inserts.append(
                    (store, [ox.Quad(q.subject, q.predicate, q.object) for q in in_named])
                )
            inserts.append((published, in_default))
            originals.record(in_named)
        inserts.append((store, in_default))
        if inserting is not None:
            inserting.result()
        inserting = inserter.submit(_insert, inserts)
        text = serialize.nquads_text(in_default)
        default.add(text)
        originals.record(_typed(text))
        block = []

    with ThreadPoolExecutor(1, "treatykg-insert") as inserter:
        for _shown, quads in files:
            statements += len(quads)
            block += quads
            if len(block) >= _BLOCK:
                flush()
        statements += len(ontology)
        flush()
        assert inserting is not None
        inserting.result()
    sorted_default = default.finish()
    sorted_named = named.finish() if has_named else None
    if originals.late:  # rare: see Originals.record
        originals.record_late(sorted_default)
        if sorted_named is not None:
            originals.record_late(_statement_lines(sorted_named))
    return Ingested(
        store,
        published if has_named else store,
        originals,
        sorted_default,
        sorted_named,
        statements,
    )


def _insert(inserts: list[tuple[ox.Store, list[ox.Quad]]]) -> None:
    for store, quads in inserts:
        store.bulk_extend(quads)


_XSD_TYPED = f'"^^<{XSD}'.encode()


def _typed(text: bytes) -> Iterator[ox.Triple]:
    """The statements of N-Triples ``text`` whose object is an XSD-typed literal, the only
    ones a Store may change (:class:`Originals`): found by a byte search, so that the other
    nine in ten are never turned into Python objects."""
    lines = []
    hit = text.find(_XSD_TYPED)
    while hit != -1:
        start = text.rfind(b"\n", 0, hit) + 1
        end = text.find(b"\n", hit) + 1
        lines.append(text[start:end])
        hit = text.find(_XSD_TYPED, end)
    return ox.parse(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)


def _graph_first(quads: Iterable[ox.Quad]) -> bytes:
    """``graph s p o .`` lines of named quads: the order of the named graphs' dumps."""
    out = []
    for line in serialize.nquads_text(quads).split(b"\n")[:-1]:
        statement, graph = line[:-2].rsplit(b" ", 1)
        out.append(graph + b" " + statement + b" .\n")
    return b"".join(out)


def _statement_lines(named: SortedLines) -> Iterator[bytes]:
    for line in named:
        yield line.split(b" ", 1)[1]
