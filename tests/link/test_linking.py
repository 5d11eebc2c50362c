"""Tests of the Wikidata mapping tables (treatykg.link.mappings) on the built release.

The QuickStatements test is the one that guards Wikidata itself: a wrong QID sent there edits
somebody else's item, so every QID in the output must be one the fact sheet verified.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from treatykg.link import mappings
from treatykg.namespaces import BASE, WD, WDT
from wikidata_ids import verified_pids, verified_qids

# The only Wikidata items the project may use: ../shared/sources/treaty-facts.md §3, each
# marked "verified-in-source" there, kept with its source in tests/wikidata_verified.tsv, so
# that a QID that slips into the data or the code without the fact sheet behind it fails.
VERIFIED_QIDS: dict[str, str] = verified_qids()

# Properties treaty-facts.md §4 marks verified (main statements and references), kept with their
# sources in the same file.
VERIFIED_PIDS: set[str] = set(verified_pids())

# A small grammar of QuickStatements V1 (https://www.wikidata.org/wiki/Help:QuickStatements):
# ITEM TAB PROPERTY TAB VALUE (TAB SOURCE-PROPERTY TAB VALUE)*, where ITEM is Qnnn or LAST,
# values are items, quoted strings, or times "+YYYY-MM-DDT00:00:00Z/precision".
QS_ITEM = r"(?:Q[1-9][0-9]*|LAST)"
QS_PROPERTY = r"P[1-9][0-9]*"
QS_SOURCE_PROPERTY = r"S[1-9][0-9]*"
QS_STRING = r'"[^"\t\n]*"'
QS_TIME = r"[+-][0-9]{1,16}-[0-9]{2}-[0-9]{2}T00:00:00Z/(?:[0-9]|1[01])"
QS_VALUE = rf"(?:Q[1-9][0-9]*|{QS_STRING}|{QS_TIME})"
QS_STATEMENT = re.compile(
    rf"^(?P<item>{QS_ITEM})\t(?P<property>{QS_PROPERTY})\t(?P<value>{QS_VALUE})"
    rf"(?P<sources>(?:\t{QS_SOURCE_PROPERTY}\t{QS_VALUE})*)$"
)
QS_SOURCE_PAIR = re.compile(rf"\t({QS_SOURCE_PROPERTY})\t({QS_VALUE})")


@pytest.fixture(scope="module")
def graph(release: Path) -> Graph:
    """The published union (ontology + data), as the exports are meant to read it."""
    return Graph().parse(release / "treatykg.ttl", format="turtle")


def _rows(tsv: str) -> list[list[str]]:
    return [line.split("\t") for line in tsv.splitlines() if not line.startswith("#")]


def _linked(graph: Graph) -> set[URIRef]:
    return {
        s
        for s, o in graph.subject_objects(SKOS.exactMatch)
        if isinstance(s, URIRef) and str(o).startswith(str(WD))
    }


def _entities(graph: Graph) -> set[URIRef]:
    prefixes = (f"{BASE}id/", f"{BASE}eli/")
    return {
        s
        for s in graph.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(prefixes)
    }


# ------------------------------------------------------------------------------------------
# QuickStatements
# ------------------------------------------------------------------------------------------


def test_quickstatements_parse_and_carry_references(graph: Graph) -> None:
    text = mappings.quickstatements(graph)
    lines = text.splitlines()
    assert lines, "at least the Pyongyang country statement qualifies"
    assert text.endswith("\n")
    for line in lines:
        match = QS_STATEMENT.match(line)
        assert match, f"not QuickStatements V1: {line!r}"
        pairs = QS_SOURCE_PAIR.findall(match["sources"])
        assert pairs, f"statement without a reference: {line!r}"
        assert not line.startswith("CREATE") and match["item"] != "LAST"


def test_quickstatements_use_only_verified_ids(graph: Graph) -> None:
    text = mappings.quickstatements(graph)
    for qid in re.findall(r"\bQ[0-9]+\b", text):
        assert qid in VERIFIED_QIDS, f"{qid} is not verified in treaty-facts.md §3"
    for pid in re.findall(r"\b[PS]([0-9]+)\b", text):
        assert f"P{pid}" in VERIFIED_PIDS, f"P{pid} is not verified in treaty-facts.md §4"


def test_quickstatements_only_about_items_we_link(graph: Graph) -> None:
    """The subject and every item value must be items our data links with skos:exactMatch:
    the treaty has no QID, so nothing about it may appear."""
    linked = {
        str(o)[len(str(WD)) :] for s in _linked(graph) for o in graph.objects(s, SKOS.exactMatch)
    }
    for line in mappings.quickstatements(graph).splitlines():
        item, _, value = line.split("\t")[:3]
        assert item in linked
        if value.startswith("Q"):
            assert value in linked
    expected = "Q18808\tP17\tQ423\t"  # Pyongyang, country, North Korea (places.ttl)
    assert any(line.startswith(expected) for line in mappings.quickstatements(graph).splitlines())
    # The ratifications are P6193 (ratified by) statements of the treaty in wikidata.nt; the
    # treaty has no verified QID, so none of them can be sent to Wikidata.
    assert "\tP6193\t" not in mappings.quickstatements(graph)


def test_quickstatements_grammar_rejects_bad_lines() -> None:
    """The grammar itself must be able to fail, or the tests above prove nothing."""
    for bad in (
        "Q1\tP2\tQ3\tS854",
        'Q1\tP2\tQ3 S854 "x"',
        "Q1\tP2\t2024-06-19",
        "CREATE",
        'Q1\tP2\t"a\tb"',
        "X1\tP2\tQ3",
    ):
        assert not QS_STATEMENT.match(bad), bad
    assert QS_STATEMENT.match('Q1\tP2\t+2024-06-19T00:00:00Z/11\tS854\t"https://x"')


# ------------------------------------------------------------------------------------------
# SSSOM
# ------------------------------------------------------------------------------------------


def _graph_links(graph: Graph) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) of every skos:exactMatch/closeMatch from one of our IRIs to
    a Wikidata item or property: what the SSSOM file must hold, no more, no less."""
    found = set()
    for predicate in (SKOS.exactMatch, SKOS.closeMatch):
        for s, o in graph.subject_objects(predicate):
            if str(s).startswith(BASE) and str(o).startswith((str(WD), str(WDT))):
                found.add((str(s), str(predicate), str(o)))
    return found


