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

from treatykg.load import parse_file
from treatykg.wikidata import WIKIDATA_PREFIXES, view_ntriples, wikidata_view
from wikidata_ids import verified_qids

QUERIES = Path(__file__).parent / "wikidata_queries"
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
    from treatykg import serialize

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
    from treatykg import serialize

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
