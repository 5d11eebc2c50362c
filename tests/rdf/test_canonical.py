"""The corpus-scale path (pyoxigraph quads, sorted lines) writes exactly what the rdflib path
writes: the same bytes for Turtle, N-Triples, TriG and N-Quads, whatever the input order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from treatykg.errors import InputError
from treatykg.rdf import serialize
from treatykg.rdf.load import load, load_quads
from treatykg.rdf.terms import TermConverter

TRIG = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:T ; ex:p "01"^^xsd:integer , "x"@en , "y" , [ ex:q ( 1 2 ) ] ; ex:r _:b .
_:b ex:s "tab\\tand \\"quote\\"" .
ex:g1 { ex:a ex:p "in g1" . _:b ex:s 2 . }
ex:g0 { ex:z ex:p ex:a . }
"""


def _rdflib_statements(dataset: Dataset) -> list[tuple]:
    return [
        (s, p, o, None if g == DATASET_DEFAULT_GRAPH_ID else g)
        for s, p, o, g in dataset.quads((None, None, None, None))
    ]


def test_bundled_data_gives_the_same_bytes_as_the_rdflib_path() -> None:
    quads = list(load_quads(None).quads())
    graph = load()
    canonical = serialize.sort_statements(quads, named_graphs=False)
    assert canonical.turtle() == serialize.turtle(graph)
    assert canonical.ntriples() == serialize.ntriples(graph)


def test_blank_nodes_literals_and_named_graphs(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    quads = list(load_quads([path]).quads())
    reference = _rdflib_statements(load([path]))
    canonical = serialize.sort_statements(quads)
    assert canonical.trig() == serialize.trig(reference)
    assert canonical.nquads() == serialize.nquads(reference)
    assert len(canonical) == len(set(map(str, quads)))
    with pytest.raises(serialize.NamedGraphsError):
        canonical.turtle()
    shuffled = quads[:]
    random.Random(7).shuffle(shuffled)
    again = serialize.sort_statements(shuffled + quads[:3])  # order and duplicates do not matter
    assert again.nquads() == canonical.nquads() and again.trig() == canonical.trig()


def test_jsonld_reads_back_as_the_same_dataset(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    canonical = serialize.sort_statements(list(load_quads([path]).quads()))
    document = canonical.jsonld()
    back = Dataset()
    back.parse(data=document.decode(), format="json-ld")
    expected = Dataset()
    expected.parse(data=canonical.nquads().decode(), format="nquads")
    for name in ("http://example.org/g1", "http://example.org/g0"):
        assert isomorphic(back.graph(name), expected.graph(name))
    assert isomorphic(
        back.graph(DATASET_DEFAULT_GRAPH_ID), expected.graph(DATASET_DEFAULT_GRAPH_ID)
    )
    # One node object per line: each default-graph subject once, each named graph once.
    lines = document.decode().splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    nodes = [json.loads(line.removesuffix(",")) for line in lines[1:-1]]
    subjects = {line.split(b" ", 1)[0] for line in canonical.default}
    assert len(nodes) == len(subjects) + len(canonical.named)
    ids = [node["@id"] for node in nodes]
    assert len(set(ids)) == len(ids)
    assert [node["@id"] for node in nodes if "@graph" in node] == [
        "http://example.org/g0",
        "http://example.org/g1",
    ]


def test_load_quads_matches_load_and_locates_errors(tmp_path: Path) -> None:
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    loaded = load_quads([path])
    ours = {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in loaded.quads()
    }
    theirs = {
        (
            TermConverter().to_oxigraph(s)[1],
            TermConverter().to_oxigraph(p)[1],
            TermConverter().to_oxigraph(o)[1],
            "DEFAULT" if g is None else TermConverter().to_oxigraph(g)[1],
        )
        for s, p, o, g in _rdflib_statements(load([path]))
    }
    assert {(s, p, o, "DEFAULT" if g == "DEFAULT" else g) for s, p, o, g in ours} == theirs
    assert loaded.graph_formats and loaded.files == (str(path),)
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/p> .\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_quads([bad])
    assert str(bad) in str(error.value) and ":1:" in str(error.value)


def test_a_store_would_not_keep_what_the_dumps_keep() -> None:
    """Why the dumps are written from the parsed quads and never from a Store."""
    literal = ox.Literal(
        "23", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#positiveInteger")
    )
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), literal)
    )
    (quad,) = list(store)
    assert quad.object != literal  # stored as xsd:integer
    canonical = serialize.sort_statements([ox.Quad(quad.subject, quad.predicate, literal)])
    assert b"positiveInteger" in canonical.ntriples()