def test_sssom_header_and_rows(graph: Graph, tmp_path: Path) -> None:
    import yaml  # PyYAML, in the test extra

    text = mappings.sssom_table(graph)
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    metadata = yaml.safe_load(header)
    assert metadata["mapping_set_id"] == mappings.MAPPING_SET_ID
    assert metadata["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert metadata["mapping_set_version"] == "0.1.0"
    curie_map = metadata["curie_map"]
    for prefix in ("tkg", "wd", "wdt", "skos", "semapv"):
        assert prefix in curie_map
    rows = _rows(text)
    assert tuple(rows[0]) == mappings.SSSOM_COLUMNS
    assert all(len(row) == len(rows[0]) for row in rows)
    columns = {name: i for i, name in enumerate(rows[0])}

    def expand(curie: str) -> str:
        prefix, local = curie.split(":", 1)
        return curie_map[prefix] + local

    found = {
        (
            expand(row[columns["subject_id"]]),
            expand(row[columns["predicate_id"]]),
            expand(row[columns["object_id"]]),
        )
        for row in rows[1:]
    }
    assert found == _graph_links(graph)
    assert len(rows) - 1 == len(found), "no duplicate rows"
    assert all(
        row[columns["mapping_justification"]] == "semapv:ManualMappingCuration" for row in rows[1:]
    )
    assert rows[1:] == sorted(rows[1:])
    for row in rows[1:]:
        qid = row[columns["object_id"]].removeprefix("wd:")
        if not qid.startswith("wdt:"):
            assert qid in VERIFIED_QIDS
        # We hold no Wikidata labels, so none may be written.
        assert row[columns["object_label"]] == ""
    assert ("https://w3id.org/treatykg/id/state/prk", str(SKOS.exactMatch), f"{WD}Q423") in found
    ratification = ("https://w3id.org/treatykg/def#Ratification", str(SKOS.closeMatch))
    assert (*ratification, f"{WD}Q193170") in found


def test_sssom_loads_with_sssom_py(graph: Graph, tmp_path: Path) -> None:
    from sssom import parsers  # sssom-py, in the test extra: the reader the community uses

    path = tmp_path / "wikidata.sssom.tsv"
    path.write_text(mappings.sssom_table(graph), encoding="utf-8")
    msdf = parsers.parse_sssom_table(path)
    assert msdf.metadata["mapping_set_id"] == mappings.MAPPING_SET_ID
    expand = msdf.converter.expand
    loaded = {
        (expand(row.subject_id), expand(row.predicate_id), expand(row.object_id))
        for row in msdf.df.itertuples()
    }
    assert loaded == _graph_links(graph)


# ------------------------------------------------------------------------------------------
# Unmatched entities and the Mix'n'match catalogue
# ------------------------------------------------------------------------------------------


def test_unmatched_and_catalogue_cover_exactly_the_unlinked(graph: Graph) -> None:
    expected = {str(e) for e in _entities(graph) - _linked(graph)}
    assert expected, "the treaty itself has no QID, so something must be unmatched"
    assert f"{BASE}eli/treaty/2024/csp" in expected

    unmatched = _rows(mappings.unmatched(graph))
    assert tuple(unmatched[0]) == mappings.UNMATCHED_COLUMNS
    assert {row[0] for row in unmatched[1:]} == expected
    assert all(row[3] for row in unmatched[1:]), "every row says why it has no QID"

    catalogue = _rows(mappings.mixnmatch_catalogue(graph))
    header = catalogue[0]
    assert header == ["id", "name", "description", "type", "url"]

    def matchable_kind(iri: str) -> bool:
        local = iri.removeprefix(BASE)
        if local.startswith("eli/"):
            return local.count("/") == 3  # a treaty, not one of its articles or versions
        return local.split("/")[1] in mappings.MATCHABLE_KINDS

    matchable = {iri for iri in expected if matchable_kind(iri)}
    assert f"{BASE}id/claim/enwiki-signing-date" not in matchable
    assert {row[header.index("url")] for row in catalogue[1:]} == matchable
    for row in catalogue[1:]:
        assert BASE + row[header.index("id")] == row[header.index("url")]
        assert row[header.index("name")]
        assert row[header.index("type")] in ("", *VERIFIED_QIDS)
    ids = [row[0] for row in catalogue[1:]]
    assert len(ids) == len(set(ids))
    by_id = {row[0]: row for row in catalogue[1:]}
    assert by_id["eli/treaty/2024/csp"][header.index("type")] == "Q9557810"
    assert by_id["id/person/kim-jong-gyu"][header.index("type")] == "", "Q5 is not verified"

    linked = {str(e) for e in _linked(graph)}
    assert f"{BASE}id/state/prk" in linked
    assert not linked & {row[0] for row in unmatched[1:]}
    assert not linked & set(by_id)


def test_tsv_exports_are_well_formed_and_deterministic(graph: Graph) -> None:
    copy = Graph()
    for triple in sorted(graph, reverse=True):
        copy.add(triple)
    for export in (
        mappings.sssom_table,
        mappings.quickstatements,
        mappings.unmatched,
        mappings.mixnmatch_catalogue,
    ):
        text = export(graph)
        assert text == export(graph) == export(copy), export.__name__
        rows = _rows(text)
        if export is not mappings.quickstatements:
            assert len({len(row) for row in rows}) == 1, f"{export.__name__}: ragged rows"
        assert all(cell == cell.strip() and "\n" not in cell for row in rows for cell in row)


def test_the_wikidata_command_writes_what_the_build_publishes(
    release: Path, tmp_path: Path
) -> None:
    """`treatykg wikidata` on a build, and on the bundled data, gives the build's own files."""
    from treatykg.cli import main

    for source in (["--build", str(release)], []):
        out = tmp_path / ("from-build" if source else "from-data")
        assert main(["wikidata", *source, "--out", str(out), "-q"]) == 0
        for name in LINKING_FILES:
            assert (out / name).read_bytes() == (release / name).read_bytes(), (source, name)
    # it never replaces a folder that is not its own output
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["wikidata", "--out", str(precious), "-q"]) == 2
    assert (precious / "keep.txt").read_text(encoding="utf-8") == "mine"


