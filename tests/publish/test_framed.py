"""The framed view (treatykg.framed.jsonld) written directly from a Store is what pyld frames.

:func:`treatykg.publish.jsonld.framed` builds the framed tree from SPARQL results and writes it as
canonical JSON; :func:`treatykg.publish.jsonld.framed_by_pyld` asks pyld, the JSON-LD reference
processor, to frame the same subgraph. The two must give the same bytes: on the bundled data,
on a generated corpus, and on a small graph made of the odd cases the direct writer models
(values that do not fit their term, keys without a term, embedded nodes that are not on the
frame's path, ties between article numbers, escapes).

:func:`treatykg.publish.jsonld.write_framed` writes the same bytes a batch of treaties at a
time: with batches of one treaty, on a graph whose treaties embed each other's nodes; and it
falls back on the whole subgraph, rewinding its file, for what the batches do not model.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph

from generated_corpus import generate, published
from treatykg.publish.jsonld import build_context, framed, framed_by_pyld, write_framed
from treatykg.publish.jsonld import framing as jsonld_context
from treatykg.rdf import serialize
from treatykg.rdf.load import load_ontology


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    return build_context(load_ontology())


def _direct_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on framed() must not fall back on pyld (the comparison would be trivial)."""

    def refuse(*args: object) -> bytes:
        raise AssertionError("framed() fell back on pyld")

    monkeypatch.setattr(jsonld_context, "framed_by_pyld", refuse)


def _batches_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on write_framed() must not fall back on the whole subgraph either."""
    _direct_only(monkeypatch)

    def refuse(*args: object) -> bytes:
        raise AssertionError("write_framed() fell back on the whole subgraph")

    monkeypatch.setattr(jsonld_context, "_framed_whole", refuse)


def _written(data: ox.Store, context: dict[str, Any], batch_size: int) -> bytes:
    out = io.BytesIO()
    write_framed(data, context, out, batch_size=batch_size)
    return out.getvalue()


def _store(graph: Graph) -> ox.Store:
    store = ox.Store()
    store.load(serialize.ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return store


def test_bundled_data_gives_pyld_s_bytes(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, store = published()
    expected = framed_by_pyld(graph, context)
    _batches_only(monkeypatch)
    assert framed(store, context) == expected
    assert framed(graph, context) == expected
    treaties = json.loads(expected)["@graph"]
    assert treaties and all(treaty["articles"] for treaty in treaties)


def test_generated_corpus_gives_pyld_s_bytes(
    context: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, store = published(generate(tmp_path, treaties=5))
    expected = framed_by_pyld(graph, context)
    _batches_only(monkeypatch)
    assert framed(store, context) == expected
    assert _written(store, context, batch_size=2) == expected
    document = json.loads(expected)
    assert len(document["@graph"]) == 5
    obligation = document["@graph"][0]["articles"][0]["norms"][0]["obligations"][0]
    assert obligation["bearer"][0]["label"]["en"]  # linked nodes embedded with their labels
    assert obligation["deonticType"][0]["label"]["en"]  # and the concepts too
    assert isinstance(obligation["derivedFrom"][0], str)  # ancestors stay references


EDGE_CASES = r"""
@prefix tkg: <https://w3id.org/treatykg/def#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix t: <https://w3id.org/treatykg/eli/treaty/2090/edge/> .
@prefix id: <https://w3id.org/treatykg/id/> .

<https://w3id.org/treatykg/eli/treaty/2090/edge> a tkg:BilateralTreaty , tkg:Treaty ;
    rdfs:label "Edge treaty"@en , "edge"@en , "untagged label" , "traité \"limite\"\\n"@fr ;
    tkg:articleCount "3"^^xsd:positiveInteger ;
    tkg:indefiniteDuration true ;
    rdfs:comment "a property without a term" , "tab\there, new\nline, \u0001 and \u2028" ;
    <https://example.org/weight> 1.5 , 2.5e0 , 7 , "x"^^xsd:token , "y"@de ;
    tkg:party id:state-x , id:state-y ;
    skos:note <https://example.org/not-described> , id:state-x ;
    rdfs:label <https://example.org/an-iri-as-a-label> ;
    dcterms:source id:source-1 , id:source-2 .

