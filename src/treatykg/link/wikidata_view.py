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
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

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
_EXACT = _nt(SKOS.exactMatch)
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

# The properties the view reads, and those it also looks up by object.
_READ = (
    RDF.type,
    SKOS.exactMatch,
    DCTERMS.source,
    DCTERMS.publisher,
    DCTERMS.issued,
    TKG.url,
    TKG.claimSubject,
    TKG.claimProperty,
    TKG.claimValue,
    TKG.rank,
    TKG.locatedIn,
    TKG.concerns,
    TKG.signatory,
    TKG.forParty,
    TKG.isAuthentic,
    ELI.realizes,
    ELI.language,
    ELI.date_document,
    *DIRECT_PROPERTIES,
    *QUALIFIER_PROPERTIES,
)
_BY_OBJECT = frozenset({_nt(TKG.claimSubject), _nt(TKG.concerns), _nt(ELI.realizes)})


def _read_query(predicates: Iterable[URIRef]) -> str:
    """Every triple of these properties (``link/queries/triples-with.rq``)."""
    values = " ".join(_nt(p) for p in dict.fromkeys(predicates))
    return catalogue.internal("treatykg.link", "triples-with", PROPERTIES=values)


# Read in two parts of about the same size, evaluated side by side (see _View).
_READ_QUERIES = (
    _read_query([RDF.type, DCTERMS.source]),
    _read_query(p for p in _READ if p not in (RDF.type, DCTERMS.source)),
)
_LABELS_QUERY = catalogue.internal("treatykg.link", "labels")
# Only these are iterated property by property; the rest is looked up by subject.
_PAIRS = frozenset({_TYPE, _EXACT, _nt(TKG.locatedIn), *(_nt(p) for p in DIRECT_PROPERTIES)})


class _Triples:
    """The triples of the properties the view reads (:data:`_READ`), read with two queries
    over the whole graph and indexed by subject and property (and by object for
    ``tkg:claimSubject``, ``tkg:concerns``, ``eli:realizes``)."""

    def __init__(self) -> None:
        self.out: dict[Term, dict[Term, list[Term]]] = {}
        self.into: dict[Term, dict[Term, list[Term]]] = {p: {} for p in _BY_OBJECT}
        self.by_predicate: dict[Term, list[tuple[Term, Term]]] = {}

    def add(self, columns: list[list[Term]]) -> None:
        """Index the rows of a query (subject, property and object columns)."""
        subjects, predicates, objects = columns or ([], [], [])
        for s, p, o in zip(subjects, predicates, objects, strict=True):
            props = self.out.get(s)
            if props is None:
                props = self.out[s] = {}
            values = props.get(p)
            if values is None:
                props[p] = [o]
            else:
                values.append(o)
            if p in _PAIRS:
                pairs = self.by_predicate.get(p)
                if pairs is None:
                    self.by_predicate[p] = [(s, o)]
                else:
                    pairs.append((s, o))
            elif p in _BY_OBJECT:
                self.into[p].setdefault(o, []).append(s)

    def objects(self, subject: Term, prop: Term) -> list[Term]:
        return self.out.get(subject, {}).get(prop, [])

    def value(self, subject: Term, prop: Term) -> Term | None:
        """One value (rdflib's ``Graph.value``): the first in term order if there are more."""
        values = self.objects(subject, prop)
        if not values:
            return None
        return values[0] if len(values) == 1 else min(values, key=terms.ntriples_key)

    def has(self, subject: Term, prop: Term, value: Term) -> bool:
        return value in self.objects(subject, prop)

    def subjects(self, prop: Term, value: Term) -> list[Term]:
        return self.into[prop].get(value, [])

    def pairs(self, prop: Term) -> list[tuple[Term, Term]]:
        return self.by_predicate.get(prop, [])


@dataclass
class _Statement:
    """One Wikidata statement being assembled; references are pooled on merge."""

    rank: Term
    references: set[Reference] = field(default_factory=set)


