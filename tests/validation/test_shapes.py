"""The SHACL shapes in shapes/, checked against the examples in shapes/examples/.

* ``valid/kitchen-sink.ttl`` is a small, complete dataset that must conform.
* Each ``invalid/*.ttl`` is validated together with the kitchen sink (the counter-examples are
  additive: extra nodes and values). It opens with one line per expected violation::

      # expect: <shape IRI> <constraint component IRI> <focus node IRI>

  and the set of (sh:sourceShape, sh:sourceConstraintComponent, sh:focusNode) of the
  Violation results must equal that set exactly. A focus written ``_:`` (optionally with a
  label) stands for any blank node.
* Every shape must be the expected source of some counter-example, carry an IRI, an English
  label, one message and a severity, and the shapes graph must pass SHACL-SHACL.

Validation goes through the treatykg API when the package is importable, and otherwise
through pySHACL directly with the options treatykg uses; both read ``ontology/*.ttl`` as the
ontology mixed into the data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, SKOS
from rdflib.plugins.sparql import prepareQuery

from locations import ROOT

SHAPES_DIR = ROOT / "shapes"
EXAMPLES = SHAPES_DIR / "examples"
KITCHEN_SINK = EXAMPLES / "valid" / "kitchen-sink.ttl"
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))
SHAPE_FILES = sorted(SHAPES_DIR.glob("*.ttl"))
ONTOLOGY_FILES = sorted((ROOT / "ontology").glob("*.ttl"))
SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"

TKG = Namespace("https://w3id.org/treatykg/def#")
TKGSH = Namespace("https://w3id.org/treatykg/shapes#")
BLANK = "_:"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

EXPECT = re.compile(r"^# expect: <([^<>\s]+)> <([^<>\s]+)> (?:<([^<>\s]+)>|(_:\S*))\s*$")

Key = tuple[str, str, str]  # (source shape, constraint component, focus node)

try:
    import treatykg
except ImportError:  # the package is not installed: validate with pySHACL directly
    treatykg = None


# --- helpers --------------------------------------------------------------------------------


def _graph(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def shapes_graph() -> Graph:
    return _graph(SHAPE_FILES)


@cache
def ontology_graph() -> Graph:
    return _graph(ONTOLOGY_FILES)


def _focus(node: object) -> str:
    return BLANK if isinstance(node, BNode) else str(node)


@cache
def violations(*paths: Path) -> frozenset[Key]:
    """The (shape, component, focus) of every Violation when validating ``paths`` together."""
    if treatykg is not None:
        report = treatykg.validate(
            treatykg.load(list(paths)), shapes=SHAPE_FILES, ontology=ONTOLOGY_FILES
        )
        return frozenset(
            (str(r.source_shape), str(r.constraint_component), _focus(r.focus_node))
            for r in report.results
            if r.severity == "Violation"
        )
    _conforms, report, _text = pyshacl.validate(
        _graph(paths),
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return frozenset(
        (
            str(report.value(result, SH.sourceShape)),
            str(report.value(result, SH.sourceConstraintComponent)),
            _focus(report.value(result, SH.focusNode)),
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(result, SH.resultSeverity) == SH.Violation
    )


def expected(path: Path) -> frozenset[Key]:
    """The ``# expect:`` lines at the top of a counter-example."""
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect:"):
            match = EXPECT.match(line)
            assert match, f"{path.name}: malformed expect line: {line}"
            shape, component, focus, blank = match.groups()
            keys.add((shape, component, BLANK if blank else focus))
    return frozenset(keys)


def all_shapes() -> set[URIRef | BNode]:
    """Shapes that can be the source of a result: typed shapes, targeted ones, sh:property."""
    graph = shapes_graph()
    found: set = set(graph.subjects(RDF.type, SH.NodeShape))
    found |= set(graph.subjects(RDF.type, SH.PropertyShape))
    for target in TARGETS:
        found |= set(graph.subjects(target, None))
    found |= set(graph.objects(None, SH.property))
    return found


def short(key: Key) -> str:
    shape, component, focus = key
    return f"{shape.rsplit('#', 1)[-1]} {component.rsplit('#', 1)[-1]} {focus}"


# --- (a) the kitchen sink conforms ----------------------------------------------------------


def test_kitchen_sink_conforms() -> None:
    assert violations(KITCHEN_SINK) == frozenset()


# --- (b) each counter-example gives exactly its expected violations --------------------------