t:art_1 a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    eli:number "1" ; rdfs:label "Article 1"@en .
t:art_2 a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    eli:number "2" ; tkg:cites t:art_1 , t:art_2 .
t:art_2b a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    eli:number "2" ; rdfs:label "the other article 2"@en .
t:art_x a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> .
t:art_10 a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    eli:number "10" , "10a" .
t:art_9 a tkg:Article ; eli:is_part_of <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    eli:number "9"^^xsd:token .

id:norm-1 a tkg:Norm ; tkg:expressedBy t:art_1 , t:art_2 ; tkg:legalBasis id:charter ;
    tkg:cites id:norm-1 , <https://w3id.org/treatykg/eli/treaty/2090/edge> ;
    rdfs:label "Norm"@en .
id:obligation-1 a tkg:DirectedObligation ; tkg:derivedFrom id:norm-1 ;
    tkg:bearer id:state-x ; tkg:beneficiary id:state-y ; tkg:condition id:condition-1 .
id:condition-1 a tkg:Condition ; rdfs:label "if attacked"@en ; tkg:bearer id:state-x ;
    tkg:legalBasis id:charter .
id:state-x rdfs:label "X"@en , "Икс"@ru , "Ex"@en ; tkg:party id:state-y .
id:state-y rdfs:label "Y"@en .
id:charter rdfs:label "Charter"@en .
"""


def test_odd_cases_give_pyld_s_bytes(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Graph().parse(data=EDGE_CASES, format="turtle")
    expected = framed_by_pyld(graph, context)
    _direct_only(monkeypatch)
    assert framed(_store(graph), context) == expected
    (treaty,) = json.loads(expected)["@graph"]
    # The odd cases are there: a plain label in the language map, keys without terms,
    # value objects, articles with the same number, an embedded article.
    assert treaty["label"]["@none"] == "untagged label"
    assert "rdfs:comment" in treaty and "https://example.org/weight" in treaty
    numbers = [article.get("number") for article in treaty["articles"]]
    assert numbers[:3] == [["1"], ["2"], ["2"]]  # a @set term: always an array


def test_a_store_s_integers_get_the_datatype_their_term_declares(
    context: dict[str, Any],
) -> None:
    """A Store reads "3"^^xsd:positiveInteger back as an xsd:integer; the framed view writes
    it as the positiveInteger it was (the shapes allow nothing else for tkg:articleCount)."""
    graph = Graph().parse(data=EDGE_CASES, format="turtle")
    store = _store(graph)
    positive = "<http://www.w3.org/2001/XMLSchema#positiveInteger>"
    assert not bool(store.query(f"ASK {{ ?s ?p ?o FILTER(DATATYPE(?o) = {positive}) }}"))
    (treaty,) = json.loads(framed(store, context))["@graph"]
    assert treaty["articleCount"] == [3]  # a JSON number, read back as the positiveInteger


def test_blank_nodes_are_framed_by_pyld(context: dict[str, Any]) -> None:
    """The direct writer does not model blank nodes; pyld frames such a graph."""
    data = EDGE_CASES + '\nid:obligation-1 tkg:condition [ rdfs:label "anonymous"@en ] .\n'
    graph = Graph().parse(data=data, format="turtle")
    assert framed(_store(graph), context) == framed_by_pyld(graph, context)
    assert b"anonymous" in framed(_store(graph), context)


CROSSED = r"""
@prefix tkg: <https://w3id.org/treatykg/def#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/treatykg/eli/treaty/2090/> .
@prefix id: <https://w3id.org/treatykg/id/> .

t:one a tkg:Treaty ; rdfs:label "One"@en ; tkg:party id:state-x ; tkg:cites t:three ;
    tkg:replaces t:two ; skos:note id:state-y .
