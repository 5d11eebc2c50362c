"""The fast engine (treatykg.validation.engine) and pySHACL, the reference, report the same results.

`treatykg validate` and `treatykg build` publish the fast engine's report, so it must say what
pySHACL says: the same multiset of (focus node, path, value, constraint component, source shape,
severity), as many results of each kind, compared on the bundled data, the valid example, every
counter-example (each breaks different shapes, so together they exercise every shape), and
generated corpora with injected defects of every kind. A shape the fast engine cannot compile
goes to pySHACL, and says so.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl_turbo
import pytest
from rdflib import Graph

from generated_corpus import generate
from locations import ROOT
from shacl_results import result_keys as results
from treatykg.rdf.load import load, load_ontology, load_shapes
from treatykg.validation.engine import UnsupportedError
from treatykg.validation.engine.shapes import Shapes
from treatykg.validation.validate import validate

EXAMPLES = ROOT / "shapes" / "examples"
KITCHEN_SINK = EXAMPLES / "valid" / "kitchen-sink.ttl"
CASES = [None, KITCHEN_SINK, *sorted((EXAMPLES / "invalid").glob("*.ttl"))]


def _fast(data: Graph, *, shapes: Graph, ontology: Graph):
    """The compiled engine alone (``auto`` would let pyshacl-turbo answer for clean data)."""
    import importlib

    return importlib.import_module("treatykg.validation.validate")._run_fast(data, shapes, ontology)


def _both(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None):
    shapes = load_shapes() if shapes is None else shapes
    ontology = load_ontology() if ontology is None else ontology
    fast = _fast(data, shapes=shapes, ontology=ontology)
    reference = validate(data, shapes=shapes, ontology=ontology, engine="pyshacl")
    return fast, reference


@pytest.mark.parametrize("case", CASES, ids=lambda c: "bundled-data" if c is None else c.name)
def test_engines_report_the_same_results(case: Path | None) -> None:
    data = load() if case is None else load([KITCHEN_SINK, case])
    fast, reference = _both(data)
    assert fast.engine.startswith("oxigraph")
    assert fast.conforms == reference.conforms
    assert results(fast.graph) == results(reference.graph)
    assert len(fast.results) == sum(results(fast.graph).values())  # every result, counted
    if case not in (None, KITCHEN_SINK):
        assert not fast.conforms, "a counter-example must not conform"
    # pyshacl-turbo answers first for small clean graphs: it must agree too.
    merged = Graph()
    for s, p, o, _ in data.quads((None, None, None, None)):
        merged.add((s, p, o))
    merged += load_ontology()
    options = {"inference": "none", "advanced": True, "allow_warnings": True}
    turbo_conforms, turbo, _ = pyshacl_turbo.validate(merged, shacl_graph=load_shapes(), **options)
    assert turbo_conforms == reference.conforms
    assert results(turbo) == results(reference.graph)


@pytest.mark.parametrize("seed", [1, 7])
def test_engines_agree_on_a_generated_corpus_with_every_kind_of_defect(
    tmp_path: Path, seed: int
) -> None:
    generate(tmp_path, 4, seed, inject=True)
    fast, reference = _both(load([tmp_path]))
    assert fast.engine == "oxigraph" and not fast.fallback
    assert results(fast.graph) == results(reference.graph)
    lines = (tmp_path / "injected.tsv").read_text(encoding="utf-8").splitlines()[1:]
    expected = {tuple(line.split("\t")) for line in lines}
    found = {
        (str(r.focus_node), str(r.source_shape), str(r.constraint_component)) for r in fast.results
    }
    assert found == expected


def test_engines_agree_on_a_clean_generated_corpus(tmp_path: Path) -> None:
    generate(tmp_path, 3, 3)
    fast, reference = _both(load([tmp_path]))
    assert fast.conforms and reference.conforms
    assert fast.engine == "oxigraph"


SHAPES_PREFIXES = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix ex: <http://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)


def _graph(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(SHAPES_PREFIXES + text, encoding="utf-8")
    return path


def test_a_shape_the_fast_engine_cannot_compile_goes_to_pyshacl(tmp_path: Path) -> None:
    """sh:equals is not compiled: pySHACL validates that shape, the report names it, and the
    results are still exactly the reference's (the compiled shape's results included)."""
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:Same a sh:NodeShape ; sh:targetClass ex:T ;\n"
            "  sh:property [ sh:path ex:a ; sh:equals ex:b ] .\n"
            "ex:Counted a sh:NodeShape ; sh:targetClass ex:T ;\n"
            "  sh:property [ sh:path ex:a ; sh:maxCount 1 ] .\n",
        )
    )
    data = load(
        _graph(
            tmp_path,
            "data.ttl",
            "ex:x a ex:T ; ex:a 1, 2 ; ex:b 1 .\nex:y a ex:T ; ex:a 1 ; ex:b 1 .\n",
        )
    )
    fast, reference = _both(data, shapes, Graph())
    assert fast.engine == "oxigraph+pyshacl"
    assert len(fast.fallback) == 1 and "sh:equals" in fast.fallback[0]
    assert results(fast.graph) == results(reference.graph)
    assert {str(r.constraint_component).rsplit("#")[1] for r in fast.results} == {
        "EqualsConstraintComponent",
        "MaxCountConstraintComponent",
    }
    with pytest.raises(UnsupportedError):
        from treatykg.validation.engine.compile import compile_shape
        from treatykg.validation.engine.targets import top_level

        s = Shapes(shapes)
        for shape in top_level(s):
            compile_shape(s, shape)


def test_literals_are_judged_as_written_not_as_the_store_keeps_them(tmp_path: Path) -> None:
    """A pyoxigraph Store keeps "2"^^xsd:positiveInteger as "2"^^xsd:integer and merges it with
    a real "2"^^xsd:integer; the fast engine still sees two values of two datatypes."""
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
            "  sh:property [ sh:path ex:n ; sh:datatype xsd:positiveInteger ; sh:maxCount 1 ] .\n",
        )
    )
    data = load(
        _graph(
            tmp_path,
            "data.ttl",
            'ex:ok a ex:T ; ex:n "2"^^xsd:positiveInteger .\n'
            'ex:bad a ex:T ; ex:n "3"^^xsd:integer .\n'
            'ex:both a ex:T ; ex:n "2"^^xsd:positiveInteger, "2"^^xsd:integer .\n'
            'ex:illtyped a ex:T ; ex:n "-4"^^xsd:positiveInteger .\n',
        )
    )
    fast, reference = _both(data, shapes, Graph())
    assert fast.engine == "oxigraph"
    assert results(fast.graph) == results(reference.graph)
    assert {
        (str(r.focus_node).rsplit("/")[-1], str(r.constraint_component).rsplit("#")[1])
        for r in fast.results
    } == {
        ("bad", "DatatypeConstraintComponent"),
        ("both", "DatatypeConstraintComponent"),
        ("both", "MaxCountConstraintComponent"),
        ("illtyped", "DatatypeConstraintComponent"),
    }


def test_engines_agree_on_paths_counts_and_class_hierarchies(tmp_path: Path) -> None:
    """Counts and value checks on complex paths (their values deduplicated), on several
    predicates of the same focus nodes (one query), classes with subclasses in the data
    (one of them a blank node, which the engine cannot list), and languages by subtag."""
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
            "  sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ; sh:maxCount 2 ;\n"
            "    sh:class ex:C ; sh:uniqueLang true ] ;\n"
            "  sh:property [ sh:path [ sh:inversePath ex:ref ] ; sh:maxCount 1 ] ;\n"
            "  sh:property [ sh:path [ sh:alternativePath ( ex:l ex:m ) ] ;\n"
            '    sh:qualifiedValueShape [ sh:languageIn ( "en-US" "fr" ) ] ;\n'
            "    sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ;\n"
            "  sh:property [ sh:path [ sh:zeroOrMorePath ex:next ] ; sh:class ex:T ;\n"
            "    sh:maxCount 3 ] ;\n"
            '  sh:property [ sh:path ex:l ; sh:uniqueLang true ; sh:hasValue "hi"@en ] ;\n'
            '  sh:property [ sh:path ex:l ; sh:languageIn ( "en" "fr" ) ; sh:maxCount 3 ] ;\n'
            "  sh:property [ sh:path ex:d ; sh:datatype xsd:date ; sh:maxCount 1 ] ;\n"
            '  sh:property [ sh:path ex:k ; sh:in ( ex:x "zz" ) ; sh:minLength 3 ] ;\n'
            "  sh:property [ sh:path ex:q ; sh:qualifiedValueShape [ sh:class ex:C ] ;\n"
            "    sh:qualifiedMinCount 2 ] .\n"
            "ex:Sup a rdfs:Class, sh:NodeShape ; sh:closed true ;\n"
            "  sh:ignoredProperties ( rdf:type ex:p ) ;\n"
            "  sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:class ex:Sup ] .\n"
            "ex:W a sh:NodeShape ; sh:targetSubjectsOf ex:ref ;\n"
            "  sh:property [ sh:path ex:ref ; sh:class ex:T ; sh:minCount 2 ] .\n",
        )
    )
    data = load(
        _graph(
            tmp_path,
            "data.ttl",
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "ex:Sub rdfs:subClassOf ex:T . ex:Sub2 rdfs:subClassOf ex:Sub .\n"
            "_:anonymous rdfs:subClassOf ex:T . ex:Csub rdfs:subClassOf ex:C .\n"
            "ex:SupSub rdfs:subClassOf ex:Sup .\n"
            'ex:t1 a ex:T ; ex:a ex:a1, ex:a2 ; ex:l "hi"@en, "x"@EN, "y"@en-us, "z"@fr-CA ;\n'
            '  ex:m "w"@fr ; ex:d "2020-01-01"^^xsd:date, "2020-13-01"^^xsd:date ;\n'
            '  ex:k ex:x, "zz" ; ex:next ex:t2 ; ex:q ex:c1 .\n'
            'ex:a1 ex:b ex:c1, ex:c2, "lit"@en . ex:a2 ex:b ex:c1, "lit2"@EN .\n'
            "ex:c1 a ex:Csub . ex:c2 a ex:C .\n"
            'ex:t2 a ex:Sub2 ; ex:next ex:t3 ; ex:l "hi"@en ; ex:m "m"@en-US ;\n'
            '  ex:d "2021-02-03"^^xsd:date ; ex:k "http://x" .\n'
            "ex:t3 a _:anonymous ; ex:next ex:t1, ex:t4 . ex:t4 a ex:Other .\n"
            '_:b1 a ex:T ; ex:ref ex:t1, _:b2 ; ex:l "a"@de, "b"@DE .\n'
            "_:b2 ex:ref _:b1 . ex:r1 ex:ref ex:t2 . ex:r2 ex:ref ex:t2, ex:t1 .\n"
            "ex:s1 a ex:SupSub ; ex:p ex:s1 ; ex:extra 1 . ex:s2 a ex:Sup ; ex:p ex:t1 .\n"
            "_:b3 a ex:Sup .\n",
        )
    )
    fast, reference = _both(data, shapes, Graph())
    assert fast.engine == "oxigraph"
    assert results(fast.graph) == results(reference.graph)
    components = {str(r.constraint_component).rsplit("#")[1] for r in fast.results}
    assert {
        "ClassConstraintComponent",
        "ClosedConstraintComponent",
        "DatatypeConstraintComponent",
        "HasValueConstraintComponent",
        "MaxCountConstraintComponent",
        "MinCountConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "QualifiedMinCountConstraintComponent",
        "UniqueLangConstraintComponent",
    } <= components


def test_warnings_are_reported_and_do_not_fail(tmp_path: Path) -> None:
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ;\n"
            '  sh:minCount 1 ; sh:severity sh:Warning ; sh:message "advice" ] .\n',
        )
    )
    data = load(_graph(tmp_path, "data.ttl", "ex:x a ex:T .\n"))
    fast, reference = _both(data, shapes, Graph())
    assert fast.conforms and fast.warnings == 1 and fast.engine == "oxigraph"
    assert results(fast.graph) == results(reference.graph)
    assert [r.message for r in fast.results] == ["advice"]


def test_engine_choice() -> None:
    assert validate(engine="auto").engine == "pyshacl-turbo"  # small and clean
    invalid = load([KITCHEN_SINK, EXAMPLES / "invalid" / "article-numbering.ttl"])
    assert validate(invalid, engine="auto").engine.startswith("oxigraph")
    assert validate(engine="pyshacl").engine == "pyshacl"


def test_unknown_engine_is_a_usage_error() -> None:
    from treatykg.errors import UsageError

    with pytest.raises(UsageError, match="unknown validation engine"):
        validate(engine="fastest")


def test_node_shape_has_value_matches_the_reference(tmp_path: Path) -> None:
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:Only a sh:NodeShape ; sh:targetNode ex:a , ex:b ; sh:hasValue ex:a .\n",
        )
    )
    data = load(_graph(tmp_path, "data.ttl", "ex:a ex:p ex:b .\n"))
    fast, reference = _both(data, shapes, Graph())
    assert results(fast.graph) == results(reference.graph)
    assert [str(r.focus_node) for r in fast.results] == ["http://example.org/b"]


def test_the_fast_engine_compiles_every_bundled_shape() -> None:
    """Whatever the data, none of our own shapes is left to pySHACL: the fast path stays fast,
    and pyshacl-turbo may give its quick verdict on them (it may only where all compile)."""
    from treatykg.validation import engine as shacl
    from treatykg.validation.validate import _turbo_may_answer

    shapes = load_shapes()
    assert shacl.unsupported(shapes) == {}
    assert _turbo_may_answer(shapes)


@pytest.mark.parametrize("pair", ["lessThan", "lessThanOrEquals"])
def test_pairs_count_every_literal_as_written(tmp_path: Path, pair: str) -> None:
    """SHACL gives one result per failing pair of values, and pySHACL pairs the literals as
    written. A pyoxigraph Store keeps one literal for "05"^^xsd:integer and 5, or for
    "4"^^xsd:positiveInteger and 4: the fast engine gave one result for each such pair where
    pySHACL gives two, which only a comparison of multisets sees."""
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:S a sh:NodeShape ; sh:targetClass ex:T ;\n"
            f"  sh:property [ sh:path ex:start ; sh:{pair} ex:end ] ;\n"
            f"  sh:property [ sh:path [ sh:alternativePath ( ex:start ex:begin ) ] ;"
            f" sh:{pair} ex:end ] .\n",
        )
    )
    data = load(
        _graph(
            tmp_path,
            "data.ttl",
            'ex:x a ex:T ; ex:start "05"^^xsd:integer, 5 ; ex:end 3 .\n'
            'ex:y a ex:T ; ex:start 9 ; ex:end "4"^^xsd:positiveInteger, 4 .\n'
            "ex:z a ex:T ; ex:start 2, 8 ; ex:end 1, 5 .\n"
            'ex:w a ex:T ; ex:start 5 ; ex:end "5"^^xsd:positiveInteger, 5 .\n',
        )
    )
    fast, reference = _both(data, shapes, Graph())
    assert results(fast.graph) == results(reference.graph)
    # x: 2 values as written x 1; y: 1 x 2; z: (2,1), (8,1), (8,5); w: 5 < 5 fails twice.
    # Each result once per property shape.
    expected = 2 * (2 + 2 + 3 + (2 if pair == "lessThan" else 0))
    assert sum(results(fast.graph).values()) == len(fast.results) == expected
    assert {str(r.value) for r in fast.results if str(r.focus_node).endswith("/x")} == {"05", "5"}


def test_text_with_a_carriage_return_is_written_into_queries_escaped(tmp_path: Path) -> None:
    """Text from the shapes graph goes into a query through one escaper; a carriage return
    in a pattern must be escaped, as SPARQL strings may not hold one as it is."""
    shapes = load_shapes(
        _graph(
            tmp_path,
            "shapes.ttl",
            "ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n"
            '  sh:property [ sh:path ex:p ; sh:pattern "^a\\rb$" ] ;\n'
            '  sh:property [ sh:path ex:p ; sh:in ( "a\\rb" "x\\"y\\\\z" ) ] .\n',
        )
    )
    data = load(_graph(tmp_path, "data.ttl", 'ex:a ex:p "a\\rb", "a\\nb", "x\\"y\\\\z" .\n'))
    fast, reference = _both(data, shapes, Graph())
    assert fast.engine == "oxigraph"
    assert results(fast.graph) == results(reference.graph)
    assert sorted(str(r.value) for r in fast.results) == ["a\nb", "a\nb", 'x"y\\z']
