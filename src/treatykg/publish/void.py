"""The dataset description (``void.ttl``): VoID statistics and a DCAT 3 catalogue entry.

Why generate it instead of writing it by hand? The numbers (triples, entities, partitions,
links) and the files (sizes, checksums) change with every release, and a description that
disagrees with the dumps it describes is worse than none. :func:`describe` takes the exact
content of the dumps, the list of files written, and the hand-written part of the description
(``data/dataset.ttl``: title, licence, attribution, sources, keywords…), and returns one graph.

Design choices, each for a reason:

* **No blank nodes.** Every node gets an IRI under ``https://w3id.org/treatykg/dataset/``
  (distributions, checksums, partitions, the linkset, the catalogue, the publisher), so the
  output is deterministic, diffable, and each node can be referred to and resolved with one
  redirect rule for the whole ``dataset/`` path.
* **No clock.** ``dcterms:issued`` and ``dcterms:modified`` come from the metadata; when it
  lacks them, from ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since
  1970, read as a UTC date); without either they are omitted. Two builds of the same input
  therefore give the same description.
* **Counted from the dumps' content.** The numbers (:mod:`treatykg.publish.statistics`) are
  those of exactly the statements the dumps hold, counted by the published Store's SPARQL
  engine (or in Python, for an rdflib Graph).

**Versions and changesets** (:func:`dataset_description`'s ``history``; ``treatykg build
--previous``). ``<https://w3id.org/treatykg/dataset>`` is the dataset as it evolves; each
release is a *version* of it, ``…/dataset/version/0.2.0``
(:func:`treatykg.changes.releases.version_iri`), with its ``dcat:version`` (the dataset's
version, set in ``data/dataset.ttl``, not the software's) and its date (``dcterms:issued``).
The terms, and why these:

* **DCAT 3's versioning terms** (W3C Recommendation, 2024, §11 "Versioning"): the dataset
  ``dcat:hasVersion`` each version and ``dcat:hasCurrentVersion`` the one built; a version
  ``dcat:isVersionOf`` the dataset and ``dcat:previousVersion`` the version it revises. DCAT 3
  added exactly these for versions that come from revisions (§11.1.1; ``dcat:isVersionOf`` is
  its inverse of ``dcat:hasVersion``, used beside it, never instead, as its §7 asks), DCAT-AP 3
  adopts them, and the catalogues and portals that read DCAT read them. A version is a
  ``dcat:Dataset`` of its own, with its title, licence, publisher and files, so that a
  harvester that meets it alone has a complete record.
* **Not ``dcterms:isVersionOf``/``hasVersion``**: Dublin Core's "version" also covers editions
  and adaptations (DCAT 3 §11.4: correspondence is not equivalence), so it does not say that
  0.2.0 is a revision of the same dataset; the DCAT terms do.
* **``prov:wasRevisionOf``** beside ``dcat:previousVersion``: the same link in PROV-O, which
  provenance tools follow (a revision is a derivation whose result is an updated version of the
  original); DCAT 3 notes it does not by itself build a version chain, hence both. The changeset
  is a **``prov:Entity``**, ``prov:wasDerivedFrom`` both versions it is computed from, and the
  version it leads to names it with ``rdfs:seeAlso`` (DCAT and PROV have no term for "the
  changes that made this version"; ``rdfs:seeAlso`` says that the changeset tells more about the
  version, which it does). Considered and not used: ``owl:priorVersion`` (for ontologies, an
  annotation property), PAV's ``pav:previousVersion`` (DCAT 3 made its own equivalents, which
  more consumers read), ``dcterms:replaces`` (says nothing about a chain of versions), and a
  class of our own for a changeset (none is needed: its files' formats say what it is).
* **``adms:versionNotes``**, DCAT 3's term for a version's notes for people (§11.2), on the
  version built when ``data/dataset.ttl`` gives the dataset some (treatykg writes none itself).

A changeset ``…/dataset/changes/0.2.0`` (:func:`treatykg.changes.summary.changeset_iri`) is
published in three files, each a ``dcat:Distribution`` *of the version it leads to* (with its
size and SHA-256 like every file) and a ``dcterms:hasFormat`` of the changeset (Dublin Core:
"substantially the same as the described resource, in another format"); the RDF Patch and the
SPARQL Update say the standard they follow with ``dcterms:conformsTo``. A release keeps every
earlier changeset's files, so each version it knows of is described, with the files of the
changeset that led to it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID, XSD

from treatykg.changes import patch
from treatykg.changes.releases import version_iri
from treatykg.changes.summary import Summary, changeset_iri
from treatykg.namespaces import (
    ADMS,
    BASE,
    DATASET,
    DCAT,
    ONTOLOGY,
    PROV,
    SHAPES,
    SPDX,
    WD,
    new_graph,
    qname,
)
from treatykg.publish.statistics import Statistics, statistics, store_statistics, triples_of
from treatykg.rdf import formats

CATALOG = URIRef(f"{DATASET}/catalog")
PUBLISHER = URIRef(f"{DATASET}/publisher")
LINKSET = URIRef(f"{DATASET}/linkset/wikidata")
WIKIDATA = URIRef(f"{DATASET}/wikidata")

IANA_MEDIA_TYPES = formats.IANA_MEDIA_TYPES
#: The EU file type (``dcterms:format``, which DCAT-AP expects and portals such as
#: data.europa.eu facet on) of each media type the format table gives one; others get none.
FILE_TYPES: dict[str, URIRef] = {
    f.media_type: URIRef(f"{formats.EU_FILE_TYPES}{f.eu_file_type}")
    for f in formats.FORMATS
    if f.eu_file_type
}
LICENCE_LABELS: dict[str, str] = {
    "https://creativecommons.org/licenses/by-sa/4.0/": (
        "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
    ),
    "https://creativecommons.org/licenses/by/4.0/": (
        "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    ),
}

#: The standard each changeset file follows (``dcterms:conformsTo``), by media type.
CONFORMS_TO: dict[str, URIRef] = {
    patch.MEDIA_TYPE: URIRef("https://afs.github.io/rdf-delta/rdf-patch"),
    formats.BY_KEY["sparql-update"].media_type: URIRef("https://www.w3.org/TR/sparql11-update/"),
}

_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Distribution:
    """One published file, as the description lists it.

    ``dump`` marks the files that hold the whole dataset (ontology and data) in an RDF syntax:
    they become ``void:dataDump`` links too, which is how VoID-aware tools find what to load.
    """

    name: str
    media_type: str
    byte_size: int
    sha256: str
    description: str
    dump: bool = False

    def __post_init__(self) -> None:
        # The name becomes part of two IRIs, so it must be a plain file name.
        if not _FILE_NAME.fullmatch(self.name):
            raise ValueError(f"distribution name {self.name!r} is not a plain file name")
        if not _MEDIA_TYPE.fullmatch(self.media_type):
            raise ValueError(f"{self.name}: {self.media_type!r} is not a type/subtype media type")
        if self.byte_size < 0:
            raise ValueError(f"{self.name}: negative byte size {self.byte_size}")
        if not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"{self.name}: {self.sha256!r} is not a lower-case hex SHA-256")


@dataclass(frozen=True)
class Version:
    """An earlier version of the dataset, as a release knows it (from the release before)."""

    version: str
    #: Its date (``dcterms:issued``), when known.
    issued: Literal | None = None
    #: The version it revises, when known.
    previous: str | None = None
    #: Its notes for people (``adms:versionNotes``).
    notes: tuple[Literal, ...] = ()


@dataclass(frozen=True)
class Changes:
    """A changeset a release publishes: what it leads from and to, and the files it is in."""

    summary: Summary
    #: The names of its files (distributions of the release).
    files: tuple[str, ...]

    @property
    def old(self) -> str:
        if self.summary.old_version is None:
            raise ValueError("a published changeset must say the version it leads from")
        return self.summary.old_version

    @property
    def new(self) -> str:
        if self.summary.new_version is None:
            raise ValueError("a published changeset must say the version it leads to")
        return self.summary.new_version


@dataclass(frozen=True)
class History:
    """What a release built with ``--previous`` knows of the versions before it."""

    #: The version the one built revises.
    previous: str
    #: Every earlier version it knows of (``previous`` among them).
    versions: tuple[Version, ...]
    #: The changesets it publishes: the one that leads to the version built, and the earlier
    #: ones it carries forward.
    changesets: tuple[Changes, ...]


def dataset_description(
    dataset: ox.Store | Graph | Statistics,
    distributions: Sequence[Distribution],
    *,
    metadata: Graph,
    version: str,
    base_url: str = BASE,
    history: History | None = None,
) -> Graph:
    """The VoID and DCAT 3 description of ``dataset`` and of the files it is published in.

    ``dataset`` is the exact content of the dumps (ontology and data): a pyoxigraph Store
    (counted by :func:`store_statistics`) or an rdflib Graph (counted by :func:`statistics`,
    in Python: a Store would merge literals it normalises, such as ``"10000"`` as an
    ``xsd:integer`` and as an ``xsd:nonNegativeInteger``, and the Graph's own count would no
    longer be the one published), or its :class:`Statistics` counted beforehand (a build
    counts them while it writes the dumps). When it has named graphs (a Store's, an rdflib
    ``Dataset``'s), the statistics are those of the union of its graphs, each triple counted
    once, as a triplestore with a union default graph (and the SHACL validation) sees it.
    ``metadata`` holds the hand-written statements about
    ``<https://w3id.org/treatykg/dataset>``; they are all kept, except ``dcat:version`` and
    ``owl:versionInfo``, which ``version`` replaces so that the description always states
    the version actually built. ``base_url`` is where the files
    are downloaded from (``base_url`` + file name); the IRIs minted here do not depend on it.
    ``version`` is also described as a version of its own (see the module's docstring), and
    ``history``, when given, names the version it revises, the earlier ones, and the
    changesets whose files are among ``distributions``.
    """
    _check_no_blank_nodes(metadata)
    names = [d.name for d in distributions]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate distribution names in {sorted(names)}")
    if isinstance(dataset, Statistics):
        stats = dataset
    elif isinstance(dataset, ox.Store):
        stats = store_statistics(dataset)
    else:
        stats = statistics(triples_of(dataset))
    graph = new_graph()
    graph.bind("spdx", SPDX)
    _add_metadata(graph, metadata)
    _add_dataset(graph, stats, version)
    _add_dates(graph, metadata)
    licences = sorted(o for o in graph.objects(DATASET, DCTERMS.license) if isinstance(o, URIRef))
    _add_licences(graph, licences)
    for distribution in distributions:
        _add_distribution(graph, distribution, base_url, licences)
    _add_partitions(graph, stats)
    _add_linkset(graph, stats)
    _add_catalog(graph)
    _add_versions(graph, stats, version, metadata, distributions, base_url, history)
    return graph


# --- statistics ----------------------------------------------------------------------------


# --- the dataset ---------------------------------------------------------------------------


def _check_no_blank_nodes(metadata: Graph) -> None:
    for triple in metadata:
        if any(isinstance(term, BNode) for term in triple):
            raise ValueError(
                "the dataset metadata has a blank node; give it an IRI so that the "
                f"description stays deterministic: {' '.join(t.n3() for t in triple)}"
            )


def _add_metadata(graph: Graph, metadata: Graph) -> None:
    replaced = {(DATASET, DCAT.version), (DATASET, OWL.versionInfo)}
    for s, p, o in metadata:
        if (s, p) not in replaced:
            graph.add((s, p, o))


def _add_dataset(graph: Graph, stats: Statistics, version: str) -> None:
    for kind in (DCAT.Dataset, VOID.Dataset):
        graph.add((DATASET, RDF.type, kind))
    graph.add((DATASET, DCAT.version, Literal(version)))
    graph.add((DATASET, OWL.versionInfo, Literal(version)))
    graph.add((DATASET, DCTERMS.publisher, PUBLISHER))
    for standard in (ONTOLOGY, SHAPES):
        graph.add((DATASET, DCTERMS.conformsTo, standard))
    if graph.value(DATASET, VOID.uriSpace) is None:
        graph.add((DATASET, VOID.uriSpace, Literal(BASE)))
    for predicate, number in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
        (VOID.properties, len(stats.properties)),
        (VOID.classes, len(stats.classes)),
    ):
        graph.add((DATASET, predicate, Literal(number)))
    for vocabulary in _vocabularies([*stats.properties, *stats.classes]):
        graph.add((DATASET, VOID.vocabulary, vocabulary))
    for root in stats.roots:
        graph.add((DATASET, VOID.rootResource, root))
    if graph.value(DATASET, VOID.exampleResource) is None:  # the metadata's examples win
        for root in stats.roots:
            graph.add((DATASET, VOID.exampleResource, root))
    _add_publisher(graph)


def _vocabularies(terms: Iterable[URIRef]) -> set[URIRef]:
    """The namespace of each term: up to its last ``#``, else up to its last ``/``."""
    found = set()
    for term in terms:
        text = str(term)
        cut = text.rfind("#") if "#" in text else text.rfind("/")
        if cut > 0:
            found.add(URIRef(text[: cut + 1]))
    return found


def _add_publisher(graph: Graph) -> None:
    graph.add((PUBLISHER, RDF.type, FOAF.Organization))
    graph.add((PUBLISHER, RDF.type, FOAF.Agent))  # for DCAT-AP checks that do no inference
    graph.add((PUBLISHER, FOAF.name, Literal("The treatykg project")))
    graph.add((PUBLISHER, RDFS.label, Literal("The treatykg project", lang="en")))
    graph.add((PUBLISHER, RDFS.label, Literal("Le projet treatykg", lang="fr")))
    # No foaf:homepage here: the catalogue has that page, and foaf:homepage is inverse
    # functional, so giving both the same page would make a reasoner merge them.


def _add_dates(graph: Graph, metadata: Graph) -> None:
    """``dcterms:issued``/``modified`` from the metadata, else from SOURCE_DATE_EPOCH."""
    built = source_date()
    if built is None:
        return
    for predicate in (DCTERMS.issued, DCTERMS.modified):
        if metadata.value(DATASET, predicate) is None:
            graph.add((DATASET, predicate, Literal(built)))


def issued(metadata: Graph) -> Literal | None:
    """The date of the release that ``metadata`` describes, as ``void.ttl`` states it: the
    dataset's ``dcterms:issued`` (the least, if it has several), else ``SOURCE_DATE_EPOCH``'s
    date, else None."""
    stated = sorted(o for o in metadata.objects(DATASET, DCTERMS.issued) if isinstance(o, Literal))
    if stated:
        return stated[0]
    built = source_date()
    return Literal(built) if built is not None else None


def source_date() -> date | None:
    """The UTC date of ``SOURCE_DATE_EPOCH``, or None when it is unset or empty.

    A malformed value is an error rather than ignored: reproducible-builds.org asks tools to
    fail, since silently dropping the date would make two "reproducible" builds differ.
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds")
    return datetime.fromtimestamp(int(value), tz=UTC).date()


def _add_licences(graph: Graph, licences: Sequence[URIRef]) -> None:
    for licence in licences:
        graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
        label = LICENCE_LABELS.get(str(licence))
        if label is not None:
            graph.add((licence, RDFS.label, Literal(label, lang="en")))


# --- distributions -------------------------------------------------------------------------


def distribution_iri(name: str) -> URIRef:
    """The IRI of the distribution for the file ``name``."""
    return URIRef(f"{DATASET}/distribution/{name}")


def _add_distribution(
    graph: Graph, distribution: Distribution, base_url: str, licences: Sequence[URIRef]
) -> None:
    node = distribution_iri(distribution.name)
    url = URIRef(f"{base_url}{distribution.name}")
    media_type = URIRef(f"{IANA_MEDIA_TYPES}{distribution.media_type}")
    graph.add((DATASET, DCAT.distribution, node))
    if distribution.dump:
        graph.add((DATASET, VOID.dataDump, url))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(distribution.name)))
    graph.add((node, DCTERMS.description, Literal(distribution.description, lang="en")))
    graph.add((node, DCAT.downloadURL, url))
    graph.add((node, DCAT.accessURL, url))  # DCAT-AP requires it even next to downloadURL
    graph.add((node, DCAT.mediaType, media_type))
    graph.add((media_type, RDF.type, DCTERMS.MediaType))
    file_type = FILE_TYPES.get(distribution.media_type)
    if file_type is not None:
        graph.add((node, DCTERMS.format, file_type))
    graph.add(
        (node, DCAT.byteSize, Literal(distribution.byte_size, datatype=XSD.nonNegativeInteger))
    )
    for licence in licences:
        graph.add((node, DCTERMS.license, licence))
    standard = CONFORMS_TO.get(distribution.media_type)
    if standard is not None:
        graph.add((node, DCTERMS.conformsTo, standard))
    _add_checksum(graph, node, distribution.sha256)


def _add_checksum(graph: Graph, node: URIRef, sha256: str) -> None:
    """The DCAT 3 way (SPDX) to publish a file's digest, on an IRI rather than a blank node."""
    checksum = URIRef(f"{node}/checksum")
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))


