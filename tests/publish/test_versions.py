"""The versions in the dataset description (``void.ttl``): DCAT 3's version chain and
hierarchy, PROV's revision, and the changesets between versions with their files.

Built here with :func:`dataset_description` on small inputs (a few triples, made-up files), so
that each statement is checked on its own; ``test_build_previous.py`` checks the same on real
releases. Checked on the graph (SPARQL, rdflib), never on the Turtle text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from treatykg.changes.diff import PropertyChange, ResourceChange
from treatykg.changes.releases import version_iri
from treatykg.changes.summary import Summary, changeset_iri
from treatykg.namespaces import new_graph
from treatykg.publish.void import (
    DATASET,
    Changes,
    Distribution,
    History,
    Version,
    dataset_description,
    distribution_iri,
)
from treatykg.rdf import serialize

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's is DCAT 2: no dcat:isVersionOf
PROV = Namespace("http://www.w3.org/ns/prov#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
LICENCE = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
V1, V2, V3 = (
    URIRef(f"https://w3id.org/treatykg/dataset/version/{v}") for v in ("0.1", "0.2", "0.3")
)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def files(*names: str, dump: tuple[str, ...] = ("data.ttl",)) -> list[Distribution]:
    media = {
        "ttl": "text/turtle",
        "rdfp": "application/rdf-patch",
        "ru": "application/sparql-update",
    }
    return [
        Distribution(
            n, media.get(n.rsplit(".", 1)[1], "application/json"), 1, sha256(n), n, n in dump
        )
        for n in names
    ]


def summary(old: str, new: str) -> Summary:
    changed = ResourceChange(
        "https://w3id.org/treatykg/id/state/prk",
        "changed",
        "North Korea",
        (PropertyChange("http://www.w3.org/2000/01/rdf-schema#label", ('"a"',), ('"b"',)),),
    )
    return Summary(old, new, 10, 11, 1, 2, (changed,), "0" * 64, "1" * 64, "2026-12-06")


@pytest.fixture
def metadata() -> Graph:
    graph = new_graph()
    graph.add((DATASET, DCTERMS.title, Literal("treatykg", lang="en")))
    graph.add((DATASET, DCTERMS.title, Literal("treatykg (fr)", lang="fr")))
    graph.add((DATASET, DCTERMS.description, Literal("A dataset.", lang="en")))
    graph.add((DATASET, DCTERMS.license, LICENCE))
    graph.add((DATASET, DCTERMS.issued, Literal("2026-12-06", datatype=XSD.date)))
    return graph


@pytest.fixture
def data() -> Graph:
    graph = new_graph()
    graph.add((URIRef("https://w3id.org/treatykg/id/state/prk"), RDF.type, URIRef("urn:x:State")))
    return graph


@pytest.fixture(autouse=True)
def _no_source_date(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield


def describe(data: Graph, metadata: Graph, names: list[Distribution], **kwargs: object) -> Graph:
    return dataset_description(data, names, metadata=metadata, version="0.3", **kwargs)  # type: ignore[arg-type]


def history() -> History:
    """0.3 after 0.2 after 0.1; the release carries the changeset to 0.2 and writes 0.3's."""
    return History(
        "0.2",
        (
            Version("0.1", Literal("2026-11-28", datatype=XSD.date)),
            Version("0.2", Literal("2026-12-01", datatype=XSD.date), "0.1"),
        ),
        (
            Changes(
                summary("0.1", "0.2"), ("changes-0.2.rdfp", "changes-0.2.ru", "changes-0.2.json")
            ),
            Changes(
                summary("0.2", "0.3"), ("changes-0.3.rdfp", "changes-0.3.ru", "changes-0.3.json")
            ),
        ),
    )


ALL = (
    "data.ttl",
    "changes-0.2.rdfp",
    "changes-0.2.ru",
    "changes-0.2.json",
    "changes-0.3.rdfp",
    "changes-0.3.ru",
    "changes-0.3.json",
)


def ask(graph: Graph, where: str) -> bool:
    """An ASK query, answered by pyoxigraph on the graph's N-Triples (not by rdflib)."""
    store = ox.Store()
    store.load(serialize.ntriples(graph), ox.RdfFormat.N_TRIPLES)
    prefixes = (
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX void: <http://rdfs.org/ns/void#> "
    )
    return bool(store.query(f"{prefixes} ASK {{ {where} }}"))


# --- the version built, alone ----------------------------------------------------------------


