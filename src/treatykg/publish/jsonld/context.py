"""The JSON-LD context of treatykg's data, generated from the ontology.

Design:

* **Inline, not by URL.** :func:`treatykg.rdf.serialize.jsonld` and
  :func:`treatykg.publish.jsonld.framing.framed` embed the context. The same dict is published
  at :data:`CONTEXT_URL` for people writing their own JSON-LD, but a dump that only names the
  URL cannot be read offline, and a processor that fetches it (rdflib does, unasked) makes a
  network call per load. Our own loader refuses remote contexts, so an inline context is also
  what lets ``treatykg validate`` read our dump.
* **``id`` and ``type``** alias ``@id`` and ``@type``, as schema.org, ActivityStreams and
  Verifiable Credentials do, so that JavaScript can write ``node.id``.
* **Vocabulary prefixes only.** Classes, properties and SKOS values compact to ``tkg:Treaty``,
  but resources (``…/id/state/prk``, treaty IRIs, Wikidata items) stay absolute IRIs: they can
  be fetched as they are, and the per-kind prefixes of the Turtle output would clash with
  terms (``source``, ``office``, ``place``, ``condition``; ``org`` is W3C ORG).
* **One term per property**, named by its local name (``party``, ``dateDocument``), typed from
  the ontology: ``@type: @id`` for object properties, the ``rdfs:range`` datatype for datatype
  properties, a language map for ``rdf:langString`` ranges. A value that does not fit the
  term (an untagged string where a language map is declared, the literal publisher in the
  ontology header) is still written, faithfully, under the compact IRI (``dcterms:publisher``).
* **Every property a ``@set``**, except the language maps: compacted, a property's value is
  then always an array, one value or several, so that JavaScript can write
  ``article.topic.map(…)`` whatever the data holds (with a plain term, one value is a string
  and two an array). The ontology declares no functional property, and a shape's
  ``sh:maxCount 1`` holds for some classes only, so no property is known to be single. A
  language map is an object in any case (one value a language where the shapes say
  ``sh:uniqueLang``).
* **A term for every property the data uses** (the tests check it on the bundled data): the
  ``tkg:`` ones from the ontology, the standard ones listed in :data:`STANDARD_TERMS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from treatykg.namespaces import PREFIXES, TKG, qname
from treatykg.rdf.serialize import canonical_json

CONTEXT_URL = "https://w3id.org/treatykg/context.jsonld"

CONTEXT_PREFIXES: dict[str, str] = {
    prefix: ns for prefix, ns in PREFIXES.items() if prefix not in ("id", "wd")
}
"""Vocabulary prefixes. ``id`` is the alias of ``@id``; ``wd`` items are resources, kept whole."""

_LANGUAGE = "@language"
_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)

# Standard properties the data uses: (term, property, coercion). The coercion is "@id" for
# links, "@language" for a language map (only where every value is language-tagged), a
# datatype, or None for plain strings. "dcterms:language" is named by its compact IRI: the
# key is the same as without a term, but the value becomes a plain "en"; "dcterms:title" too,
# as "title" is ELI's.
STANDARD_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("label", "rdfs:label", _LANGUAGE),
    ("altLabel", "skos:altLabel", _LANGUAGE),
    ("prefLabel", "skos:prefLabel", _LANGUAGE),
    ("definition", "skos:definition", _LANGUAGE),
    ("description", "dcterms:description", _LANGUAGE),
    ("source", "dcterms:source", "@id"),
    ("publisher", "dcterms:publisher", "@id"),
    ("license", "dcterms:license", "@id"),
    ("issued", "dcterms:issued", "xsd:date"),
    ("created", "dcterms:created", "xsd:date"),
    ("modified", "dcterms:modified", "xsd:date"),
    ("identifier", "dcterms:identifier", None),
    ("bibliographicCitation", "dcterms:bibliographicCitation", None),
    ("dcterms:title", "dcterms:title", _LANGUAGE),
    ("creator", "dcterms:creator", None),
    ("rights", "dcterms:rights", _LANGUAGE),
    ("conformsTo", "dcterms:conformsTo", "@id"),
    ("keyword", "dcat:keyword", _LANGUAGE),
    ("version", "dcat:version", None),
    ("uriSpace", "void:uriSpace", None),
    ("exampleResource", "void:exampleResource", "@id"),
    ("wasDerivedFrom", "prov:wasDerivedFrom", "@id"),
    ("dcterms:language", "dcterms:language", "xsd:language"),
    ("exactMatch", "skos:exactMatch", "@id"),
    ("closeMatch", "skos:closeMatch", "@id"),
    ("isPartOf", "eli:is_part_of", "@id"),
    ("number", "eli:number", None),
    ("title", "eli:title", _LANGUAGE),
    ("language", "eli:language", "@id"),
    ("realizes", "eli:realizes", "@id"),
    ("dateDocument", "eli:date_document", "xsd:date"),
    ("firstDateEntryInForce", "eli:first_date_entry_in_force", "xsd:date"),
    ("dateNoLongerInForce", "eli:date_no_longer_in_force", "xsd:date"),
)

REVERSE_TERMS: dict[str, str] = {
    "articles": "eli:is_part_of",
    "norms": "tkg:expressedBy",
    "obligations": "tkg:derivedFrom",
}
"""Reverse properties for the framed tree; always arrays (``@set``)."""


def build_context(ontology: Graph) -> dict[str, Any]:
    """The JSON-LD 1.1 context (the value of ``@context``) for data described by ``ontology``.

    Raises ValueError if two terms would share a name, rather than letting one win silently.
    """
    context: dict[str, Any] = {"@version": 1.1}
    _add(context, "id", "@id")
    _add(context, "type", "@type")
    for prefix, namespace in sorted(CONTEXT_PREFIXES.items()):
        _add(context, prefix, namespace)
    for prop in tkg_properties(ontology):
        _add(context, str(prop)[len(str(TKG)) :], _property_definition(ontology, prop))
    for term, iri, coercion in STANDARD_TERMS:
        _add(context, term, _definition(iri, coercion))
    for term, iri in REVERSE_TERMS.items():
        _add(context, term, {"@reverse": iri, "@container": "@set"})
    return context


def context_document(context: Mapping[str, Any]) -> bytes:
    """The bytes to publish at :data:`CONTEXT_URL`: ``{"@context": …}`` as canonical JSON."""
    return canonical_json({"@context": dict(context)})


def tkg_properties(ontology: Graph) -> list[URIRef]:
    """Every ``tkg:`` property the ontology declares, sorted."""
    found = {
        s
        for kind in _PROPERTY_TYPES
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(TKG))
    }
    return sorted(found)


def _property_definition(ontology: Graph, prop: URIRef) -> dict[str, str]:
    """``@type``/``@container`` from the property's kind and its single rdfs:range."""
    compact = qname(prop, CONTEXT_PREFIXES)
    if (prop, RDF.type, OWL.ObjectProperty) in ontology:
        return _definition(compact, "@id")
    ranges = set(ontology.objects(prop, RDFS.range))
    if len(ranges) != 1 or (prop, RDF.type, OWL.DatatypeProperty) not in ontology:
        # IRIs or literals (tkg:claimValue): no container, as rdflib's compaction (the
        # resource documents) puts no IRI under an untyped @set term, only under its full IRI.
        return {"@id": compact}
    (range_,) = ranges
    if range_ == RDF.langString:
        return _definition(compact, _LANGUAGE)
    if isinstance(range_, URIRef) and str(range_).startswith(str(XSD)) and range_ != XSD.string:
        return _definition(compact, qname(range_, CONTEXT_PREFIXES))
    return _definition(compact, None)


def _definition(iri: str, coercion: str | None) -> dict[str, str]:
    """A term for ``iri``: a language map, else a ``@set`` (see the module's docstring)."""
    if coercion == _LANGUAGE:
        return {"@id": iri, "@container": _LANGUAGE}
    if coercion is None:
        return {"@id": iri, "@container": "@set"}
    return {"@id": iri, "@type": coercion, "@container": "@set"}


def _add(context: dict[str, Any], term: str, definition: Any) -> None:
    if term in context:
        raise ValueError(f"JSON-LD term {term!r} defined twice: {context[term]!r}, {definition!r}")
    context[term] = definition
