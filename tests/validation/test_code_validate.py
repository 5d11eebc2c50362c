"""Tests of treatykg.validation.validate and treatykg.validation.report on the code fixtures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import SH

from locations import TESTS
from treatykg import Report, Result, TreatykgError, check_shapes, validate

FIXTURES = TESTS / "fixtures" / "code"
EX = Namespace("http://example.org/code#")
SHAPES = FIXTURES / "shapes.ttl"
ONTOLOGY = FIXTURES / "onto.ttl"


def check(*data: Path | str, ontology: Path | Graph = ONTOLOGY) -> Report:
    return validate(list(data), shapes=SHAPES, ontology=ontology)


def test_good_data_conforms() -> None:
    report = check(FIXTURES / "good.ttl", FIXTURES / "good.trig")
    assert report.conforms
    assert report.results == ()
    assert report.statements == 3 + 4
    assert report.files == (str(FIXTURES / "good.ttl"), str(FIXTURES / "good.trig"))
    assert next(report.graph.objects(None, SH.conforms)) == Literal(True)


def test_bad_data_gives_sorted_located_results() -> None:
    bad = str(FIXTURES / "bad.ttl")
    report = check(FIXTURES / "good.ttl", bad)
    assert not report.conforms
    assert report.results == (
        Result(
            focus_node=EX.bob,
            result_path=EX.name,
            value=None,
            source_shape=EX.PersonNameShape,
            constraint_component=SH.MinCountConstraintComponent,
            severity="Violation",
            message="A person needs a name.",
            files=(bad,),
        ),
        Result(
            focus_node=EX.bob,
            result_path=EX.status,
            value=Literal("sacked"),
            source_shape=EX.PersonStatusShape,
            constraint_component=SH.InConstraintComponent,
            severity="Warning",
            message="Status should be active or retired.",
            files=(bad,),
        ),
    )
    assert (report.violations, report.warnings, report.infos) == (1, 1, 0)
    assert next(report.graph.objects(None, SH.conforms)) == Literal(False)


def test_subclass_targets_need_the_ontology(tmp_path: Path) -> None:
    data = tmp_path / "employee.ttl"
    data.write_text("<http://example.org/code#frank> a <http://example.org/code#Employee> .\n")
    with_ontology = check(data)
    assert [r.focus_node for r in with_ontology.results] == [EX.frank]
    without_ontology = check(data, ontology=Graph())
    assert without_ontology.conforms
    assert without_ontology.results == ()


def test_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    data = tmp_path / "warn.ttl"
    data.write_text(
        '@prefix ex: <http://example.org/code#> .\nex:gus a ex:Person ; ex:name "Gus" ;'
        ' ex:status "on leave" .\n'
    )
    report = check(data)
    assert report.conforms
    assert (report.violations, report.warnings) == (0, 1)


def test_explicit_xsd_string_matches_plain_sh_in_values(tmp_path: Path) -> None:
    # The trap from the design notes: data holding "active"^^xsd:string against shapes that
    # rdflib parsed (plain "active" in sh:in) gave false sh:in results when terms were mixed.
    data = tmp_path / "typed.ttl"
    data.write_text(
        "@prefix ex: <http://example.org/code#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'ex:hal a ex:Person ; ex:name "Hal"^^xsd:string ; ex:status "active"^^xsd:string .\n'
    )
    rdflib_shapes = Graph().parse(SHAPES, format="turtle")
    report = validate(data, shapes=rdflib_shapes, ontology=ONTOLOGY)
    assert report.results == ()


def test_text_report_groups_by_node_and_ends_with_a_summary() -> None:
    bad = str(FIXTURES / "bad.ttl")
    text = check(FIXTURES / "good.ttl", bad).to_text()
    assert text == (
        f"ex:bob  ({bad})\n"
        "  Violation ex:name: A person needs a name."
        "  (shape ex:PersonNameShape, sh:MinCountConstraintComponent)\n"
        '  Warning   ex:status = "sacked": Status should be active or retired.'
        "  (shape ex:PersonStatusShape, sh:InConstraintComponent)\n"
        "\n"
        "1 violation, 1 warning in 1 node\n"
    )


def test_engine_fallback_is_one_line_unless_verbose() -> None:
    """The reasons run to thousands of characters on a large shapes graph: by default the
    report counts the shapes in one line, and lists them, one a line, only when asked."""
    report = Report(
        conforms=True,
        results=(),
        graph=Graph(),
        engine="oxigraph+pyshacl",
        fallback=(
            "<https://w3id.org/treatykg/shapes#ArticleShape>: sh:equals is not compiled",
            "_:b0: a property shape nested in a property shape",
        ),
    )
    assert report.to_text().splitlines()[-1] == (
        "pySHACL validated 2 shapes the fast engine does not compile (-v lists them)"
    )
    assert report.to_text(verbose=True).splitlines()[-3:] == [
        "pySHACL validated 2 shapes the fast engine does not compile:",
        "  tkgsh:ArticleShape: sh:equals is not compiled",
        "  _:b0: a property shape nested in a property shape",
    ]
    one = dataclasses.replace(report, fallback=report.fallback[:1])
    assert one.fallback_lines() == [
        "pySHACL validated 1 shape the fast engine does not compile (-v lists it)"
    ]
    assert dataclasses.replace(report, fallback=()).fallback_lines(verbose=True) == []


def test_report_text_does_not_depend_on_load_order() -> None:
    paths = [FIXTURES / "bad.ttl", FIXTURES / "good.trig", FIXTURES / "good.ttl"]
    first = check(*paths).to_text()
    assert "ex:bob" in first
    assert check(*reversed(paths)).to_text() == first


def test_results_are_sorted_by_focus_node_then_severity(tmp_path: Path) -> None:
    data = tmp_path / "many.ttl"
    data.write_text(
        "@prefix ex: <http://example.org/code#> .\n"
        'ex:zed a ex:Person ; ex:status "x" .\n'
        'ex:amy a ex:Person ; ex:status "y" .\n'
    )
    report = check(data)
    keys = [(str(r.focus_node), r.severity) for r in report.results]
    assert keys == [
        (str(EX.amy), "Violation"),
        (str(EX.amy), "Warning"),
        (str(EX.zed), "Violation"),
        (str(EX.zed), "Warning"),
    ]
    assert report.summary() == "2 violations, 2 warnings in 2 nodes"


def test_report_is_frozen_and_timed() -> None:
    report = check(FIXTURES / "good.ttl")
    assert report.duration > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.conforms = False  # type: ignore[misc]


def test_graph_input_has_no_files() -> None:
    graph = Graph().parse(FIXTURES / "bad.ttl")
    report = validate(graph, shapes=Graph().parse(SHAPES), ontology=Graph())
    assert not report.conforms
    assert {r.files for r in report.results} == {()}


def test_empty_shapes_graph_is_an_error() -> None:
    with pytest.raises(TreatykgError, match="shapes graph is empty"):
        validate(FIXTURES / "good.ttl", shapes=Graph(), ontology=Graph())


def test_shapes_pyshacl_cannot_use_give_a_treatykg_error(tmp_path: Path) -> None:
    shapes = tmp_path / "two_paths.ttl"
    shapes.write_text(
        "@prefix ex: <http://example.org/code#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:Person ;\n"
        "  sh:property [ sh:path ex:name, ex:other ; sh:minCount 1 ] .\n"
    )
    with pytest.raises(TreatykgError, match="cannot use the shapes"):
        validate(FIXTURES / "bad.ttl", shapes=shapes, ontology=Graph())


def test_malformed_sparql_constraint_gives_a_treatykg_error(tmp_path: Path) -> None:
    shapes = tmp_path / "sparql.ttl"
    shapes.write_text(
        "@prefix ex: <http://example.org/code#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:Person ;\n"
        '  sh:sparql [ sh:select "SELECT $this WHERE { $this ?p " ; sh:message "m" ] .\n'
    )
    with pytest.raises(TreatykgError, match="SPARQL syntax error"):
        validate(FIXTURES / "bad.ttl", shapes=shapes, ontology=Graph())


def test_check_shapes_accepts_well_formed_shapes() -> None:
    report = check_shapes(SHAPES)
    assert report.conforms, report.to_text()
    assert report.files == (str(SHAPES),)


def test_check_shapes_finds_malformed_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "bad_shapes.ttl"
    shapes.write_text(
        "@prefix ex: <http://example.org/code#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        'ex:S a sh:PropertyShape ; sh:path ex:name ; sh:minCount "one" .\n'
    )
    report = check_shapes(shapes)
    assert not report.conforms
    by_path = {r.result_path: r for r in report.results}
    assert by_path[SH.minCount].focus_node == EX.S
    assert by_path[SH.minCount].value == Literal("one")
    assert by_path[SH.minCount].files == (str(shapes),)
