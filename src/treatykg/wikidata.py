"""A Wikidata-shaped view of the treaty graph, to be loaded next to a Wikidata dump.

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

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Node

from treatykg import serialize
from treatykg.namespaces import BASE, ELI, TKG, WD, WDT

P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")

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

Qualifiers = tuple[tuple[str, Node], ...]
Reference = tuple[tuple[str, Node], ...]


@dataclass
class _Statement:
    """One Wikidata statement being assembled; references are pooled on merge."""

    rank: URIRef
    references: set[Reference] = field(default_factory=set)


class _View:
    """Collects statements about our entities, then writes them in Wikidata's model."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.links = _links(graph)
        self.statements: dict[tuple[URIRef, str, Node, Qualifiers], _Statement] = {}
        self.entities: set[URIRef] = set()

    # --- terms ------------------------------------------------------------------------------

    def value(self, node: Node) -> Node:
        """A value as Wikidata writes it: linked entity → wd: item, xsd:date → dateTime."""
        if isinstance(node, URIRef):
            if _ours(node):
                self.entities.add(node)
            return self.links.get(node, node)
        if isinstance(node, Literal) and node.datatype == XSD.date:
            # normalize=False: rdflib would rewrite "Z" as "+00:00", Wikidata writes "Z".
            return Literal(f"{node}T00:00:00Z", datatype=XSD.dateTime, normalize=False)
        return node

    def sources(self, node: Node) -> set[URIRef]:
        return {s for s in self.g.objects(node, DCTERMS.source) if isinstance(s, URIRef)}

    def reference(self, source: URIRef) -> Reference:
        """pr:P854 the source's URL, pr:P248 its publisher's item if linked (else the source
        itself, by our IRI), pr:P577 its date of issue."""
        parts: list[tuple[str, Node]] = []
        for url in self.g.objects(source, TKG.url):
            parts.append(("P854", url))
        stated_in: Node = source
        for publisher in self.g.objects(source, DCTERMS.publisher):
            if publisher in self.links:
                stated_in = self.links[publisher]
        if stated_in == source:
            self.entities.add(source)
        parts.append(("P248", stated_in))
        for issued in self.g.objects(source, DCTERMS.issued):
            parts.append(("P577", self.value(issued)))
        return tuple(sorted(set(parts), key=lambda kv: (kv[0], kv[1].n3())))

    # --- statements -------------------------------------------------------------------------

    def add(
        self,
        subject: URIRef,
        pid: str,
        value: Node,
        rank: URIRef,
        sources: Iterable[URIRef],
        qualifiers: Qualifiers = (),
    ) -> None:
        """Add (or merge into) the statement subject–pid–value with these qualifiers."""
        self.entities.add(subject)
        key = (subject, pid, self.value(value), tuple(sorted(qualifiers, key=_pair_key)))
        found = self.statements.get(key)
        if found is None:
            found = self.statements[key] = _Statement(rank)
        elif _RANK_ORDER[rank] > _RANK_ORDER[found.rank]:
            found.rank = rank
        found.references.update(self.reference(s) for s in sorted(sources))

    def fact_sources(self, subject: Node, prop: URIRef, value: Node) -> set[URIRef]:
        """The sources of a direct fact. A claim with the same triple names the sources that
        state exactly this value, so those win over the resource's sources (which also
        include sources giving another, deprecated value). For a link between two of our
        resources, the sources both cite; failing that, the subject's sources."""
        claimed: set[URIRef] = set()
        for claim in self._claims(subject, prop, value):
            claimed |= self.sources(claim)
        if claimed:
            return claimed
        mine = self.sources(subject)
        shared = mine & self.sources(value) if isinstance(value, URIRef) else set()
        return shared or mine

    def _claims(self, subject: Node, prop: URIRef, value: Node) -> list[Node]:
        return [
            c
            for c in self.g.subjects(TKG.claimSubject, subject)
            if (c, TKG.claimProperty, prop) in self.g and (c, TKG.claimValue, value) in self.g
        ]

    def statements_of(self, subject: URIRef, pid: str) -> list[tuple[Node, Qualifiers, _Statement]]:
        return [
            (value, quals, st)
            for (s, p, value, quals), st in self.statements.items()
            if s == subject and p == pid
        ]

    # --- output -----------------------------------------------------------------------------

    def write(self) -> Graph:
        out = Graph(bind_namespaces="none")
        for prefix, namespace in WIKIDATA_PREFIXES.items():
            out.bind(prefix, namespace)
        best: dict[tuple[URIRef, str], URIRef] = {}
        for (subject, pid, _, _), st in self.statements.items():
            if st.rank != WIKIBASE.DeprecatedRank:
                top = best.get((subject, pid), WIKIBASE.NormalRank)
                best[(subject, pid)] = max(top, st.rank, key=_RANK_ORDER.__getitem__)
        for (subject, pid, value, quals), st in self.statements.items():
            node = URIRef(STATEMENT_BASE + _statement_slug(subject, pid, value, quals))
            out.add((subject, P[pid], node))
            out.add((node, RDF.type, WIKIBASE.Statement))
            out.add((node, PS[pid], value))
            out.add((node, WIKIBASE.rank, st.rank))
            for qpid, qvalue in quals:
                out.add((node, PQ[qpid], qvalue))
            if st.rank != WIKIBASE.DeprecatedRank and st.rank == best[(subject, pid)]:
                out.add((node, RDF.type, WIKIBASE.BestRank))
                out.add((subject, WDT[pid], value))
            for ref in st.references:
                ref_node = URIRef(REFERENCE_BASE + _hash("\n".join(_pair_key(kv) for kv in ref)))
                out.add((node, PROV.wasDerivedFrom, ref_node))
                out.add((ref_node, RDF.type, WIKIBASE.Reference))
                for rpid, rvalue in ref:
                    out.add((ref_node, PR[rpid], rvalue))
        for entity in sorted(self.entities):
            if entity in self.links:
                out.add((entity, OWL.sameAs, self.links[entity]))
            for label in self.g.objects(entity, RDFS.label):
                out.add((entity, RDFS.label, label))
                out.add((entity, SCHEMA.name, label))
        return out


