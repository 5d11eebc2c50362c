"""The Wikidata-shaped view answers Wikidata-style SPARQL about the treaty.

Why these tests: the view exists so that someone who loads it next to a Wikidata dump can ask
with ``wdt:``/``p:``/``ps:``/``pq:``/``pr:`` and ``wikibase:rank`` as they would on the Wikidata
Query Service. So each test runs a query from ``tests/wikidata_queries/`` (written as Wikidata
users write them) on pyoxigraph and checks the answers against what our data holds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import SKOS

from locations import TESTS
from treatykg.link.wikidata_view import WIKIDATA_PREFIXES, view_ntriples, wikidata_view
from treatykg.rdf.load import parse_file
from wikidata_ids import verified_pids, verified_qids

QUERIES = TESTS / "wikidata_queries"
WD = "http://www.wikidata.org/entity/"
TREATY = "https://w3id.org/treatykg/eli/treaty/2024/csp"

# The only Wikidata items the project may use: treaty-facts.md §3, each verified in a source.
#: The verified QIDs, each with its source (tests/wikidata_verified.tsv).
VERIFIED_ITEMS: dict[str, str] = verified_qids()


@pytest.fixture(scope="module")
def source_graph(release: Path) -> Graph:
    """The released ontology and data, as rdflib reads them."""
    graph = Graph()
    for s, p, o, _ in parse_file(release / "treatykg.ttl"):
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def view(source_graph: Graph) -> Graph:
    return wikidata_view(source_graph)


@pytest.fixture(scope="module")
def store(view: Graph) -> ox.Store:
    """The view in pyoxigraph, loaded from its published N-Triples."""
    store = ox.Store()
    store.load(view_ntriples_of(view), format=ox.RdfFormat.N_TRIPLES)
    return store


def view_ntriples_of(view: Graph) -> bytes:
    from treatykg.rdf import serialize

    return serialize.ntriples(view)


def run(store: ox.Store, name: str) -> list[dict[str, str]]:
    """Run ``tests/wikidata_queries/{name}.rq``; each row maps a variable to its value."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    results = store.query(text)
    assert isinstance(results, ox.QuerySolutions)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def test_every_query_file_states_its_question() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# question: "), path.name


def test_signatories(store: ox.Store) -> None:
    rows = run(store, "signatories")
    assert {r["signatory"] for r in rows} == {f"{WD}Q7747", f"{WD}Q56226"}
    labels = {r.get("signatoryLabel") for r in rows}
    assert {"Vladimir Putin", "Kim Jong Un"} <= labels


def test_preferred_signing_date(store: ox.Store) -> None:
    rows = run(store, "signing_date")
    assert [r["date"] for r in rows] == ["2024-06-19T00:00:00Z"]


def test_signing_date_statements_with_ranks_and_references(store: ox.Store) -> None:
    rows = run(store, "signing_date_statements")
    ranks = {(r["date"], r["rank"]) for r in rows}
    assert ranks == {
        ("2024-06-19T00:00:00Z", "http://wikiba.se/ontology#PreferredRank"),
        ("2024-06-18T00:00:00Z", "http://wikiba.se/ontology#DeprecatedRank"),
    }
    urls = {date: {r["url"] for r in rows if r["date"] == date and "url" in r} for date, _ in ranks}
    # 19 June: KCNA (via KCNA Watch) among the references; 18 June: English Wikipedia.
    assert any("kcnawatch.org" in u for u in urls["2024-06-19T00:00:00Z"])
    assert any("en.wikipedia.org" in u for u in urls["2024-06-18T00:00:00Z"])
    assert not any("wikipedia.org" in u for u in urls["2024-06-19T00:00:00Z"])
    stated_in = {r["statedIn"] for r in rows if r["date"].startswith("2024-06-18")}
    # Both Wikipedias, as their verified items (our source data links the publishers).
    assert {f"{WD}Q328", f"{WD}Q8447"} <= stated_in


def test_deprecated_value_has_no_truthy_triple(view: Graph) -> None:
    text = view_ntriples_of(view).decode()
    truthy = f"<{TREATY}> <http://www.wikidata.org/prop/direct/P585> "
    lines = [line for line in text.splitlines() if line.startswith(truthy)]
    assert len(lines) == 1
    assert '"2024-06-19T00:00:00Z"' in lines[0]