# --- versions and changesets --------------------------------------------------------------


def _add_versions(
    graph: Graph,
    stats: Statistics,
    version: str,
    metadata: Graph,
    distributions: Sequence[Distribution],
    base_url: str,
    history: History | None,
) -> None:
    """The version built, the earlier ones ``history`` knows, and the changesets between them
    (see the module's docstring for the terms)."""
    dates = sorted(o for o in graph.objects(DATASET, DCTERMS.issued) if isinstance(o, Literal))
    notes = sorted(
        o for o in metadata.objects(DATASET, ADMS.versionNotes) if isinstance(o, Literal)
    )
    current = Version(
        version,
        dates[0] if dates else None,
        history.previous if history is not None else None,
        tuple(notes),
    )
    versions = {current.version: current}
    changesets: tuple[Changes, ...] = ()
    if history is not None:
        for earlier in history.versions:
            if earlier.version in versions:
                raise ValueError(f"version {earlier.version} is described twice")
            versions[earlier.version] = earlier
        changesets = history.changesets
        if history.previous not in versions:
            raise ValueError(f"the previous version {history.previous} is not described")
    names = {d.name for d in distributions}
    owner: dict[str, str] = {}
    for changes in changesets:
        for known in (changes.old, changes.new):
            if known not in versions:
                raise ValueError(f"a changeset leads from or to {known}, which is not described")
        for name in changes.files:
            if name not in names:
                raise ValueError(f"{name}: a changeset's file that is not a distribution")
            owner[name] = changes.new
    titles = sorted(o for o in graph.objects(DATASET, DCTERMS.title) if isinstance(o, Literal))
    licences = sorted(o for o in graph.objects(DATASET, DCTERMS.license) if isinstance(o, URIRef))
    if current.notes:
        graph.bind("adms", ADMS)
    for described in versions.values():
        _add_version(graph, described, described is current, titles, licences)
    node = URIRef(version_iri(version))
    graph.add((DATASET, DCAT.hasCurrentVersion, node))
    for predicate, number in ((VOID.triples, stats.triples), (VOID.entities, stats.entities)):
        graph.add((node, predicate, Literal(number)))
    for distribution in distributions:
        of = URIRef(version_iri(owner.get(distribution.name, version)))
        graph.add((of, DCAT.distribution, distribution_iri(distribution.name)))
        if distribution.dump:
            graph.add((node, VOID.dataDump, URIRef(f"{base_url}{distribution.name}")))
    for changes in changesets:
        _add_changeset(graph, changes, versions[changes.new].issued)