def test_there_are_counter_examples() -> None:
    assert INVALID, "no counter-examples in shapes/examples/invalid/"


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_counter_example(path: Path) -> None:
    want = expected(path)
    assert want, f"{path.name} has no '# expect:' lines"
    got = violations(KITCHEN_SINK, path)
    missing = sorted(short(k) for k in want - got)
    unexpected = sorted(short(k) for k in got - want)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected: {unexpected}"


# --- (c) every shape is exercised by a counter-example ---------------------------------------


def test_every_shape_is_covered_by_a_counter_example() -> None:
    covered = {shape for path in INVALID for shape, _, _ in expected(path)}
    shapes = {str(s) for s in all_shapes()}
    assert sorted(shapes - covered) == []
    assert sorted(covered - shapes) == [], "expect lines name shapes that do not exist"


# --- (d) the shapes graph passes SHACL-SHACL -------------------------------------------------


@pytest.mark.slow
def test_shapes_pass_shacl_shacl() -> None:
    if treatykg is not None:
        report = treatykg.check_shapes(SHAPE_FILES)
        assert report.conforms, report.to_text()
        return
    conforms, _report, text = pyshacl.validate(
        shapes_graph(), shacl_graph=_graph([SHACL_SHACL]), inference="none", advanced=True
    )
    assert conforms, text


# --- (e) every shape is named, labelled, and says what to fix --------------------------------


@pytest.mark.parametrize("check", ["iri", "message", "severity", "label"])
def test_every_shape_is_documented(check: str) -> None:
    graph = shapes_graph()
    bad = []
    for shape in all_shapes():
        if check == "iri":
            ok = isinstance(shape, URIRef) and shape.startswith(str(TKGSH))
        elif check == "message":
            messages = list(graph.objects(shape, SH.message))
            ok = len(messages) == 1 and isinstance(messages[0], Literal) and len(messages[0]) > 20
        elif check == "severity":
            ok = list(graph.objects(shape, SH.severity)) in ([SH.Violation], [SH.Warning])
        else:
            labels = [o for o in graph.objects(shape, RDFS.label) if getattr(o, "language", None)]
            ok = [label.language for label in labels] == ["en"]
        if not ok:
            bad.append(str(shape))
    assert sorted(bad) == []


def test_warnings_are_advice_only() -> None:
    """A Warning never fails validation, so no counter-example can expect one: keep none."""
    assert list(shapes_graph().subjects(SH.severity, SH.Warning)) == []


# --- further checks on the shapes and examples ----------------------------------------------


def test_rdf_files_are_strict_turtle() -> None:
    """rdflib accepts some invalid Turtle silently; treatykg's loader (pyoxigraph) does not."""
    for path in [*SHAPE_FILES, KITCHEN_SINK, *INVALID]:
        list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE))


def test_sparql_rules_have_sparql_targets() -> None:
    """pySHACL runs a SPARQL constraint once per focus node (10-80 ms each): every rule must be
    targeted by a SPARQL target that selects only the nodes that break it."""
    graph = shapes_graph()
    for shape in graph.subjects(SH.sparql, None):
        targets = list(graph.objects(shape, SH.target))
        assert len(targets) == 1, f"{shape}: needs exactly one sh:target"
        assert (targets[0], RDF.type, SH.SPARQLTarget) in graph, shape
        for prop in TARGETS[:-1]:
            assert graph.value(shape, prop) is None, f"{shape}: SPARQL target only"


def _prefixes() -> str:
    graph = shapes_graph()
    lines = []
    for declaration in graph.objects(URIRef("https://w3id.org/treatykg/shapes"), SH.declare):
        prefix = graph.value(declaration, SH.prefix)
        namespace = graph.value(declaration, SH.namespace)
        lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(lines)) + "\n"


@cache
def sparql_targets() -> dict[str, object]:
    """Each SPARQL rule's target query, parsed once."""
    shapes = shapes_graph()
    return {
        str(shape): prepareQuery(_prefixes() + str(shapes.value(target, SH.select)))
        for shape, target in shapes.subject_objects(SH.target)
        if (target, RDF.type, SH.SPARQLTarget) in shapes
    }