LINKING_FILES = (
    "wikidata.nt",
    "mappings.sssom.tsv",
    "wikidata.qs",
    "wikidata-unmatched.tsv",
    "mixnmatch.tsv",
)


# ------------------------------------------------------------------------------------------
# From a Store, and on a generated corpus
# ------------------------------------------------------------------------------------------


def test_a_store_gives_what_the_graph_gives(graph: Graph) -> None:
    """The build hands the exports a pyoxigraph Store; a Graph is loaded into one. Both, and
    :func:`mappings.exports` (one reading for all four files), give the same text."""
    from treatykg.rdf import serialize

    store = ox.Store()
    store.load(serialize.ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    together = mappings.exports(store)
    assert together == {
        "mappings.sssom.tsv": mappings.sssom_table(graph),
        "wikidata.qs": mappings.quickstatements(graph),
        "wikidata-unmatched.tsv": mappings.unmatched(graph),
        "mixnmatch.tsv": mappings.mixnmatch_catalogue(graph),
    }
    assert together["wikidata.qs"], "the bundled data has verified items to state facts about"
    assert mappings.unmatched_entities(store) == mappings.unmatched_entities(graph)


def test_a_generated_corpus_is_all_unmatched(tmp_path: Path) -> None:
    """A synthetic corpus links nothing to Wikidata: every synthetic entity is unmatched, the
    catalogue lists exactly the matchable ones, and nothing is stated or mapped but the
    ontology's own alignments."""
    from generated_corpus import generate, published

    corpus, store = published(generate(tmp_path, treaties=5))
    files = mappings.exports(store)
    synthetic = {str(e) for e in _entities(corpus) if "syn" in str(e)}
    assert len(synthetic) > 100
    unmatched = _rows(files["wikidata-unmatched.tsv"])
    assert tuple(unmatched[0]) == mappings.UNMATCHED_COLUMNS
    listed = {row[0] for row in unmatched[1:]}
    assert synthetic <= listed
    assert all(row[1] and row[3] for row in unmatched[1:]), "every row has a class and a reason"
    assert all(row[2] for row in unmatched[1:] if row[0] in synthetic), "synthetic labels"
    catalogue = _rows(files["mixnmatch.tsv"])
    kinds = {mappings._kind(row[4]) for row in catalogue[1:]}
    assert kinds <= mappings.MATCHABLE_KINDS
    assert {row[4] for row in catalogue[1:]} == {
        iri for iri in listed if mappings._kind(iri) in mappings.MATCHABLE_KINDS
    }
    assert files["wikidata.qs"] == ""
    assert all(row[0].startswith("tkg:") for row in _rows(files["mappings.sssom.tsv"])[1:]), (
        "only ontology terms are mapped"
    )