def test_replaces(store: ox.Store) -> None:
    rows = run(store, "replaces")
    assert {r["replaced"] for r in rows} == {
        "https://w3id.org/treatykg/eli/treaty/2000/fgnc",
        "https://w3id.org/treatykg/eli/treaty/1961/fcma",
    }


def test_significant_events_in_date_order(store: ox.Store) -> None:
    rows = run(store, "significant_events")
    events = [r["event"].rsplit("/", 1)[1] for r in rows]
    assert "2024-06-19-signing" in events
    assert "2024-12-04-entry-into-force" in events
    dated = [r["date"] for r in rows if "date" in r]
    assert dated == sorted(dated)
    assert events.index("2024-06-17-decree-authorising-signature") < events.index(
        "2024-06-19-signing"
    )
    assert events.index("2024-06-19-signing") < events.index("2024-12-04-entry-into-force")


def test_linked_items_are_all_verified(store: ox.Store, source_graph: Graph) -> None:
    rows = run(store, "linked_items")
    items = {r["item"].removeprefix(WD) for r in rows}
    assert {"Q423", "Q159", "Q7747", "Q56226", "Q18808"} <= items
    unverified = items - VERIFIED_ITEMS.keys()
    assert not unverified, unverified
    # The same holds for our data's own skos:exactMatch links.
    exact = {
        str(o).removeprefix(WD)
        for o in source_graph.objects(None, SKOS.exactMatch)
        if str(o).startswith(WD)
    }
    assert items <= exact
    assert not exact - VERIFIED_ITEMS.keys()


def test_every_wd_iri_in_the_view_is_verified(view: Graph) -> None:
    text = view_ntriples_of(view).decode()
    written = set(re.findall(r"<http://www\.wikidata\.org/entity/(Q[0-9]+)>", text))
    assert written
    assert not written - VERIFIED_ITEMS.keys()


def test_every_property_in_the_view_is_verified(view: Graph) -> None:
    """Properties too: a plausible but wrong PID states something else on Wikidata."""
    text = view_ntriples_of(view).decode()
    kinds = "(?:direct/|statement/|qualifier/|reference/)?"
    written = set(re.findall(rf"<http://www\.wikidata\.org/prop/{kinds}(P[0-9]+)>", text))
    assert "P6193" in written
    assert not written - verified_pids().keys()


def test_deterministic_and_no_blank_nodes(source_graph: Graph, view: Graph) -> None:
    first = view_ntriples(source_graph)
    second = view_ntriples(source_graph)
    assert first == second
    assert b"_:" not in first
    assert not any(isinstance(t, BNode) for triple in view for t in triple)


def test_prefixes_are_wikidata_s() -> None:
    assert WIKIDATA_PREFIXES["wdt"] == "http://www.wikidata.org/prop/direct/"
    assert WIKIDATA_PREFIXES["ps"] == "http://www.wikidata.org/prop/statement/"
    assert WIKIDATA_PREFIXES["wikibase"] == "http://wikiba.se/ontology#"


def test_a_store_gives_the_graph_s_view(source_graph: Graph) -> None:
    """The build hands the view a pyoxigraph Store; a Graph is loaded into one."""
    from treatykg.rdf import serialize

    store = ox.Store()
    store.load(serialize.ntriples(source_graph), format=ox.RdfFormat.N_TRIPLES)
    assert view_ntriples(store) == view_ntriples(source_graph)