def test_the_version_built_is_a_dataset_version_of_the_dataset(
    data: Graph, metadata: Graph
) -> None:
    void = describe(data, metadata, files("data.ttl"))
    assert set(void.objects(DATASET, DCAT.hasVersion)) == {V3}
    assert set(void.objects(DATASET, DCAT.hasCurrentVersion)) == {V3}
    assert (V3, RDF.type, DCAT.Dataset) in void
    assert set(void.objects(V3, DCAT.isVersionOf)) == {DATASET}
    assert list(void.objects(V3, DCAT.version)) == [Literal("0.3")]
    assert list(void.objects(V3, DCTERMS.issued)) == [Literal("2026-12-06", datatype=XSD.date)]
    assert (
        void.value(V3, DCAT.previousVersion) is None and void.value(V3, PROV.wasRevisionOf) is None
    )
    # the dataset keeps stating its current version, as before
    assert list(void.objects(DATASET, DCAT.version)) == [Literal("0.3")]
    assert str(V3) == version_iri("0.3")


def test_the_version_is_a_complete_dcat_record(data: Graph, metadata: Graph) -> None:
    """A harvester that meets the version alone finds what DCAT-AP asks of a dataset, and
    its counts and files are the release's."""
    void = describe(data, metadata, files("data.ttl", "context.jsonld"))
    assert {(t.language, str(t)) for t in void.objects(V3, DCTERMS.title)} == {
        ("en", "treatykg (0.3)"),
        ("fr", "treatykg (fr) (0.3)"),
    }
    assert void.value(V3, DCTERMS.description) is not None
    assert set(void.objects(V3, DCTERMS.license)) == {LICENCE}
    assert void.value(V3, DCTERMS.publisher) == void.value(DATASET, DCTERMS.publisher)
    assert void.value(V3, VOID.triples) == void.value(DATASET, VOID.triples)
    assert void.value(V3, VOID.entities) == void.value(DATASET, VOID.entities)
    assert set(void.objects(V3, DCAT.distribution)) == {
        distribution_iri("data.ttl"),
        distribution_iri("context.jsonld"),
    }
    assert set(void.objects(V3, VOID.dataDump)) == {URIRef("https://w3id.org/treatykg/data.ttl")}


def test_without_a_date_the_version_has_none(data: Graph, metadata: Graph) -> None:
    metadata.remove((DATASET, DCTERMS.issued, None))
    void = describe(data, metadata, files("data.ttl"))
    assert void.value(V3, DCTERMS.issued) is None


