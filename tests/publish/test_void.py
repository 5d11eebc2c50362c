"""The dataset description (``void.ttl``): its numbers match the data, its files match the release.

The statistics are checked against counts computed independently by pyoxigraph's SPARQL
engine over the same triples, so a counting bug in :mod:`treatykg.publish.void` cannot be
confirmed by the same bug in the test.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID

from treatykg.namespaces import TKG, new_graph
from treatykg.publish.statistics import statistics, store_statistics
from treatykg.publish.void import (
    CATALOG,
    DATASET,
    LINKSET,
    Distribution,
    dataset_description,
    distribution_iri,
    partition_iri,
)
from treatykg.rdf.load import load, load_ontology

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's is DCAT 2 and warns on dcat:version
# A plain Namespace: pytest probes module attributes, and rdflib.namespace.XSD warns on that.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
WD = "http://www.wikidata.org/entity/"
LICENCE = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
TREATY = URIRef("https://w3id.org/treatykg/eli/treaty/2024/csp")
FRWIKI = URIRef("https://w3id.org/treatykg/id/source/frwiki-seed-article")
ENTITY_FILTER = (
    'isIRI(?s) && (STRSTARTS(STR(?s), "https://w3id.org/treatykg/id/") '
    '|| STRSTARTS(STR(?s), "https://w3id.org/treatykg/eli/"))'
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


FILES = (
    Distribution("treatykg.ttl", "text/turtle", 123456, sha256("ttl"), "ontology and data", True),
    Distribution("treatykg.nt", "application/n-triples", 654321, sha256("nt"), "the same", True),
    Distribution("context.jsonld", "application/ld+json", 789, sha256("ctx"), "JSON-LD context"),
    Distribution("manifest.json", "application/json", 0, sha256(""), "the release's checksums"),
)


@pytest.fixture(scope="module")
def published() -> Graph:
    """Ontology and data in one graph: what the dumps hold."""
    graph = new_graph()
    for s, p, o, _ in load().quads((None, None, None, None)):
        graph.add((s, p, o))
    for triple in load_ontology():
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def metadata(published: Graph) -> Graph:
    """The bundled dataset metadata without its dates, so that the date fallbacks show."""
    graph = new_graph()
    for triple in published.triples((DATASET, None, None)):
        if triple[1] not in (DCTERMS.issued, DCTERMS.modified):
            graph.add(triple)
    return graph


def test_the_bundled_metadata_dates_are_kept(published: Graph) -> None:
    full = new_graph()
    for triple in published.triples((DATASET, None, None)):
        full.add(triple)
    description = dataset_description(published, [], metadata=full, version="0.1.0")
    assert description.value(DATASET, DCTERMS.issued) == published.value(DATASET, DCTERMS.issued)
    assert description.value(DATASET, DCTERMS.issued) is not None


@pytest.fixture(scope="module")
def void(published: Graph, metadata: Graph) -> Iterator[Graph]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        yield dataset_description(published, FILES, metadata=metadata, version="0.1.0")


@pytest.fixture(scope="module")
def store(published: Graph) -> ox.Store:
    """The same triples in pyoxigraph, for independent counts."""
    store = ox.Store()
    store.load(published.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


def count(store: ox.Store, where: str, expression: str = "*") -> int:
    query = f"SELECT (COUNT({expression}) AS ?n) WHERE {{ {where} }}"
    return int(next(iter(store.query(query)))["n"].value)


def number(graph: Graph, subject: URIRef, predicate: URIRef) -> int:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, f"{subject} {predicate}: {values}"
    value = values[0]
    assert isinstance(value, Literal) and value.datatype == XSD.integer, value
    return int(value)


# --- statistics ----------------------------------------------------------------------------


def test_triple_subject_property_and_class_counts(void: Graph, published: Graph) -> None:
    assert number(void, DATASET, VOID.triples) == len(published) > 3000
    assert number(void, DATASET, VOID.distinctSubjects) == len(set(published.subjects()))
    assert number(void, DATASET, VOID.distinctObjects) == len(set(published.objects()))
    assert number(void, DATASET, VOID.properties) == len(set(published.predicates()))
    assert number(void, DATASET, VOID.classes) == len(set(published.objects(None, RDF.type)))


def test_entities_are_the_data_resources_only(void: Graph, store: ox.Store) -> None:
    expected = count(store, f"?s ?p ?o FILTER({ENTITY_FILTER})", "DISTINCT ?s")
    assert number(void, DATASET, VOID.entities) == expected
    # Vocabulary terms are not entities, so there are fewer entities than IRI subjects.
    assert expected < count(store, "?s ?p ?o FILTER(isIRI(?s))", "DISTINCT ?s")


def test_one_class_partition_per_class_with_its_instances(void: Graph, store: ox.Store) -> None:
    partitions = {
        void.value(node, VOID["class"]): number(void, node, VOID.entities)
        for node in void.objects(DATASET, VOID.classPartition)
    }
    query = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) } GROUP BY ?c"
    expected = {URIRef(row["c"].value): int(row["n"].value) for row in store.query(query)}
    assert partitions == expected
    assert len(partitions) == number(void, DATASET, VOID.classes)
    # Asserted types only: the bilateral 2024 treaty is counted as a tkg:BilateralTreaty and
    # not again as a tkg:Treaty, and its 23 articles are among the tkg:Article partition's.
    assert partitions[TKG.BilateralTreaty] >= 1, "no tkg:BilateralTreaty partition"
    assert partitions[TKG.Article] >= 23, "fewer articles than the 2024 treaty's 23"
    assert partition_iri("class-partition", TKG.Article) in set(
        void.objects(DATASET, VOID.classPartition)
    )


def test_property_partitions_add_up_to_the_triples(void: Graph, store: ox.Store) -> None:
    partitions = {
        void.value(node, VOID.property): number(void, node, VOID.triples)
        for node in void.objects(DATASET, VOID.propertyPartition)
    }
    assert len(partitions) == number(void, DATASET, VOID.properties)
    assert sum(partitions.values()) == number(void, DATASET, VOID.triples)
    assert partitions[SKOS.exactMatch] == count(store, f"?s <{SKOS.exactMatch}> ?o")


def test_vocabularies_cover_every_predicate_and_class(void: Graph, published: Graph) -> None:
    vocabularies = tuple(str(v) for v in void.objects(DATASET, VOID.vocabulary))
    terms = set(published.predicates()) | set(published.objects(None, RDF.type))
    assert {t for t in terms if not str(t).startswith(vocabularies)} == set()
    assert str(TKG) in vocabularies
    assert "http://data.europa.eu/eli/ontology#" in vocabularies


def test_every_treaty_is_a_root_and_the_metadata_examples_are_kept(
    void: Graph, store: ox.Store, published: Graph, metadata: Graph
) -> None:
    """Each treaty is an entry point into the dataset, articles held or not; nothing else is.
    The treaties are found by pyoxigraph with the ontology's subclasses, independently."""
    query = f"""SELECT DISTINCT ?t WHERE {{
        ?class <{RDFS.subClassOf}>* <{TKG.Treaty}> . ?t a ?class FILTER(isIRI(?t)) }}"""
    treaties = {URIRef(row["t"].value) for row in store.query(query)}
    roots = set(void.objects(DATASET, VOID.rootResource))
    assert TREATY in treaties
    assert not treaties - roots, f"treaties not named as void:rootResource: {treaties - roots}"
    assert not roots - treaties, f"roots that are not treaties: {roots - treaties}"
    examples = set(void.objects(DATASET, VOID.exampleResource))
    assert examples == set(metadata.objects(DATASET, VOID.exampleResource))
    assert all((example, None, None) in published for example in examples)


