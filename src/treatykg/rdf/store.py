"""The published graph as a pyoxigraph Store, read with a few whole-graph SPARQL queries.

The exports that summarise or reshape the whole dataset (the framed view, the Wikidata files,
the VoID statistics) take the published default graph as a :class:`pyoxigraph.Store` and ask
it for what they need with one or a few SELECTs over the whole graph, never one per node.

Why the rows come back as N-Triples strings, split from the TSV results in one call: at a
million triples a few hundred thousand rows are read, and creating a Python term object per
cell (``row[0]``, ``str(term)``) costs one to two microseconds each, more than the query.
pyoxigraph writes the TSV results in Rust; one ``split`` of that text gives every cell.
:func:`select` then rewrites the few cells where TSV and N-Triples differ (numbers and
booleans written bare, control characters left raw), so that every cell is exactly the
N-Triples form pyoxigraph writes, the form :func:`treatykg.rdf.serialize.ntriples` sorts and
writes: a term's identity, its sort key and its output bytes are the same string.

**A Store is not lossless.** Oxigraph normalises typed literals on insert: derived integer
types become ``xsd:integer`` (``"23"^^xsd:positiveInteger`` reads back as
``"23"^^xsd:integer``), and decimals, doubles, floats, booleans and dateTimes are rewritten
in canonical form (oxigraph/oxigraph#526). Callers that must reproduce a datatype say how
they recover it (see :func:`treatykg.publish.jsonld.framed`); callers that count terms as
written learn what the Store merged from :func:`merges`, instead of loading a second Store.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.term import Node

from treatykg.rdf import serialize

XSD = "http://www.w3.org/2001/XMLSchema#"

Row = tuple[str, ...]


def as_store(data: ox.Store | Graph) -> ox.Store:
    """``data`` itself if it is a Store; an rdflib Graph (or Dataset: the union of its graphs,
    as a triplestore with a union default graph sees it) loaded into a new in-memory Store."""
    if isinstance(data, ox.Store):
        return data
    triples: Graph | list[tuple[Node, Node, Node]] = data
    if isinstance(data, Dataset):
        triples = [(s, p, o) for s, p, o, _ in data.quads((None, None, None, None))]
    store = ox.Store()
    store.load(serialize.ntriples(triples), format=ox.RdfFormat.N_TRIPLES)
    return store


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a whole-graph computation.

    Reading a large result builds hundreds of thousands of small containers (tuples, lists,
    dicts; no cycles), and every few hundred allocations the collector would walk the ones
    that survived so far: at a million triples that doubled the time spent reading rows.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def union_store(store: ox.Store) -> ox.Store:
    """``store`` itself if it has no named graph; else a new Store whose default graph is the
    union of all its graphs, each triple once (Oxigraph's union default graph repeats a
    triple that several graphs hold)."""
    if next(iter(store.named_graphs()), None) is None:
        return store
    triples = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
    )
    if not isinstance(triples, ox.QueryTriples):
        raise TypeError("a CONSTRUCT query gives triples")
    union = ox.Store()
    text = _written(triples.serialize(format=ox.RdfFormat.N_TRIPLES))
    union.load(text, format=ox.RdfFormat.N_TRIPLES)
    return union


def select_all(store: ox.Store, queries: Sequence[str]) -> list[list[list[str]]]:
    """The columns of several SELECT queries (:func:`select_columns`), evaluated two at a
    time: pyoxigraph evaluates and serializes a query without holding the GIL, so two
    queries take the two cores a build has (about half the time at a million triples)."""
    if len(queries) < 2:
        return [select_columns(store, query) for query in queries]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="treatykg-sparql") as pool:
        return list(pool.map(lambda query: select_columns(store, query), queries))


def prefetch(store: ox.Store, query: str) -> Future[list[list[str]]]:
    """Start a SELECT (:func:`select_columns`) in a background thread, so that the store
    evaluates it while Python works on something else; ``.result()`` waits for it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatykg-sparql")
    future = pool.submit(select_columns, store, query)
    pool.shutdown(wait=False)
    return future


def select(store: ox.Store, query: str) -> Iterator[Row]:
    """The rows of a SELECT query, each cell the N-Triples form of its term ("" if unbound)."""
    columns = select_columns(store, query)
    if not columns or not columns[0]:
        return iter(())
    return zip(*columns, strict=True)