def _add_version(
    graph: Graph,
    version: Version,
    current: bool,
    titles: Sequence[Literal],
    licences: Sequence[URIRef],
) -> None:
    node = URIRef(version_iri(version.version))
    graph.add((DATASET, DCAT.hasVersion, node))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCAT.isVersionOf, DATASET))
    graph.add((node, DCAT.version, Literal(version.version)))
    for title in titles:
        graph.add(
            (node, DCTERMS.title, Literal(f"{title} ({version.version})", lang=title.language))
        )
    if current:
        text = (
            f"Version {version.version} of the dataset: the statements this description counts, "
            "in the files it lists."
        )
    else:
        text = (
            f"Version {version.version} of the dataset, an earlier one: its files are those of "
            "its own release; this one publishes the changes made since."
        )
    graph.add((node, DCTERMS.description, Literal(text, lang="en")))
    graph.add((node, DCTERMS.publisher, PUBLISHER))
    for licence in licences:
        graph.add((node, DCTERMS.license, licence))
    if version.issued is not None:
        graph.add((node, DCTERMS.issued, version.issued))
    if version.previous is not None:
        previous = URIRef(version_iri(version.previous))
        graph.add((node, DCAT.previousVersion, previous))
        graph.add((node, PROV.wasRevisionOf, previous))
    for note in version.notes:
        graph.add((node, ADMS.versionNotes, note))


