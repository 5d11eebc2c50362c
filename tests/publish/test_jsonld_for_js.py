"""JSON-LD that JavaScript tools consume as they are (issue 22).

What a web developer does with a release, done here with pyld (jsonld.js's sibling, the same
algorithms): compact ``treatykg.jsonld`` with ``context.jsonld``, frame it by ``type``, walk
``treatykg.framed.jsonld`` with ``.map``. Each test fails on the release before the change:
``rdf:type`` written as a property, a property's value a string on one node and an array on
another, topics as bare IRIs, ``"articleCount": "23"``, properties without a term. And the
JSON-LD must still be the same RDF: every check that reshapes it compares graphs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from pyld import jsonld as pyld
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from generated_corpus import published
from treatykg.namespaces import TKG
from treatykg.publish.jsonld import CONTEXT_PREFIXES, build_context, framed, refuse_to_load
from treatykg.rdf import serialize
from treatykg.rdf.jsonld_types import types_as_keyword
from treatykg.rdf.load import load, load_ontology

#: The 2024 treaty, whose 23 articles the facts below are about.
TREATY = "https://w3id.org/treatykg/eli/treaty/2024/csp"
OPTIONS = {"documentLoader": refuse_to_load, "processingMode": "json-ld-1.1"}


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    return build_context(load_ontology())


def _expand(value: str) -> str:
    prefix, _, local = value.partition(":")
    return CONTEXT_PREFIXES[prefix] + local if prefix in CONTEXT_PREFIXES else value


def _pyld_graph(document: Any) -> Graph:
    """The RDF of a JSON-LD document, as pyld reads it (N-Quads into rdflib)."""
    nquads = pyld.to_rdf(document, {**OPTIONS, "format": "application/n-quads"})
    graph = Graph(bind_namespaces="none")
    graph.parse(data=nquads, format="nquads")
    return graph


def _nodes(value: Any) -> list[dict[str, Any]]:
    """Every node object in a JSON tree."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "id" in value or "@id" in value:
            found.append(value)
        for key, member in value.items():
            if key not in ("@context",):
                found += _nodes(member)
    elif isinstance(value, list):
        for item in value:
            found += _nodes(item)
    return found


# --- the context -------------------------------------------------------------------------------


def test_every_property_the_data_uses_has_a_term(context: dict[str, Any]) -> None:
    """The README says so; dcterms:bibliographicCitation and dcterms:title had none. (The
    data's properties: the ontology's own header and axioms are OWL, not what a web page
    reads.)"""
    data = load(None)
    terms = {
        _expand(d["@id"])
        for d in context.values()
        if isinstance(d, dict) and isinstance(d.get("@id"), str)
    }
    used = {str(p) for _s, p, _o, _g in data.quads((None, None, None, None)) if p != RDF.type}
    assert len(used) > 50
    assert sorted(used - terms) == []


def test_every_property_term_but_a_language_map_is_a_set(context: dict[str, Any]) -> None:
    for term, definition in context.items():
        if isinstance(definition, dict) and definition.get("@id") not in (None, "@id", "@type"):
            container = definition.get("@container")
            mixed = set(definition) == {"@id"}  # IRIs or literals: see context.py
            assert container in ("@set", "@language") or mixed, term


# --- treatykg.jsonld, the expanded dump ---------------------------------------------------------


@pytest.fixture(scope="module")
def dump(release: Path) -> bytes:
    return (release / "treatykg.jsonld").read_bytes()


def test_the_dump_writes_types_as_type(release: Path, dump: bytes) -> None:
    nodes = json.loads(dump)
    assert str(RDF.type).encode() not in dump
    typed = [n for n in nodes if "@type" in n]
    assert len(typed) > 500
    assert all(isinstance(n["@type"], list) for n in typed)
    # One node object per line, still.
    assert dump.count(b"\n") == len(nodes) + 2


def test_the_dump_is_the_same_rdf(release: Path, dump: bytes) -> None:
    expected = Graph(bind_namespaces="none")
    expected.parse(release / "treatykg.nt", format="nt")
    assert isomorphic(_pyld_graph(json.loads(dump)), expected)