def wikidata_view(graph: Graph) -> Graph:
    """The treaty graph (ontology and data, e.g. a build's ``treatykg.ttl``) in Wikidata's RDF
    model: ``wdt:`` truthy triples, ``p:``/``ps:``/``pq:`` ranked statements with ``pr:``
    references, ``owl:sameAs`` from our entities to their verified ``wd:`` items.

    The ontology is needed for ``wdt:P31`` (our classes' ``skos:exactMatch`` to Wikidata
    classes); without it the view simply has no P31 statements.
    """
    view = _View(graph)
    g = graph
    normal = WIKIBASE.NormalRank

    # Facts stated directly on our entities (the default view: preferred values only).
    for prop, pid in DIRECT_PROPERTIES.items():
        for s, o in sorted(g.subject_objects(prop)):
            if isinstance(s, URIRef) and _ours(s) and not _is_claim(g, s):
                view.add(s, pid, o, normal, view.fact_sources(s, prop, o))

    # Ranked claims, each a statement with its own references.
    for claim in sorted(g.subjects(RDF.type, TKG.Claim)):
        subject = g.value(claim, TKG.claimSubject)
        prop = g.value(claim, TKG.claimProperty)
        value = g.value(claim, TKG.claimValue)
        rank = RANKS.get(g.value(claim, TKG.rank))  # type: ignore[arg-type]
        pid = DIRECT_PROPERTIES.get(prop)  # type: ignore[arg-type]
        if not isinstance(subject, URIRef) or value is None or pid is None or rank is None:
            continue
        quals = tuple(
            (qpid, view.value(q))
            for qprop, qpid in QUALIFIER_PROPERTIES.items()
            for q in g.objects(claim, qprop)
        )
        view.add(subject, pid, value, rank, view.sources(claim), quals)

    # Instance of: our classes that have an exact Wikidata match.
    for s, cls in sorted(g.subject_objects(RDF.type)):
        if isinstance(s, URIRef) and _ours(s):
            for item in g.objects(cls, SKOS.exactMatch):
                if _QID.match(str(item)):
                    view.add(s, "P31", item, normal, ())

    # Places: country (P17) when located directly in a State.
    for place, where in sorted(g.subject_objects(TKG.locatedIn)):
        if (where, RDF.type, TKG.State) in g:
            view.add(place, "P17", where, normal, view.fact_sources(place, TKG.locatedIn, where))

    treaties = set(g.subjects(RDF.type, TKG.Treaty)) | set(
        g.subjects(RDF.type, TKG.BilateralTreaty)
    )
    for treaty in sorted(treaties):
        if isinstance(treaty, URIRef):
            _treaty(view, treaty)
    return view.write()