@pytest.mark.parametrize("path", [KITCHEN_SINK, *INVALID], ids=lambda p: p.name)
def test_sparql_targets_select_only_violators(path: Path) -> None:
    """Each rule's SPARQL target must select exactly the nodes its constraint reports on:
    a target that selects more makes pySHACL run the constraint for nothing; a target that
    selects less hides violations (the counter-examples catch that)."""
    files = (KITCHEN_SINK,) if path == KITCHEN_SINK else (KITCHEN_SINK, path)
    data = _graph(files)
    data += ontology_graph()
    got = violations(*files)
    for shape, query in sparql_targets().items():
        selected = {_focus(row[0]) for row in data.query(query)}
        reported = {focus for source, _, focus in got if source == shape}
        assert selected == reported, f"{shape}: target {selected} vs reported {reported}"


def _concepts_by_scheme() -> dict[URIRef, set]:
    ontology = ontology_graph()
    schemes: dict[URIRef, set] = {}
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        schemes.setdefault(scheme, set()).add(concept)
    return schemes


def test_controlled_values_match_concept_schemes() -> None:
    """An sh:in list of tkg: concepts lists a whole scheme of ontology/concepts.ttl or a part
    the guide names; a concept added to a scheme must be added to the shapes too."""
    graph = shapes_graph()
    schemes = _concepts_by_scheme()
    partial = {  # sh:in lists that are deliberately a subset of their scheme (docs/modelling.md)
        TKGSH["DirectedObligation-deonticType"]: {TKG.Obligation, TKG.Prohibition},
        # an article's number is stated or inferred; only a provision's may be unknown
        TKGSH["Article-numberingBasis"]: {TKG.NumberStated, TKG.NumberInferred},
    }
    for shape, head in graph.subject_objects(SH["in"]):
        values = set(Collection(graph, head))
        if not all(str(v).startswith(str(TKG)) for v in values):
            continue
        if shape in partial:
            assert values == partial[shape], shape
            continue
        assert values in schemes.values(), f"{shape}: sh:in is not a whole concept scheme"


def test_example_iris_stay_in_the_fixture_space() -> None:
    """Example resources must never collide with real data: their IRIs say 'example'."""
    base = "https://w3id.org/treatykg/"
    for path in [KITCHEN_SINK, *INVALID]:
        graph = _graph([path])
        for subject in set(graph.subjects()):
            if isinstance(subject, URIRef) and subject.startswith(base):
                assert "example" in subject.lower(), f"{path.name}: {subject}"


def test_kitchen_sink_uses_every_allowed_property() -> None:
    """The kitchen sink is complete: each property a closed shape allows appears in it."""
    graph = shapes_graph()
    used = set(_graph([KITCHEN_SINK]).predicates())
    missing = []
    for node_shape in graph.subjects(SH.closed, Literal(True)):
        for prop_shape in graph.objects(node_shape, SH.property):
            if graph.value(prop_shape, SH.maxCount) == Literal(0):
                continue
            if graph.value(prop_shape, SH.path) not in used:
                missing.append(f"{node_shape} {graph.value(prop_shape, SH.path)}")
    assert missing == []


# --- (f) the command line ----------------------------------------------------------------------


def _console_script() -> str | None:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("treatykg", path=path)


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    script = _console_script()
    if script is None:
        pytest.skip("the treatykg console script is not installed (pip install -e .)")
    return subprocess.run(
        [script, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_accepts_the_kitchen_sink() -> None:
    done = _run_cli("validate", str(KITCHEN_SINK.relative_to(ROOT)))
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_reports_a_counter_example() -> None:
    counter_example = EXAMPLES / "invalid" / "article-numbering.ttl"
    done = _run_cli(
        "validate", str(KITCHEN_SINK.relative_to(ROOT)), str(counter_example.relative_to(ROOT))
    )
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    # The article numbered 5 in a treaty of 2 articles: focus node, path, shape and message.
    line = next((x for x in out.splitlines() if "tkgsh:ArticleNumberInRangeRule" in x), None)
    assert line is not None, out
    assert "eli:number" in line
    assert "Article number 5 is greater than its treaty's tkg:articleCount (2)" in line
    focus = re.search(r"^(\S*art_5\S*)", out, re.MULTILINE)
    assert focus is not None, out


@pytest.mark.slow
@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_cli_exits_1_on_every_counter_example(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`treatykg validate kitchen-sink.ttl X.ttl` fails, naming every expected shape."""
    from treatykg.cli import main

    assert main(["validate", str(KITCHEN_SINK), str(path)]) == 1
    out = capsys.readouterr().out
    for shape, _component, _focus in expected(path):
        assert f"tkgsh:{shape.rsplit('#', 1)[1]}" in out, (shape, out)
