"""Linking treatykg to Wikidata: SSSOM mappings, QuickStatements, and what is still unlinked.

Four text exports, all computed from one graph (the ontology plus the data, as in the release's
``treatykg.ttl``) and all sorted, so the same graph always gives byte-identical output:

- :func:`sssom_table`: every link we assert to Wikidata (entities and ontology terms) as an
  SSSOM TSV, so mapping tools can consume our alignments without parsing RDF.
- :func:`quickstatements`: the few statements Wikidata could take from us. Only statements
  whose subject *and* item value are items our data links with ``skos:exactMatch`` (and that
  treaty-facts.md therefore marks verified) qualify, each with a reference from our sources.
  The treaty itself has no verified QID, so none of its facts qualify; we never emit ``CREATE``.
- :func:`unmatched` and :func:`mixnmatch_catalogue`: our entities without a verified QID, for
  people who want to find or create the matching Wikidata items by hand (Mix'n'match).

Nothing here looks anything up on Wikidata: a QID we do not already hold is never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from treatykg.namespaces import BASE, TKG, WD, WDT

__all__ = [
    "MAPPING_SET_ID",
    "mixnmatch_catalogue",
    "quickstatements",
    "sssom_table",
    "unmatched",
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

# The mapping predicates we export, in the order SSSOM readers expect to find them.
_MAPPING_PREDICATES: tuple[URIRef, ...] = (
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
)

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


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _curie(iri: Node) -> str:
    """The CURIE of ``iri`` under :data:`CURIE_MAP`, longest namespace first (``tkg`` beats
    ``treatykg`` for ``…/def#X``), or the IRI itself when no prefix fits."""
    text = str(iri)
    for prefix, namespace in sorted(CURIE_MAP.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def _qid(iri: Node) -> str | None:
    """``Q423`` for ``wd:Q423``; None for anything that is not a Wikidata item IRI."""
    text = str(iri)
    if isinstance(iri, URIRef) and text.startswith(str(WD)):
        local = text[len(str(WD)) :]
        if _QID.match(local):
            return local
    return None


def _english_label(graph: Graph, node: Node) -> str:
    """The ``@en`` label (the data rules require exactly one); the smallest if there are more,
    so the output stays deterministic even for odd input."""
    labels = sorted(
        str(o)
        for o in graph.objects(node, RDFS.label)
        if isinstance(o, Literal) and o.language == "en"
    )
    return labels[0] if labels else ""


def _cell(text: str) -> str:
    """A TSV cell: tabs and newlines would break the row, so they become spaces."""
    return re.sub(r"[\t\r\n]+", " ", text).strip()


def _tsv(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = ["\t".join(header)]
    lines.extend("\t".join(_cell(c) for c in row) for row in rows)
    return "\n".join(lines) + "\n"


def _verified_items(graph: Graph) -> dict[URIRef, str]:
    """Our resources linked by ``skos:exactMatch`` to a Wikidata item. The data rules allow such
    a link only to items treaty-facts.md §3 marks verified, so this *is* the verified list."""
    found: dict[URIRef, str] = {}
    for subject, obj in graph.subject_objects(SKOS.exactMatch):
        qid = _qid(obj)
        if (
            qid
            and isinstance(subject, URIRef)
            and str(subject).startswith(BASE)
            and not str(subject).startswith(str(TKG))
        ):
            found[subject] = min(qid, found.get(subject, qid), key=lambda q: int(q[1:]))
    return found


def _version(graph: Graph) -> str | None:
    for ontology in sorted(graph.subjects(RDF.type, OWL.Ontology)):
        for value in sorted(graph.objects(ontology, OWL.versionInfo)):
            return str(value)
    return None


# --------------------------------------------------------------------------------------------
# SSSOM
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Mapping:
    """One row of the SSSOM table (as full IRIs, so callers can compare it with the graph)."""

    subject: str
    predicate: str
    object: str


def wikidata_mappings(graph: Graph) -> list[Mapping]:
    """Every link in ``graph`` from one of our IRIs (data or vocabulary) to a Wikidata item
    (``wd:``) or property (``wdt:``) by a mapping predicate, sorted. Links to other vocabularies
    (schema.org, ELI…) are left out: this mapping set is about Wikidata only."""
    rows: set[Mapping] = set()
    for predicate in _MAPPING_PREDICATES:
        for subject, obj in graph.subject_objects(predicate):
            if not (isinstance(subject, URIRef) and str(subject).startswith(BASE)):
                continue
            if not isinstance(obj, URIRef):
                continue
            if str(obj).startswith(str(WD)) or str(obj).startswith(str(WDT)):
                rows.add(Mapping(str(subject), str(predicate), str(obj)))
    return sorted(rows)


def sssom_table(graph: Graph) -> str:
    """An SSSOM/TSV file of :func:`wikidata_mappings`, with the YAML metadata block as ``#``
    lines. ``object_label`` stays empty unless the graph itself labels the Wikidata term: we do
    not hold Wikidata's labels and will not make them up."""
    header = [
        "curie_map:",
        *(f"  {prefix}: {namespace}" for prefix, namespace in sorted(CURIE_MAP.items())),
        f"mapping_set_id: {MAPPING_SET_ID}",
    ]
    version = _version(graph)
    if version:
        header.append(f'mapping_set_version: "{version}"')
    header += [
        "mapping_set_title: treatykg links to Wikidata items and properties",
        "mapping_set_description: Links from treatykg entities and ontology terms to Wikidata,"
        " restricted to the QIDs and PIDs that the project's fact sheet marks verified.",
        f"license: {LICENSE}",
    ]
    rows = []
    for m in wikidata_mappings(graph):
        subject, obj = URIRef(m.subject), URIRef(m.object)
        kind = "ontology term" if m.subject.startswith(str(TKG)) else "entity"
        rows.append(
            (
                _curie(subject),
                _english_label(graph, subject),
                _curie(URIRef(m.predicate)),
                _curie(obj),
                _english_label(graph, obj),
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


def _date(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    values = sorted(
        str(o)
        for o in graph.objects(node, predicate)
        if isinstance(o, Literal) and o.datatype == XSD.date
    )
    return values[0] if len(values) == 1 else None


def candidate_statements(graph: Graph) -> list[Statement]:
    """The statements of :func:`quickstatements`, before references are attached.

    Item values: see ``_ITEM_PROPERTIES``. Dates: an event known only to have begun within one
    calendar year (``tkg:notBefore`` 1 January, ``tkg:notAfter`` 31 December of the same year;
    both bound the beginning, per alignments.ttl) gets a year-precision P580 (start time); an
    exact ``tkg:date`` or ``tkg:startDate`` gets P585 / P580 to the day. Strings: none — labels
    are not statements and QuickStatements cannot attach a reference to them.
    """
    verified = _verified_items(graph)
    found: set[Statement] = set()
    for subject, qid in verified.items():
        for predicate, (pid, value_class) in _ITEM_PROPERTIES.items():
            for value in graph.objects(subject, predicate):
                value_qid = verified.get(value) if isinstance(value, URIRef) else None
                if value_qid is None or value_qid == qid:
                    continue
                if value_class is not None and (value, RDF.type, value_class) not in graph:
                    continue
                found.add(Statement(qid, pid, value_qid, str(subject)))
        for predicate, pid in ((TKG.date, "P585"), (TKG.startDate, "P580")):
            day = _date(graph, subject, predicate)
            if day:
                found.add(Statement(qid, pid, _qs_time(day, 11), str(subject)))
        earliest = _date(graph, subject, TKG.notBefore)
        latest = _date(graph, subject, TKG.notAfter)
        if (
            earliest
            and latest
            and earliest[:4] == latest[:4]
            and earliest[4:] == "-01-01"
            and latest[4:] == "-12-31"
            and _date(graph, subject, TKG.startDate) is None
        ):
            found.add(Statement(qid, "P580", _qs_time(earliest, 9), str(subject)))
    return sorted(found)


def _references(graph: Graph, evidence: URIRef) -> list[list[tuple[str, str]]]:
    """One reference (a list of QuickStatements source pairs) per source of ``evidence`` that we
    can cite: ``S854`` for its URL, ``S577`` for its publication date, ``S248`` if the source
    itself has a QID, ``S143`` (imported from Wikimedia project) if a Wikipedia with a verified
    QID published it. A source with none of these (no URL, unidentified publisher) is skipped,
    and so is a source on wikidata.org, which would make Wikidata cite itself. ``S813``
    (retrieved) is never given: our sources do not record when they were read."""
    verified = _verified_items(graph)
    references = []
    for source in sorted(graph.objects(evidence, DCTERMS.source)):
        pairs: list[tuple[str, str]] = []
        urls = sorted(str(u) for u in graph.objects(source, TKG.url))
        if any("wikidata.org" in u for u in urls):
            continue
        pairs += [("S854", f'"{u}"') for u in urls]
        own = verified.get(source) if isinstance(source, URIRef) else None
        if own:
            pairs.append(("S248", own))
        for publisher in sorted(graph.objects(source, DCTERMS.publisher)):
            publisher_qid = verified.get(publisher) if isinstance(publisher, URIRef) else None
            if publisher_qid and (publisher, TKG.organisationKind, _WIKIMEDIA_KIND) in graph:
                pairs.append(("S143", publisher_qid))
        if not pairs:
            continue
        issued = _date(graph, source, DCTERMS.issued)
        if issued:
            pairs.append(("S577", _qs_time(issued, 11)))
        references.append(pairs)
    return references


def quickstatements(graph: Graph) -> str:
    """QuickStatements V1 commands (tab-separated, one statement and one reference per line;
    QuickStatements adds a repeated statement's further references to the same claim).

    Statements without a citable reference are dropped rather than sent unreferenced."""
    lines: list[str] = []
    for statement in candidate_statements(graph):
        for pairs in _references(graph, URIRef(statement.evidence)):
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


def _types(graph: Graph, node: URIRef) -> list[URIRef]:
    return sorted(t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef))


def _type_name(graph: Graph, node: URIRef) -> str:
    """The CURIEs of the entity's classes, e.g. ``tkg:Person``."""
    return " ".join(_curie(t) for t in _types(graph, node))


def unmatched_entities(graph: Graph) -> list[URIRef]:
    """Typed resources under ``id/`` or ``eli/`` with no ``skos:exactMatch`` to a Wikidata item."""
    verified = _verified_items(graph)
    prefixes = (f"{BASE}id/", f"{BASE}eli/")
    return sorted(
        s
        for s in set(graph.subjects(RDF.type, None))
        if isinstance(s, URIRef) and str(s).startswith(prefixes) and s not in verified
    )


def unmatched(graph: Graph) -> str:
    """TSV of :func:`unmatched_entities`: IRI, class, English label and why there is no QID, so
    the gaps in our linking are visible and can be worked through."""
    rows = (
        (
            str(node),
            _type_name(graph, node),
            _english_label(graph, node),
            _REASONS.get(_kind(str(node)), _DEFAULT_REASON),
        )
        for node in unmatched_entities(graph)
    )
    return _tsv(UNMATCHED_COLUMNS, rows)


def _class_qid(graph: Graph, node: URIRef) -> str:
    """The Wikidata class of ``node``: the QID its most specific class is ``skos:exactMatch``ed
    to (tkg:BilateralTreaty → Q9557810 rather than tkg:Treaty → Q131569), else empty. Classes
    are only ever linked to verified QIDs (alignments.ttl), so no unverified type slips in; an
    unlinked class (tkg:Person: Q5 is not in the verified list) leaves the type empty."""
    classes = _types(graph, node)
    linked = {c: q for c in classes for q in map(_qid, graph.objects(c, SKOS.exactMatch)) if q}
    specific = [
        c
        for c in linked
        if not any((other, RDFS.subClassOf, c) in graph for other in linked if other != c)
    ]
    return min((linked[c] for c in specific), key=lambda q: int(q[1:]), default="")


def _description(graph: Graph, node: URIRef) -> str:
    """Type plus the English description if any, cut to one line of at most 250 characters."""
    text = ", ".join(str(t).rsplit("#", 1)[-1] for t in _types(graph, node))
    descriptions = sorted(
        str(o)
        for o in graph.objects(node, DCTERMS.description)
        if isinstance(o, Literal) and o.language == "en"
    )
    if descriptions:
        text = f"{text}: {descriptions[0]}"
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


def _rows_for_catalogue(graph: Graph) -> Iterator[tuple[str, str, str, str, str]]:
    for node in unmatched_entities(graph):
        if _kind(str(node)) not in MATCHABLE_KINDS:
            continue
        iri = str(node)
        yield (
            iri[len(BASE) :],
            _english_label(graph, node) or iri[len(BASE) :],
            _description(graph, node),
            _class_qid(graph, node),
            iri,
        )


def mixnmatch_catalogue(graph: Graph) -> str:
    """A Mix'n'match import file (TSV with the recognised headers id, name, description, type,
    url) of the :func:`unmatched_entities` of a :data:`MATCHABLE_KINDS` kind, so Wikidata
    editors can match them to existing items."""
    return _tsv(MIXNMATCH_COLUMNS, _rows_for_catalogue(graph))