def _add_changeset(graph: Graph, changes: Changes, issued: Literal | None) -> None:
    node = URIRef(changeset_iri(changes.new))
    summary = changes.summary
    graph.add((node, RDF.type, PROV.Entity))
    graph.add(
        (node, DCTERMS.title, Literal(f"Changes from {changes.old} to {changes.new}", lang="en"))
    )
    graph.add(
        (
            node,
            DCTERMS.title,
            Literal(f"Modifications de {changes.old} à {changes.new}", lang="fr"),
        )
    )
    text = (
        f"{summary.removed:,} statement{'' if summary.removed == 1 else 's'} removed and "
        f"{summary.added:,} added "
        f"({summary.before:,} → {summary.after:,}); resources: {summary.count('added'):,} "
        f"added, {summary.count('removed'):,} removed, {summary.count('changed'):,} changed."
    )
    graph.add((node, DCTERMS.description, Literal(text, lang="en")))
    for version in (changes.old, changes.new):
        graph.add((node, PROV.wasDerivedFrom, URIRef(version_iri(version))))
    # the version names the changeset that leads to it: its page says what changed
    graph.add((URIRef(version_iri(changes.new)), RDFS.seeAlso, node))
    if issued is not None:
        graph.add((node, DCTERMS.issued, issued))
    for name in changes.files:
        graph.add((node, DCTERMS.hasFormat, distribution_iri(name)))


