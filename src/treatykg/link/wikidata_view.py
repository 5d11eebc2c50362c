"""A Wikidata-shaped view of the treaty graph, to be loaded next to a Wikidata dump.

This module rewrites the graph itself into Wikidata's model; the tables *about* our links to
Wikidata (SSSOM, QuickStatements, Mix'n'match) are :mod:`treatykg.link.mappings`.

Why a view and not alignments alone? ``ontology/alignments.ttl`` says which of our terms match
which Wikidata properties, but a Wikidata user writes ``wdt:P1891`` and ``p:P585/ps:P585`` with
``wikibase:rank``, not ``tkg:signatory`` or ``tkg:Claim``. This module rewrites what our data
holds into Wikidata's RDF model (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format)
so that such queries answer without change:

- Subjects keep OUR IRIs (the treaty has no verified QID), and every one of our entities linked
  by ``skos:exactMatch`` to a ``wd:Q…`` item gets ``owl:sameAs`` to it, so joins with a dump
  work both ways. Values that are linked entities are written as the ``wd:`` item.
- Every fact is a statement node (``p:``/``ps:``/``pq:``, ``wikibase:rank``) with references
  (``prov:wasDerivedFrom``; ``pr:P854`` reference URL, ``pr:P248`` stated in, ``pr:P577``
  publication date). ``tkg:Claim`` nodes become ranked statements; statements with the same
  subject, property, value and qualifiers are merged and their references pooled, as on
  Wikidata. ``wdt:`` "truthy" triples exist only for best-rank values (preferred if the
  property has any, else normal; never deprecated), and those statements are typed
  ``wikibase:BestRank``.
- A party's ratification (``tkg:Ratification``) is, on the treaty, ``ratified by`` (P6193) the
  party with a ``point in time`` (P585) qualifier for each date stated or claimed for it, with
  that date's references. The date the data adopts (the event's ``tkg:date``) is preferred for
  every party, so that Wikidata's best rank, which compares all of a property's statements,
  keeps one truthy ``wdt:P6193`` per party; other claimed dates keep their claim's rank.
- Statement and reference nodes are IRIs minted from their content, never blank nodes, so the
  view is byte-identical across runs (:func:`view_ntriples`).

How it is made, in bounded memory (:func:`write_view_ntriples`): the subjects that can have
statements are read as they come (``link/queries/view-subjects.rq``) in batches of
:data:`BATCH_SIZE`; for each batch two queries read what its statements are made of (the
subjects' triples, the claims about them, a treaty's events and versions, then the sources,
types and labels of the values), and its blocks of lines are written, subject by subject, to
a :class:`treatykg.link.spill.SortedLines`, which sorts them on disk when there are many. A
treaty's events are described with the treaty, whose statements copy theirs. What a block
depends on is all read in the batch that writes it, so a block is the same whichever batch
writes it; an entity that several batches mention (a state, a person) gets its ``owl:sameAs``
and labels from each, and its blocks are merged when the runs are (:func:`_write_blocks`).

Only Wikidata items and properties that ``../shared/sources/treaty-facts.md`` marks verified are
used; items come only from our own ``skos:exactMatch`` links (plus the two language items, see
:data:`LANGUAGE_ITEMS`). Not modelled: full value nodes (``psv:``/``wikibase:timePrecision``),
sitelinks, ``schema:description`` (our descriptions are paragraphs, not Wikidata's short
descriptions) and claims whose property has no verified Wikidata counterpart (troop counts,
``tkg:invokes``, ``tkg:expressedBy``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import re
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from treatykg.link import spill
from treatykg.namespaces import BASE, ELI, PQ, PR, PROV, PS, SCHEMA, TKG, WD, WDT, WIKIBASE, P
from treatykg.rdf import store as graphstore
from treatykg.rdf import terms
from treatykg.sparql import catalogue

STATEMENT_BASE = f"{BASE}wikidata/statement/"
REFERENCE_BASE = f"{BASE}wikidata/reference/"

WIKIDATA_PREFIXES: dict[str, str] = {
    "wd": str(WD),
    "wdt": str(WDT),
    "p": str(P),
    "ps": str(PS),
    "pq": str(PQ),
    "pr": str(PR),
    "wikibase": str(WIKIBASE),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "wds": STATEMENT_BASE,
    "wdref": REFERENCE_BASE,
}
"""Prefixes for reading and querying the view (Wikidata's own, plus our statement/reference
namespaces under the short names Wikidata uses for its own: ``wds:``, ``wdref:``)."""

_LANG = "http://publications.europa.eu/resource/authority/language/"
LANGUAGE_ITEMS: dict[URIRef, URIRef] = {
    URIRef(f"{_LANG}RUS"): WD.Q7737,  # treaty-facts.md §3: Russian language, verified-in-source
    URIRef(f"{_LANG}KOR"): WD.Q9176,  # treaty-facts.md §3: Korean language, verified-in-source
}
"""EU language authority → Wikidata language item. Our data links languages to the EU table,
not to Wikidata, so this is the one mapping made here; both QIDs are verified in §3."""

# Our property → Wikidata property, for facts stated directly on any of our entities.
# All PIDs are verified in treaty-facts.md §4.
DIRECT_PROPERTIES: dict[URIRef, str] = {
    TKG.date: "P585",
    TKG.startDate: "P580",
    TKG.endDate: "P582",
    TKG.place: "P276",
    TKG.participant: "P710",
    TKG.partOfEvent: "P361",
    TKG.party: "P710",
    TKG.replaces: "P1365",
    ELI.first_date_entry_in_force: "P7588",
    ELI.date_no_longer_in_force: "P576",
}
# Claim qualifiers → Wikidata qualifiers.
QUALIFIER_PROPERTIES: dict[URIRef, str] = {
    TKG.qualifierStartDate: "P580",
    TKG.qualifierEndDate: "P582",
    TKG.qualifierPlace: "P276",
}
# tkg:place on a signing event is, on the treaty, both "location" and "location of creation".
SIGNING_PLACE_PROPERTIES = ("P276", "P1071")

RANKS: dict[URIRef, URIRef] = {
    TKG.PreferredRank: WIKIBASE.PreferredRank,
    TKG.NormalRank: WIKIBASE.NormalRank,
    TKG.DeprecatedRank: WIKIBASE.DeprecatedRank,
}
_RANK_ORDER = {WIKIBASE.DeprecatedRank: 0, WIKIBASE.NormalRank: 1, WIKIBASE.PreferredRank: 2}
_QID = re.compile(r"^http://www\.wikidata\.org/entity/Q[0-9]+$")

Term = str
"""An RDF term in N-Triples form, as :func:`treatykg.rdf.store.select` gives it."""
Qualifiers = tuple[tuple[str, Term], ...]
Reference = tuple[tuple[str, Term], ...]


def _nt(iri: str) -> Term:
    return f"<{iri}>"


_TYPE = _nt(RDF.type)
_SOURCE = _nt(DCTERMS.source)
_LABEL = _nt(RDFS.label)
_SAME_AS = _nt(OWL.sameAs)
_NAME = _nt(SCHEMA.name)
_CLAIM = _nt(TKG.Claim)
_STATE = _nt(TKG.State)
_SIGNING = _nt(TKG.Signing)
_RATIFICATION = _nt(TKG.Ratification)
_ENTRY_INTO_FORCE = _nt(TKG.EntryIntoForce)
_TREATIES = (_nt(TKG.Treaty), _nt(TKG.BilateralTreaty))
_NORMAL = _nt(WIKIBASE.NormalRank)
_DEPRECATED = _nt(WIKIBASE.DeprecatedRank)
_PREFERRED = _nt(WIKIBASE.PreferredRank)
_RANKS = {_nt(ours): _nt(theirs) for ours, theirs in RANKS.items()}
_ORDER = {_nt(rank): order for rank, order in _RANK_ORDER.items()}
_DIRECT = {_nt(prop): pid for prop, pid in DIRECT_PROPERTIES.items()}
_QUALIFIERS = {_nt(prop): pid for prop, pid in QUALIFIER_PROPERTIES.items()}
_LANGUAGES = {_nt(language): _nt(item) for language, item in LANGUAGE_ITEMS.items()}
_DATE_SUFFIX = f'"^^<{XSD.date}>'
_TRUE = f'"true"^^<{XSD.boolean}>'
_OURS = (f"<{BASE}id/", f"<{BASE}eli/")

# What the view reads of a claim and of a language version (of a subject, and of a treaty's
# event, it reads every triple: view-batch.rq).
_CLAIM_READ = (
    RDF.type,
    DCTERMS.source,
    TKG.claimSubject,
    TKG.claimProperty,
    TKG.claimValue,
    TKG.rank,
    *QUALIFIER_PROPERTIES,
)
_VERSION_READ = (DCTERMS.source, TKG.isAuthentic, ELI.language, ELI.realizes)
# The properties the view also looks up by object.
_BY_OBJECT = frozenset({_nt(TKG.claimSubject), _nt(TKG.concerns), _nt(ELI.realizes)})
# The properties whose values the view looks into (their sources, a place's country, the
# labels of the entities they are: ``view-values.rq``).
_TO_VALUES = frozenset(
    _nt(p)
    for p in (
        TKG.locatedIn,
        TKG.signatory,
        TKG.forParty,
        TKG.claimValue,
        *DIRECT_PROPERTIES,
        *QUALIFIER_PROPERTIES,
    )
)

BATCH_SIZE = 250
"""Subjects per batch. A treaty brings its events, their claims and its language versions
(about 50 rows, 40 blocks of output), so a batch of treaties holds some tens of MB while it
is read and described, and the next is read meanwhile; batches this size still make the
cost of a query (parsing the subjects' IRIs, planning) small beside its rows."""


def _query(name: str, **values: str) -> str:
    """The query ``link/queries/{name}.rq``, placeholders filled."""
    return catalogue.internal("treatykg.link", name, **values)


def _listed(iris: Iterable[URIRef], separator: str) -> str:
    return separator.join(dict.fromkeys(_nt(iri) for iri in iris))


_TREATY_CLASSES = ", ".join(_TREATIES)
_SUBJECTS_QUERY = _query(
    "view-subjects",
    PROPERTIES=_listed([*DIRECT_PROPERTIES, TKG.locatedIn], " "),
    TREATIES=_TREATY_CLASSES,
)
_EXACT_MATCHES = _query("wikidata-links")


class _Triples:
    """The triples a batch read (:func:`_fetch`), indexed by subject and property (and by
    object for ``tkg:claimSubject``, ``tkg:concerns``, ``eli:realizes``)."""

    def __init__(self, *rows: list[list[Term]]) -> None:
        self.out: dict[Term, dict[Term, list[Term]]] = {}
        self.into: dict[Term, dict[Term, list[Term]]] = {p: {} for p in _BY_OBJECT}
        for columns in rows:
            self.add(columns)

    def add(self, columns: list[list[Term]]) -> None:
        """Index the rows of a query (subject, property and object columns). A triple two
        queries read (a claim that is also a value) is kept once."""
        subjects, predicates, objects = columns or ([], [], [])
        for s, p, o in zip(subjects, predicates, objects, strict=True):
            props = self.out.get(s)
            if props is None:
                props = self.out[s] = {}
            values = props.get(p)
            if values is None:
                props[p] = [o]
            elif o not in values:
                values.append(o)
            else:
                continue
            if p in _BY_OBJECT:
                self.into[p].setdefault(o, []).append(s)

    def objects(self, subject: Term, prop: Term) -> list[Term]:
        """The values (not to be changed: a missing one is a shared empty list)."""
        return self.out.get(subject, _NO_PROPERTIES).get(prop, _NO_VALUES)

    def value(self, subject: Term, prop: Term) -> Term | None:
        """One value (rdflib's ``Graph.value``): the first in term order if there are more."""
        values = self.objects(subject, prop)
        if not values:
            return None
        return values[0] if len(values) == 1 else min(values, key=terms.ntriples_key)

    def has(self, subject: Term, prop: Term, value: Term) -> bool:
        return value in self.objects(subject, prop)

    def subjects(self, prop: Term, value: Term) -> list[Term]:
        return self.into[prop].get(value, _NO_VALUES)


_NO_PROPERTIES: dict[Term, list[Term]] = {}
_NO_VALUES: list[Term] = []


@dataclass(frozen=True)
class _Links:
    """What every batch needs of the whole graph, all of it small: the Wikidata items our
    entities and our classes are ``skos:exactMatch``-ed to."""

    #: Our data entities → their verified item; of several, the last in term order (as the
    #: view always took).
    entities: dict[Term, Term]
    #: Anything (our classes) → its items, for P31 (instance of).
    classes: dict[Term, list[Term]]

    @classmethod
    def read(cls, store: ox.Store) -> _Links:
        pairs = [
            (s, o)
            for s, o in graphstore.select(store, _EXACT_MATCHES)
            if o.startswith("<") and _QID.match(o[1:-1])
        ]
        entities: dict[Term, Term] = {}
        for s, o in sorted(
            (pair for pair in pairs if pair[0].startswith(_OURS)),
            key=lambda pair: (terms.ntriples_key(pair[0]), terms.ntriples_key(pair[1])),
        ):
            entities[s] = o
        classes: dict[Term, list[Term]] = {}
        for s, o in pairs:
            classes.setdefault(s, []).append(o)
        return cls(entities, classes)


@dataclass(frozen=True)
class _Batch:
    """A batch of subjects to describe, with the rows of what their statements are made of
    (indexed by :class:`_Triples` on the thread that describes them)."""

    subjects: list[Term]
    #: The subjects that are treaties: their events are described with them.
    treaties: list[Term]
    rows: tuple[list[list[Term]], ...]


def _batches(store: ox.Store, size: int) -> Iterator[_Batch]:
    """The subjects of :data:`_SUBJECTS_QUERY` in batches of ``size``, each read in a worker
    thread while the caller describes the previous one: pyoxigraph evaluates a query without
    holding the GIL, so the reading takes the build's second core. One thread does all the
    reading, the subjects' query included: pyoxigraph's query results may only be used by
    the thread that made them (so the generator is also closed there).
    """
    subjects = _subjects(store)

    def next_batch() -> _Batch | None:
        chunk = list(itertools.islice(subjects, size))
        return _fetch(store, chunk) if chunk else None

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatykg-sparql") as pool:
        try:
            pending = pool.submit(next_batch)
            while (batch := pending.result()) is not None:
                pending = pool.submit(next_batch)
                yield batch
        finally:
            pool.submit(subjects.close).result()


def _subjects(store: ox.Store) -> Generator[tuple[Term, bool], None, None]:
    """The subjects to describe, each with whether it is a treaty, read as they come (the
    query is not materialised); blank nodes are left out (no resource in valid data is one)."""
    results = store.query(_SUBJECTS_QUERY)
    if not isinstance(results, ox.QuerySolutions):
        raise TypeError("view-subjects.rq is a SELECT query")
    for row in results:
        subject = row[0]
        if isinstance(subject, ox.NamedNode):
            yield str(subject), row[1] is not None


def _fetch(store: ox.Store, chunk: list[tuple[Term, bool]]) -> _Batch:
    """Read a batch: the triples of its subjects and of what hangs on them
    (``view-batch.rq``), then what the view needs of the sources and other values those
    triples name (``view-values.rq``)."""
    subjects = [subject for subject, _ in chunk]
    treaties = [subject for subject, treaty in chunk if treaty]
    read = graphstore.select_columns(
        store,
        _query(
            "view-batch",
            SUBJECTS=" ".join(subjects),
            TREATIES=" ".join(treaties),
            CLAIM=_listed(_CLAIM_READ, ", "),
            VERSION=_listed(_VERSION_READ, ", "),
        ),
    )
    if not read or not read[0]:
        return _Batch(subjects, treaties, ())
    # A subject's and a treaty's event's triples were read whole.
    of_treaties = set(treaties)
    events = (s for s, p, o in zip(*read, strict=True) if p == _CONCERNS and o in of_treaties)
    whole = {*subjects, *events}
    sources: set[Term] = set()
    values: set[Term] = set()
    for p, o in zip(read[1], read[2], strict=True):
        if o.startswith("<") and o not in whole:
            if p == _SOURCE:
                sources.add(o)
            elif p in _TO_VALUES:
                values.add(o)
    if not sources and not values:
        return _Batch(subjects, treaties, (read,))
    query = _query(
        "view-values", SOURCES=" ".join(sorted(sources)), VALUES=" ".join(sorted(values))
    )
    return _Batch(subjects, treaties, (read, graphstore.select_columns(store, query)))


@dataclass
class _Statement:
    """One Wikidata statement being assembled; references are pooled on merge."""

    rank: Term
    references: set[Reference] = field(default_factory=set)


class _View:
    """Collects the statements of a batch's subjects, then writes them in Wikidata's model."""

    def __init__(self, links: _Links, g: _Triples) -> None:
        self.g = g
        self.links = links.entities
        self.class_items = links.classes
        self.statements: dict[tuple[Term, str, Term, Qualifiers], _Statement] = {}
        #: (subject, pid) → the keys of its statements, in the order they were added
        self.by_property: dict[tuple[Term, str], list[tuple[Term, str, Term, Qualifiers]]] = {}
        self.entities: set[Term] = set()
        self.references_of: dict[Term, Reference] = {}
        self.datetimes: dict[Term, Term] = {}
        #: (entity, Wikidata class) of every P31 (instance of) statement
        self.instance_of: set[tuple[Term, Term]] = set()

    # --- terms ------------------------------------------------------------------------------

    def value(self, node: Term) -> Term:
        """A value as Wikidata writes it: linked entity → wd: item, xsd:date → dateTime."""
        if node.startswith("<"):
            if node.startswith(_OURS):
                self.entities.add(node)
            return self.links.get(node, node)
        if node.endswith(_DATE_SUFFIX):
            found = self.datetimes.get(node)
            if found is None:
                day = terms.literal_parts(node)[0]
                # Wikidata writes "Z" (rdflib would rewrite it as "+00:00" if it normalised).
                found = terms.literal_term(f"{day}T00:00:00Z", datatype=str(XSD.dateTime))
                self.datetimes[node] = found
            return found
        return node

    def sources(self, node: Term) -> set[Term]:
        return {s for s in self.g.objects(node, _SOURCE) if s.startswith("<")}

    def reference(self, source: Term) -> Reference:
        """pr:P854 the source's URL, pr:P248 its publisher's item if linked (else the source
        itself, by our IRI), pr:P577 its date of issue."""
        found = self.references_of.get(source)
        if found is not None:  # its entities are already in the view
            return found
        g = self.g
        parts: list[tuple[str, Term]] = [("P854", url) for url in g.objects(source, _URL)]
        stated_in = source
        for publisher in sorted(g.objects(source, _PUBLISHER), key=terms.ntriples_key):
            if publisher in self.links:
                stated_in = self.links[publisher]
        if stated_in == source:
            self.entities.add(source)
        parts.append(("P248", stated_in))
        for issued in g.objects(source, _ISSUED):
            parts.append(("P577", self.value(issued)))
        found = self.references_of[source] = tuple(
            sorted(set(parts), key=lambda kv: (kv[0], _n3(kv[1])))
        )
        return found

    # --- statements -------------------------------------------------------------------------

    def add(
        self,
        subject: Term,
        pid: str,
        value: Term,
        rank: Term,
        sources: Iterable[Term],
        qualifiers: Qualifiers = (),
    ) -> None:
        """Add (or merge into) the statement subject–pid–value with these qualifiers."""
        self.entities.add(subject)
        if len(qualifiers) > 1:
            qualifiers = tuple(sorted(qualifiers, key=_pair_key))
        key = (subject, pid, self.value(value), qualifiers)
        found = self.statements.get(key)
        if found is None:
            found = self.statements[key] = _Statement(rank)
            self.by_property.setdefault((subject, pid), []).append(key)
        elif _ORDER[rank] > _ORDER[found.rank]:
            found.rank = rank
        for source in sources:  # a set: the order does not matter
            found.references.add(self.reference(source))

    def copy(self, subject: Term, pid: str, value: Term, quals: Qualifiers, st: _Statement) -> None:
        """A statement of another subject (a signing's date), merged into ``subject``'s."""
        key = (subject, pid, value, quals)
        found = self.statements.get(key)
        if found is None:
            self.statements[key] = _Statement(st.rank, set(st.references))
            self.by_property.setdefault((subject, pid), []).append(key)
            self.entities.add(subject)
            return
        if _ORDER[st.rank] > _ORDER[found.rank]:
            found.rank = st.rank
        found.references |= st.references

    def fact_sources(self, subject: Term, prop: Term, value: Term) -> set[Term]:
        """The sources of a direct fact. A claim with the same triple names the sources that
        state exactly this value, so those win over the resource's sources (which also
        include sources giving another, deprecated value). For a link between two of our
        resources, the sources both cite; failing that, the subject's sources."""
        g = self.g
        claimed: set[Term] = set()
        for claim in g.subjects(_CLAIM_SUBJECT, subject):
            if g.has(claim, _CLAIM_PROPERTY, prop) and g.has(claim, _CLAIM_VALUE, value):
                claimed |= self.sources(claim)
        if claimed:
            return claimed
        mine = self.sources(subject)
        shared = mine & self.sources(value) if value.startswith("<") else set()
        return shared or mine

    def statements_of(self, subject: Term, pid: str) -> list[tuple[Term, Qualifiers, _Statement]]:
        return [
            (key[2], key[3], self.statements[key])
            for key in self.by_property.get((subject, pid), [])
        ]

    # --- output -----------------------------------------------------------------------------

    def blocks(self, described: set[Term]) -> dict[Term, str]:
        """The lines of the statements of ``described`` (their subjects' ``p:``/``wdt:``
        lines, statement and reference nodes) and of every entity the batch names
        (``owl:sameAs``, labels), as blocks: subject → its lines joined by " .\\x00"
        (:data:`_LINE_END`), in the order :func:`treatykg.rdf.serialize.ntriples` writes: by
        predicate (``rdf:type`` first) and object, each in N-Triples form.

        Lines are written block by block instead of being sorted all together (a sort of
        800k long lines was most of the time at a million triples): a statement node's
        lines have a fixed predicate order, and only the subjects (:func:`_write_blocks`),
        and the few lines of each of our entities, are sorted. Subjects are IRIs, which
        never contain ``>`` or a space, so sorting them and then their lines gives the order
        of whole lines.
        """
        best: dict[tuple[Term, str], Term] = {}
        for (subject, pid, _, _), st in self.statements.items():
            if st.rank != _DEPRECATED and subject in described:
                top = best.get((subject, pid), _NORMAL)
                best[(subject, pid)] = max(top, st.rank, key=_ORDER.__getitem__)
        # Predicate order on a statement node: rdf:type (BestRank < Statement), then
        # wikibase:rank < prov:wasDerivedFrom < pq: < ps:, as their IRIs sort.
        best_rank = f" {_TYPE} {_nt(WIKIBASE.BestRank)}"
        statement_type = f" {_TYPE} {_nt(WIKIBASE.Statement)}"
        rank_predicate = f" {_nt(WIKIBASE.rank)} "
        derived = f" {_nt(PROV.wasDerivedFrom)} "
        reference_type = f" {_TYPE} {_nt(WIKIBASE.Reference)}"
        end = _LINE_END
        blocks: dict[Term, str] = {}  # subject → its lines, in order
        entity_lines: dict[Term, list[str]] = {}  # our entities' "predicate object" parts
        reference_nodes: dict[Reference, Term] = {}
        statement_node = _StatementNodes()
        for (subject, pid, value, quals), st in self.statements.items():
            if subject not in described:
                continue
            p, ps, wdt = _property_terms(pid)
            node = statement_node(subject, pid, value, quals)
            is_best = st.rank != _DEPRECATED and st.rank == best[(subject, pid)]
            if not st.references and not quals:  # most statements (instance of): one string
                block = (
                    f"{node}{statement_type}{end}{node}{rank_predicate}{st.rank}{end}"
                    f"{node} {ps} {value}"
                )
                if is_best:
                    block = f"{node}{best_rank}{end}{block}"
                _put_block(blocks, node, block)
            else:
                lines = [node + best_rank] if is_best else []
                lines.append(node + statement_type)
                lines.append(node + rank_predicate + st.rank)
                refs = []
                for ref in st.references:
                    ref_node = reference_nodes.get(ref)
                    if ref_node is None:
                        ref_digest = _hash("\n".join(_pair_key(kv) for kv in ref))
                        ref_node = reference_nodes[ref] = _nt(REFERENCE_BASE + ref_digest)
                        ref_lines = [ref_node + reference_type]
                        ref_lines += sorted(
                            f"{ref_node} {_reference_term(rpid)} {rvalue}" for rpid, rvalue in ref
                        )
                        _add_block(blocks, ref_node, ref_lines)
                    refs.append(node + derived + ref_node)
                lines += sorted(refs)
                lines += sorted(
                    f"{node} {_qualifier_term(qpid)} {qvalue}" for qpid, qvalue in quals
                )
                lines.append(f"{node} {ps} {value}")
                _add_block(blocks, node, lines)
            mine = entity_lines.get(subject)
            if mine is None:
                mine = entity_lines[subject] = []
            mine.append(f"{p} {node}")
            if is_best:
                mine.append(f"{wdt} {value}")
        p, ps, wdt = _property_terms("P31")
        for subject, item in self.instance_of:
            node = statement_node(subject, "P31", item, ())
            block = (
                f"{node}{best_rank}{end}{node}{statement_type}{end}"
                f"{node}{rank_predicate}{_NORMAL}{end}{node} {ps} {item}"
            )
            _put_block(blocks, node, block)
            mine = entity_lines.get(subject)
            if mine is None:
                mine = entity_lines[subject] = []
            mine += (f"{p} {node}", f"{wdt} {item}")
        entities = self.entities
        for entity in entities:
            if entity in self.links:
                entity_lines.setdefault(entity, []).append(f"{_SAME_AS} {self.links[entity]}")
        label, name = f"{_LABEL} ", f"{_NAME} "
        for entity in entities:
            values = self.g.objects(entity, _LABEL)
            if values:
                mine = entity_lines.setdefault(entity, [])
                for value in values:
                    mine += (label + value, name + value)
        for entity, parts in entity_lines.items():
            lines = [f"{entity} {part}" for part in sorted(set(parts))]
            _add_block(blocks, entity, lines)
        return blocks


def _put_block(blocks: dict[Term, str], subject: Term, block: str) -> None:
    """Store a subject's block of lines as written, unless it has one already (then merge)."""
    if subject in blocks:
        _add_block(blocks, subject, block.split(_LINE_END))
    else:
        blocks[subject] = block


def _add_block(blocks: dict[Term, str], subject: Term, lines: list[str]) -> None:
    """The subject's lines (sorted, no " ." yet); merged with lines it already has, which
    happens only if two statements' IRIs coincide."""
    found = blocks.get(subject)
    if found is not None:
        lines = sorted(set(found.split(_LINE_END)) | set(lines), key=_line_order)
    blocks[subject] = _LINE_END.join(lines)


def _line_order(line: str) -> tuple[str, str]:
    """A line "subject predicate object" by (predicate, object), rdf:type first."""
    _, predicate, rest = line.split(" ", 2)
    return ("" if predicate == _TYPE else predicate, rest)


_URL = _nt(TKG.url)
_PUBLISHER = _nt(DCTERMS.publisher)
_ISSUED = _nt(DCTERMS.issued)
_CLAIM_SUBJECT = _nt(TKG.claimSubject)
_CLAIM_PROPERTY = _nt(TKG.claimProperty)
_CLAIM_VALUE = _nt(TKG.claimValue)
_CLAIM_RANK = _nt(TKG.rank)
_LOCATED_IN = _nt(TKG.locatedIn)
_CONCERNS = _nt(TKG.concerns)
_SIGNATORY = _nt(TKG.signatory)
_FOR_PARTY = _nt(TKG.forParty)
_REALIZES = _nt(ELI.realizes)
_IS_AUTHENTIC = _nt(TKG.isAuthentic)
_LANGUAGE = _nt(ELI.language)
_DATE_DOCUMENT = _nt(ELI.date_document)
_ENTRY_DATE = _nt(ELI.first_date_entry_in_force)
_DATE = _nt(TKG.date)
_START_DATE = _nt(TKG.startDate)


def wikidata_view(data: ox.Store | Graph) -> Graph:
    """The treaty graph (ontology and data, e.g. a build's ``treatykg.ttl``) in Wikidata's RDF
    model, as an rdflib Graph: ``wdt:`` truthy triples, ``p:``/``ps:``/``pq:`` ranked
    statements with ``pr:`` references, ``owl:sameAs`` from our entities to their verified
    ``wd:`` items. Built from :func:`view_ntriples` (to inspect a small view in Python).

    The ontology is needed for ``wdt:P31`` (our classes' ``skos:exactMatch`` to Wikidata
    classes); without it the view simply has no P31 statements.
    """
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in WIKIDATA_PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in ox.parse(view_ntriples(data), format=ox.RdfFormat.N_TRIPLES):
        graph.add((_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object)))
    return graph


