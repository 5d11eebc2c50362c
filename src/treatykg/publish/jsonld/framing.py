"""The framed treaty view (``treatykg.framed.jsonld``): treaties embedding their articles,
norms and directed obligations, compacted with the context, for web developers.

:func:`framed` reads the view's triples from the published Store with the internal queries
``treatykg/publish/queries/framed-*.rq`` and writes them with
:class:`~treatykg.publish.jsonld.writer.FramedWriter`; :func:`framed_by_pyld` is the same
document made by pyld, the JSON-LD reference processor, and the fallback for what the
direct writer does not model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph
from rdflib.term import Node

from treatykg.namespaces import ELI, TKG
from treatykg.publish.jsonld.compaction import Compactor, UnsupportedError
from treatykg.publish.jsonld.writer import Columns, FramedWriter, article_head, restored_integer
from treatykg.rdf import store as graphstore
from treatykg.rdf.load import parse_bytes
from treatykg.rdf.serialize import Prepared, RdfInput, canonical_json, canonical_tree
from treatykg.rdf.terms import term_key
from treatykg.sparql import catalogue

FRAME: dict[str, Any] = {
    "type": ["tkg:Treaty", "tkg:BilateralTreaty"],
    "articles": {"norms": {"obligations": {}}},
}
"""Treaty → articles (by number) → norms → directed obligations, for web developers.

Every node of :func:`framed_subgraph` is embedded wherever it is linked (``@embed:
@always``), except a node's own ancestors, which stay IRIs (``isPartOf``, ``expressedBy``,
``derivedFrom``). The subgraph decides what an embedded node shows: conditions in full;
parties, bearers, beneficiaries and legal bases as ``{id, label}``, so that
``obligation.bearer.label.en`` works without a lookup. Links out of the view (sources, topics,
replaced treaties) stay IRIs. Framing matches types literally (no inference), so the treaty
subclasses are listed. The frame has no per-property subframes on purpose: in JSON-LD
framing a subframe also filters, and ``{"legalBasis": {…}}`` silently dropped every norm
without a legal basis.
"""

_LINK_PROPERTIES = (TKG.party, TKG.cites, TKG.bearer, TKG.beneficiary, TKG.legalBasis)
_PACKAGE = "treatykg.publish"  # whose queries/ hold the framed-*.rq queries


def framed(data: ox.Store | RdfInput, context: Mapping[str, Any]) -> bytes:
    """The framed JSON-LD document (:data:`FRAME`) for every treaty that has articles.

    ``data`` is the published default graph (ontology and data): a pyoxigraph Store, or an
    rdflib Graph (or what :mod:`treatykg.rdf.serialize` accepts), which is loaded into one.
    Output: ``{"@context": …, "@graph": [treaty, …]}`` as canonical JSON, arrays in a
    canonical order, articles by number.

    Why not frame with pyld, the JSON-LD reference processor? It is right but slow: its
    framing finds the nodes of a reverse property (``articles``, ``norms``, ``obligations``)
    by scanning every node for each node it embeds, so it is quadratic (38 s at 100k
    triples), and its compaction walks every value in Python. The frame is fixed, so the tree
    is built directly instead: two whole-graph SPARQL queries fetch the triples
    :func:`framed_subgraph` selects, and :class:`FramedWriter` embeds, compacts and writes
    them as pyld frames and compacts them (``@embed: @always``, JSON-LD 1.1, the context of
    :func:`~treatykg.publish.jsonld.context.build_context`). :func:`framed_by_pyld` keeps
    pyld's answer as the reference, and the tests compare the two byte for byte on the
    bundled data and on a generated corpus. Anything the direct writer does not model (blank
    nodes, RDF lists, context features that ``build_context`` never writes) is framed by
    pyld, on the same subgraph.

    A Store reads derived integer literals back as ``xsd:integer`` (see
    :mod:`treatykg.rdf.store`); such a value is written with the datatype its property's term
    declares (``"articleCount": "23"``, an ``xsd:positiveInteger``) when it is in that type's
    range. The shapes require exactly that datatype, so a release only ever held that one.
    """
    store = _as_store(data)
    compactor = Compactor.parse(context)
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
    options = {
        "documentLoader": refuse_to_load,
        "processingMode": "json-ld-1.1",
        "omitGraph": False,
        "omitDefault": True,
        "embed": "@always",
    }
    result = pyld.frame(document, {"@context": dict(context), **FRAME}, options)
    return _framed_document(result["@graph"], context)


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
    """The triples :data:`FRAME` shows: treaties with articles, their articles, norms,
    obligations and conditions in full, and the labels of the parties and instruments.

    The rdflib version, for :func:`framed_by_pyld`; :func:`framed` asks a Store for the same
    triples with SPARQL.
    """
    articles = sorted(
        (a for a in graph.subjects(RDF.type, TKG.Article) if (a, ELI.is_part_of, None) in graph),
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
