"""schema.org JSON-LD for search engines, embedded in each page as
``<script type="application/ld+json">``.

Search engines read schema.org, not our vocabulary, so a page describes its resource again in
schema.org terms: its types are the nearest classes up its class hierarchy that the
ontology's alignments (``rdfs:subClassOf``, ``owl:equivalentClass``, ``skos:exactMatch``,
``skos:closeMatch`` to schema.org) map, else those of :data:`SCHEMA_CLASSES`; its properties
likewise, through :data:`SCHEMA_PROPERTIES`. The JSON is written by :func:`script_json`,
which escapes it for the ``<script>`` element: that block is the one piece of a page that
the templates' autoescaping cannot protect.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from treatykg.namespaces import DCAT, ELI, PROV, SCHEMA, TKG
from treatykg.rdf.formats import IANA_MEDIA_TYPES
from treatykg.web import urls
from treatykg.web.pages.graph_index import GraphIndex

#: The namespaces of schema.org terms an alignment may name.
_SCHEMA_NAMESPACES = (str(SCHEMA), "http://schema.org/")

#: schema.org counterparts of classes the alignments do not map but whose meaning is settled
#: (schema.org itself maps ELI's legal resources to Legislation).
SCHEMA_CLASSES: dict[Node, tuple[str, ...]] = {
    ELI.LegalResource: ("Legislation",),
    ELI.LegalResourceSubdivision: ("Legislation",),
    ELI.LegalExpression: ("Legislation",),
    URIRef("http://www.w3.org/ns/org#Organization"): ("Organization",),
    PROV.Organization: ("Organization",),
    PROV.Person: ("Person",),
    FOAF.Organization: ("Organization",),
    FOAF.Person: ("Person",),
    DCAT.Dataset: ("Dataset",),
    VOID.Dataset: ("Dataset",),
    DCAT.Distribution: ("DataDownload",),
    DCAT.Catalog: ("DataCatalog",),
    SKOS.Concept: ("DefinedTerm",),
    SKOS.ConceptScheme: ("DefinedTermSet",),
}
#: schema.org properties for properties the alignments do not map (ELI's as schema.org maps
#: them; Dublin Core, DCAT and SKOS as search engines read them).
SCHEMA_PROPERTIES: dict[Node, tuple[str, ...]] = {
    SKOS.prefLabel: ("name",),
    RDFS.label: ("name",),
    DCTERMS.title: ("name",),
    ELI.title: ("name",),
    FOAF.name: ("name",),
    SKOS.altLabel: ("alternateName",),
    DCTERMS.description: ("description",),
    SKOS.definition: ("description",),
    SKOS.exactMatch: ("sameAs",),
    DCTERMS.source: ("citation",),
    DCTERMS.publisher: ("publisher",),
    DCTERMS.creator: ("creator",),
    DCTERMS.license: ("license",),
    DCTERMS.issued: ("datePublished",),
    DCTERMS.modified: ("dateModified",),
    DCTERMS.created: ("dateCreated",),
    DCTERMS.language: ("inLanguage",),
    DCTERMS.identifier: ("identifier",),
    DCTERMS.bibliographicCitation: ("citation",),
    DCAT.keyword: ("keywords",),
    DCAT.version: ("version",),
    DCAT.distribution: ("distribution",),
    DCAT.downloadURL: ("contentUrl",),
    DCAT.byteSize: ("contentSize",),
    DCAT.dataset: ("dataset",),
    FOAF.homepage: ("url",),
    PROV.wasDerivedFrom: ("isBasedOn",),
    ELI.is_part_of: ("isPartOf",),
    ELI.date_document: ("legislationDate",),
    ELI.first_date_entry_in_force: ("legislationDateOfApplicability",),
    ELI.realizes: ("exampleOfWork",),
    ELI.cites: ("citation",),
    TKG.party: ("legislationPassedBy",),
    TKG.topic: ("about",),
    TKG.signatory: ("attendee",),
    TKG.partOfEvent: ("superEvent",),
    TKG.assertedBy: ("author",),
    TKG.assertedOn: ("dateCreated",),
    TKG.claimText: ("text",),
    TKG.claimSubject: ("about",),
}
#: Datatypes whose values are JSON numbers (when their lexical form is a plain integer).
_JSON_INTEGERS = frozenset(
    {
        XSD.integer,
        XSD.int,
        XSD.long,
        XSD.short,
        XSD.nonNegativeInteger,
        XSD.positiveInteger,
        XSD.negativeInteger,
        XSD.nonPositiveInteger,
        XSD.unsignedInt,
        XSD.unsignedLong,
    }
)
#: What a distribution's reference gives of it.
_DISTRIBUTION: tuple[tuple[URIRef, str], ...] = (
    (DCTERMS.title, "name"),
    (DCAT.downloadURL, "contentUrl"),
    (DCAT.mediaType, "encodingFormat"),
)


def script_json(data: Any) -> Markup:
    """``data`` as JSON that is safe inside ``<script type="application/ld+json">``.

    Keys are sorted (deterministic output); ``<``, ``>`` and ``&`` are written as JSON escapes,
    so no string in the data, such as a label ``</script><b>``, can end the script element or
    open a comment. The result is still valid JSON meaning exactly the same data.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # escaped above for the script context


