"""The view of the vocabulary page (``/def.html``): the ontology's header, then every term of
``tkg:`` with the element id of its local name, so that ``def#Treaty`` lands on its entry.

Terms are grouped as classes, properties, concept schemes with their concepts, and the rest;
each lists its labels in every language, its notes, its place in the hierarchies and its
alignments to other vocabularies (shown by qname: ``schema:Legislation`` says more there
than "Legislation").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN
from rdflib.term import Node

from treatykg.namespaces import ONTOLOGY, TKG, qname
from treatykg.web.pages.changes import HistoryView, history
from treatykg.web.pages.graph_index import lang_rank
from treatykg.web.pages.links import Links, Value, literal, local_name

_NOTES = (SKOS.definition, RDFS.comment, SKOS.scopeNote, SKOS.example)


def _header(links: Links) -> tuple[tuple[URIRef, str], ...]:
    """The facts of the ontology's header, in the order shown, with their names in the
    pages' language (the page writes each name's first letter as a capital)."""
    _ = links._
    return (
        (OWL.versionInfo, _("version")),
        (OWL.versionIRI, _("version IRI")),
        (DCTERMS.license, _("licence")),
        (DCTERMS.creator, _("creator")),
        (DCTERMS.publisher, _("publisher")),
        (DCTERMS.created, _("created")),
        (DCTERMS.modified, _("modified")),
        (VANN.preferredNamespacePrefix, _("preferred prefix")),
        (VANN.preferredNamespaceUri, _("namespace")),
        (DCTERMS.bibliographicCitation, _("how to cite")),
        (RDFS.seeAlso, _("see also")),
        (SKOS.historyNote, _("history")),
    )


@dataclass(slots=True)
class TermView:
    #: The element id: the term's local name.
    id: str
    qname: str
    iri: str
    #: What the term is, in the pages' language: "class", "property", "concept scheme",
    #: "concept" or "term" in English.
    kind: str
    labels: list[Value]
    notes: list[Value]
    rows: list[tuple[str, list[Value]]]
    #: What changed about it in each version the release keeps a changeset of.
    changes: list[HistoryView]


@dataclass(slots=True)
class SchemeView:
    term: TermView
    concepts: list[TermView]


@dataclass(slots=True)
class OntologyView:
    heading: Value | None
    titles: list[Value]
    description: Value | None
    header: list[tuple[str, list[Value]]]
    iri: str
    classes: list[TermView]
    properties: list[TermView]
    schemes: list[SchemeView]
    loose_concepts: list[TermView]
    others: list[TermView]
    #: What changed about the ontology itself (its header) in each version kept.
    changes: list[HistoryView]


def ontology_view(links: Links, doc: str) -> OntologyView:
    """The vocabulary page at ``doc``: every term of ``tkg:`` the graph describes."""
    ix = links.index
    namespace = str(TKG)
    terms = sorted(
        (s for s in ix.described(namespace) if len(str(s)) > len(namespace)),
        key=lambda s: (local_name(str(s)).casefold(), str(s)),
    )
    classes, properties, others = [], [], []
    schemes: list[URIRef] = []
    concepts: list[URIRef] = []
    for term in terms:
        types = set(ix.values(term, RDF.type))
        if types & {OWL.Class, RDFS.Class}:
            classes.append(_term_view(links, doc, term, "class"))
        elif any(str(t).endswith("Property") for t in types):
            properties.append(_term_view(links, doc, term, "property"))
        elif SKOS.ConceptScheme in types:
            schemes.append(term)
        elif SKOS.Concept in types:
            concepts.append(term)
        else:
            others.append(_term_view(links, doc, term, "term"))
    scheme_views = []
    in_scheme: set[Node] = set()
    for scheme in schemes:
        members = [c for c in concepts if scheme in ix.values(c, SKOS.inScheme)]
        in_scheme.update(members)
        scheme_views.append(
            SchemeView(
                term=_term_view(links, doc, scheme, "concept scheme"),
                concepts=[_term_view(links, doc, c, "concept") for c in members],
            )
        )
    header = []
    for predicate, name in _header(links):
        values = ix.values(ONTOLOGY, predicate)
        if values:
            header.append((name, links.links(doc, values)))
    return OntologyView(
        heading=links.text(ONTOLOGY, DCTERMS.title),
        titles=[literal(t) for t in ix.literals(ONTOLOGY, DCTERMS.title)],
        description=links.text(ONTOLOGY, DCTERMS.description),
        header=header,
        iri=str(ONTOLOGY),
        classes=classes,
        properties=properties,
        schemes=scheme_views,
        loose_concepts=[
            _term_view(links, doc, c, "concept") for c in concepts if c not in in_scheme
        ],
        others=others,
        changes=history(links, doc, str(ONTOLOGY)),
    )


def _term_view(links: Links, doc: str, term: URIRef, kind: str) -> TermView:
    """The entry of ``term``; ``kind`` is what it is ("class", "property", "concept scheme",
    "concept" or "term"), which its entry says in the pages' language."""
    ix = links.index
    _ = links._
    labels = [
        literal(v)
        for predicate in (RDFS.label, SKOS.prefLabel)
        for v in ix.literals(term, predicate)
    ]
    unique = {(v.text, v.lang): v for v in labels}
    labels = sorted(unique.values(), key=lambda v: (lang_rank(v.lang, links.language), v.text))
    own = str(TKG)
    supers = ix.values(term, RDFS.subClassOf) + ix.values(term, RDFS.subPropertyOf)
    rows: list[tuple[str, list[Value]]] = []

    def add(name: str, nodes: Iterable[Node]) -> None:
        refs = sorted(
            (links.term_ref(doc, node) for node in nodes),
            key=lambda value: (value.text.casefold(), value.href or ""),
        )
        if refs:
            rows.append((name, refs))

    is_property = kind == "property"
    add(
        _("sub-property of") if is_property else _("sub-class of"),
        [s for s in supers if str(s).startswith(own) or isinstance(s, BNode)],
    )
    add(_("domain"), ix.values(term, RDFS.domain))
    add(_("range"), ix.values(term, RDFS.range))
    add(_("sub-classes"), ix.subjects(RDFS.subClassOf, term))
    add(_("sub-properties"), ix.subjects(RDFS.subPropertyOf, term))
    add(_("disjoint with"), ix.values(term, OWL.disjointWith))
    add(_("inverse of"), ix.values(term, OWL.inverseOf))
    add(_("in scheme"), ix.values(term, SKOS.inScheme))
    add(_("broader"), ix.values(term, SKOS.broader))
    add(
        _("aligned: sub-property of") if is_property else _("aligned: sub-class of"),
        [s for s in supers if isinstance(s, URIRef) and not str(s).startswith(own)],
    )
    add(
        _("aligned: equivalent to"),
        ix.values(term, OWL.equivalentClass) + ix.values(term, OWL.equivalentProperty),
    )
    add(_("aligned: exact match"), ix.values(term, SKOS.exactMatch))
    add(_("aligned: close match"), ix.values(term, SKOS.closeMatch))
    add(_("type"), [t for t in ix.values(term, RDF.type) if t not in (OWL.Class,)])
    return TermView(
        id=local_name(str(term)),
        qname=qname(term),
        iri=str(term),
        kind=_kinds(links)[kind],
        labels=labels,
        notes=[literal(v) for predicate in _NOTES for v in ix.literals(term, predicate)],
        rows=rows,
        changes=history(links, doc, str(term)),
    )


def _kinds(links: Links) -> dict[str, str]:
    """What each kind of term is called in the pages' language."""
    _ = links._
    return {
        "class": _("class"),
        "property": _("property"),
        "concept scheme": _("concept scheme"),
        "concept": _("concept"),
        "term": _("term"),
    }