def test_linkset_counts_the_links_to_wikidata(void: Graph) -> None:
    links = sum(1 for o in load().objects(None, SKOS.exactMatch) if str(o).startswith(WD))
    assert links >= 1, "the bundled data links to Wikidata: the linkset cannot be empty"
    assert (LINKSET, RDF.type, VOID.Linkset) in void
    assert number(void, LINKSET, VOID.triples) == links
    assert void.value(LINKSET, VOID.linkPredicate) == SKOS.exactMatch
    assert void.value(LINKSET, VOID.subjectsTarget) == DATASET
    target = void.value(LINKSET, VOID.objectsTarget)
    assert str(void.value(target, VOID.uriSpace)) == WD
    assert (DATASET, VOID.subset, LINKSET) in void


def test_no_linkset_without_links(metadata: Graph) -> None:
    graph = new_graph()
    graph.add((TREATY, RDF.type, TKG.BilateralTreaty))
    description = dataset_description(graph, [], metadata=metadata, version="0.1.0")
    assert (None, RDF.type, VOID.Linkset) not in description


def test_a_dataset_with_named_graphs_is_counted_as_their_union(metadata: Graph) -> None:
    dataset = Dataset()
    claim = URIRef("https://w3id.org/treatykg/id/claim/x")
    dataset.graph(DATASET_DEFAULT_GRAPH_ID).add((TREATY, RDF.type, TKG.BilateralTreaty))
    dataset.graph(URIRef("https://example.org/g")).add((claim, RDF.type, TKG.Claim))
    dataset.graph(URIRef("https://example.org/h")).add((claim, RDF.type, TKG.Claim))
    description = dataset_description(dataset, [], metadata=metadata, version="0.1.0")
    assert number(description, DATASET, VOID.triples) == 2
    assert number(description, DATASET, VOID.entities) == 2