def test_compacted_with_the_context_and_framed_by_type(
    release: Path, dump: bytes, context: dict[str, Any]
) -> None:
    """What the README tells a web developer to do, and what jsonld.frame did wrong."""
    published_context = json.loads((release / "context.jsonld").read_bytes())
    compacted = pyld.compact(json.loads(dump), published_context, OPTIONS)
    assert "rdf:type" not in json.dumps(compacted)
    frame = {"@context": published_context["@context"], "type": "tkg:BilateralTreaty"}
    result = pyld.frame(json.loads(dump), frame, {**OPTIONS, "embed": "@never"})
    treaties = result.get("@graph", [result])
    bilateral = Graph(bind_namespaces="none").parse(release / "treatykg.nt", format="nt")
    expected = {str(t) for t in bilateral.subjects(RDF.type, TKG.BilateralTreaty)}
    found = [t["id"] for t in treaties]
    assert sorted(found) == sorted(expected), (
        f"framing by type gave {found}, not every tkg:BilateralTreaty of the dump"
    )
    assert TREATY in found
    for treaty in treaties:
        types = treaty["type"]
        assert "tkg:BilateralTreaty" in (types if isinstance(types, list) else [types]), treaty


def test_types_as_keyword_keeps_what_type_cannot_hold() -> None:
    turtle = (
        b'<http://a> <http://p> "x\\"{\\"@id\\":" ; a <http://C>, <http://D> .\n'
        b'_:x a _:y .\n<http://b> a <http://C>, "literal" .\n'
        b'<http://c> <http://p> "{\\"http://www.w3.org/1999/02/22-rdf-syntax-ns#type\\":['
        b'{\\"@id\\":\\"http://X\\"}]}" .\n'
    )
    triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    text = types_as_keyword(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    nodes = {n["@id"]: n for n in json.loads(text)}
    assert nodes["http://a"]["@type"] == ["http://C", "http://D"]
    assert nodes["http://a"]["http://p"] == [{"@value": 'x"{"@id":'}]
    assert "@type" not in nodes["_:x"] and "@type" not in nodes["http://b"]
    assert "@type" not in nodes["http://c"]  # the member's text inside a string is a string
    expected = Graph(bind_namespaces="none")
    expected.parse(data=turtle, format="turtle")
    assert isomorphic(_pyld_graph(json.loads(text)), expected)


def test_types_as_keyword_agrees_with_a_rewrite_of_the_parsed_json(release: Path) -> None:
    """The rewrite in the bytes, checked against the obvious one (parse, move, compare) on
    every node of the release: the same members, nothing else touched."""
    triples = list(ox.parse(path=str(release / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES))
    text = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
    expected = json.loads(text)
    for node in expected:
        types = node.get(str(RDF.type), [])
        if types and all(set(t) == {"@id"} and not t["@id"].startswith("_:") for t in types):
            node["@type"] = [t["@id"] for t in node.pop(str(RDF.type))]
    assert json.loads(types_as_keyword(text)) == expected
    assert sum("@type" in node for node in expected) > 500


#: A CONSTRUCT of typed nodes with a blank node: what ``query --format json`` and ``/sparql``
#: must write with ``@type``, as the dump is.
CONSTRUCT_TYPED = """
PREFIX tkg: <https://w3id.org/treatykg/def#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
CONSTRUCT {
  ?article a ?class ; eli:number ?n ; <http://example.org/note> [ a <http://example.org/Note> ]
}
WHERE { ?article a tkg:Article ; a ?class ; eli:number ?n }
"""


def _typed_json_ld(text: bytes, turtle: bytes) -> list[dict[str, Any]]:
    """The nodes of a CONSTRUCT's JSON-LD, checked to carry ``@type`` and no ``rdf:type``
    member, and to be the same RDF as the same query's Turtle."""
    nodes = json.loads(text)
    assert len(nodes) > 23 and str(RDF.type).encode() not in text
    assert all(isinstance(n["@type"], list) for n in nodes), nodes[:3]
    expected = Graph(bind_namespaces="none")
    expected.parse(data=turtle, format="turtle")
    assert isomorphic(_pyld_graph(nodes), expected)
    return nodes


def test_query_format_json_writes_types_as_type(
    release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from treatykg.cli import main  # (imported here: the CLI is this test's only user of it)

    query = tmp_path / "typed.rq"
    query.write_text(CONSTRUCT_TYPED, encoding="utf-8")
    answers = {}
    for fmt in ("json", "turtle"):
        capsys.readouterr()
        assert main(["query", str(query), "--build", str(release), "--format", fmt]) == 0
        answers[fmt] = capsys.readouterr().out.encode("utf-8")
    assert answers["json"].endswith(b"\n")  # a line, as every other format writes
    nodes = _typed_json_ld(answers["json"], answers["turtle"])
    articles = {n["@id"] for n in nodes if str(TKG.Article) in n["@type"]}
    missing = {f"{TREATY}/art_{n}" for n in range(1, 24)} - articles
    assert not missing, f"articles of the 2024 treaty missing from the answer: {sorted(missing)}"


# --- the framed view ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def framed_view(context: dict[str, Any]) -> dict[str, Any]:
    _graph, store = published()
    return json.loads(framed(store, context))


def test_a_property_s_shape_never_depends_on_the_data(
    framed_view: dict[str, Any], context: dict[str, Any]
) -> None:
    sets = {t for t, d in context.items() if isinstance(d, dict) and d.get("@container") == "@set"}
    seen: set[str] = set()
    for node in _nodes(framed_view["@graph"]):
        for key, value in node.items():
            if key in sets:
                assert isinstance(value, list), (node["id"], key, value)
                seen.add(key)
    assert {"source", "topic", "cites", "party", "articles", "norms", "obligations"} <= seen


def test_the_treaty_s_articles_and_topics_as_javascript_reads_them(
    framed_view: dict[str, Any],
) -> None:
    treaty = next((node for node in framed_view["@graph"] if node["id"] == TREATY), None)
    assert treaty is not None, "the 2024 treaty is not in the framed view"
    assert treaty["articleCount"] == [23]  # a number, not "23"
    articles = [a for a in treaty["articles"] if "tkg:Article" in a["type"]]
    assert len(articles) == 23
    article_4 = next(a for a in articles if a["number"] == ["4"])
    labels = [topic["label"]["en"] for topic in article_4["topic"]]
    assert labels and all(isinstance(label, str) for label in labels)
    obligations = [o for n in article_4["norms"] for o in n.get("obligations", [])]
    assert obligations and all(o["bearer"][0]["label"]["en"] for o in obligations)
    assert all(o["deonticType"][0]["label"]["en"] for o in obligations)


def test_the_framed_view_is_the_same_rdf_as_its_subgraph(
    framed_view: dict[str, Any], release: Path
) -> None:
    """Every triple of the framed view is in the release, numbers included."""
    release_graph = Graph(bind_namespaces="none")
    release_graph.parse(release / "treatykg.nt", format="nt")
    view = _pyld_graph(framed_view)
    assert len(view) > 500
    missing = [t for t in view if t not in release_graph]
    assert missing == []
    count = view.value(URIRef(TREATY), TKG.articleCount)
    assert isinstance(count, Literal) and str(count) == "23", f"the 2024 treaty's count: {count}"


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lexical", "number"),
    [
        ("23", 23),
        ("0", 0),
        ("-5", -5),
        ("023", None),
        ("+23", None),
        ("-0", None),
        (str(2**53 - 1), 2**53 - 1),
        (str(2**53), None),
        ("1e3", None),
    ],
)
def test_only_canonical_safe_integers_become_numbers(lexical: str, number: int | None) -> None:
    assert serialize.integer_number(lexical) == number


def test_resource_documents_write_derived_integers_as_numbers_losslessly(
    context: dict[str, Any],
) -> None:
    graph = Graph(bind_namespaces="none")
    treaty = URIRef("https://w3id.org/treatykg/eli/treaty/2024/x")
    positive = URIRef("http://www.w3.org/2001/XMLSchema#positiveInteger")
    graph.add((treaty, TKG.articleCount, Literal("23", datatype=positive, normalize=False)))
    graph.add((treaty, TKG.articleCount, Literal("007", datatype=positive, normalize=False)))
    document = json.loads(serialize.jsonld(graph, context))
    (node,) = document["@graph"]
    assert node["articleCount"] == ["007", 23]  # canonical order: by JSON text
    nquads = pyld.to_rdf(document, {**OPTIONS, "format": "application/n-quads"})
    assert sorted(nquads.splitlines()) == sorted(
        f'<{treaty}> <{TKG.articleCount}> "{n}"^^<{positive}> .' for n in ("007", "23")
    )