def _treaty(view: _View, treaty: URIRef) -> None:
    """The treaty's statements that come from its events and language versions."""
    g = view.g
    normal = WIKIBASE.NormalRank
    events = sorted(e for e in g.subjects(TKG.concerns, treaty) if isinstance(e, URIRef))
    signings = [e for e in events if (e, RDF.type, TKG.Signing) in g]
    for signing in signings:
        # The signing event's date and place statements, claims and ranks included.
        for value, quals, st in view.statements_of(signing, "P585"):
            _copy(view, treaty, "P585", value, quals, st)
        for value, quals, st in view.statements_of(signing, "P276"):
            for pid in SIGNING_PLACE_PROPERTIES:
                _copy(view, treaty, pid, value, quals, st)
        when = _first_date(g, signing)
        for person in sorted(g.objects(signing, TKG.signatory)):
            quals = (("P585", view.value(when)),) if when is not None else ()
            view.add(treaty, "P1891", person, normal, view.sources(signing), quals)
    if not signings:
        for date in g.objects(treaty, ELI.date_document):
            view.add(treaty, "P585", date, normal, view.sources(treaty))
    for event in events:
        when = _first_date(g, event)
        quals = (("P585", view.value(when)),) if when is not None else ()
        view.add(treaty, "P793", event, normal, view.sources(event), quals)
        if (event, RDF.type, TKG.EntryIntoForce) in g:
            # The entry-into-force event's sources are the references of the date.
            for date in g.objects(treaty, ELI.first_date_entry_in_force):
                if date == when:
                    view.add(treaty, "P7588", date, normal, view.sources(event))
    for version in sorted(g.subjects(ELI.realizes, treaty)):
        if g.value(version, TKG.isAuthentic) != Literal(True):
            continue
        for language in g.objects(version, ELI.language):
            item = LANGUAGE_ITEMS.get(language)  # type: ignore[call-overload]
            if item is not None:
                view.add(treaty, "P407", item, normal, view.sources(version))


def _copy(
    view: _View, subject: URIRef, pid: str, value: Node, quals: Qualifiers, st: _Statement
) -> None:
    key = (subject, pid, value, quals)
    found = view.statements.get(key)
    if found is None:
        view.statements[key] = _Statement(st.rank, set(st.references))
        view.entities.add(subject)
        return
    if _RANK_ORDER[st.rank] > _RANK_ORDER[found.rank]:
        found.rank = st.rank
    found.references |= st.references


def _first_date(g: Graph, event: Node) -> Node | None:
    """The event's date, or its start date: what orders significant events."""
    return g.value(event, TKG.date) or g.value(event, TKG.startDate)


def _links(graph: Graph) -> dict[URIRef, URIRef]:
    """Our data entities → their verified Wikidata items (``skos:exactMatch wd:Q…``)."""
    links: dict[URIRef, URIRef] = {}
    for s, o in sorted(graph.subject_objects(SKOS.exactMatch)):
        if isinstance(s, URIRef) and _ours(s) and _QID.match(str(o)):
            links[s] = URIRef(o)
    return links


def _ours(node: URIRef) -> bool:
    """A data resource of treatykg (not a vocabulary term, which lives under def#)."""
    iri = str(node)
    return iri.startswith((f"{BASE}id/", f"{BASE}eli/"))


def _is_claim(g: Graph, node: Node) -> bool:
    return (node, RDF.type, TKG.Claim) in g


def _pair_key(pair: tuple[str, Node]) -> str:
    return f"{pair[0]} {pair[1].n3()}"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _statement_slug(subject: URIRef, pid: str, value: Node, quals: Qualifiers) -> str:
    """``{our IRI's path, dashed}-{PID}-{12 hex of value and qualifiers}``: readable, stable."""
    path = str(subject).removeprefix(BASE)
    local = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-").lower()
    digest = _hash("\n".join([value.n3(), *(_pair_key(q) for q in quals)]))[:12]
    return f"{local}-{pid}-{digest}"


def view_ntriples(graph: Graph) -> bytes:
    """The view of ``graph`` as sorted N-Triples: the same bytes on every run."""
    return serialize.ntriples(wikidata_view(graph))