# --- distributions -------------------------------------------------------------------------


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.name)
def test_each_file_is_a_distribution_as_given(void: Graph, file: Distribution) -> None:
    node = distribution_iri(file.name)
    url = URIRef(f"https://w3id.org/treatykg/{file.name}")
    assert (DATASET, DCAT.distribution, node) in void
    assert (node, RDF.type, DCAT.Distribution) in void
    assert void.value(node, DCAT.downloadURL) == url
    media_type = f"https://www.iana.org/assignments/media-types/{file.media_type}"
    assert void.value(node, DCAT.mediaType) == URIRef(media_type)
    size = void.value(node, DCAT.byteSize)
    assert size == Literal(file.byte_size, datatype=XSD.nonNegativeInteger)
    checksum = void.value(node, SPDX.checksum)
    assert isinstance(checksum, URIRef)
    assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    value = void.value(checksum, SPDX.checksumValue)
    assert (str(value), value.datatype) == (file.sha256, XSD.hexBinary)
    assert void.value(node, DCTERMS.description) == Literal(file.description, lang="en")
    assert void.value(node, DCTERMS.license) == LICENCE
    assert ((DATASET, VOID.dataDump, url) in void) == file.dump


def test_download_urls_follow_base_url(published: Graph, metadata: Graph) -> None:
    base = "https://example.org/releases/0.1.0/"
    description = dataset_description(
        published, FILES[:1], metadata=metadata, version="0.1.0", base_url=base
    )
    node = distribution_iri("treatykg.ttl")
    assert description.value(node, DCAT.downloadURL) == URIRef(f"{base}treatykg.ttl")
    assert set(description.objects(DATASET, VOID.dataDump)) == {URIRef(f"{base}treatykg.ttl")}


@pytest.mark.parametrize(
    "fields",
    [
        ("../x.ttl", "text/turtle", 1, sha256("x"), "d"),
        ("x.ttl", "turtle", 1, sha256("x"), "d"),
        ("x.ttl", "text/turtle", -1, sha256("x"), "d"),
        ("x.ttl", "text/turtle", 1, sha256("x").upper(), "d"),
        ("x.ttl", "text/turtle", 1, "abc", "d"),
    ],
)
def test_malformed_distributions_are_refused(fields: tuple) -> None:
    with pytest.raises(ValueError):
        Distribution(*fields)


