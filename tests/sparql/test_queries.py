"""The bundled SPARQL queries: they parse everywhere, carry their header, and give real answers.

Competency questions (``queries/*.rq``) run on pyoxigraph over the bundled ontology and data,
loaded together as the build's dump holds them, and must each return at least one row; the
answers an analyst relies on are asserted. Quality-control queries (``queries/qc/*-violation.rq``)
must return no row on the bundled ontology and data, and at least one row on a small bad fixture,
so that each of them is shown able to fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from sparql_rows import CONCATENATED
from treatykg import resources
from treatykg.namespaces import BASE
from treatykg.sparql import catalogue

TKG = "https://w3id.org/treatykg/def#"
ID = "https://w3id.org/treatykg/id/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
CSP = "https://w3id.org/treatykg/eli/treaty/2024/csp"
HEADER_KEYS = ("title", "question", "columns", "parameters")

QUERY_DIR = resources.resource_dir("queries")
# Federated queries (queries/federated/) reach the network through SERVICE: they are never
# executed here, not even on an empty store; tests/test_federated.py only parses them.
ALL_QUERIES = [p for p in resources.query_files() if p.parent.name != "federated"]
COMPETENCY = sorted(path for path in ALL_QUERIES if path.parent == QUERY_DIR)
QC = sorted(path for path in ALL_QUERIES if path.parent == QUERY_DIR / "qc")


def _ids(paths: list[Path]) -> list[str]:
    return [path.relative_to(QUERY_DIR).as_posix() for path in paths]


def load_store(*turtle: str, bundled_data: bool = True) -> ox.Store:
    """A store with the bundled ontology, optionally the bundled data, and extra Turtle."""
    store = ox.Store()
    files = resources.ontology_files() + (resources.data_files() if bundled_data else [])
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    for text in turtle:
        store.load(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store()


def header(path: Path) -> dict[str, str]:
    """The ``# key: value`` lines at the top of a query, before its first non-comment line."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*(\w+):\s*(.*)$", line)
        if match and match.group(1) in HEADER_KEYS:
            found[match.group(1)] = match.group(2).strip()
    return found


