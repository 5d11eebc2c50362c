"""The fast engine and pySHACL, the reference, agree exactly.

`treatykg validate` and `treatykg build` trust pyshacl-turbo's verdict only when it finds the
data conforming; otherwise pySHACL writes the report. That is safe only if the two engines
report the same results, so this compares the full set of (source shape, constraint
component, focus node, path, value) of every result, on the bundled data, the valid example
and every counter-example (each counter-example breaks different shapes, so together they
exercise every shape).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pyshacl_turbo
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from treatykg import validate
from treatykg.load import load, load_ontology, load_shapes

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "shapes" / "examples"
KITCHEN_SINK = EXAMPLES / "valid" / "kitchen-sink.ttl"
CASES = [None, KITCHEN_SINK, *sorted((EXAMPLES / "invalid").glob("*.ttl"))]

Key = tuple[str, ...]


def results(report: Graph) -> frozenset[Key]:
    return frozenset(
        tuple(
            str(report.value(result, p))
            for p in (
                SH.sourceShape,
                SH.sourceConstraintComponent,
                SH.focusNode,
                SH.resultPath,
                SH.value,
                SH.resultSeverity,
            )
        )
        for result in report.subjects(SH.focusNode, None)
    )


def _data(case: Path | None) -> Graph:
    loaded = load() if case is None else load([KITCHEN_SINK, case])
    graph = Graph()
    for s, p, o, _ in loaded.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.mark.parametrize("case", CASES, ids=lambda c: "bundled-data" if c is None else c.name)
def test_engines_report_the_same_results(case: Path | None) -> None:
    data, shapes, ontology = _data(case), load_shapes(), load_ontology()
    options = {"inference": "none", "advanced": True, "allow_warnings": True}
    conforms, reference, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, **options
    )
    merged = data + ontology
    fast_conforms, fast, _ = pyshacl_turbo.validate(merged, shacl_graph=load_shapes(), **options)
    assert fast_conforms == conforms
    assert results(fast) == results(reference)
    if case not in (None, KITCHEN_SINK):
        assert not conforms, "a counter-example must not conform"


def test_auto_keeps_the_fast_verdict_only_when_it_conforms() -> None:
    assert validate(engine="auto").engine == "pyshacl-turbo"
    invalid = load([KITCHEN_SINK, EXAMPLES / "invalid" / "article-numbering.ttl"])
    report = validate(invalid, engine="auto")
    assert report.engine == "pyshacl" and not report.conforms  # the reference writes reports
    assert validate(engine="pyshacl").engine == "pyshacl"


def test_unknown_engine_is_a_usage_error() -> None:
    from treatykg.errors import UsageError

    with pytest.raises(UsageError, match="unknown validation engine"):
        validate(engine="fastest")


def test_warnings_come_from_the_reference(tmp_path: Path) -> None:
    """Conforming data with warnings: the fast verdict would drop them, so pySHACL reports."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ;\n"
        '  sh:minCount 1 ; sh:severity sh:Warning ; sh:message "advice" ] .\n',
        encoding="utf-8",
    )
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/x> a <http://example.org/T> .\n", encoding="utf-8")
    report = validate(load(data), shapes=load_shapes(shapes), ontology=Graph(), engine="auto")
    assert report.conforms and report.warnings == 1 and report.engine == "pyshacl"
