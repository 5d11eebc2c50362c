"""treatykg.rdf.store reads SELECT results as the N-Triples that pyoxigraph writes.

The exports compare, sort and write terms as N-Triples strings, so a cell must be exactly
``str(term)``: TSV writes numbers and booleans bare and leaves control characters raw, and
:func:`treatykg.rdf.graphstore.select` must undo both.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef

from treatykg.rdf import store as graphstore
from treatykg.rdf import terms

XSD = "http://www.w3.org/2001/XMLSchema#"
TRICKY = [
    "plain",
    "x y",
    "a\tb",
    "a\nb",
    "a\rb",
    "a\bb",
    "a\fb",
    "a\x01b",
    "a\x7fb",
    "a\u2028b",
    'a"b',
    "a\\b",
    "a\\u0041",
    "a'b",
    "\U0001f600",
]


def _store() -> ox.Store:
    store = ox.Store()
    terms: list[ox.Literal | ox.NamedNode | ox.BlankNode] = [ox.Literal(v) for v in TRICKY]
    terms += [ox.Literal(v, language="en-gb") for v in TRICKY[:4]]
    terms += [
        ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))
        for lexical, datatype in [
            ("1.0E0", "double"),
            ("-7", "integer"),
            ("-0.5", "decimal"),
            ("true", "boolean"),
            ("0", "boolean"),
            ("2024-01-01", "date"),
            ("5", "positiveInteger"),
            ("1.5E10", "double"),
            ("abc", "integer"),
            ("x", "token"),
        ]
    ]
    terms += [ox.NamedNode("http://example.org/é"), ox.BlankNode("b1")]
    for i, term in enumerate(terms):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i:03d}"), ox.NamedNode("p:p"), term))
    return store


def test_cells_are_the_ntriples_of_the_terms() -> None:
    store = _store()
    rows = list(
        graphstore.select(
            store, "SELECT ?s ?o ?unbound WHERE { ?s ?p ?o OPTIONAL { ?s <p:none> ?unbound } }"
        )
    )
    expected = {(str(q.subject), str(q.object), "") for q in store}
    assert len(rows) == len(expected) and set(rows) == expected


def test_literal_parts_read_back_the_values() -> None:
    store = _store()
    for (cell,) in graphstore.select(store, "SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }"):
        (quad,) = [q for q in store if str(q.object) == cell]
        literal = quad.object
        assert isinstance(literal, ox.Literal)
        assert terms.literal_parts(cell) == (
            literal.value,
            literal.language or "",
            literal.datatype.value,
        )
        assert terms.literal_term(*terms.literal_parts(cell)) == cell


def test_empty_results_and_columns() -> None:
    store = _store()
    assert list(graphstore.select(store, "SELECT ?x WHERE { ?x <p:none> ?y }")) == []
    assert graphstore.select_columns(store, "SELECT ?x ?y WHERE { ?x <p:none> ?y }") == [[], []]
    columns = graphstore.select_all(
        store, ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s <p:x> ?o }"]
    )
    assert columns == [[[f'"{len(store)}"^^<{XSD}integer>']], [[]]]


def test_graphs_are_loaded_and_datasets_are_their_union() -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal("x")))
    assert len(graphstore.as_store(graph)) == 1
    dataset = Dataset()
    for name in ("http://example.org/g", "http://example.org/h"):
        dataset.graph(URIRef(name)).add(
            (URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal("x"))
        )
    assert len(graphstore.as_store(dataset)) == 1
    store = ox.Store()
    triple = (ox.NamedNode("http://a"), ox.NamedNode("http://p"), ox.NamedNode("http://o"))
    store.add(ox.Quad(*triple))
    store.add(ox.Quad(*triple, ox.NamedNode("http://g")))
    store.add(ox.Quad(*triple[:2], ox.NamedNode("http://o2"), ox.NamedNode("http://g")))
    assert graphstore.union_store(store) is not store
    assert len(graphstore.union_store(store)) == 2
    plain = ox.Store()
    assert graphstore.union_store(plain) is plain