# --- partitions, linkset, catalogue --------------------------------------------------------


def partition_iri(kind: str, term: URIRef) -> URIRef:
    """``…/dataset/{kind}/{prefix}-{local}`` (e.g. ``class-partition/tkg-Article``).

    The prefix is needed because local names clash (``dcat:Dataset``, ``void:Dataset``). Terms
    outside treatykg's prefixes get a short hash of their IRI, which is stable but opaque.
    """
    name = qname(term)
    if name.startswith("<"):
        slug = "iri-" + hashlib.sha256(str(term).encode()).hexdigest()[:16]
    else:
        slug = name.replace(":", "-", 1)
    return URIRef(f"{DATASET}/{kind}/{slug}")


def _add_partitions(graph: Graph, stats: Statistics) -> None:
    for cls, entities in stats.classes.items():
        node = partition_iri("class-partition", cls)
        graph.add((DATASET, VOID.classPartition, node))
        graph.add((node, RDF.type, VOID.Dataset))
        graph.add((node, VOID["class"], cls))
        graph.add((node, VOID.entities, Literal(entities)))
    for prop, triples in stats.properties.items():
        node = partition_iri("property-partition", prop)
        graph.add((DATASET, VOID.propertyPartition, node))
        graph.add((node, RDF.type, VOID.Dataset))
        graph.add((node, VOID.property, prop))
        graph.add((node, VOID.triples, Literal(triples)))