def test_the_version_date_follows_source_date_epoch(
    data: Graph, metadata: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    metadata.remove((DATASET, DCTERMS.issued, None))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733270400")  # 2024-12-04
    void = describe(data, metadata, files("data.ttl"))
    assert void.value(V3, DCTERMS.issued) == Literal("2024-12-04", datatype=XSD.date)


def test_version_notes_written_for_the_dataset_go_to_the_version(
    data: Graph, metadata: Graph
) -> None:
    note = Literal("Dates of the ratifications corrected.", lang="en")
    metadata.add((DATASET, ADMS.versionNotes, note))
    void = describe(data, metadata, files("data.ttl"))
    assert list(void.objects(V3, ADMS.versionNotes)) == [note]
    metadata.remove((DATASET, ADMS.versionNotes, note))
    without = describe(data, metadata, files("data.ttl"))
    assert without.value(V3, ADMS.versionNotes) is None


# --- with the versions before it ----------------------------------------------------------------


def test_the_chain_of_versions(data: Graph, metadata: Graph) -> None:
    void = describe(data, metadata, files(*ALL), history=history())
    assert set(void.objects(DATASET, DCAT.hasVersion)) == {V1, V2, V3}
    assert set(void.objects(DATASET, DCAT.hasCurrentVersion)) == {V3}
    for version, previous in ((V3, V2), (V2, V1)):
        assert set(void.objects(version, DCAT.previousVersion)) == {previous}
        assert set(void.objects(version, PROV.wasRevisionOf)) == {previous}
    assert void.value(V1, DCAT.previousVersion) is None
    for version in (V1, V2):
        assert (version, RDF.type, DCAT.Dataset) in void
        assert (version, DCAT.isVersionOf, DATASET) in void
    assert void.value(V2, DCTERMS.issued) == Literal("2026-12-01", datatype=XSD.date)
    assert void.value(V1, DCAT.version) == Literal("0.1")
    # only the version built has the release's counts
    assert void.value(V2, VOID.triples) is None


def test_each_changeset_is_named_with_its_versions_and_files(data: Graph, metadata: Graph) -> None:
    void = describe(data, metadata, files(*ALL), history=history())
    for old, new, version in (("0.1", "0.2", V2), ("0.2", "0.3", V3)):
        node = URIRef(changeset_iri(new))
        assert (node, RDF.type, PROV.Entity) in void
        assert set(void.objects(node, PROV.wasDerivedFrom)) == {
            URIRef(version_iri(old)),
            URIRef(version_iri(new)),
        }
        assert Literal(f"Changes from {old} to {new}", lang="en") in set(
            void.objects(node, DCTERMS.title)
        )
        names = {f"changes-{new}.{suffix}" for suffix in ("rdfp", "ru", "json")}
        assert set(void.objects(node, DCTERMS.hasFormat)) == {distribution_iri(n) for n in names}
        for name in names:  # a changeset's files are distributions of the version it leads to
            assert (version, DCAT.distribution, distribution_iri(name)) in void
            assert (DATASET, DCAT.distribution, distribution_iri(name)) in void
        description = str(void.value(node, DCTERMS.description))
        assert "1 statement removed and 2 added" in description and "1 changed" in description
        # the version names the changeset that leads to it, and only that one
        assert set(void.objects(version, RDFS.seeAlso)) == {node}
    # the older changeset's files are not the version built's
    assert (V3, DCAT.distribution, distribution_iri("changes-0.2.rdfp")) not in void
    assert (V3, DCAT.distribution, distribution_iri("data.ttl")) in void
    assert void.value(URIRef(changeset_iri("0.3")), DCTERMS.issued) == Literal(
        "2026-12-06", datatype=XSD.date
    )


def test_changeset_files_say_their_media_type_and_standard(data: Graph, metadata: Graph) -> None:
    void = describe(data, metadata, files(*ALL), history=history())
    iana = "https://www.iana.org/assignments/media-types/"
    expected = {
        "changes-0.3.rdfp": ("application/rdf-patch", "https://afs.github.io/rdf-delta/rdf-patch"),
        "changes-0.3.ru": ("application/sparql-update", "https://www.w3.org/TR/sparql11-update/"),
        "changes-0.3.json": ("application/json", None),
    }
    for name, (media_type, standard) in expected.items():
        node = distribution_iri(name)
        assert void.value(node, DCAT.mediaType) == URIRef(iana + media_type)
        assert void.value(node, DCTERMS.conformsTo) == (URIRef(standard) if standard else None)


def test_the_same_chain_read_with_sparql(data: Graph, metadata: Graph) -> None:
    """What a consumer asks: the changeset that leads to the current version, and its patch."""
    void = describe(data, metadata, files(*ALL), history=history())
    assert ask(
        void,
        f"""<{DATASET}> dcat:hasCurrentVersion ?current .
        ?current dcat:previousVersion ?previous ; dcat:version "0.3" .
        ?changes a prov:Entity ; prov:wasDerivedFrom ?previous, ?current ;
            dcterms:hasFormat ?file .
        ?current dcat:distribution ?file .
        ?file dcat:downloadURL <https://w3id.org/treatykg/changes-0.3.rdfp> .""",
    )


def test_every_dataset_node_has_what_dcat_ap_requires(data: Graph, metadata: Graph) -> None:
    void = describe(data, metadata, files(*ALL), history=history())
    for node in void.subjects(RDF.type, DCAT.Dataset):
        for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.version):
            assert void.value(node, predicate) is not None, (node, predicate)


def test_no_blank_nodes_and_the_same_bytes_twice(data: Graph, metadata: Graph) -> None:
    first = describe(data, metadata, files(*ALL), history=history())
    again = describe(data, metadata, files(*ALL), history=history())
    assert not [t for t in first if any(isinstance(term, BNode) for term in t)]
    assert serialize.turtle(first) == serialize.turtle(again)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            History("0.2", (Version("0.2"),), (Changes(summary("0.2", "0.3"), ("nope.rdfp",)),)),
            "not a distribution",
        ),
        (
            History("0.2", (Version("0.2"),), (Changes(summary("0.1", "0.2"), ()),)),
            "0.1, which is not described",
        ),
        (History("0.2", (Version("0.1"),), ()), "previous version 0.2 is not described"),
        (History("0.2", (Version("0.2"), Version("0.3")), ()), "0.3 is described twice"),
    ],
)
def test_an_inconsistent_history_is_refused(
    data: Graph, metadata: Graph, broken: History, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        describe(data, metadata, files(*ALL), history=broken)
