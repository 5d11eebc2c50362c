"""The framed treaty view (``treatykg.framed.jsonld``): treaties embedding their articles,
norms and directed obligations, compacted with the context, for web developers.

:func:`write_framed` reads the view's triples from the published Store a batch of treaties at
a time and writes each batch with :class:`~treatykg.publish.jsonld.writer.FramedWriter` as
soon as it is read, so that its memory does not grow with the collection; :func:`framed` gives
the same document as bytes. :func:`framed_by_pyld` is the same document made by pyld, the
JSON-LD reference processor, and the fallback for what the direct writer does not model.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections import OrderedDict, deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph
from rdflib.term import Node

from treatykg.namespaces import ELI, TKG
from treatykg.publish.jsonld.compaction import Compactor, UnsupportedError
from treatykg.publish.jsonld.writer import (
    Columns,
    Frame,
    FramedWriter,
    article_head,
    document_end,
    document_start,
    restored_integer,
)
from treatykg.rdf import store as graphstore
from treatykg.rdf.load import parse_bytes
from treatykg.rdf.serialize import (
    Prepared,
    RdfInput,
    canonical_json,
    canonical_tree,
    integer_number,
)
from treatykg.rdf.terms import term_key
from treatykg.sparql import catalogue

FRAME: dict[str, Any] = {
    "type": ["tkg:Treaty", "tkg:BilateralTreaty"],
    "articles": {"norms": {"obligations": {}}},
}
"""Treaty → articles (by number, then the provisions whose article is unknown, which have no
number and the type ``tkg:Provision``) → norms → directed obligations, for web developers.