def test_a_generated_corpus_answers_wikidata_style_questions(tmp_path: Path) -> None:
    """Five synthetic treaties: each has one truthy signing date (the preferred claim) and a
    deprecated one, two signatories, and no Wikidata item but the verified class items."""
    from generated_corpus import generate, published

    _, corpus = published(generate(tmp_path, treaties=5))
    text = view_ntriples(corpus)
    store = ox.Store()
    store.load(text, format=ox.RdfFormat.N_TRIPLES)
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in WIKIDATA_PREFIXES.items())

    def count(where: str) -> int:
        (row,) = store.query(f"{prefixes}SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(row[0].value)

    assert count("?treaty wdt:P585 ?date ; wdt:P31 ?class") == 5
    treaties = 'FILTER(STRSTARTS(STR(?treaty), "https://w3id.org/treatykg/eli/"))'
    deprecated = count(f"?treaty p:P585 ?s . ?s wikibase:rank wikibase:DeprecatedRank {treaties}")
    assert deprecated == 5
    assert count("?treaty wdt:P1891 ?person") == 10
    assert count("?s a wikibase:Statement FILTER NOT EXISTS { ?s wikibase:rank ?r }") == 0
    written = set(re.findall(r"<http://www\.wikidata\.org/entity/(Q[0-9]+)>", text.decode()))
    assert written and not written - VERIFIED_ITEMS.keys()


# ------------------------------------------------------------------------------------------
# Ratifications: ratified by (P6193) each state, with the date of its ratification (P585)
# ------------------------------------------------------------------------------------------

XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
WIKIBASE = "http://wikiba.se/ontology#"
STATEMENT = ox.NamedNode(f"{WIKIBASE}Statement")
BEST_RANK = ox.NamedNode(f"{WIKIBASE}BestRank")
REFERENCE = ox.NamedNode(f"{WIKIBASE}Reference")
RANK = ox.NamedNode(f"{WIKIBASE}rank")
PREFERRED = ox.NamedNode(f"{WIKIBASE}PreferredRank")
NORMAL = ox.NamedNode(f"{WIKIBASE}NormalRank")
DEPRECATED = ox.NamedNode(f"{WIKIBASE}DeprecatedRank")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
RUSSIA = ox.NamedNode(f"{WD}Q159")
NORTH_KOREA = ox.NamedNode(f"{WD}Q423")
ENGLISH_WIKIPEDIA = ox.NamedNode(f"{WD}Q328")
SOURCE = "https://w3id.org/treatykg/id/source/"
ENWIKI_ARTICLE = ox.NamedNode(
    "https://en.wikipedia.org/wiki/"
    "North_Korean%E2%80%93Russian_Treaty_on_Comprehensive_Strategic_Partnership"
)

Pairs = frozenset[tuple[ox.NamedNode, object]]


def prop(kind: str, pid: str) -> ox.NamedNode:
    """``p:``, ``ps:``, ``pq:``, ``pr:`` or ``wdt:`` (kind) of a Wikidata property."""
    return ox.NamedNode(f"{WIKIDATA_PREFIXES[kind]}{pid}")


def day(iso: str) -> ox.Literal:
    """A date as Wikidata writes it (a dateTime at midnight UTC, with "Z")."""
    return ox.Literal(f"{iso}T00:00:00Z", datatype=XSD_DATETIME)


def reference(*pairs: tuple[str, object]) -> Pairs:
    """A reference node as what it says: its type and its ``pr:`` values."""
    return frozenset({(RDF_TYPE, REFERENCE), *((prop("pr", pid), v) for pid, v in pairs)})


def statement(
    pid: str,
    value: object,
    rank: ox.NamedNode,
    *refs: Pairs,
    best: bool | None = None,
    **quals: object,
) -> Pairs:
    """A statement node as what it says: types, rank, value, qualifiers and references (each
    reference by its content, since reference IRIs are digests). ``best``: typed
    wikibase:BestRank (by default, unless deprecated)."""
    pairs = {(RDF_TYPE, STATEMENT), (RANK, rank), (prop("ps", pid), value)}
    pairs |= {(prop("pq", q), v) for q, v in quals.items()}
    pairs |= {(DERIVED_FROM, ref) for ref in refs}
    if rank != DEPRECATED if best is None else best:
        pairs.add((RDF_TYPE, BEST_RANK))
    return frozenset(pairs)


def statements_in(store: ox.Store, subject: ox.NamedNode, pid: str) -> set[Pairs]:
    """Every ``p:{pid}`` statement of ``subject`` in the store, each as the set of its
    (predicate, object) pairs, a reference replaced by its own pairs: the statements compared
    as RDF terms, whatever IRIs the view minted for the nodes."""
    found = set()
    for quad in store.quads_for_pattern(subject, prop("p", pid), None):
        node = quad.object
        assert isinstance(node, ox.NamedNode), "statement nodes are IRIs"
        pairs = set()
        for triple in store.quads_for_pattern(node, None, None):
            value: object = triple.object
            if triple.predicate == DERIVED_FROM:
                assert isinstance(triple.object, ox.NamedNode), "reference nodes are IRIs"
                value = frozenset(
                    (q.predicate, q.object)
                    for q in store.quads_for_pattern(triple.object, None, None)
                )
            pairs.add((triple.predicate, value))
        found.add(frozenset(pairs))
    return found


TASS_1882445 = reference(
    ("P854", ox.NamedNode("https://tass.com/world/1882445")),
    ("P248", ox.NamedNode(f"{SOURCE}tass-1882445")),
    ("P577", day("2024-12-05")),
)
GERMAN_CRI = reference(
    ("P248", ox.NamedNode(f"{SOURCE}german-cri-cn")), ("P577", day("2024-11-10"))
)
ENWIKI = reference(("P854", ENWIKI_ARTICLE), ("P248", ENGLISH_WIKIPEDIA))
DAUM = reference(
    ("P854", ox.NamedNode("https://v.daum.net/v/20241112074903177")),
    ("P248", ox.NamedNode(f"{SOURCE}v-daum-20241112074903177")),
)


def test_ratified_by_each_state(store: ox.Store) -> None:
    """The truthy answer: both parties, each once, with its label."""
    rows = run(store, "ratified_by")
    assert sorted((r["state"], r.get("stateLabel")) for r in rows) == [
        (f"{WD}Q159", "Russia"),
        (f"{WD}Q423", "North Korea"),
    ]
    truthy = {
        q.object for q in store.quads_for_pattern(ox.NamedNode(TREATY), prop("wdt", "P6193"), None)
    }
    assert truthy == {RUSSIA, NORTH_KOREA}


def test_ratification_statements_dates_ranks_and_references(store: ox.Store) -> None:
    """Exactly three P6193 statements: Russia on 9 November (preferred: TASS, german.cri.cn),
    Russia on 6 November (deprecated: English Wikipedia, which gives the Federation Council's
    approval), North Korea on 11 November (preferred: the date the data adopts, on the
    decree's sources). Compared as RDF terms, references included."""
    assert statements_in(store, ox.NamedNode(TREATY), "P6193") == {
        statement("P6193", RUSSIA, PREFERRED, TASS_1882445, GERMAN_CRI, P585=day("2024-11-09")),
        statement("P6193", RUSSIA, DEPRECATED, ENWIKI, P585=day("2024-11-06")),
        statement(
            "P6193", NORTH_KOREA, PREFERRED, DAUM, TASS_1882445, ENWIKI, P585=day("2024-11-11")
        ),
    }


def test_ratification_statements_query(store: ox.Store) -> None:
    """The Wikidata-style query reads them back: one row per reference, every row dated."""
    rows = run(store, "ratification_statements")
    ranks = {(r["state"], r["date"], r["rank"]) for r in rows}
    assert ranks == {
        (f"{WD}Q159", "2024-11-09T00:00:00Z", f"{WIKIBASE}PreferredRank"),
        (f"{WD}Q159", "2024-11-06T00:00:00Z", f"{WIKIBASE}DeprecatedRank"),
        (f"{WD}Q423", "2024-11-11T00:00:00Z", f"{WIKIBASE}PreferredRank"),
    }
    stated_in = {(r["date"], r["statedIn"]) for r in rows}
    assert ("2024-11-06T00:00:00Z", str(ENGLISH_WIKIPEDIA.value)) in stated_in
    assert ("2024-11-09T00:00:00Z", str(ENGLISH_WIKIPEDIA.value)) not in stated_in


def test_the_ratification_event_keeps_its_own_dates(store: ox.Store) -> None:
    """The claims are on the date of Russia's ratification (the law's signature), so the event
    itself has the same two dates: 9 November preferred, 6 November deprecated."""
    event = ox.NamedNode(
        "https://w3id.org/treatykg/id/event/2024-11-09-putin-signs-ratification-law"
    )
    assert statements_in(store, event, "P585") == {
        frozenset(
            {(RDF_TYPE, STATEMENT), (RDF_TYPE, BEST_RANK), (RANK, PREFERRED)}
            | {(prop("ps", "P585"), day("2024-11-09"))}
            | {(DERIVED_FROM, TASS_1882445), (DERIVED_FROM, GERMAN_CRI)}
        ),
        frozenset(
            {(RDF_TYPE, STATEMENT), (RANK, DEPRECATED), (prop("ps", "P585"), day("2024-11-06"))}
            | {(DERIVED_FROM, ENWIKI)}
        ),
    }
    truthy = {q.object for q in store.quads_for_pattern(event, prop("wdt", "P585"), None)}
    assert truthy == {day("2024-11-09")}


RATIFICATION_FIXTURE = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX tkg: <https://w3id.org/treatykg/def#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ex: <https://w3id.org/treatykg/id/>

<https://w3id.org/treatykg/eli/treaty/2099/example> a tkg:BilateralTreaty ;
    tkg:party ex:state\\/example-a , ex:state\\/example-b .
ex:state\\/example-a a tkg:State .
ex:state\\/example-b a tkg:State .
ex:source\\/example-a tkg:url <https://example.org/a> .
ex:source\\/example-b tkg:url <https://example.org/b> .
ex:source\\/example-news tkg:url <https://example.org/news> .
ex:event\\/2099-02-10-ratification-a a tkg:RatificationStep , tkg:Ratification ;
    tkg:date "2099-02-10"^^xsd:date ;
    tkg:forParty ex:state\\/example-a ;
    tkg:concerns <https://w3id.org/treatykg/eli/treaty/2099/example> ;
    dcterms:source ex:source\\/example-a .
ex:claim\\/news-date a tkg:Claim ;
    tkg:claimSubject ex:event\\/2099-02-10-ratification-a ;
    tkg:claimProperty tkg:date ;
    tkg:claimValue "2099-02-08"^^xsd:date ;
    tkg:rank tkg:NormalRank ;
    dcterms:source ex:source\\/example-news .
ex:event\\/2099-02-20-ratification-b a tkg:RatificationStep , tkg:Ratification ;
    tkg:date "2099-02-20"^^xsd:date ;
    tkg:forParty ex:state\\/example-b ;
    tkg:concerns <https://w3id.org/treatykg/eli/treaty/2099/example> ;
    dcterms:source ex:source\\/example-b .
ex:event\\/2099-02-01-committee-b a tkg:RatificationStep ;
    tkg:date "2099-02-01"^^xsd:date ;
    tkg:forParty ex:state\\/example-b ;
    tkg:concerns <https://w3id.org/treatykg/eli/treaty/2099/example> ;
    dcterms:source ex:source\\/example-b .
"""


def test_each_party_s_adopted_date_is_preferred_and_others_keep_their_rank() -> None:
    """Wikidata's best rank compares all of a property's statements, so the date the data
    adopts is preferred for every party (else one party's preferred date would hide the
    others from wdt:P6193). A normal-rank claim of another date stays normal and so never
    reaches wdt:. A plain ratification step (the committee) states nothing."""
    store = ox.Store()
    store.load(RATIFICATION_FIXTURE.encode(), format=ox.RdfFormat.TURTLE)
    view = ox.Store()
    view.load(view_ntriples(store), format=ox.RdfFormat.N_TRIPLES)
    treaty = ox.NamedNode("https://w3id.org/treatykg/eli/treaty/2099/example")
    base = "https://w3id.org/treatykg/id/"
    state_a, state_b = (ox.NamedNode(f"{base}state/example-{x}") for x in "ab")

    def ref(name: str) -> Pairs:
        return reference(
            ("P854", ox.NamedNode(f"https://example.org/{name}")),
            ("P248", ox.NamedNode(f"{base}source/example-{name}")),
        )

    assert statements_in(view, treaty, "P6193") == {
        statement("P6193", state_a, PREFERRED, ref("a"), P585=day("2099-02-10")),
        statement("P6193", state_a, NORMAL, ref("news"), P585=day("2099-02-08"), best=False),
        statement("P6193", state_b, PREFERRED, ref("b"), P585=day("2099-02-20")),
    }
    truthy = {q.object for q in view.quads_for_pattern(treaty, prop("wdt", "P6193"), None)}
    assert truthy == {state_a, state_b}