class _View:
    """Collects statements about our entities, then writes them in Wikidata's model."""

    def __init__(self, store: ox.Store) -> None:
        # Three queries, two at a time while this thread indexes what has arrived: the
        # store evaluates a query without holding the GIL.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="treatykg-sparql") as pool:
            first, second = (
                pool.submit(graphstore.select_columns, store, query) for query in _READ_QUERIES
            )
            labels = pool.submit(graphstore.select_columns, store, _LABELS_QUERY)
            self.g = _Triples()
            self.g.add(first.result())
            self.g.add(second.result())
            self.labels = labels.result() or [[], []]
        self.links = _links(self.g)
        self.claims = {s for s, o in self.g.pairs(_TYPE) if o == _CLAIM}
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

    def ntriples(self) -> bytes:
        """The view as N-Triples, in the order :func:`treatykg.rdf.serialize.ntriples` writes: by
        subject, predicate (``rdf:type`` first) and object, each in N-Triples form.

        The lines are written subject by subject instead of being sorted all together (a
        sort of 800k long lines was most of the time at a million triples): a statement
        node's lines have a fixed predicate order, and only the subjects, and the few lines
        of each of our entities, are sorted. Subjects are IRIs, which never contain ``>``
        or a space, so sorting them and then their lines gives the order of whole lines.
        """
        best: dict[tuple[Term, str], Term] = {}
        for (subject, pid, _, _), st in self.statements.items():
            if st.rank != _DEPRECATED:
                top = best.get((subject, pid), _NORMAL)
                best[(subject, pid)] = max(top, st.rank, key=_ORDER.__getitem__)
        # Predicate order on a statement node: rdf:type (BestRank < Statement), then
        # wikibase:rank < prov:wasDerivedFrom < pq: < ps:, as their IRIs sort.
        best_rank = f" {_TYPE} {_nt(WIKIBASE.BestRank)}"
        statement_type = f" {_TYPE} {_nt(WIKIBASE.Statement)}"
        rank_predicate = f" {_nt(WIKIBASE.rank)} "
        derived = f" {_nt(PROV.wasDerivedFrom)} "
        reference_type = f" {_TYPE} {_nt(WIKIBASE.Reference)}"
        blocks: dict[Term, str] = {}  # subject → its lines, in order
        entity_lines: dict[Term, list[str]] = {}  # our entities' "predicate object" parts
        reference_nodes: dict[Reference, Term] = {}
        statement_node = _StatementNodes()
        for (subject, pid, value, quals), st in self.statements.items():
            p, ps, wdt = _property_terms(pid)
            node = statement_node(subject, pid, value, quals)
            is_best = st.rank != _DEPRECATED and st.rank == best[(subject, pid)]
            if not st.references and not quals:  # most statements (instance of): one string
                block = (
                    f"{node}{statement_type} .\n{node}{rank_predicate}{st.rank} .\n"
                    f"{node} {ps} {value}"
                )
                if is_best:
                    block = f"{node}{best_rank} .\n{block}"
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
                f"{node}{best_rank} .\n{node}{statement_type} .\n"
                f"{node}{rank_predicate}{_NORMAL} .\n{node} {ps} {item}"
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
        get = entity_lines.get
        for entity, value in zip(*self.labels, strict=True):
            if entity in entities:
                mine = get(entity)
                if mine is None:
                    mine = entity_lines[entity] = []
                mine += (label + value, name + value)
        for entity, parts in entity_lines.items():
            lines = [f"{entity} {part}" for part in sorted(set(parts))]
            _add_block(blocks, entity, lines)
        if not blocks:
            return b""
        ordered = [blocks[subject] for subject in sorted(blocks)]
        ordered.append("")  # the last line's " .\n"
        return " .\n".join(ordered).encode("utf-8")


def _put_block(blocks: dict[Term, str], subject: Term, block: str) -> None:
    """Store a subject's block of lines as written, unless it has one already (then merge)."""
    if subject in blocks:
        _add_block(blocks, subject, block.split(" .\n"))
    else:
        blocks[subject] = block