Every node of :func:`framed_subgraph` is embedded wherever it is linked (``@embed:
@always``), except a node's own ancestors, which stay IRIs (``isPartOf``, ``expressedBy``,
``derivedFrom``). The subgraph decides what an embedded node shows: conditions in full;
parties, bearers, beneficiaries, legal bases and the SKOS concepts (topics, deontic and norm
types, statuses, confidences) as ``{id, label}``, so that ``obligation.bearer.label.en`` and
``article.topic.map(t => t.label.en)`` work without a lookup. Links out of the view (sources,
replaced treaties) stay IRIs. Every term but the language maps is a ``@set`` (see
:mod:`~treatykg.publish.jsonld.context`), so a property's value is always an array, and
derived integers (``articleCount``) are JSON numbers (see
:func:`~treatykg.rdf.serialize.integer_number`). Framing matches types literally (no
inference), so the treaty subclasses are listed. The frame has no per-property subframes on
purpose: in JSON-LD framing a subframe also filters, and ``{"legalBasis": {…}}`` silently
dropped every norm without a legal basis.
"""

BATCH_TREATIES = 256
"""Treaties :func:`write_framed` reads and writes at a time. A batch of the generated corpus
(about a hundred triples a treaty) holds some 25,000 triples, a few tens of MB in Python; the
queries of a smaller batch cost more per treaty."""

#: The SKOS concepts of the tree's nodes: topics, kinds of norm, statuses, confidences.
_CONCEPT_PROPERTIES = (
    TKG.topic,
    TKG.deonticType,
    TKG.normType,
    TKG.contentStatus,
    TKG.contentConfidence,
    TKG.numberingBasis,
    TKG.numberConfidence,
)
#: Links whose targets are embedded as ``{id, label}``.
_LINK_PROPERTIES = (
    TKG.party,
    TKG.cites,
    TKG.bearer,
    TKG.beneficiary,
    TKG.legalBasis,
    *_CONCEPT_PROPERTIES,
)
_PACKAGE = "treatykg.publish"  # whose queries/ hold the framed-*.rq queries


def framed(data: ox.Store | RdfInput, context: Mapping[str, Any]) -> bytes:
    """The framed JSON-LD document (:data:`FRAME`) for every treaty that has articles.

    ``data`` is the published default graph (ontology and data): a pyoxigraph Store, or an
    rdflib Graph (or what :mod:`treatykg.rdf.serialize` accepts), which is loaded into one.
    Output: ``{"@context": …, "@graph": [treaty, …]}`` as canonical JSON, arrays in a
    canonical order, articles by number. The document is made by :func:`write_framed`, in
    memory; a build writes it to its file with that function instead.

    Why not frame with pyld, the JSON-LD reference processor? It is right but slow: its
    framing finds the nodes of a reverse property (``articles``, ``norms``, ``obligations``)
    by scanning every node for each node it embeds, so it is quadratic (38 s at 100k
    triples), and its compaction walks every value in Python. The frame is fixed, so the tree
    is built directly instead: SPARQL queries fetch the triples :func:`framed_subgraph`
    selects, a batch of treaties at a time, and :class:`FramedWriter` embeds, compacts and
    writes them as pyld frames and compacts them (``@embed: @always``, JSON-LD 1.1, the
    context of :func:`~treatykg.publish.jsonld.context.build_context`).
    :func:`framed_by_pyld` keeps pyld's answer as the reference, and the tests compare the
    two byte for byte on the bundled data and on a generated corpus. Anything the direct
    writer does not model (blank nodes, RDF lists, context features that ``build_context``
    never writes) is framed by pyld, on the same subgraph.

    A Store reads derived integer literals back as ``xsd:integer`` (see
    :mod:`treatykg.rdf.store`); such a value is written with the datatype its property's term
    declares (``"articleCount": "23"``, an ``xsd:positiveInteger``) when it is in that type's
    range. The shapes require exactly that datatype, so a release only ever held that one.
    """
    out = io.BytesIO()
    write_framed(data, context, out)
    return out.getvalue()


def write_framed(
    data: ox.Store | RdfInput,
    context: Mapping[str, Any],
    out: BinaryIO,
    *,
    batch_size: int = BATCH_TREATIES,
) -> None:
    """Write :func:`framed`'s document to ``out``, a binary file, a batch of treaties at a
    time, so that the memory it takes is a batch's, whatever the size of the collection.

    The treaties are read from the store ``batch_size`` at a time (see :class:`_BatchReader`),
    each batch with every node its treaties embed, and written by a writer of their own as
    soon as they are read, while the store reads the next batch on a second thread (pyoxigraph
    evaluates a query without holding the GIL). A treaty's text depends only on the nodes it
    embeds, so the bytes are those a writer of the whole subgraph writes. Besides a batch
    (some 40 MB with the generated corpus's treaties), what stays in memory is the treaties'
    IRIs in the document's order and a bounded cache (:data:`_KINDS_KEPT`).

    The batches model the tree of :data:`FRAME` as the data has it: treaties with articles,
    their articles, the norms of those, the obligations of those. Anything else is framed
    from the whole subgraph in memory, as before batches (the direct writer, else pyld): a
    context the compactor does not model, a node of the frame's types without articles or a
    part of a treaty other than an article in the subgraph (see :class:`_BatchReader`), input
    the writer refuses (blank nodes, RDF lists; see :class:`FramedWriter`). As some of it
    shows only in a batch, after others were written, ``out`` is then rewound and truncated
    to where it was; an ``out`` that cannot seek (a pipe) is written through a temporary file.
    """
    if not out.seekable():
        with tempfile.TemporaryFile() as spool:
            write_framed(data, context, spool, batch_size=batch_size)
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        return
    store = _as_store(data)
    compactor = Compactor.parse(context)
    if compactor is not None:
        start = out.tell()
        try:
            with graphstore.no_gc():
                _write_batches(store, context, out, batch_size)
            return
        except UnsupportedError:
            out.seek(start)
            out.truncate()
    out.write(_framed_whole(store, compactor, context))


def _framed_whole(
    store: ox.Store, compactor: Compactor | None, context: Mapping[str, Any]
) -> bytes:
    """The document made from the whole subgraph in memory: the direct writer, else pyld."""
    with graphstore.no_gc():
        columns = _framed_columns(store)
        if compactor is not None:
            try:
                return FramedWriter(compactor, columns, FRAME).document(context)
            except UnsupportedError:
                pass
    restored = _restore_integer_types(list(zip(*columns, strict=True)), compactor)
    return framed_by_pyld(_rdflib_graph(restored), context)


def framed_by_pyld(graph: RdfInput, context: Mapping[str, Any]) -> bytes:
    """:func:`framed` computed by pyld's framing, the JSON-LD reference: the reference the
    direct writer is tested against, and its fallback for input it does not model.

    rdflib writes :func:`framed_subgraph` as expanded JSON-LD and pyld frames it; the
    document loader refuses every URL, so nothing is ever fetched.
    """
    from pyld import jsonld as pyld  # ~0.2 s to import: only the reference needs it

    subgraph = Graph(bind_namespaces="none")
    for triple in framed_subgraph(_as_graph(graph)):
        subgraph.add(triple)
    document = json.loads(subgraph.serialize(format="json-ld", auto_compact=False))
    compactor = Compactor.parse(context)
    if compactor is not None:
        _integers_as_numbers(document, compactor.integer_types)
    options = {
        "documentLoader": refuse_to_load,
        "processingMode": "json-ld-1.1",
        "omitGraph": False,
        "omitDefault": True,
        "embed": "@always",
    }
    result = pyld.frame(document, {"@context": dict(context), **FRAME}, options)
    return _framed_document(result["@graph"], context)


def _integers_as_numbers(document: Any, declared: Mapping[str, str]) -> None:
    """Give the expanded document's derived integer values (``"23"^^xsd:positiveInteger``)
    under a property whose term declares their datatype as JSON numbers where
    :func:`~treatykg.rdf.serialize.integer_number` allows it: the same RDF, which
    pyld then compacts to ``23`` as the direct writer writes it."""
    for node in document if isinstance(document, list) else [document]:
        if not isinstance(node, dict):
            continue
        for key, values in node.items():
            if key == "@graph":
                _integers_as_numbers(values, declared)
                continue
            datatype = declared.get(f"<{key}>")
            if datatype is None or not isinstance(values, list):
                continue
            for value in values:
                if isinstance(value, dict) and value.get("@type") == datatype:
                    number = integer_number(str(value.get("@value")))
                    if number is not None:
                        value["@value"] = number


def refuse_to_load(url: str, options: Any = None) -> Any:
    """A pyld document loader that never touches the network."""
    from pyld.jsonld import JsonLdError  # ~0.2 s to import: only pyld itself calls this

    raise JsonLdError(
        f"treatykg does not fetch JSON-LD documents ({url})",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading document failed",
    )


def _framed_document(nodes: list[dict[str, Any]], context: Mapping[str, Any]) -> bytes:
    graph = [_sort_tree(node) for node in canonical_tree(nodes)]
    return canonical_json({"@context": dict(context), "@graph": graph})


def framed_subgraph(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """The triples :data:`FRAME` shows: treaties with articles, their articles and the
    provisions whose article is unknown (the frame's ``articles``, unnumbered ones last),
    norms, obligations and conditions in full, and the labels of the parties and instruments.

    The rdflib version, for :func:`framed_by_pyld`; :func:`framed` asks a Store for the same
    triples with SPARQL.
    """
    articles = sorted(
        (
            a
            for kind in (TKG.Article, TKG.Provision)
            for a in graph.subjects(RDF.type, kind)
            if (a, ELI.is_part_of, None) in graph
        ),
        key=term_key,
    )
    treaties = _sorted({t for a in articles for t in graph.objects(a, ELI.is_part_of)})
    norms = _sorted({n for a in articles for n in graph.subjects(TKG.expressedBy, a)})
    obligations = _sorted({o for n in norms for o in graph.subjects(TKG.derivedFrom, n)})
    tree = [*treaties, *articles, *norms, *obligations]
    conditions = _sorted({c for node in tree for c in graph.objects(node, TKG.condition)})
    linked = _sorted({o for node in tree for p in _LINK_PROPERTIES for o in graph.objects(node, p)})
    triples = [t for node in (*tree, *conditions) for t in graph.triples((node, None, None))]
    triples += [t for node in linked for t in graph.triples((node, RDFS.label, None))]
    return triples


def _sorted(nodes: set[Node]) -> list[Node]:
    return sorted(nodes, key=term_key)


def _as_graph(data: RdfInput) -> Graph:
    if isinstance(data, Prepared):
        data = data.source
    if isinstance(data, Graph):
        return data
    graph = Graph(bind_namespaces="none")
    for statement in data:
        graph.add(tuple(statement[:3]))  # type: ignore[arg-type]
    return graph


def _as_store(data: ox.Store | RdfInput) -> ox.Store:
    if isinstance(data, ox.Store):
        return data
    return graphstore.as_store(_as_graph(data))


def _sort_tree(treaty: dict[str, Any]) -> dict[str, Any]:
    """Articles in number order ("2" before "10"); unnumbered ones last, by id."""
    articles = treaty.get("articles")
    if isinstance(articles, list):
        treaty["articles"] = sorted(articles, key=_article_key)
    return treaty


def _article_key(article: Any) -> tuple[int, str, str]:
    number = article.get("number") if isinstance(article, dict) else None
    head = article_head(number)
    return (*head, canonical_json(article).decode())


# --- the framed subgraph, from a Store -----------------------------------------------------------

Triple = tuple[str, str, str]
"""(subject, predicate, object), each in N-Triples form (see :mod:`treatykg.rdf.store`)."""

#: Every triple of the tree :func:`framed_subgraph` selects, in two queries of about the same
#: size, evaluated side by side: the articles and their treaties; the norms and obligations.
_TREE_QUERIES = ("framed-articles-and-treaties", "framed-norms-and-obligations")
#: The types of the frame's ``articles`` in a SPARQL filter on ``?k``: the articles, and the
#: provisions whose article is unknown.
_PART = "FILTER (?k IN (tkg:Article, tkg:Provision))"
_CONDITION = f"<{TKG.condition}>"
_LINKS = frozenset(f"<{p}>" for p in _LINK_PROPERTIES)
_LABEL = f"<{RDFS.label}>"


def _framed_columns(store: ox.Store) -> Columns:
    """The triples of :func:`framed_subgraph`, from the store, as subject, predicate and
    object columns: the tree's in two queries, then its conditions' triples and its linked
    nodes' labels in another (the nodes named with ``VALUES``: a few per treaty)."""
    subjects, predicates, objects = [], [], []
    queries = [catalogue.internal(_PACKAGE, name) for name in _TREE_QUERIES]
    for columns in graphstore.select_all(store, queries):
        if columns and columns[0]:
            subjects += columns[0]
            predicates += columns[1]
            objects += columns[2]
    conditions: set[str] = set()
    linked: set[str] = set()
    for p, o in zip(predicates, objects, strict=True):
        if p == _CONDITION:
            conditions.add(o)
        elif p in _LINKS:
            linked.add(o)
    condition_iris = sorted(t for t in conditions if t.startswith("<"))
    linked_iris = sorted(t for t in linked if t.startswith("<"))
    more: list[tuple[str, ...]] = []  # rows of three cells
    if condition_iris or linked_iris:
        query = catalogue.internal(
            _PACKAGE,
            "framed-conditions-and-labels",
            CONDITIONS=" ".join(condition_iris),
            LINKED=" ".join(linked_iris),
        )
        more += graphstore.select(store, query)
    # Blank nodes cannot be named in a query; the store finds them by their own labels.
    for node in sorted(t for t in conditions if t.startswith("_:")):
        more += _triples_of(store, node, None)
    for node in sorted(t for t in linked if t.startswith("_:")):
        more += _triples_of(store, node, _LABEL)
    for s, p, o in more:
        subjects.append(s)
        predicates.append(p)
        objects.append(o)
    return subjects, predicates, objects


def _triples_of(store: ox.Store, blank: str, predicate: str | None) -> list[Triple]:
    pattern = None if predicate is None else ox.NamedNode(predicate[1:-1])
    return [
        (blank, str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(ox.BlankNode(blank[2:]), pattern, None, ox.DefaultGraph())
    ]


def _restore_integer_types(triples: list[Triple], compactor: Compactor | None) -> list[Triple]:
    """The triples with :func:`~treatykg.publish.jsonld.writer.restored_integer` applied (for
    :func:`framed_by_pyld`)."""
    if compactor is None or not compactor.integer_types:
        return triples
    declared = compactor.integer_types
    return [(s, p, restored_integer(o, declared[p]) if p in declared else o) for s, p, o in triples]


def _rdflib_graph(triples: list[Triple]) -> Graph:
    """The triples (N-Triples cells) as an rdflib Graph, for :func:`framed_by_pyld`."""
    text = "".join(f"{s} {p} {o} .\n" for s, p, o in triples)
    graph = Graph(bind_namespaces="none")
    for triple in parse_bytes(text.encode("utf-8")):
        graph.add(triple)
    return graph


# --- the framed view, a batch of treaties at a time ----------------------------------------------

_RDF_TYPE = f"<{RDF.type}>"
#: The reverse properties of :data:`FRAME`, top down, that the batches read.
_TREE_PATH = (f"<{ELI.is_part_of}>", f"<{TKG.expressedBy}>", f"<{TKG.derivedFrom}>")
#: How :meth:`_BatchReader.kinds` classes a value (as the query's cells): a node of the subgraph
#: with all its triples, a node with its labels, neither.
_FULL, _LABELLED, _NEITHER = '"full"', '"label"', '""'
#: Values classed and kept across batches: the values many batches share (states, topics, the
#: vocabulary) stay, the rest (a treaty's source) make way.
_KINDS_KEPT = 10_000
_PREFIXES = f"PREFIX eli: <{ELI}>\nPREFIX tkg: <{TKG}>\nPREFIX rdfs: <{RDFS}>\n"


def _write_batches(
    store: ox.Store, context: Mapping[str, Any], out: BinaryIO, batch_size: int
) -> None:
    """:func:`write_framed` a batch at a time; UnsupportedError, possibly after some batches
    were written, for what the batches do not model."""
    reader = _BatchReader(store)
    treaties = reader.treaties(_compactor(context))
    batches = [treaties[i : i + batch_size] for i in range(0, len(treaties), batch_size)]
    out.write(document_start(context).encode("utf-8"))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatykg-framed") as pool:
        reading: deque[Future[Columns]] = deque(
            pool.submit(reader.columns, batch) for batch in batches[:1]
        )
        for i, batch in enumerate(batches):
            if i + 1 < len(batches):  # read the next batch while this one is written
                reading.append(pool.submit(reader.columns, batches[i + 1]))
            out.write(_batch_text(reading.popleft().result(), batch, context, first=i == 0))
    out.write(document_end(empty=not treaties).encode("utf-8"))


def _batch_text(
    columns: Columns, treaties: list[str], context: Mapping[str, Any], first: bool
) -> bytes:
    """The text of a batch's treaties, by a writer of their own, with a compactor of its own
    (a compactor keeps every IRI it compacted)."""
    text: list[str] = []
    FramedWriter(_compactor(context), columns, FRAME).write_tops(treaties, text, first)
    return "".join(text).encode("utf-8")


def _compactor(context: Mapping[str, Any]) -> Compactor:
    compactor = Compactor.parse(context)
    if compactor is None:
        raise UnsupportedError("a context the compactor does not model")
    return compactor


def _tree_path(frame: Frame) -> tuple[str, ...]:
    """The frame's reverse properties, top down, if they make one path (else ``()``)."""
    path = []
    while frame.reverse:
        if len(frame.reverse) > 1:
            return ()
        prop, frame = frame.reverse[0]
        path.append(prop)
    return tuple(path)


class _BatchReader:
    """Reads the framed subgraph from the store a batch of treaties at a time.

    A batch holds what a writer of the whole subgraph (:func:`framed_subgraph`) shows of its
    treaties. First their trees, all their triples: the treaties, their articles, the norms
    those express, the obligations derived from those. Then every node those embed, found by
    following values, with the triples the whole subgraph has of it: a node of any tree or a
    condition of one ("full") with all its triples; a node a tree links to (``party``,
    ``bearer``, …; see :func:`framed_subgraph`) with its labels. Whether a value is such a node
    is a question about the whole graph; the store answers it for a batch's values at once
    (:meth:`kinds`), and the answers for values many batches share are kept.

    What would make a treaty frame more than its tree is refused (UnsupportedError): a node
    of the frame's types in the subgraph that has no articles (:meth:`treaties`), a part of a
    treaty (``eli:is_part_of``) in the subgraph that is neither an article nor a provision
    (:meth:`columns`; it would be framed as an article, with what is below it). The data
    treatykg knows has none.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        #: The treaties with articles (the trees' tops), asked once: a full node, cheaply known.
        self.homes: frozenset[str] = frozenset()
        self.kept: OrderedDict[str, str] = OrderedDict()

    def treaties(self, compactor: Compactor) -> list[str]:
        """The matches of :data:`FRAME` in the document's order (by compacted id): the
        treaties with articles of its types. UnsupportedError for a frame whose tree is not
        the one the batches read, and for a node of those types in the subgraph that has no
        articles (a match with nothing below it)."""
        frame = Frame.parse(FRAME, compactor, top=True)
        if _tree_path(frame) != _TREE_PATH:
            raise UnsupportedError("a frame other than treaty → articles → norms → obligations")
        types_values = " ".join(sorted(frame.types))
        typed, homes = graphstore.select_all(
            self.store,
            [
                _PREFIXES
                + f"SELECT DISTINCT ?t WHERE {{ VALUES ?type {{ {types_values} }} ?t a ?type }}",
                _PREFIXES + "SELECT DISTINCT ?t WHERE { ?a a tkg:Article . ?a eli:is_part_of ?t }",
            ],
        )
        self.homes = frozenset(homes[0])
        matches = set(typed[0])
        if not all(map(_named, matches)):
            raise UnsupportedError("a blank node matches the frame")
        others = dict.fromkeys(sorted(matches - self.homes), False)
        if others and _FULL in graphstore.select_columns(self.store, _kinds_query(others))[1]:
            raise UnsupportedError("a match of the frame without articles is in the subgraph")
        return sorted(matches & self.homes, key=lambda t: compactor.iri(t[1:-1]))

    def columns(self, treaties: list[str]) -> Columns:
        """The triples of the batch: the treaties' trees, then the nodes they embed, round by
        round (a fetched node's values may be nodes too), until no value is new."""
        if graphstore.select_columns(self.store, _other_parts_query(treaties))[0]:
            raise UnsupportedError("a part of a treaty other than an article is in the subgraph")
        subjects, predicates, objects = graphstore.select_columns(self.store, _tree_query(treaties))
        linked = {o for p, o in zip(predicates, objects, strict=True) if p in _LINKS}
        seen = set(subjects)
        start = 0
        while True:
            values = {
                o
                for p, o in zip(predicates[start:], objects[start:], strict=True)
                if p != _RDF_TYPE and o[0] != '"'
            }
            values -= seen
            if not values:
                break
            seen |= values
            kinds = self.kinds(values, linked)
            full = sorted(v for v, kind in kinds.items() if kind == _FULL)
            labelled = sorted(v for v, kind in kinds.items() if kind == _LABELLED)
            if not full and not labelled:
                break
            start = len(subjects)
            query = catalogue.internal(
                _PACKAGE,
                "framed-conditions-and-labels",
                CONDITIONS=" ".join(full),
                LINKED=" ".join(labelled),
            )
            more = graphstore.select_columns(self.store, query)
            if more and more[0]:
                subjects += more[0]
                predicates += more[1]
                objects += more[2]
        return subjects, predicates, objects

    def kinds(self, values: set[str], linked: set[str]) -> dict[str, str]:
        """What each value is in the whole subgraph: :data:`_FULL`, :data:`_LABELLED` or
        :data:`_NEITHER`. ``linked`` are values a tree links to (no need to ask)."""
        found: dict[str, str] = {}
        asked: dict[str, bool] = {}  # value → whether to ask if a tree links to it
        for value in values:
            if not _named(value):
                raise UnsupportedError(f"{value} cannot be named in a query")
            kind = _FULL if value in self.homes else self.kept.get(value)
            if kind is None:
                asked[value] = value not in linked
            else:
                found[value] = kind
                if value in self.kept:
                    self.kept.move_to_end(value)
        if asked:
            answers = graphstore.select_columns(self.store, _kinds_query(asked))
            for value, kind in zip(*answers, strict=True):
                if kind != _FULL and not asked[value]:
                    kind = _LABELLED
                found[value] = self.kept[value] = kind or _NEITHER
            while len(self.kept) > _KINDS_KEPT:
                self.kept.popitem(last=False)
        return found


def _named(term: str) -> bool:
    """Whether a cell is an IRI (a blank node or a quoted triple cannot go in ``VALUES``)."""
    return term.startswith("<") and not term.startswith("<<")


def _tree_query(treaties: list[str]) -> str:
    """Every triple of the treaties' trees."""
    return _for_each_treaty(
        treaties,
        "SELECT ?s ?p ?o",
        "{ ?t ?p ?o BIND(?t AS ?s) }\n"
        f"  UNION {{ ?s eli:is_part_of ?t . ?s a ?k {_PART} . ?s ?p ?o }}\n"
        f"  UNION {{ ?a eli:is_part_of ?t . ?a a ?k {_PART} . ?s tkg:expressedBy ?a . ?s ?p ?o }}\n"
        f"  UNION {{ ?a eli:is_part_of ?t . ?a a ?k {_PART} .\n"
        "          ?n tkg:expressedBy ?a . ?s tkg:derivedFrom ?n . ?s ?p ?o }",
    )


def _other_parts_query(treaties: list[str]) -> str:
    """The parts of the treaties (``eli:is_part_of``) other than articles and provisions that
    are nodes of the subgraph with all their triples (none, in the data treatykg knows)."""
    return _for_each_treaty(
        treaties,
        "SELECT ?s",
        "?s eli:is_part_of ?t FILTER NOT EXISTS { ?s a tkg:Article }"
        " FILTER NOT EXISTS { ?s a tkg:Provision }\n"
        f"  FILTER ({_in_tree('?s', 's')} || {_condition('?s')})",
    )


def _for_each_treaty(treaties: list[str], select: str, pattern: str) -> str:
    """A query of ``pattern`` evaluated for each treaty ``?t``, by Oxigraph's ``LATERAL``
    (SEP-0006). Joined with ``VALUES`` of more than a few hundred treaties instead, the
    pattern is evaluated for the whole graph first: a hundred times slower on a million
    triples."""
    return (
        f"{_PREFIXES}{select} WHERE {{\n"
        f"  VALUES ?t {{ {' '.join(treaties)} }}\n"
        f"  LATERAL {{\n  {pattern}\n  }}\n"
        "}"
    )


def _kinds_query(values: Mapping[str, bool]) -> str:
    """Per value, :data:`_FULL` if it is a full node other than a treaty with articles (those
    are :attr:`_BatchReader.homes`), else :data:`_LABELLED` if asked (the value's flag) and a
    tree links to it, else :data:`_NEITHER`. (Two lists of values, not one of pairs: Oxigraph
    reads a ``VALUES`` row of two terms twice as slowly.)"""
    asked = " ".join(sorted(v for v, ask in values.items() if ask))
    unasked = " ".join(sorted(v for v, ask in values.items() if not ask))
    return _PREFIXES + (
        "SELECT ?v ?kind WHERE {\n"
        f"  {{ VALUES ?v {{ {asked} }}\n"
        f'    BIND(IF({_full("?v")}, "full", IF({_linked("?v")}, "label", "")) AS ?kind) }}\n'
        f"  UNION {{ VALUES ?v {{ {unasked} }}\n"
        f'    BIND(IF({_full("?v")}, "full", "") AS ?kind) }}\n'
        "}"
    )


# SPARQL conditions on a node ``x``, each EXISTS of one triple pattern: with several, Oxigraph
# plans the group without ``x`` bound (a thousand times slower on a million triples). A pattern
# with ``x`` as object is looked up among all the triples that have it, whatever the predicate:
# for a popular object (a state, a topic) that is long, and :class:`_BatchReader` asks about a
# value once for all batches, not once a batch.


def _article(x: str) -> str:
    """``x`` is an article of a tree: a tkg:Article, or a tkg:Provision whose article is
    unknown, part of something."""
    return (
        f"(EXISTS {{ {x} a tkg:Article FILTER EXISTS {{ {x} eli:is_part_of [] }} }}"
        f" || EXISTS {{ {x} a tkg:Provision FILTER EXISTS {{ {x} eli:is_part_of [] }} }})"
    )


def _below_treaty(x: str, stem: str) -> str:
    """``x`` is an article, a norm an article expresses, or an obligation derived from such a
    norm (``stem`` names the condition's own variables)."""
    a, n = f"?{stem}a", f"?{stem}n"
    return (
        f"{_article(x)}"
        f" || EXISTS {{ {x} tkg:expressedBy {a} FILTER {_article(a)} }}"
        f" || EXISTS {{ {x} tkg:derivedFrom {n}"
        f" FILTER EXISTS {{ {n} tkg:expressedBy {a} FILTER {_article(a)} }} }}"
    )


def _in_tree(x: str, stem: str) -> str:
    """``x`` is a node of a tree: a treaty with articles, or :func:`_below_treaty`."""
    a = f"?{stem}h"
    return (
        f"(EXISTS {{ {a} eli:is_part_of {x} FILTER EXISTS {{ {a} a tkg:Article }} }}"
        f" || {_below_treaty(x, stem)})"
    )


def _full(x: str) -> str:
    """``x`` is a node the subgraph has all the triples of, other than a treaty with articles:
    :func:`_below_treaty`, or :func:`_condition`."""
    return f"({_below_treaty(x, 'f')} || {_condition(x)})"


def _condition(x: str) -> str:
    """``x`` is a condition of a tree's node."""
    return f"EXISTS {{ ?c tkg:condition {x} FILTER {_in_tree('?c', 'c')} }}"


def _linked(x: str) -> str:
    """``x`` has a label and a tree's node links to it."""
    referrers = " || ".join(
        f"EXISTS {{ ?l{i} {link} {x} FILTER {_in_tree(f'?l{i}', f'l{i}')} }}"
        for i, link in enumerate(sorted(_LINKS))
    )
    return f"(EXISTS {{ {x} rdfs:label [] }} && ({referrers}))"