def _rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """The rdflib term, its lexical form kept (rdflib's parser would write dateTimes'
    "Z" as "+00:00")."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == terms.XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"the view has no blank nodes or triple terms: {term!r}")


def view_ntriples(data: ox.Store | Graph) -> bytes:
    """The Wikidata-shaped view of the published graph (a pyoxigraph Store, or an rdflib
    Graph loaded into one) as sorted N-Triples: the same bytes on every run. What
    :func:`write_view_ntriples` writes, in memory (for a small graph, or a test)."""
    out = io.BytesIO()
    write_view_ntriples(data, out)
    return out.getvalue()


def write_view_ntriples(
    data: ox.Store | Graph,
    out: BinaryIO,
    *,
    batch_size: int = BATCH_SIZE,
    budget: int | None = None,
) -> None:
    """Write the Wikidata-shaped view of the published graph (a pyoxigraph Store, or an rdflib
    Graph loaded into one) to ``out`` as sorted N-Triples, the same bytes on every run and for
    any ``batch_size``.

    The memory it takes is a batch's (``batch_size`` subjects) and the sorter's ``budget``,
    whatever the size of the dataset: the statements are assembled batch by batch in Python,
    on N-Triples strings (an rdflib Graph of the view took most of the time), and their
    blocks of lines sorted on disk when there are more than the budget holds.
    """
    store = graphstore.as_store(data)
    links = _Links.read(store)
    with graphstore.no_gc(), spill.SortedLines(budget) as blocks:
        for batch in _batches(store, batch_size):
            blocks.extend([block + " .\n" for block in _describe(links, batch).values()])
        _write_blocks(blocks.merged(), out)


#: Between the lines of a block while it is sorted (one block, one line): N-Triples escapes
#: every control character, so a NUL is never part of a line.
_SEPARATOR = "\x00"
_LINE_END = f" .{_SEPARATOR}"
#: Characters of N-Triples written to ``out`` at a time.
_WRITE_CHUNK = 1 << 20


def _describe(links: _Links, batch: _Batch) -> dict[Term, str]:
    """The blocks of a batch: the statements of its subjects, and of each treaty's events.

    A treaty's statements copy its signing's and ratifications' own statements, so those
    are made first, for every event of the treaty. An event that is itself a treaty (no
    data has one) is described in its own batch; here only its own statements are made,
    for the treaty's copies.
    """
    view = _View(links, _Triples(*batch.rows))
    g = view.g
    events = [e for t in batch.treaties for e in g.subjects(_CONCERNS, t) if e.startswith("<")]
    described = {*batch.subjects, *(e for e in events if not _is_treaty(g, e))}
    for subject in dict.fromkeys([*batch.subjects, *events]):
        _statements(view, subject)
        if subject in described:
            _instance_of(view, subject)
    for treaty in batch.treaties:
        _treaty(view, treaty)
    return view.blocks(described)


def _is_treaty(g: _Triples, subject: Term) -> bool:
    return any(g.has(subject, _TYPE, cls) for cls in _TREATIES)


def _write_blocks(blocks: Iterator[str], out: BinaryIO) -> None:
    """Write sorted blocks (a block's lines joined by " .\\x00", then " .\\n") as N-Triples.

    A subject some batches wrote lines for (an entity several batches name, a treaty's
    event under each of its treaties) has a block from each, next to each other once
    sorted: they become one block, each line once, in block order (:func:`_line_order`).
    """
    chunk: list[str] = []
    size = 0
    held, subject = "", ""
    for block in blocks:
        if block.startswith(subject) and block[len(subject)] == " ":
            if block != held:
                held = _merged_block(held, block)
            continue
        chunk.append(held)
        size += len(held)
        if size > _WRITE_CHUNK:
            out.write("".join(chunk).replace(_SEPARATOR, "\n").encode("utf-8"))
            chunk, size = [], 0
        held, subject = block, block[: block.index(" ")]
    chunk.append(held)
    out.write("".join(chunk).replace(_SEPARATOR, "\n").encode("utf-8"))


def _merged_block(block: str, other: str) -> str:
    """Two blocks of a subject as one: their lines, each once, in block order."""
    lines = {*block[:-3].split(_LINE_END), *other[:-3].split(_LINE_END)}
    return _LINE_END.join(sorted(lines, key=_line_order)) + " .\n"


def _statements(view: _View, subject: Term) -> None:
    """The statements ``subject`` has of its own: its facts, the claims about it, its country."""
    g = view.g
    normal = _NORMAL

    # Facts stated directly on our entities (the default view: preferred values only).
    props = g.out.get(subject, _NO_PROPERTIES)
    if subject.startswith(_OURS) and _CLAIM not in props.get(_TYPE, _NO_VALUES):
        for direct, direct_pid in _DIRECT.items():
            for o in props.get(direct, _NO_VALUES):
                view.add(subject, direct_pid, o, normal, view.fact_sources(subject, direct, o))

    # Ranked claims, each a statement with its own references.
    for claim in g.subjects(_CLAIM_SUBJECT, subject):
        if g.has(claim, _TYPE, _CLAIM) and g.value(claim, _CLAIM_SUBJECT) == subject:
            _claim(view, subject, claim)

    # Places: country (P17) when located directly in a State.
    for where in props.get(_LOCATED_IN, _NO_VALUES):
        if g.has(where, _TYPE, _STATE):
            sources = view.fact_sources(subject, _LOCATED_IN, where)
            view.add(subject, "P17", where, normal, sources)


def _claim(view: _View, subject: Term, claim: Term) -> None:
    """A claim about ``subject`` (its first ``tkg:claimSubject`` in term order), if it says
    what property, value and rank."""
    g = view.g
    prop = g.value(claim, _CLAIM_PROPERTY)
    value = g.value(claim, _CLAIM_VALUE)
    rank_of = g.value(claim, _CLAIM_RANK)
    rank = _RANKS.get(rank_of) if rank_of is not None else None
    pid = _DIRECT.get(prop) if prop is not None else None
    if value is None or pid is None or rank is None:
        return
    quals = tuple(
        (qpid, view.value(q))
        for qprop, qpid in _QUALIFIERS.items()
        for q in g.objects(claim, qprop)
    )
    view.add(subject, pid, value, rank, view.sources(claim), quals)


def _instance_of(view: _View, subject: Term) -> None:
    """Instance of: our classes that have an exact Wikidata match.

    (Statements without qualifiers or references, of normal and so best rank: kept apart
    from the others, which only ever add other properties, and written in one go.)
    """
    if not subject.startswith(_OURS):
        return
    for cls in view.g.objects(subject, _TYPE):
        for item in view.class_items.get(cls, ()):
            view.instance_of.add((subject, item))
            view.entities.add(subject)


def _treaty(view: _View, treaty: Term) -> None:
    """The treaty's statements that come from its events and language versions."""
    g = view.g
    normal = _NORMAL
    events = sorted(
        (e for e in g.subjects(_CONCERNS, treaty) if e.startswith("<")), key=terms.ntriples_key
    )
    signings = [e for e in events if g.has(e, _TYPE, _SIGNING)]
    for signing in signings:
        # The signing event's date and place statements, claims and ranks included.
        for value, quals, st in view.statements_of(signing, "P585"):
            view.copy(treaty, "P585", value, quals, st)
        for value, quals, st in view.statements_of(signing, "P276"):
            for pid in SIGNING_PLACE_PROPERTIES:
                view.copy(treaty, pid, value, quals, st)
        when = _first_date(g, signing)
        for person in g.objects(signing, _SIGNATORY):
            quals = (("P585", view.value(when)),) if when is not None else ()
            view.add(treaty, "P1891", person, normal, view.sources(signing), quals)
    if not signings:
        for date in g.objects(treaty, _DATE_DOCUMENT):
            view.add(treaty, "P585", date, normal, view.sources(treaty))
    for ratification in events:
        if g.has(ratification, _TYPE, _RATIFICATION):
            _ratified_by(view, treaty, ratification)
    for event in events:
        when = _first_date(g, event)
        quals = (("P585", view.value(when)),) if when is not None else ()
        view.add(treaty, "P793", event, normal, view.sources(event), quals)
        if g.has(event, _TYPE, _ENTRY_INTO_FORCE):
            # The entry-into-force event's sources are the references of the date.
            for date in g.objects(treaty, _ENTRY_DATE):
                if date == when:
                    view.add(treaty, "P7588", date, normal, view.sources(event))
    for version in g.subjects(_REALIZES, treaty):
        if g.value(version, _IS_AUTHENTIC) != _TRUE:
            continue
        for language in g.objects(version, _LANGUAGE):
            item = _LANGUAGES.get(language)
            if item is not None:
                view.add(treaty, "P407", item, normal, view.sources(version))


def _ratified_by(view: _View, treaty: Term, ratification: Term) -> None:
    """``ratified by`` (P6193) the ratification's party, one statement per date of the event's
    date statements (its ``tkg:date`` and the claims on it), each with that statement's
    references and a ``point in time`` (P585) qualifier.

    The adopted date (the event's ``tkg:date``) is preferred whatever its own rank: Wikidata
    compares the ranks of all of the treaty's P6193 statements, so a preferred date for one
    party would otherwise hide every other party from the truthy ``wdt:P6193``. Other dates
    keep their claim's rank (a deprecated one never reaches ``wdt:``)."""
    g = view.g
    adopted = g.value(ratification, _DATE)
    adopted_value = view.value(adopted) if adopted is not None else None
    dates = view.statements_of(ratification, "P585")
    for party in sorted(g.objects(ratification, _FOR_PARTY), key=terms.ntriples_key):
        state = view.value(party)
        if not dates:  # a ratification known only within bounds: no qualifier
            view.add(treaty, "P6193", party, _PREFERRED, view.sources(ratification))
        for when, quals, st in dates:
            rank = _PREFERRED if when == adopted_value else st.rank
            qualifiers = tuple(sorted((("P585", when), *quals), key=_pair_key))
            view.copy(treaty, "P6193", state, qualifiers, _Statement(rank, st.references))


@functools.cache
def _property_terms(pid: str) -> tuple[Term, Term, Term]:
    """``p:``, ``ps:`` and ``wdt:`` of a property, in N-Triples form."""
    return _nt(f"{P}{pid}"), _nt(f"{PS}{pid}"), _nt(f"{WDT}{pid}")


@functools.cache
def _qualifier_term(pid: str) -> Term:
    return _nt(f"{PQ}{pid}")


@functools.cache
def _reference_term(pid: str) -> Term:
    return _nt(f"{PR}{pid}")


def _first_date(g: _Triples, event: Term) -> Term | None:
    """The event's date, or its start date: what orders significant events."""
    return g.value(event, _DATE) or g.value(event, _START_DATE)


def _n3(term: Term) -> str:
    """rdflib's ``n3()`` of a term (what the statement and reference IRIs hash)."""
    if term.startswith(("<", "_:")):
        return term
    return _literal_n3(term)


@functools.lru_cache(maxsize=1 << 16)
def _literal_n3(term: Term) -> str:
    """Cached, and bounded: a corpus repeats its dates many times, but has no end of them."""
    lexical, language, datatype = terms.literal_parts(term)
    if language:
        literal = Literal(lexical, lang=language)
    elif datatype == terms.XSD_STRING:
        literal = Literal(lexical)
    else:
        literal = Literal(lexical, datatype=URIRef(datatype), normalize=False)
    return literal.n3()


def _pair_key(pair: tuple[str, Term]) -> str:
    return f"{pair[0]} {_n3(pair[1])}"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _slug(subject: Term) -> str:
    """Our IRI's path, dashed: the readable start of its statements' IRIs."""
    path = terms.lexical_of(subject).removeprefix(BASE)
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-").lower()


class _StatementNodes:
    """Statement IRIs ``{our IRI's path, dashed}-{PID}-{12 hex of value and qualifiers}``:
    readable and stable. Slugs and digests are cached: a corpus repeats them many times."""

    def __init__(self) -> None:
        self._slugs: dict[Term, str] = {}
        self._digests: dict[tuple[Term, Qualifiers], str] = {}

    def __call__(self, subject: Term, pid: str, value: Term, quals: Qualifiers) -> str:
        slug = self._slugs.get(subject)
        if slug is None:
            slug = self._slugs[subject] = _slug(subject)
        digest = self._digests.get((value, quals))
        if digest is None:
            text = "\n".join([_n3(value), *(_pair_key(q) for q in quals)])
            digest = self._digests[(value, quals)] = _hash(text)[:12]
        return f"<{STATEMENT_BASE}{slug}-{pid}-{digest}>"
