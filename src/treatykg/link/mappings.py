"""The mapping tables that link treatykg with Wikidata, for mapping tools and Wikidata editors:
SSSOM mappings, QuickStatements, and what is still unlinked.

Where :mod:`treatykg.link.wikidata_view` rewrites the graph into Wikidata's RDF model, this
module writes tables *about* the links: four text exports, all computed from one graph (the
ontology plus the data, as in the release's ``treatykg.ttl``) and all sorted, so the same
graph always gives byte-identical output:

- :func:`sssom_table`: every link we assert to Wikidata (entities and ontology terms) as an
  SSSOM TSV, so mapping tools can consume our alignments without parsing RDF.
- :func:`quickstatements`: the few statements Wikidata could take from us. Only statements
  whose subject *and* item value are items our data links with ``skos:exactMatch`` (and that
  treaty-facts.md therefore marks verified) qualify, each with a reference from our sources.
  The treaty itself has no verified QID, so none of its facts qualify; we never emit ``CREATE``.
- :func:`unmatched` and :func:`mixnmatch_catalogue`: our entities without a verified QID, for
  people who want to find or create the matching Wikidata items by hand (Mix'n'match).

The graph is the published default graph as a pyoxigraph Store (an rdflib Graph is loaded
into one). What the exports need is read with SPARQL queries (``link/queries/*.rq``, read by
:class:`_Reader`): the verified links and the ontology's classes (a few rows), for
QuickStatements the few triples about verified items and their sources, and for the two
tables of unmatched entities every class, English label and English description, read as
they come and sorted by IRI in bounded memory (:class:`treatykg.link.spill.SortedLines`), so
that the tables are written entity by entity and their memory does not grow with the
dataset. :func:`write_exports` writes all four files; :func:`exports` and the single-file
functions are the same code, in memory.

Nothing here looks anything up on Wikidata: a QID we do not already hold is never guessed.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import tempfile
from collections import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from treatykg.link import spill
from treatykg.namespaces import BASE, TKG, WD, WDT
from treatykg.rdf import store as graphstore
from treatykg.rdf import terms
from treatykg.sparql import catalogue

__all__ = [
    "MAPPING_SET_ID",
    "exports",
    "mixnmatch_catalogue",
    "quickstatements",
    "sssom_table",
    "unmatched",
    "write_exports",
]

MAPPING_SET_ID = "https://w3id.org/treatykg/mappings/wikidata.sssom.tsv"
LICENSE = "https://creativecommons.org/licenses/by-sa/4.0/"
SEMAPV = "https://w3id.org/semapv/vocab/"

# CURIE prefixes of the SSSOM file. ``treatykg`` covers the data IRIs (id/…, eli/…); ``tkg`` the
# vocabulary. Both are needed because SSSOM identifiers must be CURIEs, and the data IRIs are
# slash IRIs under a different namespace than the hash IRIs of the ontology.
CURIE_MAP: dict[str, str] = {
    "owl": str(OWL),
    "rdfs": str(RDFS),
    "semapv": SEMAPV,
    "skos": str(SKOS),
    "tkg": str(TKG),
    "treatykg": BASE,
    "wd": str(WD),
    "wdt": str(WDT),
}

SSSOM_COLUMNS: tuple[str, ...] = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "comment",
)

UNMATCHED_COLUMNS: tuple[str, ...] = ("iri", "type", "label", "reason")
MIXNMATCH_COLUMNS: tuple[str, ...] = ("id", "name", "description", "type", "url")

_QID = re.compile(r"^Q[1-9][0-9]*$")
_WIKIMEDIA_KIND = TKG.Encyclopedia

Data = ox.Store | Graph
"""The published default graph: a pyoxigraph Store, or an rdflib Graph loaded into one."""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


@functools.cache
def _curie(iri: str) -> str:
    """The CURIE of ``iri`` under :data:`CURIE_MAP`, longest namespace first (``tkg`` beats
    ``treatykg`` for ``…/def#X``), or the IRI itself when no prefix fits."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


_BY_LENGTH = sorted(CURIE_MAP.items(), key=lambda kv: -len(kv[1]))


def _qid(term: str) -> str | None:
    """``Q423`` for ``<…/entity/Q423>`` (N-Triples); None for anything that is not a
    Wikidata item IRI."""
    if term.startswith(_WD_TERM):
        local = term[len(_WD_TERM) : -1]
        if _QID.match(local):
            return local
    return None


_WD_TERM = f"<{WD}"


def _cell(text: str) -> str:
    """A TSV cell: tabs and newlines would break the row, so they become spaces."""
    if "\t" in text or "\n" in text or "\r" in text:
        return _BREAKS.sub(" ", text).strip()
    return text.strip()


_BREAKS = re.compile(r"[\t\r\n]+")


def _tsv(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = ["\t".join(header)]
    lines.extend("\t".join(_cell(c) for c in row) for row in rows)
    return "\n".join(lines) + "\n"


def _values(terms: Iterable[str]) -> str:
    """A ``VALUES`` list of IRIs (N-Triples form); literals and blank nodes are left out,
    as they cannot be subjects the exports look at."""
    return " ".join(sorted({t for t in terms if t.startswith("<")}))


def _nt(iri: object) -> str:
    return f"<{iri}>"


def _query(name: str, **values: str) -> str:
    """The query ``link/queries/{name}.rq``, placeholders filled."""
    return catalogue.internal("treatykg.link", name, **values)


_WIKIDATA_LINKS = _query("wikidata-links")
_VERSIONS = _query("ontology-versions")
# What a record of :func:`_unmatched_entities` holds after the IRI: a class, an English label,
# an English description; and the queries that read them.
_CLASS, _NAME, _DESCRIPTION = "0", "1", "2"
_ENGLISH = 'LANG(?o) = "en"'
_ENTITY_VALUES = (
    (_query("entity-values", PROPERTY=_nt(RDF.type), VALUES="true"), _CLASS),
    (_query("entity-values", PROPERTY=_nt(RDFS.label), VALUES=_ENGLISH), _NAME),
    (_query("entity-values", PROPERTY=_nt(DCTERMS.description), VALUES=_ENGLISH), _DESCRIPTION),
)
_SUBCLASSES = _query("subclasses")
_WIKIDATA_MAPPINGS = _query("wikidata-mappings")


class _Reader:
    """What the exports read from the store, each small part queried once, when first needed
    (the typed entities are read as they come: :func:`_unmatched_entities`).

    Terms are N-Triples strings (:func:`treatykg.rdf.store.select`); IRIs compare and sort
    by their text (``iri[1:-1]``), as rdflib sorts ``URIRef`` values.
    """

    def __init__(self, data: Data) -> None:
        self.store = graphstore.as_store(data)

    def select(self, query: str) -> Iterator[graphstore.Row]:
        return graphstore.select(self.store, query)

    @cached_property
    def verified(self) -> dict[str, str]:
        """Our resources linked by ``skos:exactMatch`` to a Wikidata item. The data rules allow
        such a link only to items treaty-facts.md §3 marks verified, so this *is* the verified
        list. Keyed by IRI (N-Triples form); the smallest QID if there are several."""
        return {
            subject: qid
            for subject, qid in self.wikidata_links.items()
            if subject.startswith(_BASE_TERM) and not subject.startswith(_TKG_TERM)
        }

    @cached_property
    def version(self) -> str | None:
        """The ontology's ``owl:versionInfo`` (of the first ontology, the smallest value)."""
        found: dict[str, list[str]] = {}
        for ontology, value in self.select(_VERSIONS):
            found.setdefault(ontology, []).append(terms.lexical_of(value))
        for ontology in sorted(found, key=terms.ntriples_key):
            return min(found[ontology])
        return None

    def labels_of(self, nodes: Iterable[str]) -> dict[str, str]:
        """The ``@en`` labels of a few nodes (the data rules require exactly one; the
        smallest if there are more, so the output stays deterministic even for odd input)."""
        subjects = _values(nodes)
        if not subjects:
            return {}
        query = _query("english-values-of", SUBJECTS=subjects, PROPERTY=_nt(RDFS.label))
        found: dict[str, str] = {}
        for subject, value in self.select(query):
            _keep_smallest(found, subject, terms.lexical_of(value))
        return found

    @cached_property
    def wikidata_links(self) -> dict[str, str]:
        """IRIs ``skos:exactMatch``-ed to a Wikidata item (our resources, our classes) → the
        item's QID (the smallest of several)."""
        found: dict[str, str] = {}
        for subject, obj in self.select(_WIKIDATA_LINKS):
            qid = _qid(obj)
            if qid and subject.startswith("<"):
                found[subject] = min(qid, found.get(subject, qid), key=lambda q: int(q[1:]))
        return found

    @property
    def class_items(self) -> dict[str, str]:
        """Classes ``skos:exactMatch``-ed to a Wikidata item → its QID (and anything else so
        linked: a class is looked up by its IRI)."""
        return self.wikidata_links

    @cached_property
    def subclasses(self) -> set[tuple[str, str]]:
        """Every ``rdfs:subClassOf`` pair (class, superclass)."""
        return {(subclass, superclass) for subclass, superclass in self.select(_SUBCLASSES)}

    def triples(self, subjects: Iterable[str], predicates: Sequence[object]) -> _Triples:
        """The triples of a few subjects for a few properties (one query)."""
        nodes = _values(subjects)
        if not nodes:
            return _Triples([])
        props = ", ".join(_nt(p) for p in predicates)
        return _Triples(self.select(_query("triples-of", SUBJECTS=nodes, PROPERTIES=props)))


class _Triples:
    """A few triples, by subject and property."""

    def __init__(self, rows: Iterable[graphstore.Row]) -> None:
        self.out: dict[str, dict[str, list[str]]] = {}
        for s, p, o in rows:
            self.out.setdefault(s, {}).setdefault(p, []).append(o)

    def objects(self, subject: str, prop: object) -> list[str]:
        return self.out.get(subject, {}).get(_nt(prop), [])

    def has(self, subject: str, prop: object, value: str) -> bool:
        return value in self.objects(subject, prop)


_BASE_TERM = f"<{BASE}"
_TKG_TERM = f"<{TKG}"


def _reader(data: Data | _Reader) -> _Reader:
    return data if isinstance(data, _Reader) else _Reader(data)


def _keep_smallest(found: dict[str, str], subject: str, text: str) -> None:
    if subject not in found or text < found[subject]:
        found[subject] = text


#: The four files :func:`write_exports` writes.
TABLES = ("mappings.sssom.tsv", "wikidata.qs", "wikidata-unmatched.tsv", "mixnmatch.tsv")


def exports(data: Data) -> dict[str, str]:
    """All four exports (:func:`write_exports`), in memory, by file name."""
    outs = {name: io.BytesIO() for name in TABLES}
    write_exports(data, outs)
    return {name: out.getvalue().decode("utf-8") for name, out in outs.items()}


def write_exports(data: Data, outs: abc.Mapping[str, BinaryIO]) -> None:
    """Write the four exports to ``outs`` (by file name: ``mappings.sssom.tsv``,
    ``wikidata.qs``, ``wikidata-unmatched.tsv``, ``mixnmatch.tsv``), from one reading of the
    store. The unmatched list and the catalogue share their reading (the typed entities and
    their labels, most of the cost at a million triples), and are written as they are read,
    their rows sorted in bounded memory."""
    reader = _Reader(data)
    with graphstore.no_gc():
        outs["mappings.sssom.tsv"].write(sssom_table(reader).encode("utf-8"))
        outs["wikidata.qs"].write(quickstatements(reader).encode("utf-8"))
        _write_entity_tables(reader, outs["wikidata-unmatched.tsv"], outs["mixnmatch.tsv"])


# --------------------------------------------------------------------------------------------
# SSSOM
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Mapping:
    """One row of the SSSOM table (as full IRIs, so callers can compare it with the graph)."""

    subject: str
    predicate: str
    object: str


def wikidata_mappings(data: Data | _Reader) -> list[Mapping]:
    """Every link in the graph from one of our IRIs (data or vocabulary) to a Wikidata item
    (``wd:``) or property (``wdt:``) by a mapping predicate, sorted. Links to other
    vocabularies (schema.org, ELI…) are left out: this mapping set is about Wikidata only."""
    rows = _reader(data).select(_WIKIDATA_MAPPINGS)
    return sorted({Mapping(s[1:-1], p[1:-1], o[1:-1]) for s, p, o in rows})


def sssom_table(data: Data | _Reader) -> str:
    """An SSSOM/TSV file of :func:`wikidata_mappings`, with the YAML metadata block as ``#``
    lines. ``object_label`` stays empty unless the graph itself labels the Wikidata term: we do
    not hold Wikidata's labels and will not make them up."""
    reader = _reader(data)
    header = [
        "curie_map:",
        *(f"  {prefix}: {namespace}" for prefix, namespace in sorted(CURIE_MAP.items())),
        f"mapping_set_id: {MAPPING_SET_ID}",
    ]
    version = reader.version
    if version:
        header.append(f'mapping_set_version: "{version}"')
    header += [
        "mapping_set_title: treatykg links to Wikidata items and properties",
        "mapping_set_description: Links from treatykg entities and ontology terms to Wikidata,"
        " restricted to the QIDs and PIDs that the project's fact sheet marks verified.",
        f"license: {LICENSE}",
    ]
    mappings = wikidata_mappings(reader)
    labels = reader.labels_of(_nt(i) for m in mappings for i in (m.subject, m.object))
    rows = []
    for m in mappings:
        kind = "ontology term" if m.subject.startswith(str(TKG)) else "entity"
        rows.append(
            (
                _curie(m.subject),
                labels.get(_nt(m.subject), ""),
                _curie(m.predicate),
                _curie(m.object),
                labels.get(_nt(m.object), ""),
                "semapv:ManualMappingCuration",
                f"{kind}; ID verified in treaty-facts.md (sections 3-4)",
            )
        )
    metadata = "".join(f"#{line}\n" for line in header)
    return metadata + _tsv(SSSOM_COLUMNS, rows)


# --------------------------------------------------------------------------------------------
# QuickStatements
# --------------------------------------------------------------------------------------------

# Our properties that carry over to a Wikidata property between two verified items, and why:
# - tkg:participant is skos:exactMatch wdt:P710 (participant) in alignments.ttl;
# - tkg:actor: whoever carries out an event takes part in it, so P710 holds too;
# - tkg:locatedIn with a tkg:State value is the place's country (P17), verified in §4.
_ITEM_PROPERTIES: dict[URIRef, tuple[str, URIRef | None]] = {
    TKG.participant: ("P710", None),
    TKG.actor: ("P710", None),
    TKG.locatedIn: ("P17", TKG.State),
}
_DATE_PROPERTIES = (TKG.date, TKG.startDate, TKG.notBefore, TKG.notAfter)
_SOURCE_PROPERTIES = (TKG.url, DCTERMS.publisher, DCTERMS.issued)


@dataclass(frozen=True, order=True)
class Statement:
    """A Wikidata claim we can back: item, property, value in QuickStatements V1 syntax, and the
    resource whose ``dcterms:source`` supplies the references."""

    item: str
    property: str
    value: str
    evidence: str


def _qs_time(value: str, precision: int) -> str:
    """A QuickStatements V1 time value: ``+2024-06-19T00:00:00Z/11`` (day) or ``/9`` (year)."""
    if precision == 9:
        return f"+{value[:4]}-00-00T00:00:00Z/9"
    return f"+{value}T00:00:00Z/11"


_XSD_DATE_SUFFIX = f'"^^<{XSD.date}>'


def _date(triples: _Triples, node: str, predicate: object) -> str | None:
    values = sorted(
        terms.lexical_of(o)
        for o in triples.objects(node, predicate)
        if o.endswith(_XSD_DATE_SUFFIX)
    )
    return values[0] if len(values) == 1 else None


def candidate_statements(data: Data | _Reader) -> list[Statement]:
    """The statements of :func:`quickstatements`, before references are attached.

    Item values: see ``_ITEM_PROPERTIES``. Dates: an event known only to have begun within one
    calendar year (``tkg:notBefore`` 1 January, ``tkg:notAfter`` 31 December of the same year;
    both bound the beginning, per alignments.ttl) gets a year-precision P580 (start time); an
    exact ``tkg:date`` or ``tkg:startDate`` gets P585 / P580 to the day. Strings: none — labels
    are not statements and QuickStatements cannot attach a reference to them.
    """
    reader = _reader(data)
    verified = reader.verified
    about = reader.triples(verified, [*_ITEM_PROPERTIES, *_DATE_PROPERTIES])
    values = [
        v for s in verified for p in _ITEM_PROPERTIES for v in about.objects(s, p) if v in verified
    ]
    typed = reader.triples(values, [RDF.type])
    found: set[Statement] = set()
    for subject, qid in verified.items():
        for predicate, (pid, value_class) in _ITEM_PROPERTIES.items():
            for value in about.objects(subject, predicate):
                value_qid = verified.get(value)
                if value_qid is None or value_qid == qid:
                    continue
                if value_class is not None and not typed.has(value, RDF.type, _nt(value_class)):
                    continue
                found.add(Statement(qid, pid, value_qid, subject[1:-1]))
        for predicate, pid in ((TKG.date, "P585"), (TKG.startDate, "P580")):
            day = _date(about, subject, predicate)
            if day:
                found.add(Statement(qid, pid, _qs_time(day, 11), subject[1:-1]))
        earliest = _date(about, subject, TKG.notBefore)
        latest = _date(about, subject, TKG.notAfter)
        if (
            earliest
            and latest
            and earliest[:4] == latest[:4]
            and earliest[4:] == "-01-01"
            and latest[4:] == "-12-31"
            and _date(about, subject, TKG.startDate) is None
        ):
            found.add(Statement(qid, "P580", _qs_time(earliest, 9), subject[1:-1]))
    return sorted(found)


def _references(
    reader: _Reader, statements: Sequence[Statement]
) -> Callable[[str], list[list[tuple[str, str]]]]:
    """For each evidence of ``statements``: one reference (a list of QuickStatements source
    pairs) per source that we can cite: ``S854`` for its URL, ``S577`` for its publication
    date, ``S248`` if the source itself has a QID, ``S143`` (imported from Wikimedia project)
    if a Wikipedia with a verified QID published it. A source with none of these (no URL,
    unidentified publisher) is skipped, and so is a source on wikidata.org, which would make
    Wikidata cite itself. ``S813`` (retrieved) is never given: our sources do not record when
    they were read."""
    verified = reader.verified
    evidence = reader.triples((_nt(s.evidence) for s in statements), [DCTERMS.source])
    sources = [o for s in evidence.out for o in evidence.objects(s, DCTERMS.source)]
    about = reader.triples(sources, _SOURCE_PROPERTIES)
    publishers = [p for s in sources for p in about.objects(s, DCTERMS.publisher)]
    kinds = reader.triples(publishers, [TKG.organisationKind])

    def references(item: str) -> list[list[tuple[str, str]]]:
        found = []
        for source in sorted(evidence.objects(_nt(item), DCTERMS.source), key=terms.ntriples_key):
            pairs: list[tuple[str, str]] = []
            urls = sorted(terms.lexical_of(u) for u in about.objects(source, TKG.url))
            if any("wikidata.org" in u for u in urls):
                continue
            pairs += [("S854", f'"{u}"') for u in urls]
            own = verified.get(source)
            if own:
                pairs.append(("S248", own))
            for publisher in sorted(
                about.objects(source, DCTERMS.publisher), key=terms.ntriples_key
            ):
                publisher_qid = verified.get(publisher)
                if publisher_qid and kinds.has(
                    publisher, TKG.organisationKind, _nt(_WIKIMEDIA_KIND)
                ):
                    pairs.append(("S143", publisher_qid))
            if not pairs:
                continue
            issued = _date(about, source, DCTERMS.issued)
            if issued:
                pairs.append(("S577", _qs_time(issued, 11)))
            found.append(pairs)
        return found

    return references


def quickstatements(data: Data | _Reader) -> str:
    """QuickStatements V1 commands (tab-separated, one statement and one reference per line;
    QuickStatements adds a repeated statement's further references to the same claim).

    Statements without a citable reference are dropped rather than sent unreferenced."""
    reader = _reader(data)
    statements = candidate_statements(reader)
    references = _references(reader, statements)
    lines: list[str] = []
    for statement in statements:
        for pairs in references(statement.evidence):
            tokens = [statement.item, statement.property, statement.value]
            for prop, value in pairs:
                tokens += [prop, value]
            lines.append("\t".join(tokens))
    return "".join(f"{line}\n" for line in sorted(set(lines)))


# --------------------------------------------------------------------------------------------
# Unmatched entities and the Mix'n'match catalogue
# --------------------------------------------------------------------------------------------

# Why a kind of resource has no Wikidata item, per the fact sheet or by its nature.
_REASONS: dict[str, str] = {
    "claim": "project-internal statement node; Wikidata holds claims as statements, not items",
    "condition": "part of a norm of the treaty; no Wikidata item exists for such parts",
    "dataset": "this dataset; it has no Wikidata item",
    "norm": "norm stated by a treaty article; no Wikidata item exists for such norms",
    "obligation": "directed obligation derived from a norm; no Wikidata item exists",
    "quotation": "quotation; Wikidata has no items for individual quotations",
    "source": "cited source; no QID for it in treaty-facts.md section 3",
    "tenure": "tenure of an office (Wikidata models it as a P39 statement, not an item)",
    "eli": "part or language version of a treaty; Wikidata has no items for these",
    "treaty": "no QID for this treaty in treaty-facts.md section 3 (the 2024 treaty: not found)",
}
_DEFAULT_REASON = "no QID for it among the items treaty-facts.md section 3 marks verified"


def _kind(iri: str) -> str:
    """``person`` for ``…/id/person/x``; ``treaty`` for ``…/eli/treaty/{year}/{acronym}`` and
    ``eli`` for the treaty's parts and expressions below it."""
    rest = iri[len(BASE) :]
    if rest.startswith("eli/"):
        return "treaty" if rest.count("/") == 3 else "eli"
    return rest.split("/")[1] if rest.count("/") >= 2 else rest


@dataclass(frozen=True, slots=True)
class _Entity:
    """One typed resource under ``id/`` or ``eli/`` without a verified QID, as the unmatched
    list and the catalogue describe it."""

    iri: str
    #: Its IRI classes (N-Triples), sorted.
    classes: list[str]
    label: str | None
    description: str | None


def _unmatched_entities(reader: _Reader) -> Iterator[_Entity]:
    """Every typed resource under ``id/`` or ``eli/`` without a verified QID, in IRI order.

    A sort-merge: every class, English label and English description of our entities is
    read (three queries, each written as TSV to a temporary file by a worker thread while
    this one reads the previous file) as a line "IRI, tab, what, tab, value", the lines are
    sorted (on disk past a budget), and each IRI's lines, next to each other, make its
    entity. A tab sorts before any character of an IRI, so lines sort by IRI first.
    """
    store = reader.store
    with (
        tempfile.TemporaryDirectory(prefix="treatykg-link-") as scratch,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatykg-sparql") as pool,
        spill.SortedLines() as records,
    ):
        written = [
            (pool.submit(_write_tsv, store, query, Path(scratch, what)), what)
            for query, what in _ENTITY_VALUES
        ]
        for future, what in written:
            path = future.result()
            for lines in _tsv_lines(path):
                records.extend(_records(lines, what))
            path.unlink()
        yield from _entities(reader, records.merged())


def _write_tsv(store: ox.Store, query: str, path: Path) -> Path:
    """Write a SELECT's results at ``path`` as TSV (pyoxigraph does it without the GIL)."""
    results = store.query(query)
    if not isinstance(results, ox.QuerySolutions):
        raise TypeError("the entity tables read SELECT queries")
    results.serialize(output=path, format=ox.QueryResultsFormat.TSV)
    return path


def _tsv_lines(path: Path) -> Iterator[str]:
    """The rows of a TSV file of ``?s ?o`` (``?s`` an IRI), some thousands at a time, each a
    string of whole lines; the header left out."""
    with path.open(encoding="utf-8", newline="\n") as tsv:
        tsv.readline()
        while lines := tsv.readlines(_READ_CHARS):
            yield "".join(lines)


_READ_CHARS = 1 << 22


def _records(lines: str, what: str) -> list[str]:
    """Records of TSV rows "<IRI>, tab, value": "IRI, tab, what, tab, value". In bulk: a row's
    only tab is the one after the IRI (TSV escapes a tab in a literal), and "<" starts it."""
    records = ("\n" + lines).replace("\n<", "\n").replace(">\t", f"\t{what}\t").split("\n")
    return [record + "\n" for record in records[1:-1]]


def _entities(reader: _Reader, records: Iterator[str]) -> Iterator[_Entity]:
    """The entities of sorted records (:func:`_unmatched_entities`): an IRI with a class.
    Values are as TSV writes them (terms in Turtle syntax, numbers bare): a class that is
    not an IRI is left out, and a label is read for its lexical form."""
    verified = reader.verified
    iri = ""
    classes: list[str] = []
    labels: list[str] = []
    descriptions: list[str] = []
    for record in itertools.chain(records, ["\t\t\n"]):  # the end: an IRI no record has
        subject, what, term = record[:-1].split("\t", 2)
        if subject != iri:
            if classes and f"<{iri}>" not in verified:
                iris = [c for c in classes if c.startswith("<")]
                if len(iris) > 1:
                    iris.sort(key=terms.ntriples_key)
                yield _Entity(iri, iris, min(labels, default=None), min(descriptions, default=None))
            iri, classes, labels, descriptions = subject, [], [], []
        if what == _CLASS:
            classes.append(term)
        elif what == _NAME:
            labels.append(terms.lexical_of(term))
        else:
            descriptions.append(terms.lexical_of(term))


def _write_entity_tables(
    reader: _Reader, unmatched_out: BinaryIO | None, catalogue_out: BinaryIO | None
) -> None:
    """Write the unmatched list and the Mix'n'match catalogue (either may be None), entity
    by entity in IRI order (the catalogue's ids are the IRIs' paths under our base, which
    every entity's IRI starts with, so they are in the same order)."""
    unmatched = ["\t".join(UNMATCHED_COLUMNS) + "\n"]
    listed = ["\t".join(MIXNMATCH_COLUMNS) + "\n"]
    for entity in _unmatched_entities(reader):
        row, catalogued = _rows(reader, entity)
        unmatched.append(row)
        if catalogued:
            listed.append(catalogued)
        if len(unmatched) >= _WRITE_ROWS:
            _flush(unmatched, unmatched_out)
            _flush(listed, catalogue_out)
    _flush(unmatched, unmatched_out)
    _flush(listed, catalogue_out)


_WRITE_ROWS = 8192


def _flush(rows: list[str], out: BinaryIO | None) -> None:
    """Write the rows held and forget them."""
    if out is not None:
        out.write("".join(rows).encode("utf-8"))
    rows.clear()


def _rows(reader: _Reader, entity: _Entity) -> tuple[str, str]:
    """The entity's row of the unmatched list, and of the catalogue if it is of a
    :data:`MATCHABLE_KINDS` kind (else ""). Only labels and descriptions need :func:`_cell`:
    IRIs, CURIEs, QIDs and reasons hold no tab, newline or surrounding space."""
    iri = entity.iri
    kind = _kind(iri)
    label = _cell(entity.label or "")
    types = " ".join(_curie(t[1:-1]) for t in entity.classes)
    unmatched = f"{iri}\t{types}\t{label}\t{_REASONS.get(kind, _DEFAULT_REASON)}\n"
    if kind not in MATCHABLE_KINDS:
        return unmatched, ""
    local = iri[len(BASE) :]
    name = label if entity.label else local
    qid = _class_qid(reader, entity)
    return unmatched, f"{local}\t{name}\t{_description(entity)}\t{qid}\t{iri}\n"


def unmatched_entities(data: Data | _Reader) -> list[URIRef]:
    """Typed resources under ``id/`` or ``eli/`` with no ``skos:exactMatch`` to a Wikidata item."""
    return [URIRef(entity.iri) for entity in _unmatched_entities(_reader(data))]


def unmatched(data: Data | _Reader) -> str:
    """TSV of :func:`unmatched_entities`: IRI, class, English label and why there is no QID, so
    the gaps in our linking are visible and can be worked through."""
    out = io.BytesIO()
    _write_entity_tables(_reader(data), out, None)
    return out.getvalue().decode("utf-8")


def _class_qid(reader: _Reader, entity: _Entity) -> str:
    """The Wikidata class of ``entity``: the QID its most specific class is ``skos:exactMatch``ed
    to (tkg:BilateralTreaty → Q9557810 rather than tkg:Treaty → Q131569), else empty. Classes
    are only ever linked to verified QIDs (alignments.ttl), so no unverified type slips in; an
    unlinked class (tkg:Person: Q5 is not in the verified list) leaves the type empty."""
    items = reader.class_items
    linked = {c: items[c] for c in entity.classes if c in items}
    if not linked:
        return ""
    subclasses = reader.subclasses
    specific = [
        c for c in linked if not any((other, c) in subclasses for other in linked if other != c)
    ]
    return min((linked[c] for c in specific), key=lambda q: int(q[1:]), default="")


def _description(entity: _Entity) -> str:
    """Type plus the English description if any, cut to one line of at most 250 characters."""
    text = ", ".join(t[1:-1].rsplit("#", 1)[-1] for t in entity.classes)
    if entity.description is not None:
        text = f"{text}: {entity.description}"
    text = _cell(text)
    return text if len(text) <= 250 else text[:249].rstrip() + "…"


#: Kinds of entity that Wikidata has items for (states, people, organisations, offices,
#: places, legal instruments, events, publications, treaties). Claims, norms, obligations,
#: conditions, tenures, quotations and a treaty's articles never get items of their own, so
#: listing them in a catalogue for editors to match would only be noise; they stay in
#: wikidata-unmatched.tsv.
MATCHABLE_KINDS = frozenset(
    {"state", "person", "org", "office", "place", "legal", "event", "source", "treaty"}
)


def mixnmatch_catalogue(data: Data | _Reader) -> str:
    """A Mix'n'match import file (TSV with the recognised headers id, name, description, type,
    url) of the :func:`unmatched_entities` of a :data:`MATCHABLE_KINDS` kind, so Wikidata
    editors can match them to existing items."""
    out = io.BytesIO()
    _write_entity_tables(_reader(data), None, out)
    return out.getvalue().decode("utf-8")
