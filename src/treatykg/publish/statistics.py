"""The VoID statistics of a dataset: triples, entities, distinct subjects and objects,
partitions by property and class, links to Wikidata, root resources.

Counted by the store: the published graph is a pyoxigraph Store, and a few aggregate queries
over it (``queries/void-*.rq``: triples per property; distinct subjects, objects and entities;
instances per class; links; roots) compute every statistic in Oxigraph's engine, in about a
second at a million triples. Reading the triples into Python to count them took longer than
all the queries together (one to two microseconds per term object), and rdflib's ``Graph`` of
a million triples takes a minute to build. A Store merges literals it normalises; the build
passes what it merged (:func:`treatykg.rdf.store.merges`), so that the numbers are those of
the dumps, literals as written. :func:`statistics` gives the same numbers in one pass over
Python triples, for an rdflib Graph. ``rdflib.void.generateVoID`` would mint partition IRIs of
its own and count every subject as an entity.

Asserted types only: class partitions count ``rdf:type`` statements as written (no
inference): the bilateral 2024 treaty is in the ``tkg:BilateralTreaty`` partition, not in
``tkg:Treaty``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from treatykg.namespaces import BASE, TKG, WD
from treatykg.rdf import store as graphstore
from treatykg.rdf import terms
from treatykg.sparql import catalogue

#: Where the data's own resources live: ``void:entities`` counts IRIs under these only, so
#: vocabulary terms (``def#``) and shapes (``shapes#``) are not counted as entities.
ENTITY_SPACES: tuple[str, ...] = (f"{BASE}id/", f"{BASE}eli/")

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Statistics:
    """The VoID numbers of a set of triples, computed in one pass by :func:`statistics`."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    #: Triples per predicate.
    properties: dict[URIRef, int]
    #: Distinct IRI instances per class (asserted ``rdf:type`` only).
    classes: dict[URIRef, int]
    #: ``skos:exactMatch`` links from the data's entities to Wikidata items.
    wikidata_links: int
    #: Every treaty (an instance of ``tkg:Treaty`` or of a subclass the triples declare): each
    #: is an entry point and the top of its own part-of hierarchy, articles held or not.
    roots: tuple[URIRef, ...]


def triples_of(graph: Graph) -> Iterable[Triple]:
    """The distinct triples of a Graph, or of the union of a Dataset's graphs."""
    if isinstance(graph, Dataset):
        return {(s, p, o) for s, p, o, _ in graph.quads((None, None, None, None))}
    return graph.triples((None, None, None))


def store_statistics(
    store: ox.Store,
    entity_spaces: Sequence[str] = ENTITY_SPACES,
    *,
    merges: graphstore.Merges | None = None,
) -> Statistics:
    """What :func:`statistics` counts, counted by the store's SPARQL engine (see the module
    docstring): six aggregate queries over the whole graph (``queries/void-*.rq``), two at a
    time (the store works without holding the GIL). A store with named graphs is counted as
    the union of all its graphs, each triple once.

    The Store merges literals it normalises (:mod:`treatykg.rdf.store`); ``merges``, what it
    merged of the statements it was loaded with (:func:`treatykg.rdf.store.merges`), makes
    the counts those of the statements as written, as the dumps hold them.
    """
    store = graphstore.union_store(store)
    spaces = " || ".join(
        f"STRSTARTS(STR(?s), {terms.sparql_string(space)})" for space in entity_spaces
    )
    is_entity = f"isIRI(?s) && ({spaces})" if entity_spaces else "false"
    # The two full scans with the largest hash sets first, so they run side by side.
    objects_of, subjects_of, properties_of, classes_of, links_of, roots_of = graphstore.select_all(
        store,
        [
            _query("void-distinct-objects"),
            _query("void-subjects", IS_ENTITY=is_entity),
            _query("void-properties"),
            _query("void-classes"),
            _query("void-wikidata-links", IS_ENTITY=is_entity),
            _query("void-roots"),
        ],
    )
    merged = merges or graphstore.Merges()
    properties = {
        URIRef(terms.iri_of(prop)): _integer(number) + merged.triples.get(prop, 0)
        for prop, number in zip(*properties_of, strict=True)
    }
    classes = {
        URIRef(terms.iri_of(cls)): _integer(number) for cls, number in zip(*classes_of, strict=True)
    }
    return Statistics(
        triples=sum(properties.values()),
        entities=_integer(subjects_of[1][0]),
        distinct_subjects=_integer(subjects_of[0][0]),
        distinct_objects=_integer(objects_of[0][0]) + merged.objects,
        properties=properties,
        classes=classes,
        wikidata_links=_integer(links_of[0][0]),
        roots=tuple(sorted(URIRef(terms.iri_of(root)) for root in roots_of[0])),
    )


def _query(name: str, **values: str) -> str:
    return catalogue.internal("treatykg.publish", name, **values)


def _integer(term: str) -> int:
    return int(terms.lexical_of(term))


def statistics(
    triples: Iterable[Triple], entity_spaces: Sequence[str] = ENTITY_SPACES
) -> Statistics:
    """Count what VoID reports, in one pass over ``triples`` (which must be distinct).

    The pass only groups (subject, object) pairs by predicate: dictionary lookups are cheap,
    while comparing rdflib terms with ``==`` runs Python code on every triple.
    """
    spaces = tuple(entity_spaces)
    subjects: set[Node] = set()
    objects: set[Node] = set()
    by_predicate: defaultdict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        subjects.add(s)
        objects.add(o)
        by_predicate[p].append((s, o))
    instances: defaultdict[URIRef, set[URIRef]] = defaultdict(set)
    for s, o in by_predicate.get(RDF.type, ()):
        if isinstance(o, URIRef):
            instances[o].update((s,) if isinstance(s, URIRef) else ())
    treaty_classes = _subclasses(TKG.Treaty, by_predicate)
    roots = {root for kind in treaty_classes for root in instances.get(kind, ())}
    wikidata = str(WD)
    links = sum(
        1
        for s, o in by_predicate.get(SKOS.exactMatch, ())
        if _is_entity(s, spaces) and isinstance(o, URIRef) and o.startswith(wikidata)
    )
    return Statistics(
        triples=sum(len(pairs) for pairs in by_predicate.values()),
        entities=sum(1 for s in subjects if _is_entity(s, spaces)),
        distinct_subjects=len(subjects),
        distinct_objects=len(objects),
        properties={p: len(v) for p, v in by_predicate.items() if isinstance(p, URIRef)},
        classes={c: len(members) for c, members in instances.items()},
        wikidata_links=links,
        roots=tuple(sorted(roots)),
    )


def _subclasses(top: URIRef, by_predicate: dict[Node, list[tuple[Node, Node]]]) -> set[URIRef]:
    """``top`` and every class below it by ``rdfs:subClassOf`` among the triples: what
    ``?class rdfs:subClassOf* top`` matches in ``void-roots.rq``."""
    found: set[URIRef] = {top}
    pairs = by_predicate.get(RDFS.subClassOf, [])
    while True:
        more = {s for s, o in pairs if o in found and isinstance(s, URIRef)} - found
        if not more:
            return found
        found |= more


def _is_entity(node: Node, spaces: tuple[str, ...]) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(spaces)