def test_duplicate_file_names_are_refused(published: Graph, metadata: Graph) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        dataset_description(published, [FILES[0], FILES[0]], metadata=metadata, version="0.1.0")


# --- metadata, licence, dates --------------------------------------------------------------


def test_metadata_is_kept_and_licence_and_attribution_are_stated(
    void: Graph, metadata: Graph
) -> None:
    kept = {t for t in metadata if t[1] not in (DCAT.version, OWL.versionInfo)}
    assert kept <= set(void)
    assert (DATASET, DCTERMS.license, LICENCE) in void
    assert (LICENCE, RDF.type, DCTERMS.LicenseDocument) in void
    assert "French Wikipedia" in str(void.value(DATASET, DCTERMS.rights))
    assert (DATASET, PROV.wasDerivedFrom, FRWIKI) in void
    publisher = void.value(DATASET, DCTERMS.publisher)
    assert isinstance(publisher, URIRef)
    assert "treatykg" in str(void.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")))
    assert set(void.objects(DATASET, DCTERMS.conformsTo)) >= {
        URIRef("https://w3id.org/treatykg/def"),
        URIRef("https://w3id.org/treatykg/shapes"),
    }
    assert (CATALOG, DCAT.dataset, DATASET) in void
    assert (CATALOG, RDF.type, DCAT.Catalog) in void


def test_the_version_built_replaces_the_metadata_version(published: Graph, metadata: Graph) -> None:
    description = dataset_description(published, [], metadata=metadata, version="9.9.9")
    assert list(description.objects(DATASET, DCAT.version)) == [Literal("9.9.9")]
    assert list(description.objects(DATASET, OWL.versionInfo)) == [Literal("9.9.9")]


def test_without_dates_and_without_source_date_epoch_no_dates(void: Graph) -> None:
    assert void.value(DATASET, DCTERMS.issued) is None
    assert void.value(DATASET, DCTERMS.modified) is None


def test_dates_come_from_source_date_epoch(
    published: Graph, metadata: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733270400")  # 2024-12-04T00:00:00Z
    description = dataset_description(published, [], metadata=metadata, version="0.1.0")
    day = Literal("2024-12-04", datatype=XSD.date)
    assert description.value(DATASET, DCTERMS.issued) == day
    assert description.value(DATASET, DCTERMS.modified) == day
    assert description.value(CATALOG, DCTERMS.modified) == day


def test_metadata_dates_win_over_source_date_epoch(
    published: Graph, metadata: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733270400")
    issued = Literal("2024-06-19", datatype=XSD.date)
    with_date = new_graph()
    for triple in metadata:
        with_date.add(triple)
    with_date.add((DATASET, DCTERMS.issued, issued))
    description = dataset_description(published, [], metadata=with_date, version="0.1.0")
    assert list(description.objects(DATASET, DCTERMS.issued)) == [issued]
    assert description.value(DATASET, DCTERMS.modified) == Literal("2024-12-04", datatype=XSD.date)


def test_a_malformed_source_date_epoch_is_an_error(
    published: Graph, metadata: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        dataset_description(published, [], metadata=metadata, version="0.1.0")


def test_metadata_with_a_blank_node_is_refused(published: Graph, metadata: Graph) -> None:
    bad = new_graph()
    bad.add((DATASET, DCTERMS.creator, BNode()))
    with pytest.raises(ValueError, match="blank node"):
        dataset_description(published, [], metadata=bad, version="0.1.0")


# --- hygiene and determinism ---------------------------------------------------------------


def test_no_blank_nodes_and_no_http_schema_org(void: Graph) -> None:
    assert not [t for t in void if any(isinstance(term, BNode) for term in t)]
    assert "http://schema.org/" not in void.serialize(format="nt")


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_reparses_with_pyoxigraph(void: Graph, fmt: str) -> None:
    data = void.serialize(format=fmt, encoding="utf-8")
    rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
    assert sum(1 for _ in ox.parse(data, format=rdf_format)) == len(void)


def test_same_input_same_output(void: Graph, published: Graph, metadata: Graph) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        again = dataset_description(published, FILES, metadata=metadata, version="0.1.0")
    assert again.serialize(format="turtle") == void.serialize(format="turtle")


def test_statistics_counted_beforehand_give_the_same_description(
    void: Graph, published: Graph, metadata: Graph
) -> None:
    """A build counts the statistics in a background thread and passes them in."""
    counted = statistics(published.triples((None, None, None)))
    assert counted.triples == len(published)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        again = dataset_description(counted, FILES, metadata=metadata, version="0.1.0")
    assert isomorphic(again, void)


_SCRIPT = """
import hashlib
from treatykg.publish.void import DATASET, Distribution, dataset_description
from treatykg.rdf.load import load, load_ontology
from treatykg.namespaces import new_graph
graph = new_graph()
for s, p, o, _ in load().quads((None, None, None, None)):
    graph.add((s, p, o))
for triple in load_ontology():
    graph.add(triple)
metadata = new_graph()
for triple in graph.triples((DATASET, None, None)):
    metadata.add(triple)
files = [Distribution("treatykg.ttl", "text/turtle", 1, "0" * 64, "dump", True)]
described = dataset_description(graph, files, metadata=metadata, version="0.1.0")
text = described.serialize(format="turtle")
print(hashlib.sha256(text.encode()).hexdigest())
"""


@pytest.mark.slow
def test_same_output_across_hash_seeds() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    digests = {
        subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        for seed in ("0", "1", "4242")
    }
    assert len(digests) == 1, digests


# --- shape of the description --------------------------------------------------------------

SHAPES = """
PREFIX dcat:    <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX ex:      <https://example.org/shapes#>
PREFIX foaf:    <http://xmlns.com/foaf/0.1/>
PREFIX sh:      <http://www.w3.org/ns/shacl#>
PREFIX spdx:    <http://spdx.org/rdf/terms#>
PREFIX void:    <http://rdfs.org/ns/void#>
PREFIX xsd:     <http://www.w3.org/2001/XMLSchema#>

ex:Catalog a sh:NodeShape ;
    sh:targetClass dcat:Catalog ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ] ,
        [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:class foaf:Agent ] ,
        [ sh:path dcat:dataset ; sh:minCount 1 ; sh:class dcat:Dataset ] .

ex:Dataset a sh:NodeShape ;
    sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ] ,
        [ sh:path dcterms:description ; sh:minCount 1 ] ,
        [ sh:path dcterms:license ; sh:minCount 1 ; sh:class dcterms:LicenseDocument ] ,
        [ sh:path dcterms:publisher ; sh:minCount 1 ; sh:maxCount 1 ; sh:class foaf:Agent ] ,
        [ sh:path dcat:version ; sh:minCount 1 ; sh:maxCount 1 ] ,
        [ sh:path dcat:distribution ; sh:minCount 1 ; sh:class dcat:Distribution ] ,
        [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] ,
        [ sh:path void:entities ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] ,
        [ sh:path void:dataDump ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:classPartition ; sh:node ex:ClassPartition ] ,
        [ sh:path void:propertyPartition ; sh:node ex:PropertyPartition ] .

ex:ClassPartition a sh:NodeShape ;
    sh:property [ sh:path void:class ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:entities ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .

ex:PropertyPartition a sh:NodeShape ;
    sh:property [ sh:path void:property ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .

ex:Distribution a sh:NodeShape ;
    sh:targetClass dcat:Distribution ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ] ,
        [ sh:path dcat:downloadURL ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path dcat:accessURL ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ,
        [ sh:path dcat:mediaType ; sh:minCount 1 ; sh:maxCount 1 ; sh:class dcterms:MediaType ;
          sh:pattern "^https://www[.]iana[.]org/assignments/media-types/[a-z]+/" ] ,
        [ sh:path dcat:byteSize ; sh:minCount 1 ; sh:maxCount 1 ;
          sh:datatype xsd:nonNegativeInteger ] ,
        [ sh:path dcterms:license ; sh:minCount 1 ; sh:class dcterms:LicenseDocument ] ,
        [ sh:path spdx:checksum ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ;
          sh:class spdx:Checksum ; sh:node ex:Checksum ] .

ex:Checksum a sh:NodeShape ;
    sh:property [ sh:path spdx:algorithm ; sh:hasValue spdx:checksumAlgorithm_sha256 ] ,
        [ sh:path spdx:checksumValue ; sh:minCount 1 ; sh:maxCount 1 ;
          sh:datatype xsd:hexBinary ; sh:pattern "^[0-9a-f]{64}$" ] .

ex:Linkset a sh:NodeShape ;
    sh:targetClass void:Linkset ;
    sh:property [ sh:path void:subjectsTarget ; sh:minCount 1 ; sh:maxCount 1 ] ,
        [ sh:path void:objectsTarget ; sh:minCount 1 ; sh:maxCount 1 ; sh:class void:Dataset ] ,
        [ sh:path void:linkPredicate ; sh:minCount 1 ; sh:maxCount 1 ] ,
        [ sh:path void:triples ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ] .
"""


def test_description_conforms_to_dcat_and_void_shapes(void: Graph) -> None:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(void, shacl_graph=shapes, inference="none")
    assert conforms, text


# --- from a Store --------------------------------------------------------------------------


def _store_triples(store: ox.Store) -> set[tuple]:
    """The store's triples as rdflib terms, for the one-pass Python count."""

    def term(node: object) -> object:
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return BNode(node.value)
        assert isinstance(node, ox.Literal)
        if node.language:
            return Literal(node.value, lang=node.language)
        return Literal(node.value, datatype=URIRef(node.datatype.value))

    return {(term(q.subject), term(q.predicate), term(q.object)) for q in store}


def test_the_store_s_counts_are_the_python_counts(store: ox.Store, tmp_path) -> None:
    """SPARQL aggregates over the Store (store_statistics) count what statistics() counts in
    Python over the same triples: on the bundled data and on a generated corpus."""
    import generated_corpus

    _, corpus = generated_corpus.published(generated_corpus.generate(tmp_path, treaties=3))
    for each in (store, corpus):
        assert store_statistics(each) == statistics(_store_triples(each))


def test_a_store_describes_as_the_graph_does(
    published: Graph, store: ox.Store, metadata: Graph
) -> None:
    """The same description from a Store, but for what the Store changed: it reads
    "10000"^^xsd:nonNegativeInteger back as an xsd:integer, so that literal and the
    "10000"^^xsd:integer of another claim become one distinct object."""
    from_graph = dataset_description(published, FILES, metadata=metadata, version="0.1.0")
    from_store = dataset_description(store, FILES, metadata=metadata, version="0.1.0")
    objects = (DATASET, VOID.distinctObjects, None)
    assert set(from_graph) - set(from_graph.triples(objects)) == set(from_store) - set(
        from_store.triples(objects)
    )
    in_store = statistics(_store_triples(store)).distinct_objects
    assert number(from_store, DATASET, VOID.distinctObjects) == in_store
    assert in_store <= number(from_graph, DATASET, VOID.distinctObjects)


def test_a_store_with_named_graphs_is_counted_as_their_union() -> None:
    store = ox.Store()
    claim = ox.NamedNode("https://w3id.org/treatykg/id/claim/x")
    kind = ox.NamedNode(str(RDF.type))
    store.add(ox.Quad(ox.NamedNode(str(TREATY)), kind, ox.NamedNode(str(TKG.BilateralTreaty))))
    for graph in ("https://example.org/g", "https://example.org/h"):
        store.add(ox.Quad(claim, kind, ox.NamedNode(str(TKG.Claim)), ox.NamedNode(graph)))
    stats = store_statistics(store)
    assert (stats.triples, stats.entities, stats.classes[TKG.Claim]) == (2, 2, 1)