def select_columns(store: ox.Store, query: str) -> list[list[str]]:
    """The columns of a SELECT query's result, one list of N-Triples cells per variable.

    The whole result is serialized as TSV by pyoxigraph and split in one call (see the module
    docstring for why); the few cells TSV writes differently from N-Triples are rewritten.
    """
    results = store.query(query)
    if not isinstance(results, ox.QuerySolutions):
        raise TypeError("select() needs a SELECT query")
    width = len(results.variables)
    data = _written(results.serialize(format=ox.QueryResultsFormat.TSV))
    if width == 0:
        return []
    raw_controls = len(data.translate(None, _CONTROL_BYTES)) != len(data)
    text = data.decode("utf-8")
    body = text[text.index("\n") + 1 :]  # after the header line
    if not body:
        return [[] for _ in range(width)]
    if raw_controls:
        body = _RAW_CONTROL.sub(_escape_control, body)
    cells = body.replace("\n", "\t").split("\t")
    del cells[-1]  # the "" after the final newline
    bare = [i for i, cell in enumerate(cells) if cell and cell[0] not in _TERM_STARTS]
    for i in bare:
        cells[i] = _bare_to_ntriples(cells[i])
    return [cells[i::width] for i in range(width)]


def _written(data: bytes | None) -> bytes:
    """What pyoxigraph's ``serialize`` returns when given no file: the bytes (never None)."""
    if data is None:
        raise TypeError("pyoxigraph wrote to a file although none was given")
    return data


# --- what a Store merges ------------------------------------------------------------------------

#: The start of every XSD datatype suffix in N-Triples: the literals a Store may normalise.
_XSD_TYPED = b'"^^<http://www.w3.org/2001/XMLSchema#'


@dataclass(frozen=True)
class Merges:
    """How many terms a Store merged, as written minus as stored.

    A Store holding ``"7"^^xsd:integer`` and ``"07"^^xsd:integer`` (or
    ``"7"^^xsd:positiveInteger``) holds one object where the files have two; where both
    are values of one subject and predicate, it also holds one triple where they have two.
    """

    #: Distinct objects as written minus distinct objects in the Store.
    objects: int = 0
    #: Triples as written minus triples in the Store, per predicate (N-Triples form).
    triples: Mapping[str, int] = field(default_factory=dict)


def merges(lines: Iterable[bytes]) -> Merges:
    """What a Store loaded with the N-Triples ``lines`` merges (see :class:`Merges`).

    Only XSD-typed literals are normalised: those lines are picked out (a byte search), and
    each distinct literal goes through a scratch Store once to learn what the Store makes of
    it. ``lines`` may repeat a statement (the same triple in two named graphs): it is counted
    once, as a Store of the union of the graphs holds it. The build learns the same from what
    its Store changed (:meth:`treatykg.publish.ingest.Ingested.merges`), without a pass over
    the lines; the tests compare the two.
    """
    written: set[tuple[bytes, bytes, bytes]] = set()
    for line in lines:
        if _XSD_TYPED in line:
            subject, predicate, rest = line.split(b" ", 2)
            value = rest[:-2]  # without the final " ."
            if value[:1] == b'"' and value[value.rindex(b'"') :].startswith(_XSD_TYPED):
                written.add((subject, predicate, value))
    if not written:
        return Merges()
    literals = sorted({value for _, _, value in written})
    scratch = ox.Store()
    scratch.load(
        b"".join(b"<urn:x:%d> <urn:x:v> %s .\n" % (i, value) for i, value in enumerate(literals)),
        format=ox.RdfFormat.N_TRIPLES,
    )
    stored = {literals[int(q.subject.value[6:])]: str(q.object) for q in scratch}
    kept = Counter((s, p, stored[value]) for s, p, value in written)
    triples: Counter[str] = Counter()
    for (_, predicate, _), count in kept.items():
        if count > 1:
            triples[predicate.decode()] += count - 1
    return Merges(len(literals) - len(set(stored.values())), dict(triples))


# --- cells --------------------------------------------------------------------------------------

_TERM_STARTS = '<"_'
# Control characters that N-Triples escapes and TSV leaves raw (\t, \n, \r are escaped in both).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NAMED_ESCAPES = {"\b": "\\b", "\f": "\\f"}
_BARE_INTEGER = re.compile(r"[+-]?[0-9]+")
_BARE_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+")


def _escape_control(match: re.Match[str]) -> str:
    return _NAMED_ESCAPES.get(match.group(), f"\\u{ord(match.group()):04X}")


def _bare_to_ntriples(cell: str) -> str:
    if cell in ("true", "false"):
        datatype = "boolean"
    elif _BARE_INTEGER.fullmatch(cell):
        datatype = "integer"
    elif _BARE_DECIMAL.fullmatch(cell):
        datatype = "decimal"
    else:
        datatype = "double"
    return f'"{cell}"^^<{XSD}{datatype}>'


__all__ = [
    "Merges",
    "as_store",
    "merges",
    "no_gc",
    "prefetch",
    "select",
    "select_all",
    "select_columns",
    "union_store",
]