def _aligned(index: GraphIndex, predicates: Iterable[URIRef]) -> dict[Node, tuple[str, ...]]:
    """Term → the schema.org names ``predicates`` align it to (``https://`` or ``http://``)."""
    found: dict[Node, set[str]] = defaultdict(set)
    for predicate in predicates:
        for subject, obj in index.pairs(predicate):
            text = str(obj)
            for prefix in _SCHEMA_NAMESPACES:
                if text.startswith(prefix) and len(text) > len(prefix):
                    found[subject].add(text[len(prefix) :])
    return {term: tuple(sorted(names)) for term, names in found.items()}


class SchemaOrg:
    """The schema.org description of any node of one graph."""

    def __init__(self, index: GraphIndex) -> None:
        self._ix = index
        self._classes = _aligned(
            index, (RDFS.subClassOf, OWL.equivalentClass, SKOS.exactMatch, SKOS.closeMatch)
        )
        self._properties = _aligned(
            index, (RDFS.subPropertyOf, OWL.equivalentProperty, SKOS.exactMatch, SKOS.closeMatch)
        )

    def embedding(self, node: Node) -> dict[str, Any]:
        """``node`` described with schema.org terms, for ``<script type="application/ld+json">``:
        its types and names, what the alignments map, Wikidata as ``sameAs``."""
        types = self.types(node)
        event = "Event" in types
        data: dict[str, list[Any]] = defaultdict(list)
        for predicate, values in self._ix.out.get(node, {}).items():
            if predicate == RDF.type:
                continue
            for name in self.property_names(predicate, event):
                for value in values:
                    converted = self._json_value(value, name)
                    if converted is not None:
                        data[name].append(converted)
        if "Legislation" in types:
            for part in self._ix.subjects(ELI.is_part_of, node):
                data["hasPart"].append(self._json_ref(part))
        description: dict[str, Any] = {
            "@context": {"@vocab": SCHEMA},
            "@id": str(node),
            "@type": types[0] if len(types) == 1 else types,
        }
        for name, values in data.items():
            unique = {json.dumps(v, sort_keys=True, ensure_ascii=False): v for v in values}
            ordered = [unique[key] for key in sorted(unique)]
            description[name] = ordered[0] if len(ordered) == 1 else ordered
        return description

    def types(self, node: Node) -> list[str]:
        """The schema.org types of ``node``: the nearest aligned classes up its hierarchy."""
        frontier = set(self._ix.values(node, RDF.type))
        seen: set[Node] = set()
        while frontier:
            found = sorted(
                {
                    name
                    for cls in frontier
                    for name in (self._classes.get(cls) or SCHEMA_CLASSES.get(cls, ()))
                }
            )
            if found:
                return found
            seen |= frontier
            frontier = {s for c in frontier for s in self._ix.super_classes.get(c, ())} - seen
        return ["Thing"]

    def property_names(self, predicate: URIRef, event: bool) -> tuple[str, ...]:
        """The schema.org properties of ``predicate``: the nearest aligned ones up its
        hierarchy (``tkg:date`` is an event's ``startDate``, else ``dateCreated``)."""
        if predicate == TKG.date:  # an event's day, or the day words were said
            return ("startDate",) if event else ("dateCreated",)
        seen: set[Node] = set()
        frontier: list[Node] = [predicate]
        while frontier:
            found = sorted(
                {
                    name
                    for p in frontier
                    for name in (self._properties.get(p) or SCHEMA_PROPERTIES.get(p, ()))
                }
            )
            if found:
                return tuple(found)
            seen.update(frontier)
            frontier = [
                s for p in frontier for s in self._ix.super_properties.get(p, ()) if s not in seen
            ]
        return ()

    def _json_value(self, value: Node, name: str) -> Any:
        if isinstance(value, Literal):
            if value.language:
                return {"@value": str(value), "@language": value.language}
            if value.datatype == XSD.boolean:
                return value.toPython() if isinstance(value.toPython(), bool) else str(value)
            if value.datatype in _JSON_INTEGERS and re.fullmatch(r"[+-]?\d+", str(value)):
                return int(str(value))
            return str(value)
        if isinstance(value, BNode):
            return None
        if name == "encodingFormat":
            return str(value).removeprefix(IANA_MEDIA_TYPES)
        if name in ("contentUrl", "url"):
            return str(value)
        if name == "distribution":
            return self._json_distribution(value)
        return self._json_ref(value)

    def _json_ref(self, node: Node) -> dict[str, Any]:
        ref: dict[str, Any] = {"@id": str(node)}
        label = self._ix.label(node)
        if label is not None and urls.path_of(str(node)) is not None:
            ref["name"] = {"@value": label[0], "@language": label[1]} if label[1] else label[0]
        return ref

    def _json_distribution(self, dist: Node) -> dict[str, Any]:
        ref: dict[str, Any] = {"@id": str(dist), "@type": "DataDownload"}
        for predicate, name in _DISTRIBUTION:
            value = self._ix.value(dist, predicate)
            if value is not None:
                ref[name] = str(value).removeprefix(IANA_MEDIA_TYPES)
        return ref