t:one\/preamble a tkg:Preamble ; eli:is_part_of t:one ; rdfs:label "Preamble"@en .
t:one\/art_1 a tkg:Article ; eli:is_part_of t:one ; eli:number "1" ; tkg:cites t:two\/art_1 .
t:two a tkg:BilateralTreaty ; rdfs:label "Two"@en ; tkg:party id:state-x , id:state-y .
t:two\/art_1 a tkg:Article ; eli:is_part_of t:two ; eli:number "1" .
t:two\/art_2 a tkg:Article ; eli:is_part_of t:two , t:one ; eli:number "2" .
t:three a tkg:Treaty ; rdfs:label "Three, without articles"@en ; tkg:party id:state-z .
id:norm-1 a tkg:Norm ; tkg:expressedBy t:one\/art_1 , t:two\/art_1 ; tkg:cites t:two ;
    tkg:legalBasis id:charter .
id:obligation-1 a tkg:DirectedObligation ; tkg:derivedFrom id:norm-1 ; tkg:bearer id:state-x ;
    tkg:condition id:condition-1 .
id:condition-1 a tkg:Condition ; rdfs:label "if attacked"@en ; tkg:bearer id:state-y .
id:norm-2 a tkg:Norm ; tkg:expressedBy t:two\/art_2 ; skos:note id:condition-1 , id:obligation-1 .
id:state-x rdfs:label "X"@en .
id:state-y rdfs:label "Y"@en .
id:state-z rdfs:label "Z"@en .
id:charter rdfs:label "Charter"@en .
"""
"""Two treaties that embed each other's nodes: a treaty, an article, a norm and an obligation
of one are values in the other; an article is part of both; a condition and a state are reached
from the other treaty by a property that does not link (``skos:note``), so whether they show
in full, with their labels or as IDs depends on the other treaty's tree; a treaty without
articles is linked (labels only); a preamble is a part that is not an article."""


def test_batches_of_one_treaty_write_the_whole_document(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Graph().parse(data=CROSSED, format="turtle")
    expected = framed_by_pyld(graph, context)
    _batches_only(monkeypatch)
    store = _store(graph)
    assert [_written(store, context, size) for size in (1, 2)] == [expected, expected]
    treaties = json.loads(expected)["@graph"]
    assert [treaty["replaces"][0]["id"] for treaty in treaties if "replaces" in treaty] == [
        treaties[1]["id"]  # the other batch's treaty, in full
    ]


@pytest.mark.parametrize(
    "odd",
    [
        "t:two eli:is_part_of t:one .",  # a treaty with articles that is part of one
        "id:condition-1 eli:is_part_of t:one .",  # a condition that is part of a treaty
        "id:norm-1 a tkg:Treaty .",  # a frame match without articles
        # a blank node, in the second treaty's tree only: the first batch was written
        "id:norm-3 tkg:expressedBy t:two\\/art_1 . id:obligation-3 tkg:derivedFrom id:norm-3 ;"
        ' tkg:condition [ rdfs:label "anonymous"@en ] .',
    ],
)
def test_what_batches_do_not_model_is_framed_whole_from_where_the_file_was(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    graph = Graph().parse(data=CROSSED + odd, format="turtle")
    expected = framed_by_pyld(graph, context)
    whole: list[bool] = []
    framed_whole = jsonld_context._framed_whole

    def spy(*args: Any) -> bytes:
        whole.append(True)
        return framed_whole(*args)

    monkeypatch.setattr(jsonld_context, "_framed_whole", spy)
    out = io.BytesIO(b"before ")
    out.seek(0, io.SEEK_END)
    write_framed(_store(graph), context, out, batch_size=1)
    assert out.getvalue() == b"before " + expected
    assert whole == [True]


def test_a_file_that_cannot_seek_gets_the_same_bytes(context: dict[str, Any]) -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    graph = Graph().parse(data=CROSSED, format="turtle")
    out = Pipe()
    write_framed(_store(graph), context, out, batch_size=1)
    assert out.getvalue() == framed_by_pyld(graph, context)