def _add_linkset(graph: Graph, stats: Statistics) -> None:
    """The links to Wikidata, as a VoID linkset; none when the data has no such link."""
    if not stats.wikidata_links:
        return
    graph.add((DATASET, VOID.subset, LINKSET))
    graph.add((LINKSET, RDF.type, VOID.Linkset))
    graph.add((LINKSET, DCTERMS.title, Literal("treatykg to Wikidata", lang="en")))
    graph.add((LINKSET, VOID.subjectsTarget, DATASET))
    graph.add((LINKSET, VOID.objectsTarget, WIKIDATA))
    graph.add((LINKSET, VOID.linkPredicate, SKOS.exactMatch))
    graph.add((LINKSET, VOID.triples, Literal(stats.wikidata_links)))
    graph.add((WIKIDATA, RDF.type, VOID.Dataset))
    graph.add((WIKIDATA, DCTERMS.title, Literal("Wikidata", lang="en")))
    graph.add((WIKIDATA, VOID.uriSpace, Literal(str(WD))))
    graph.add((WIKIDATA, FOAF.homepage, URIRef("https://www.wikidata.org/")))


def _add_catalog(graph: Graph) -> None:
    graph.add((CATALOG, RDF.type, DCAT.Catalog))
    graph.add((CATALOG, DCTERMS.title, Literal("The treatykg catalogue", lang="en")))
    graph.add((CATALOG, DCTERMS.title, Literal("Le catalogue treatykg", lang="fr")))
    graph.add(
        (
            CATALOG,
            DCTERMS.description,
            Literal("The datasets that the treatykg project publishes.", lang="en"),
        )
    )
    graph.add((CATALOG, DCTERMS.publisher, PUBLISHER))
    graph.add((CATALOG, FOAF.homepage, URIRef(BASE)))
    graph.add((CATALOG, DCAT.dataset, DATASET))
    for predicate in (DCTERMS.issued, DCTERMS.modified, DCTERMS.license):
        for value in graph.objects(DATASET, predicate):
            graph.add((CATALOG, predicate, value))
