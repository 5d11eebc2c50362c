"""Ontology hygiene: a complete header, every term labelled and defined in the languages of the
pages, every term used declared.

"Declared" means: typed in one of the bundled ontology modules (treatykg.ttl, concepts.ttl,
imports.ttl for the external terms we use directly), or part of RDF, RDFS, OWL, XSD or SHACL.
A term that is used in data, shapes or queries but declared nowhere is usually a typo that
SPARQL and SHACL would silently ignore, so these tests fail on it.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, VANN
from rdflib.plugins.sparql import prepareQuery

from treatykg import load, resources
from treatykg.rdf.load import load_ontology, load_shapes

ONTOLOGY = URIRef("https://w3id.org/treatykg/def")
TKG = "https://w3id.org/treatykg/def#"
XSD = "http://www.w3.org/2001/XMLSchema#"
BUILTIN = (str(RDF), str(RDFS), str(OWL), XSD, str(SH))
#: The languages of the pages: every term's label, and our terms' definitions, in each.
LANGUAGES = ("en", "fr", "ru", "ko")
#: Namespaces whose IRIs are vocabulary terms (as opposed to data resources).
VOCABULARIES = (
    TKG,
    "http://data.europa.eu/eli/ontology#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/prov#",
    "https://schema.org/",
    "http://www.w3.org/ns/dcat#",
    "http://rdfs.org/ns/void#",
    "http://purl.org/vocab/vann/",
    "http://www.w3.org/ns/org#",
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "http://spdx.org/rdf/terms#",
    "http://xmlns.com/foaf/0.1/",
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


def declared(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}


def vocabulary_terms(terms: set[URIRef]) -> set[URIRef]:
    return {t for t in terms if str(t).startswith(VOCABULARIES) and not str(t).startswith(BUILTIN)}


def test_header_is_complete(ontology: Graph) -> None:
    required = [
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
        DCTERMS.bibliographicCitation,
        OWL.versionIRI,
        OWL.versionInfo,
        VANN.preferredNamespacePrefix,
        VANN.preferredNamespaceUri,
    ]
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    missing = [p for p in required if ontology.value(ONTOLOGY, p) is None]
    assert not missing, f"ontology header lacks {missing}"
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespaceUri)) == TKG
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "tkg"
    for text in (DCTERMS.title, DCTERMS.description):
        wrong = _one_in_each_language(list(ontology.objects(ONTOLOGY, text)))
        assert wrong is None, f"ontology header {text}: {wrong}"


def _one_in_each_language(values: list[object]) -> str | None:
    """What is wrong with ``values`` as text in each language of the pages, one per language."""
    langs = sorted(
        (v.language or "untagged") if isinstance(v, Literal) else "not a literal" for v in values
    )
    ours = [lang for lang in langs if lang in LANGUAGES]  # other languages are welcome
    if ours == sorted(LANGUAGES) and not {"untagged", "not a literal"} & set(langs):
        return None
    return f"in {langs}, not one in each of {list(LANGUAGES)}"


def test_every_term_is_labelled_in_the_languages_of_the_pages(ontology: Graph) -> None:
    """Every declared term (ours and the external ones of imports.ttl) has one label in each
    language of the pages, which show the labels as class and property names; a concept's
    skos:prefLabel says the same as its rdfs:label, language by language."""
    terms = declared(ontology) - {ONTOLOGY}
    assert len([t for t in terms if str(t).startswith(TKG)]) > 60
    assert len([t for t in terms if not str(t).startswith(TKG)]) > 60
    problems = []
    for term in sorted(terms):
        labels = list(ontology.objects(term, RDFS.label))
        wrong = _one_in_each_language(labels)
        if wrong:
            problems.append(f"{term}: rdfs:label {wrong}")
        if (term, RDF.type, SKOS.Concept) in ontology:
            preferred = set(ontology.objects(term, SKOS.prefLabel))
            if preferred != set(labels):
                problems.append(f"{term}: skos:prefLabel {sorted(preferred)} != rdfs:label")
        if ontology.value(term, RDFS.isDefinedBy) is None:
            problems.append(f"{term}: no rdfs:isDefinedBy")
    assert not problems, "\n".join(problems)


def test_every_term_of_ours_is_defined_in_the_languages_of_the_pages(ontology: Graph) -> None:
    terms = {t for t in declared(ontology) if str(t).startswith(TKG)}
    assert len(terms) > 60
    problems = []
    for term in sorted(terms):
        wrong = _one_in_each_language(list(ontology.objects(term, SKOS.definition)))
        if wrong:
            problems.append(f"{term}: skos:definition {wrong}")
    assert not problems, "\n".join(problems)


def test_every_property_has_domain_and_range(ontology: Graph) -> None:
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
    properties = {
        p for kind in kinds for p in ontology.subjects(RDF.type, kind) if str(p).startswith(TKG)
    }
    assert len(properties) > 40
    missing = sorted(
        str(p)
        for p in properties
        if ontology.value(p, RDFS.domain) is None or ontology.value(p, RDFS.range) is None
    )
    assert not missing, missing


def test_every_term_used_in_data_is_declared(ontology: Graph) -> None:
    data = load()
    used = set(data.predicates())
    used |= {o for o in data.objects(None, RDF.type) if isinstance(o, URIRef)}
    used |= {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(TKG)}
    undeclared = sorted(vocabulary_terms(used) - declared(ontology))
    assert not undeclared, undeclared


def test_every_term_used_in_shapes_is_declared(ontology: Graph) -> None:
    shapes = load_shapes()
    used: set[URIRef] = set()
    for predicate in (
        SH.path,
        SH["class"],
        SH.targetClass,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH.hasValue,
    ):
        used |= {o for o in shapes.objects(None, predicate) if isinstance(o, URIRef)}
    for members in shapes.objects(None, SH["in"]):
        used |= {m for m in shapes.items(members) if isinstance(m, URIRef)}
    for lst in shapes.objects(None, SH.ignoredProperties):
        used |= {m for m in shapes.items(lst) if isinstance(m, URIRef)}
    # terms inside SHACL-SPARQL constraints, written as tkg:name
    for select in shapes.objects(None, SH.select):
        used |= {URIRef(TKG + name) for name in re.findall(r"\btkg:(\w+)", str(select))}
    undeclared = sorted(vocabulary_terms(used) - declared(ontology))
    assert not undeclared, undeclared


def _query_terms(text: str) -> set[URIRef]:
    found: set[URIRef] = set()

    def walk(node: object) -> None:
        if isinstance(node, URIRef):
            found.add(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple, set)):
            for value in node:
                walk(value)

    walk(prepareQuery(text).algebra)
    return found


def test_every_term_used_in_queries_is_declared(ontology: Graph) -> None:
    paths = resources.query_files()
    assert paths, "no bundled queries"
    used: set[URIRef] = set()
    for path in paths:
        used |= _query_terms(path.read_text(encoding="utf-8"))
    undeclared = sorted(vocabulary_terms(used) - declared(ontology))
    assert not undeclared, undeclared


def test_alignments_only_point_outside(ontology: Graph) -> None:
    """Alignment axioms must not silently redefine our own hierarchy with external terms."""
    for predicate in (SKOS.exactMatch, SKOS.closeMatch):
        for subject, target in ontology.subject_objects(predicate):
            if str(subject).startswith(TKG):
                assert not str(target).startswith(TKG), (subject, predicate, target)