def select(store: ox.Store, text: str) -> tuple[list[str], list[dict[str, str]]]:
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    rows = [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
    return names, rows


def run(store: ox.Store, name: str, **values: str) -> list[dict[str, str]]:
    """Run bundled query ``name`` (relative to queries/, without .rq) with its parameters bound
    as ``treatykg query --param`` binds them: rows of lexical values."""
    query = catalogue.find(name)
    return select(store, catalogue.bind(query, values))[1]


def treaties(store: ox.Store) -> list[str]:
    """Every treaty of the corpus, as the queries' treaty column names them."""
    found = store.query(
        f"SELECT DISTINCT ?t WHERE {{ ?t a/<{RDFS}subClassOf>* <{TKG}Treaty> }} ORDER BY ?t"
    )
    assert isinstance(found, ox.QuerySolutions)
    return [row["t"].value for row in found]


# ---------------------------------------------------------------------------------------------
# Every query: parses, has its header, and its parameters are VALUES lines
# ---------------------------------------------------------------------------------------------


def test_the_queries_are_there() -> None:
    names = {path.stem for path in COMPETENCY}
    assert len(names) >= 15
    assert {
        "parties",
        "timeline",
        "articles",
        "obligations",
        "mutual-defence",
        "replaced-treaties",
        "claims",
        "quotations",
        "sources-of",
        "wikidata-links",
        "statistics",
        "offices",
        "troop-figures",
    } <= names
    assert {path.stem for path in QC} >= {
        "missing-source-violation",
        "missing-label-violation",
        "undeclared-term-violation",
        "http-schema-violation",
        "wikidata-iri-violation",
        "preferred-claim-not-asserted-violation",
        "blank-node-violation",
    }
    assert all(path.stem.endswith("-violation") for path in QC)


@pytest.mark.parametrize("path", ALL_QUERIES, ids=_ids(ALL_QUERIES))
def test_query_parses_in_oxigraph_and_rdflib(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ox.Store().query(text)  # raises SyntaxError on a malformed query
    prepareQuery(text)  # a second, independent SPARQL 1.1 parser


@pytest.mark.parametrize("path", ALL_QUERIES, ids=_ids(ALL_QUERIES))
def test_query_has_a_header_matching_its_select(path: Path) -> None:
    found = header(path)
    assert set(HEADER_KEYS) <= set(found), f"{path.name}: header has {sorted(found)}"
    assert all(found[key] for key in HEADER_KEYS), path.name
    columns = [c.strip() for c in found["columns"].split(",")]
    names, _ = select(load_store(bundled_data=False), path.read_text(encoding="utf-8"))
    assert columns == names, f"{path.name}: # columns: {columns} but SELECT gives {names}"


BUNDLED = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]


@pytest.mark.parametrize("item", BUNDLED, ids=lambda q: q.name)
def test_no_query_defaults_to_one_treaty(item: catalogue.Query) -> None:
    """A corpus has many treaties: a treaty parameter is optional (the query then answers for
    every treaty, with a treaty column saying which, as its header says), and no default is a
    treaty or a part of one. (catalogue.parse has checked each parameter's VALUES line.)"""
    for parameter in item.declared:
        assert not (parameter.default or "").startswith(f"<{BASE}eli/"), (item.name, parameter)
        if parameter.name == "treaty":
            assert parameter.absent and "every" in parameter.absent, item.name
            assert "treaty" in [c.strip() for c in item.columns.split(",")], item.name
            assert "VALUES ?treaty { UNDEF }" in item.text, item.name


@pytest.mark.parametrize("path", ALL_QUERIES, ids=_ids(ALL_QUERIES))
def test_query_is_portable(path: Path) -> None:
    """No engine-specific habits: lang tags compared with LANGMATCHES, results ordered, and no
    aggregate inside COALESCE or IF, which Virtuoso 7.2 cannot compile (SQ156: four bundled
    queries failed there until their lists were made in a subquery, see articles.rq)."""
    text = path.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert "ORDER BY" in body, f"{path.name}: results need an ORDER BY to be deterministic"
    assert not re.search(r"LANG\([^)]*\)\s*=", body), f"{path.name}: use LANGMATCHES"
    assert "SERVICE" not in body and "GRAPH" not in body, path.name
    found = aggregates_in_coalesce_or_if(text)
    assert not found, (
        f"{path.name}: {found}: Virtuoso cannot compile an aggregate inside COALESCE or IF; "
        "make the aggregate in a subquery and apply COALESCE outside it (see articles.rq)"
    )


_AGGREGATES = ("COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT")
#: Strings, IRIs and comments, which may contain anything: taken out before looking.
_OPAQUE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
                     r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")  # fmt: skip
_CALL = re.compile(r"\b(COALESCE|IF)\s*\(", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(" + "|".join(_AGGREGATES) + r")\s*\(", re.IGNORECASE)


def aggregates_in_coalesce_or_if(text: str) -> list[str]:
    """Each ``COALESCE(…)``/``IF(…)`` call of the query that has an aggregate inside."""
    code = _OPAQUE.sub(" ", text)
    found = []
    for call in _CALL.finditer(code):
        depth, end = 0, call.end() - 1
        for end in range(call.end() - 1, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        inside = code[call.end() : end]
        if _AGGREGATE.search(inside):
            found.append(" ".join(code[call.start() : end + 1].split()))
    return found


def test_the_portability_check_finds_an_aggregate_inside_coalesce_or_if() -> None:
    """The check itself: the trigger engines.md measured, and the form that runs everywhere."""
    trigger = "SELECT (COALESCE(COUNT(*), 0) AS ?n) WHERE { ?s ?p ?o . ?s ?q ?r }"
    assert aggregates_in_coalesce_or_if(trigger) == ["COALESCE(COUNT(*), 0)"]
    nested = 'SELECT (IF(BOUND(?x), STR(MAX(?y)), "") AS ?z) WHERE { ?x ?p ?y } GROUP BY ?x'
    assert aggregates_in_coalesce_or_if(nested)
    rewrite = (
        'SELECT (COALESCE(?list, "") AS ?topics) WHERE { { SELECT '
        '(GROUP_CONCAT(STR(?t); SEPARATOR=" ") AS ?list) WHERE { ?s ?p ?t } } }'
    )
    assert aggregates_in_coalesce_or_if(rewrite) == []
    quoted = 'SELECT ?x WHERE { ?x ?p "COALESCE(COUNT(?x))" } # IF(SUM(?y))'
    assert aggregates_in_coalesce_or_if(quoted) == []


# ---------------------------------------------------------------------------------------------
# Competency questions: each answers on the bundled ontology+data, with the real answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMPETENCY, ids=_ids(COMPETENCY))
def test_competency_question_has_an_answer(store: ox.Store, path: Path) -> None:
    _, rows = select(store, path.read_text(encoding="utf-8"))
    assert rows, f"{path.name} returns no row on the bundled data"


@pytest.fixture(scope="module")
def rdflib_graph() -> Graph:
    graph = Graph()
    for path in resources.ontology_files() + resources.data_files():
        graph.parse(path)
    return graph


@pytest.mark.parametrize("path", COMPETENCY, ids=_ids(COMPETENCY))
def test_competency_question_gives_the_same_rows_in_rdflib(
    store: ox.Store, rdflib_graph: Graph, path: Path
) -> None:
    """A second SPARQL engine gives the same rows: the queries rely on nothing Oxigraph-only;
    for one treaty too, as --param binds it (a VALUES line holding the treaty, not UNDEF)."""
    query = catalogue.find(path.stem)
    forms = [query.text]
    if "treaty" in query.parameter_names:
        forms.append(catalogue.bind(query, {"treaty": CSP}))
    for text in forms:
        _same_rows_in_rdflib(store, rdflib_graph, text, path.name)


def _same_rows_in_rdflib(store: ox.Store, rdflib_graph: Graph, text: str, name: str) -> None:
    names, rows = select(store, text)
    result = rdflib_graph.query(text)
    other = [
        {n: str(row[n]) for n in names if row[n] is not None}  # type: ignore[index]
        for row in result
    ]

    # GROUP_CONCAT's order is not defined by SPARQL: compare its lists as sets
    def norm(found: list[dict[str, str]]) -> list[dict[str, object]]:
        return [
            {k: tuple(sorted(v.split())) if k in CONCATENATED else v for k, v in row.items()}
            for row in found
        ]

    assert len(other) == len(rows), name
    assert sorted(map(repr, norm(other))) == sorted(map(repr, norm(rows))), name


# The answers: facts about the 2024 treaty, asked about it by its IRI (as --param does), and
# invariants that hold for any conforming corpus, however many treaties it holds.

TREATY_QUERIES = [q for q in BUNDLED if "treaty" in q.parameter_names]


def test_treaty_specific_questions_take_the_treaty() -> None:
    assert {q.name for q in TREATY_QUERIES} >= {
        "articles",
        "confidence",
        "military-assistance",
        "mutual-defence",
        "obligations",
        "parties",
        "provisions",
        "ratification-steps",
        "signatories",
        "timeline",
    }


@pytest.mark.parametrize("item", TREATY_QUERIES, ids=lambda q: q.name)
def test_without_a_treaty_a_query_answers_for_every_treaty(
    store: ox.Store, item: catalogue.Query
) -> None:
    """The query as written (no treaty) gives, for each treaty, the rows that asking about that
    treaty gives, in the treaty column; and no other row but the timeline's events that
    concern no treaty."""
    _, every = select(store, item.text)
    assert every, item.name
    for treaty in treaties(store):
        one = run(store, item.name, treaty=treaty)
        assert all(row["treaty"] == treaty for row in one), (item.name, treaty)
        mine = [row for row in every if row.get("treaty") == treaty]
        assert sorted(map(repr, mine)) == sorted(map(repr, one)), (item.name, treaty)
    known = set(treaties(store))
    strays = [row for row in every if row.get("treaty") not in known]
    if item.name == "timeline":
        assert all("treaty" not in row for row in strays)
    else:
        assert strays == [], item.name


def test_a_treaty_may_be_given_relative_to_the_base() -> None:
    """``--param treaty=eli/treaty/2024/csp`` is the 2024 treaty; anything that is not an IRI,
    of ours or absolute, is refused (tests/sparql/test_query_cli.py shows the messages)."""
    query = catalogue.find("parties")
    full = catalogue.bind(query, {"treaty": CSP})
    assert catalogue.bind(query, {"treaty": "eli/treaty/2024/csp"}) == full
    assert catalogue.bind(query, {"treaty": "/eli/treaty/2024/csp"}) == full
    assert f"VALUES ?treaty {{ <{CSP}> }}" in full


def test_parties(store: ox.Store) -> None:
    rows = run(store, "parties", treaty=CSP)
    assert {(r["party"], r["labelEn"], r["wikidata"]) for r in rows} == {
        (ID + "state/prk", "North Korea", "http://www.wikidata.org/entity/Q423"),
        (ID + "state/rus", "Russia", "http://www.wikidata.org/entity/Q159"),
    }


def test_timeline(store: ox.Store) -> None:
    """The 2024 treaty's timeline: the events that concern it, or are part of one that does,
    or have a part that does (the state visit in which it was signed)."""
    rows = run(store, "timeline", treaty=CSP)
    dates = [r["sortDate"] for r in rows]
    assert dates == sorted(dates), "timeline is not in date order"
    assert {r["treaty"] for r in rows} == {CSP}
    order = [r["event"] for r in rows]
    assert order[0] == ID + "event/2024-06-17-decree-authorising-signature"
    assert rows[0]["date"] == "2024-06-17"
    assert ID + "event/russian-invasion-of-ukraine" not in order  # context, not the treaty's
    signing = order.index(ID + "event/2024-06-19-signing")
    entry = order.index(ID + "event/2024-12-04-entry-into-force")
    assert signing < entry
    assert rows[signing]["date"] == "2024-06-19"
    assert rows[signing]["placeLabel"] == "Pyongyang"
    assert rows[entry]["date"] == "2024-12-04"
    visit = rows[order.index(ID + "event/2024-06-18-putin-state-visit-to-north-korea")]
    assert (visit["startDate"], visit["endDate"]) == ("2024-06-18", "2024-06-19")
    deployment = rows[order.index(ID + "event/dprk-troop-deployment-to-russia")]
    assert deployment["sortDate"] == deployment["notAfter"] == "2025-04-26"
    assert len(order) == len(set(order)), "an event appears twice"


def test_the_corpus_timeline_has_every_event_once_per_treaty(store: ox.Store) -> None:
    rows = run(store, "timeline")
    dates = [r["sortDate"] for r in rows]
    assert dates == sorted(dates), "timeline is not in date order"
    pairs = [(r["event"], r.get("treaty")) for r in rows]
    assert len(pairs) == len(set(pairs)), "an event appears twice for the same treaty"
    labelled = store.query(f"SELECT DISTINCT ?e WHERE {{ ?e a/<{RDFS}subClassOf>* <{TKG}Event> }}")
    assert isinstance(labelled, ox.QuerySolutions)
    assert {r["event"] for r in rows} == {row["e"].value for row in labelled}
    concerned = store.query(f"SELECT ?e ?t WHERE {{ ?e <{TKG}concerns> ?t }}")
    assert isinstance(concerned, ox.QuerySolutions)
    assert {(row["e"].value, row["t"].value) for row in concerned} <= set(pairs)
    termination = [
        r for r in rows if r["event"] == ID + "event/2024-12-04-termination-of-2000-treaty"
    ]
    assert [r.get("treaty") for r in termination] == [BASE + "eli/treaty/2000/fgnc"]
    invasion = [r for r in rows if r["event"] == ID + "event/russian-invasion-of-ukraine"]
    assert len(invasion) == 1 and "treaty" not in invasion[0]  # it concerns no treaty


def test_every_treaty_has_its_articles_in_order(store: ox.Store) -> None:
    """Any conforming corpus: each treaty's rows are its preamble, if any, then articles 1 to
    its tkg:articleCount, then its provisions of unknown article."""
    counts = store.query(f"SELECT ?t ?n WHERE {{ ?t <{TKG}articleCount> ?n }}")
    assert isinstance(counts, ox.QuerySolutions)
    declared = {row["t"].value: int(row["n"].value) for row in counts}
    assert declared[CSP] == 23
    rows = run(store, "articles")
    for treaty in treaties(store):
        mine = [r for r in rows if r["treaty"] == treaty]
        kinds = [r["kind"].removeprefix(TKG) for r in mine]
        assert kinds == sorted(kinds, key=["Preamble", "Article", "Provision"].index), treaty
        numbers = [int(r["number"]) for r in mine if r["kind"] == TKG + "Article"]
        assert numbers == list(range(1, declared.get(treaty, 0) + 1)), treaty


def test_articles(store: ox.Store) -> None:
    rows = run(store, "articles", treaty=CSP)
    assert len(rows) == 24 + 11  # the preamble, 23 articles, 11 provisions of unknown article
    assert rows[0]["division"] == CSP + "/preamble"
    assert rows[0]["kind"] == TKG + "Preamble"
    articles, provisions = rows[1:24], rows[24:]
    assert [r["number"] for r in articles] == [str(n) for n in range(1, 24)]
    unknown = {int(r["number"]) for r in articles if r["contentStatus"] == TKG + "ContentUnknown"}
    assert unknown == {9, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21}
    for row in articles:
        if int(row["number"]) in unknown:
            assert "summary" not in row and not row.get("topics"), row
            assert "contentConfidence" not in row and "numberConfidence" not in row, row
        else:
            assert row["summary"] and row["numberingBasis"].startswith(str(TKG) + "Number"), row
            assert row["contentConfidence"] == TKG + "Verified", row
    # a stated number carries its confidence; single-source ones: Articles 1, 2, 6 and 7
    stated = {
        r["number"]: r.get("numberConfidence")
        for r in articles
        if r.get("numberingBasis") == TKG + "NumberStated"
    }
    assert {n for n, c in stated.items() if c == TKG + "SingleSource"} == {"1", "2", "6", "7"}
    assert all(c is not None for c in stated.values())
    # then the provisions whose article is unknown: no number, no content status
    assert {r["kind"] for r in provisions} == {TKG + "Provision"}
    for row in provisions:
        assert "number" not in row and "contentStatus" not in row, row
        assert row["numberingBasis"] == TKG + "NumberUnknown" and row["summary"], row
        assert row["topics"] and row["contentConfidence"].startswith(str(TKG)), row
    art_4 = rows[4]
    assert art_4["number"] == "4"
    assert TKG + "MutualMilitaryAssistance" in art_4["topics"].split()
    assert art_4["numberingBasis"] == TKG + "NumberStated"


def test_obligations(store: ox.Store) -> None:
    rows = run(store, "obligations", treaty=CSP)
    assert len(rows) == 20  # 14 under articles, then 6 under provisions of unknown article
    assert all(r["bearer"] != r["beneficiary"] for r in rows)
    assert {r["bearer"] for r in rows} == {ID + "state/prk", ID + "state/rus"}
    numbers = [int(r["number"]) for r in rows[:14]]
    assert numbers == sorted(numbers)
    assert all("number" not in r and "/id/provision/" in r["article"] for r in rows[14:])
    assert {r["deonticType"] for r in rows} <= {TKG + "Obligation", TKG + "Prohibition"}
    art_4 = [r for r in rows if r.get("number") == "4"]
    assert len(art_4) == 2
    for row in art_4:
        assert "state of war" in row["conditionLabel"]
        assert ID + "legal/un-charter-art-51" in row["legalBases"].split()


def test_mutual_defence(store: ox.Store) -> None:
    rows = run(store, "mutual-defence", treaty=CSP)
    assert {r["article"] for r in rows} == {CSP + "/art_4"}
    assert {r["norm"] for r in rows} == {ID + "norm/csp-art-4"}
    assert {r["event"] for r in rows} == {ID + "event/dprk-troop-deployment-to-russia"}
    assert {r["claim"] for r in rows} == {ID + "claim/wpk-cmc-deployment-invokes-art-4"}
    assert {r["assertedBy"] for r in rows} == {ID + "org/wpk-central-military-commission"}
    assert {r["rank"] for r in rows} == {TKG + "PreferredRank"}
    assert ID + "source/tass-1950153" in {r["source"] for r in rows}


def test_replaced_treaties(store: ox.Store) -> None:
    rows = run(store, "replaced-treaties")
    replaced = {r["replaced"]: r for r in rows}
    assert set(replaced) >= {
        "https://w3id.org/treatykg/eli/treaty/2000/fgnc",
        "https://w3id.org/treatykg/eli/treaty/1961/fcma",
    }
    fgnc = replaced["https://w3id.org/treatykg/eli/treaty/2000/fgnc"]
    assert fgnc["treaty"] == CSP
    assert fgnc["replacedSigned"] == "2000-02-09"
    assert fgnc["replacedEnded"] == "2024-12-04"
    assert fgnc["treatyEntryIntoForce"] == "2024-12-04"


def test_claims(store: ox.Store) -> None:
    rows = run(store, "claims")
    claims = {r["claim"] for r in rows}
    every = store.query(f"SELECT ?c WHERE {{ ?c a <{TKG}Claim> }}")
    assert isinstance(every, ox.QuerySolutions)
    assert claims == {row["c"].value for row in every}  # each has what the query asks
    for row in rows:
        assert "value" in row or "lowerBound" in row, row
        assert "sourceUrl" in row or "citation" in row, row
    deprecated = {r["claim"] for r in rows if r["rank"] == TKG + "DeprecatedRank"}
    assert deprecated >= {
        ID + "claim/enwiki-signing-date",
        ID + "claim/frwiki-signing-date",
        ID + "claim/tass-threat-clause-article-4",
        ID + "claim/enwiki-russian-ratification-date",
    }


def test_quotations(store: ox.Store) -> None:
    rows = run(store, "quotations")
    assert {(r["speakerLabel"], r["text"], r["language"]) for r in rows} >= {
        ("Kim Jong Un", "amitié ardente", "fr"),
        ("Kim Jong Un", "traité le plus fort jamais conclu", "fr"),
        ("Vladimir Putin", "document révolutionnaire", "fr"),
    }


def test_sources_of_the_treaty(store: ox.Store) -> None:
    rows = run(store, "sources-of", entity=CSP)
    sources = {r["source"] for r in rows}
    assert {r["entity"] for r in rows} == {CSP}
    assert len(sources) == len(rows) == 21
    assert ID + "source/kcnawatch-2024-06-20-treaty-text" in sources
    assert all("url" in r or "citation" in r for r in rows)


def test_wikidata_links(store: ox.Store) -> None:
    rows = run(store, "wikidata-links")
    qids = {r["qid"] for r in rows}
    assert {"Q423", "Q159"} <= qids
    assert all(re.fullmatch(r"Q[0-9]+", qid) for qid in qids)
    assert all(r["wikidata"] == "http://www.wikidata.org/entity/" + r["qid"] for r in rows)
    assert not any(r["entity"].startswith(TKG) for r in rows)


def test_statistics(store: ox.Store) -> None:
    rows = run(store, "statistics")
    counts = {r["class"]: int(r["count"]) for r in rows}
    # the whole corpus: what the other questions find, treaty by treaty
    articles = run(store, "articles")
    for kind in ("Article", "Provision", "Preamble"):
        found = sum(r["kind"] == TKG + kind for r in articles)
        assert counts.get(TKG + kind, 0) == found, kind
    assert counts[TKG + "DirectedObligation"] == len(run(store, "obligations"))
    kinds = store.query(f"SELECT ?c WHERE {{ ?c <{RDFS}subClassOf>* <{TKG}Treaty> }}")
    assert isinstance(kinds, ox.QuerySolutions)
    assert sum(counts.get(row["c"].value, 0) for row in kinds) == len(treaties(store))
    values = [int(r["count"]) for r in rows]
    assert values == sorted(values, reverse=True)


def test_offices(store: ox.Store) -> None:
    rows = run(store, "offices")
    held = {(r["holderLabel"], r["officeLabel"], r["officeOf"]) for r in rows}
    assert ("Vladimir Putin", "President of the Russian Federation", ID + "state/rus") in held
    assert (
        "Kim Jong Un",
        "President of the State Affairs of the DPRK",
        ID + "state/prk",
    ) in held
    assert all(r["attestedFrom"] <= r["attestedUntil"] for r in rows)


def test_troop_figures(store: ox.Store) -> None:
    rows = run(store, "troop-figures")
    figures = {
        (r["assertedBy"].rsplit("/", 1)[1], r["assertedOn"], r.get("value"), r.get("lowerBound"))
        for r in rows
    }
    assert figures == {
        ("nis", "2024-10-18", "1500", None),
        ("nis", "2024-10-18", "12000", None),
        ("us-department-of-defense", "2024-10-28", "10000", None),
        ("us-department-of-defense", "2024-11-04", None, "11000"),
        ("us-department-of-defense", "2024-11-04", None, "10000"),
        ("us-department-of-defense", "2024-11-18", "11000", None),
    }
    vladivostok = [r for r in rows if r.get("placeLabel") == "Vladivostok"]
    assert [(r["periodStart"], r["periodEnd"]) for r in vladivostok] == [
        ("2024-10-08", "2024-10-13")
    ]
    ranged = [r for r in rows if "upperBound" in r]
    assert [(r["lowerBound"], r["upperBound"]) for r in ranged] == [("11000", "12000")]


# ---------------------------------------------------------------------------------------------
# Quality control: zero rows on the bundled data, at least one on a bad fixture
# ---------------------------------------------------------------------------------------------

PREFIXES = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos:    <http://www.w3.org/2004/02/skos/core#>
PREFIX tkg:     <https://w3id.org/treatykg/def#>
PREFIX xsd:     <http://www.w3.org/2001/XMLSchema#>
PREFIX id:      <https://w3id.org/treatykg/id/>
"""

BAD_FIXTURES = {
    "missing-source-violation": """
        <https://w3id.org/treatykg/id/state/atlantis> a tkg:State ;
            rdfs:label "Atlantis"@en , "Atlantide"@fr .
    """,
    "missing-label-violation": """
        <https://w3id.org/treatykg/id/state/atlantis> a tkg:State ;
            rdfs:label "Atlantis"@en ;
            dcterms:source <https://w3id.org/treatykg/id/source/enwiki-treaty> .
    """,
    "undeclared-term-violation": """
        <https://w3id.org/treatykg/id/state/atlantis> a tkg:State ;
            rdfs:label "Atlantis"@en , "Atlantide"@fr ;
            tkg:nickname "the lost continent"@en ;
            dcterms:source <https://w3id.org/treatykg/id/source/enwiki-treaty> .
    """,
    "http-schema-violation": """
        <https://w3id.org/treatykg/id/state/atlantis> <http://schema.org/name> "Atlantis" .
    """,
    "wikidata-iri-violation": """
        <https://w3id.org/treatykg/id/state/atlantis> a tkg:State ;
            skos:exactMatch <https://www.wikidata.org/wiki/Q423> .
    """,
    "preferred-claim-not-asserted-violation": """
        <https://w3id.org/treatykg/id/claim/bad> a tkg:Claim ;
            tkg:rank tkg:PreferredRank ;
            tkg:claimSubject <https://w3id.org/treatykg/id/event/2024-06-19-signing> ;
            tkg:claimProperty tkg:date ;
            tkg:claimValue "2024-06-18"^^xsd:date .
        <https://w3id.org/treatykg/id/event/2024-06-19-signing>
            tkg:date "2024-06-19"^^xsd:date .
    """,
    "blank-node-violation": """
        [] a tkg:Claim ; rdfs:label "an anonymous claim"@en .
    """,
}


def test_every_qc_query_has_a_bad_fixture() -> None:
    assert {path.stem for path in QC} == set(BAD_FIXTURES)


@pytest.mark.parametrize("path", QC, ids=_ids(QC))
def test_qc_query_finds_nothing_in_the_bundled_data(store: ox.Store, path: Path) -> None:
    _, rows = select(store, path.read_text(encoding="utf-8"))
    assert rows == [], f"{path.name}: {rows[:5]}"


@pytest.mark.parametrize("path", QC, ids=_ids(QC))
def test_qc_query_fails_on_its_bad_fixture(path: Path) -> None:
    fixture = load_store(PREFIXES + BAD_FIXTURES[path.stem], bundled_data=False)
    _, rows = select(fixture, path.read_text(encoding="utf-8"))
    assert rows, f"{path.name} does not detect its bad fixture"


@pytest.mark.parametrize("path", QC, ids=_ids(QC))
def test_qc_query_fails_on_its_bad_fixture_mixed_into_the_data(path: Path) -> None:
    fixture = load_store(PREFIXES + BAD_FIXTURES[path.stem])
    _, rows = select(fixture, path.read_text(encoding="utf-8"))
    assert rows, f"{path.name} does not detect its bad fixture among the bundled data"