def _add_block(blocks: dict[Term, str], subject: Term, lines: list[str]) -> None:
    """The subject's lines (sorted, no " ." yet); merged with lines it already has, which
    happens only if two statements' IRIs coincide."""
    found = blocks.get(subject)
    if found is not None:
        lines = sorted(set(found.split(" .\n")) | set(lines), key=_line_order)
    blocks[subject] = " .\n".join(lines)


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
    Graph loaded into one) as sorted N-Triples: the same bytes on every run.

    One query reads the triples of the properties the view uses (:class:`_Triples`); the
    statements are assembled in Python as before, on N-Triples strings, and written as sorted
    N-Triples lines directly (an rdflib Graph of the view took most of the time).
    """
    with graphstore.no_gc():
        view = _View(graphstore.as_store(data))
        _statements(view)
        return view.ntriples()


def _statements(view: _View) -> None:
    g = view.g
    normal = _NORMAL

    # Facts stated directly on our entities (the default view: preferred values only).
    for direct, direct_pid in _DIRECT.items():
        for s, o in g.pairs(direct):
            if s.startswith(_OURS) and s not in view.claims:
                view.add(s, direct_pid, o, normal, view.fact_sources(s, direct, o))

    # Ranked claims, each a statement with its own references.
    for claim in view.claims:
        subject = g.value(claim, _CLAIM_SUBJECT)
        prop = g.value(claim, _CLAIM_PROPERTY)
        value = g.value(claim, _CLAIM_VALUE)
        rank_of = g.value(claim, _CLAIM_RANK)
        rank = _RANKS.get(rank_of) if rank_of is not None else None
        pid = _DIRECT.get(prop) if prop is not None else None
        if subject is None or not subject.startswith("<") or value is None:
            continue
        if pid is None or rank is None:
            continue
        quals = tuple(
            (qpid, view.value(q))
            for qprop, qpid in _QUALIFIERS.items()
            for q in g.objects(claim, qprop)
        )
        view.add(subject, pid, value, rank, view.sources(claim), quals)

    # Instance of: our classes that have an exact Wikidata match.
    class_items = {
        cls: [i for i in g.objects(cls, _EXACT) if i.startswith("<") and _QID.match(i[1:-1])]
        for cls in {o for _, o in g.pairs(_TYPE)}
    }
    # (Statements without qualifiers or references, of normal and so best rank: kept apart
    # from the others, which only ever add other properties, and written in one go.)
    for s, cls in g.pairs(_TYPE):
        if s.startswith(_OURS):
            for item in class_items[cls]:
                view.instance_of.add((s, item))
                view.entities.add(s)

    # Places: country (P17) when located directly in a State.
    for place, where in g.pairs(_LOCATED_IN):
        if g.has(where, _TYPE, _STATE):
            view.add(place, "P17", where, normal, view.fact_sources(place, _LOCATED_IN, where))

    treaties = {s for s, o in g.pairs(_TYPE) if o in _TREATIES and s.startswith("<")}
    for treaty in sorted(treaties, key=terms.ntriples_key):
        _treaty(view, treaty)


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


def _links(g: _Triples) -> dict[Term, Term]:
    """Our data entities → their verified Wikidata items (``skos:exactMatch wd:Q…``); of
    several, the last in term order (as the view always took)."""
    links: dict[Term, Term] = {}
    pairs = [(s, o) for s, o in g.pairs(_EXACT) if s.startswith(_OURS) and o.startswith("<")]
    for s, o in sorted(
        pairs, key=lambda pair: (terms.ntriples_key(pair[0]), terms.ntriples_key(pair[1]))
    ):
        if _QID.match(o[1:-1]):
            links[s] = o
    return links


_N3: dict[Term, str] = {}


def _n3(term: Term) -> str:
    """rdflib's ``n3()`` of a term (what the statement and reference IRIs hash)."""
    if term.startswith(("<", "_:")):
        return term
    found = _N3.get(term)
    if found is None:
        lexical, language, datatype = terms.literal_parts(term)
        if language:
            literal = Literal(lexical, lang=language)
        elif datatype == terms.XSD_STRING:
            literal = Literal(lexical)
        else:
            literal = Literal(lexical, datatype=URIRef(datatype), normalize=False)
        found = _N3[term] = literal.n3()
    return found


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
