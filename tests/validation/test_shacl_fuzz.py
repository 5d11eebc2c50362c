"""Differential fuzzing: the fast SHACL engine and pySHACL report the same results.

Hypothesis generates small shapes graphs from every construct
:mod:`treatykg.validation.engine` compiles (targets, node and property shapes nested every
way, value-level and logical constraints, property paths, counts, pair constraints,
sh:closed, SHACL-SPARQL, severities) and small data graphs (IRIs, blank nodes, plain,
tagged, typed and ill-typed literals, a class hierarchy).
On each, the fast engine alone (``_run_fast``, no pyshacl-turbo first pass) must give the same
verdict and the same *multiset* of results (:func:`shacl_results.result_keys`) as pySHACL, the
reference; when pySHACL refuses the shapes, treatykg must refuse them too (``TreatykgError``).

Runs are deterministic (``derandomize=True``). For a longer local fuzzing session multiply
the number of examples, e.g.
``TREATYKG_FUZZ_EXAMPLES=20 pytest tests/validation/test_shacl_fuzz.py`` (and
``TREATYKG_FUZZ_RANDOM=1`` to draw new examples instead of the fixed sequence,
``TREATYKG_FUZZ_SHRINK=1`` to minimise a failing example, which takes minutes).

Every failure the fuzzer found is kept as an explicit case in :data:`REGRESSIONS` (Turtle
inline), so that it stays in the suite whatever Hypothesis's example database holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from shacl_results import difference, result_keys
from treatykg.errors import TreatykgError
from treatykg.validation.validate import _run_fast, validate

PREFIXES = """\
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

#: How many times the default number of examples to run (for local fuzzing sessions).
SCALE = max(1, int(os.environ.get("TREATYKG_FUZZ_EXAMPLES", "1")))
DERANDOMIZE = not os.environ.get("TREATYKG_FUZZ_RANDOM")
#: Shrinking a failing example takes minutes (each try runs both engines): only on request.
#: Every failure found so far is a minimal case in REGRESSIONS already.
SHRINK = bool(os.environ.get("TREATYKG_FUZZ_SHRINK"))


def fuzz(examples: int) -> Callable:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None if DERANDOMIZE else settings.default.database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        phases=[p for p in Phase if p is not Phase.shrink or SHRINK],
        report_multiple_bugs=SHRINK,
        print_blob=True,
    )


# --- comparing the engines ----------------------------------------------------------------------


def check(shapes_ttl: str, data_ttl: str) -> None:
    """The fast engine and pySHACL agree on these shapes and data (Turtle, no prefixes)."""
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    data = Graph().parse(data=PREFIXES + data_ttl, format="turtle")
    where = f"\n--- shapes ---\n{shapes_ttl}\n--- data ---\n{data_ttl}"
    try:
        reference = validate(data, shapes=shapes, ontology=Graph(), engine="pyshacl")
    except TreatykgError as error:
        with pytest.raises(TreatykgError):
            _run_fast(data, shapes, Graph())
            pytest.fail(f"pySHACL refused the shapes ({error}), the fast engine did not{where}")
        return
    except Exception as error:
        pytest.fail(
            f"validate(engine='pyshacl') crashed with {type(error).__name__}: {error}; "
            f"treatykg must raise a TreatykgError{where}"
        )
    try:
        fast = _run_fast(data, shapes, Graph())
    except TreatykgError as error:
        pytest.fail(f"the fast engine refused shapes pySHACL accepts: {error}{where}")
    expected, found = result_keys(reference.graph), result_keys(fast.graph)
    assert found == expected, (
        f"results differ (left: fast engine [{fast.engine}], right: pySHACL):\n"
        f"{difference(found, expected)}{where}"
    )
    assert fast.conforms == reference.conforms, (
        f"verdict differs: fast {fast.conforms}, pySHACL {reference.conforms}{where}"
    )


# --- data ---------------------------------------------------------------------------------------

IRIS = ["ex:a", "ex:b", "ex:c", "ex:d"]
BLANKS = ["_:b1", "_:b2"]
PREDICATES = ["ex:p", "ex:q", "ex:r"]
CLASSES = ["ex:C", "ex:D", "ex:E", "ex:K"]  # ex:K is also a shape (an implicit class target)
LITERALS = [
    '"x"',
    '"abc"',
    '"Abc"',
    '"a"@en',
    '"b"@en',
    '"bonjour"@fr',
    '"hey"@EN-us',
    '"hi"@en-US',
    "1",
    "2",
    "10",
    '"2020-01-01"^^xsd:date',
    '"2021-06-30"^^xsd:date',
    '"abc"^^xsd:integer',  # ill-typed
    '"2020-13-45"^^xsd:date',  # ill-typed
]
#: Drawn rarely: literals a pyoxigraph Store rewrites ("01" is stored as "1"), and
#: "x"^^xsd:string, one term with "x" in RDF 1.1 and in pyoxigraph, two in rdflib.
REWRITTEN = ['"01"^^xsd:integer', '"3"^^xsd:positiveInteger', '"x"^^xsd:string']
SUBCLASSES = [("ex:D", "ex:C"), ("ex:E", "ex:D"), ("ex:K", "ex:C"), ("ex:E", "ex:K")]


@st.composite
def data_graphs(draw: st.DrawFn) -> str:
    subjects = st.sampled_from(IRIS + BLANKS)
    literals = LITERALS + (REWRITTEN if draw(st.integers(0, 9)) == 9 else [])
    objects = st.one_of(st.sampled_from(IRIS + BLANKS), st.sampled_from(literals))
    triples = draw(st.lists(st.tuples(subjects, st.sampled_from(PREDICATES), objects), max_size=18))
    types = draw(st.lists(st.tuples(subjects, st.sampled_from(CLASSES)), max_size=6))
    hierarchy = draw(st.lists(st.sampled_from(SUBCLASSES), max_size=3, unique=True))
    lines = [f"{s} {p} {o} ." for s, p, o in triples]
    lines += [f"{s} a {c} ." for s, c in types]
    lines += [f"{s} rdfs:subClassOf {c} ." for s, c in hierarchy]
    return "\n".join(dict.fromkeys(lines))


# --- shapes -------------------------------------------------------------------------------------

#: The families of constructs a test draws from.
TARGETS, VALUES, LOGICAL, PATHS, COUNTS, PAIRS = [
    "targets",
    "values",
    "logical",
    "paths",
    "counts",
    "pairs",
]
CLOSED, SPARQL, NESTING, SEVERITY, MULTI = ["closed", "sparql", "nesting", "severity", "multi"]
ALL = frozenset([TARGETS, VALUES, LOGICAL, PATHS, COUNTS, PAIRS, CLOSED, SPARQL, NESTING, SEVERITY])
#: Parameters that take one value (pySHACL refuses a shape with two): drawn once per shape,
#: except in the MULTI family.
SINGLE = {"datatype", "nodeKind", "pattern", "languageIn", "in", "minLength", "maxLength",
          "minCount", "maxCount", "uniqueLang", "qualified"}  # fmt: skip


@dataclass
class Ctx:
    """What one shapes graph is drawn from, and the named shapes drawn so far."""

    draw: st.DrawFn
    families: frozenset[str]
    #: Named shapes (ex:N1, ex:N2 for sh:node; ex:P1, a shared property shape), by name.
    named: dict[str, str] = field(default_factory=dict)

    def has(self, family: str) -> bool:
        return family in self.families

    def pick(self, options: list) -> object:
        return self.draw(st.sampled_from(options))

    def coin(self, p: int = 2) -> bool:
        """True once in ``p`` draws (shrinks to False)."""
        return self.draw(st.integers(0, p - 1)) == p - 1


def turtle_list(items: list[str]) -> str:
    return "( " + " ".join(items) + " )"


def draw_path(ctx: Ctx, depth: int = 0) -> str:
    kinds = ["predicate"]
    if ctx.has(PATHS) and depth < 2:
        kinds += ["inverse", "sequence", "alternative", "zeroOrMore", "oneOrMore", "zeroOrOne"]
    kind = ctx.pick(kinds)
    if kind == "predicate":
        return str(ctx.pick(PREDICATES))
    if kind in ("sequence", "alternative"):
        steps = [draw_path(ctx, depth + 1) for _ in range(ctx.draw(st.integers(2, 3)))]
        if kind == "sequence":
            return turtle_list(steps)
        return f"[ sh:alternativePath {turtle_list(steps)} ]"
    prop = {"inverse": "sh:inversePath"}.get(kind, f"sh:{kind}Path")
    return f"[ {prop} {draw_path(ctx, depth + 1)} ]"


def value_constraints(ctx: Ctx, depth: int, *, nested: bool) -> list[str]:
    """Value-level constraints ("predicate object" pairs) for a shape."""
    kinds = []
    if ctx.has(VALUES):
        kinds += ["class", "class2", "datatype", "nodeKind", "pattern", "languageIn", "in"]
        kinds += ["minLength", "maxLength", "hasValue"]
    if ctx.has(LOGICAL) and depth < 3:
        kinds += ["not", "and", "or", "xone", "node"]
    if not kinds:
        return []
    out: list[str] = []
    used: set[str] = set()
    for _ in range(ctx.draw(st.integers(0 if nested else 1, 3))):
        kind = ctx.pick(kinds)
        if kind in used and kind in SINGLE and not ctx.has(MULTI):
            continue
        used.add(kind)
        if kind == "class":
            out.append(f"sh:class {ctx.pick(CLASSES)}")
        elif kind == "class2":
            first, second = ctx.draw(st.lists(st.sampled_from(CLASSES), min_size=2, max_size=2))
            out.append(f"sh:class {first}, {second}")
        elif kind == "datatype":
            types = ["xsd:string", "rdf:langString", "xsd:integer", "xsd:date"]
            out.append(f"sh:datatype {ctx.pick(types)}")
        elif kind == "nodeKind":
            kinds_ = ["IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral",
                      "IRIOrLiteral"]  # fmt: skip
            out.append(f"sh:nodeKind sh:{ctx.pick(kinds_)}")
        elif kind == "pattern":
            pattern = ctx.pick(["^a", "b", "^[a-z]+$", "example", "^1", "2020"])
            flags = ' ; sh:flags "i"' if ctx.coin() else ""
            out.append(f'sh:pattern "{pattern}"{flags}')
        elif kind == "languageIn":
            tags = ctx.draw(st.lists(st.sampled_from(["en", "fr", "en-US", "*"]), min_size=1,
                                     max_size=2, unique=True))  # fmt: skip
            out.append(f"sh:languageIn {turtle_list([f'{chr(34)}{t}{chr(34)}' for t in tags])}")
        elif kind == "in":
            members = ctx.draw(st.lists(st.sampled_from(["ex:a", "ex:b", '"x"', '"a"@en', '"abc"']),
                                        max_size=3, unique=True))  # fmt: skip
            out.append(f"sh:in {turtle_list(members)}")
        elif kind in ("minLength", "maxLength"):
            out.append(f"sh:{kind} {ctx.draw(st.integers(0, 4))}")
        elif kind == "hasValue":
            out.append(f"sh:hasValue {ctx.pick(['ex:a', 'ex:b', chr(34) + 'x' + chr(34)])}")
        elif kind == "not":
            out.append(f"sh:not {nested_shape(ctx, depth + 1)}")
        elif kind in ("and", "or", "xone"):
            shapes = [nested_shape(ctx, depth + 1) for _ in range(ctx.draw(st.integers(1, 3)))]
            out.append(f"sh:{kind} {turtle_list(shapes)}")
        elif kind == "node":
            out.append(f"sh:node {named_node_shape(ctx, depth + 1)}")
    return out


def nested_shape(ctx: Ctx, depth: int) -> str:
    """A blank-node shape inside sh:not, sh:and, sh:or, sh:xone or sh:qualifiedValueShape."""
    if ctx.coin(4):  # a property shape
        return f"[ sh:path {draw_path(ctx, 1)} ; {' ; '.join(nested_property_body(ctx, depth))} ]"
    body = value_constraints(ctx, depth, nested=True)
    if ctx.coin(4):  # a node shape with a property shape
        prop = [f"sh:path {draw_path(ctx, 1)}", *nested_property_body(ctx, depth)]
        body.append(f"sh:property [ {' ; '.join(prop)} ]")
    if not body:
        body = [f"sh:class {ctx.pick(CLASSES)}"]
    return f"[ {' ; '.join(body)} ]"


def nested_property_body(ctx: Ctx, depth: int) -> list[str]:
    """Constraints of a property shape inside a nested shape (counts of 0 or 1 compile)."""
    body = value_constraints(ctx, depth + 1, nested=True)
    choices = ["minCount", "maxCount", "hasValue", "none"]
    if ctx.has(COUNTS):
        choices.append("qualified")
    kind = ctx.pick(choices)
    if kind == "minCount":
        body.append(f"sh:minCount {ctx.pick([1, 1, 2])}")
    elif kind == "maxCount":
        body.append(f"sh:maxCount {ctx.pick([0, 0, 1])}")
    elif kind == "hasValue":
        body.append(f"sh:hasValue {ctx.pick(['ex:a', chr(34) + 'x' + chr(34)])}")
    elif kind == "qualified" and depth < 3:
        body.append(f"sh:qualifiedValueShape {nested_shape(ctx, depth + 1)}")
        body.append(ctx.pick(["sh:qualifiedMinCount 1", "sh:qualifiedMaxCount 0"]))
    if not body:
        body.append("sh:minCount 1")
    return body


def named_node_shape(ctx: Ctx, depth: int) -> str:
    """ex:N1 or ex:N2, a named node shape for sh:node (ex:N1 may refer to ex:N2, not back)."""
    name = "ex:N2" if depth >= 2 or "ex:N1" in ctx.named else ctx.pick(["ex:N1", "ex:N2"])
    if name in ctx.named:
        return name
    ctx.named[name] = ""  # reserved: no cycles
    inner = Ctx(ctx.draw, ctx.families - {LOGICAL} if name == "ex:N2" else ctx.families)
    inner.named = ctx.named
    body = [
        "a sh:NodeShape",
        *value_constraints(inner, 3 if name == "ex:N2" else depth, nested=True),
    ]
    if ctx.coin():
        prop = [f"sh:path {draw_path(ctx, 1)}", *nested_property_body(inner, 3)]
        body.append(f"sh:property [ {' ; '.join(prop)} ]")
    if ctx.coin(6):
        body.append("sh:deactivated true")
    ctx.named[name] = f"{name} {' ; '.join(body)} ."
    return name


SPARQL_NODE = [
    "SELECT $this WHERE { $this ex:p ?x . FILTER NOT EXISTS { $this ex:q ?y } }",
    "SELECT $this ?value WHERE { $this ex:p ?value . FILTER (isLiteral(?value)) }",
    "SELECT $this ?value WHERE { { $this ex:p ?value } UNION { $this ex:q ?value } }",
    "SELECT $this ?value WHERE { { ?value ex:p ?o . FILTER (sameTerm(?o, $this)) } "
    "UNION { $this ex:r ?value } }",
    "SELECT $this WHERE { OPTIONAL { $this ex:p ?x } FILTER (!BOUND(?x)) }",
    "SELECT $this WHERE { OPTIONAL { ?s ex:p ?x . FILTER (?s = $this) } FILTER (!BOUND(?x)) }",
    "SELECT $this ?value WHERE { { ?s ex:q ?value . FILTER (?s = $this) } }",
    "SELECT $this ?value WHERE { $this ?p ?value . MINUS { $this ex:p ?value } }",
    "SELECT $this ?path ?value WHERE { $this ?path ?value . FILTER (?path = ex:r) }",
    "SELECT $this WHERE { FILTER NOT EXISTS { $this a ex:C } }",
    "SELECT $this WHERE { FILTER EXISTS { ?s ex:p $this } }",
    "SELECT $this ?value WHERE { { $this ex:p ?value } "
    "UNION { ?value ex:q ?o FILTER (?o = $this) } FILTER (isIRI(?value)) }",
]
SPARQL_PROPERTY = [
    "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (isLiteral(?value)) }",
    "SELECT $this ?value WHERE { $this $PATH ?value . FILTER NOT EXISTS { ?value a ex:C } }",
    "SELECT $this WHERE { FILTER NOT EXISTS { $this $PATH ?v } }",
    "SELECT $this ?value WHERE { { $this $PATH ?value } "
    "UNION { ?value ex:q ?o FILTER (?o = $this) } }",
    "SELECT DISTINCT $this WHERE { $this $PATH ?v1, ?v2 . FILTER (?v1 != ?v2) }",
]
SPARQL_TARGETS = [
    "SELECT ?this WHERE { ?this ex:p ?o }",
    "SELECT ?this WHERE { ?this a/rdfs:subClassOf* ex:C }",
    "SELECT ?this WHERE { ?s ex:q ?this . FILTER (isIRI(?this)) }",
]
PREFIX_DECLARATIONS = """\
ex:Prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] ,
    [ sh:prefix "rdfs" ; sh:namespace "http://www.w3.org/2000/01/rdf-schema#"^^xsd:anyURI ] .
"""


def sparql_constraint(ctx: Ctx, *, on_property: bool) -> str:
    queries = SPARQL_PROPERTY + SPARQL_NODE if on_property else SPARQL_NODE
    query = ctx.pick(queries)
    message = ' ; sh:message "broken {$this}"' if ctx.coin() else ""
    return f'sh:sparql [ sh:prefixes ex:Prefixes ; sh:select """{query}"""{message} ]'


def severity(ctx: Ctx) -> list[str]:
    out = []
    if ctx.has(SEVERITY) and ctx.coin():
        out.append(
            f"sh:severity {ctx.pick(['sh:Violation', 'sh:Warning', 'sh:Info', 'ex:MySeverity'])}"
        )
    if ctx.coin(3):
        out.append('sh:message "a message"@en')
    return out


def property_body(ctx: Ctx, depth: int) -> list[str]:
    """sh:path and the constraints of a property shape with focus nodes of its own."""
    body = [f"sh:path {draw_path(ctx)}"]
    body += value_constraints(ctx, depth, nested=True)
    if ctx.has(COUNTS):
        used: set[str] = set()
        for _ in range(ctx.draw(st.integers(0, 2))):
            kind = ctx.pick(["minCount", "maxCount", "qualified", "uniqueLang", "hasValue"])
            if kind in used and kind in SINGLE and not ctx.has(MULTI):
                continue
            used.add(kind)
            if kind == "minCount":
                body.append(f"sh:minCount {ctx.draw(st.integers(0, 3))}")
            elif kind == "maxCount":
                body.append(f"sh:maxCount {ctx.draw(st.integers(0, 2))}")
            elif kind == "uniqueLang":
                body.append("sh:uniqueLang true")
            elif kind == "hasValue":
                body.append(f"sh:hasValue {ctx.pick(['ex:a', 'ex:b', chr(34) + 'x' + chr(34)])}")
            elif kind == "qualified":
                body.append(f"sh:qualifiedValueShape {nested_shape(ctx, depth + 1)}")
                if ctx.coin():
                    body.append(f"sh:qualifiedMinCount {ctx.draw(st.integers(0, 2))}")
                if ctx.coin():
                    body.append(f"sh:qualifiedMaxCount {ctx.draw(st.integers(0, 2))}")
                if ctx.coin(4):
                    body.append("sh:qualifiedValueShapesDisjoint true")
    if ctx.has(PAIRS):
        for _ in range(ctx.draw(st.integers(0, 2))):
            kind = ctx.pick(["lessThan", "lessThanOrEquals", "disjoint", "equals"])
            body.append(f"sh:{kind} {ctx.pick(PREDICATES)}")
    if ctx.has(SPARQL) and ctx.coin(3):
        body.append(sparql_constraint(ctx, on_property=True))
    if ctx.has(NESTING) and depth == 0 and ctx.coin(4):
        body.append(f"sh:property [ {' ; '.join(property_body(ctx, depth + 1))} ]")
    body += severity(ctx)
    if not body[1:]:
        body.append("sh:minCount 1")
    if ctx.coin(8):
        body.append("sh:deactivated true")
    return body


def shared_property_shape(ctx: Ctx) -> str:
    """ex:P1, a named property shape that several node shapes refer to."""
    if "ex:P1" not in ctx.named:
        ctx.named["ex:P1"] = ""
        ctx.named["ex:P1"] = f"ex:P1 a sh:PropertyShape ; {' ; '.join(property_body(ctx, 0))} ."
    return "ex:P1"


def targets(ctx: Ctx) -> list[str]:
    kinds = ["class", "node", "subjectsOf", "objectsOf"]
    if ctx.has(TARGETS):
        kinds += ["sparql", "implicit", "class"]
    out = []
    for _ in range(ctx.draw(st.integers(1, 2))):
        kind = ctx.pick(kinds)
        if kind == "class":
            out.append(f"sh:targetClass {ctx.pick(CLASSES)}")
        elif kind == "node":
            out.append(f"sh:targetNode {ctx.pick([*IRIS, chr(34) + 'x' + chr(34), '1'])}")
        elif kind == "subjectsOf":
            out.append(f"sh:targetSubjectsOf {ctx.pick(PREDICATES)}")
        elif kind == "objectsOf":
            out.append(f"sh:targetObjectsOf {ctx.pick(PREDICATES)}")
        elif kind == "sparql":
            query = ctx.pick(SPARQL_TARGETS)
            out.append(
                "sh:target [ a sh:SPARQLTarget ; sh:prefixes ex:Prefixes ;"
                f' sh:select """{query}""" ]'
            )
        elif kind == "implicit":
            out.append("implicit")
    return out


def top_shape(ctx: Ctx, name: str) -> str:
    """A node shape (or a property shape) with targets: its own focus nodes."""
    found = targets(ctx)
    if "implicit" in found:
        name = "ex:K"
        found = [t for t in found if t != "implicit"]
        types = ["sh:NodeShape", "rdfs:Class"]
    else:
        types = ["sh:NodeShape"]
    if ctx.coin(5) and name != "ex:K":  # a property shape with targets
        body = ["a sh:PropertyShape", *found, *property_body(ctx, 0)]
        return f"{name} {' ; '.join(body)} ."
    body = [f"a {', '.join(types)}", *found]
    if ctx.has(VALUES) or ctx.has(LOGICAL):
        body += value_constraints(ctx, 0, nested=True)
    properties = []
    for _ in range(ctx.draw(st.integers(0, 2))):
        if ctx.has(NESTING) and ctx.coin(3):
            properties.append(shared_property_shape(ctx))
        else:
            properties.append(f"[ {' ; '.join(property_body(ctx, 0))} ]")
    if properties:
        body.append("sh:property " + ", ".join(properties))
    if ctx.has(CLOSED) and ctx.coin():
        body.append("sh:closed true")
        if ctx.coin():
            ignored = ctx.draw(st.lists(st.sampled_from(["rdf:type", *PREDICATES]), max_size=2))
            body.append(f"sh:ignoredProperties {turtle_list(ignored)}")
    if ctx.has(PAIRS) and ctx.coin(4):
        body.append(f"sh:{ctx.pick(['disjoint', 'equals'])} {ctx.pick(PREDICATES)}")
    if ctx.has(SPARQL) and ctx.coin(3):
        body.append(sparql_constraint(ctx, on_property=False))
    body += severity(ctx)
    if ctx.coin(10):
        body.append("sh:deactivated true")
    if len(body) == 1 + len(found):
        body.append(f"sh:nodeKind sh:{ctx.pick(['IRI', 'Literal'])}")
    return f"{name} {' ; '.join(body)} ."


def shapes_graphs(families: frozenset[str], most: int = 3) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        ctx = Ctx(draw, families)
        shapes = []
        for i in range(draw(st.integers(1, most))):
            shape = top_shape(ctx, f"ex:S{i + 1}")
            if not shape.startswith("ex:K ") or not any(s.startswith("ex:K ") for s in shapes):
                shapes.append(shape)
        shapes += [text for text in ctx.named.values() if text]
        if "ex:Prefixes" in "\n".join(shapes):
            shapes.append(PREFIX_DECLARATIONS)
        return "\n".join(shapes)

    return build()


# --- the fuzz tests, one per family of constructs -----------------------------------------------


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([TARGETS, VALUES, SEVERITY])), data=data_graphs())
def test_targets_and_value_constraints(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([VALUES, LOGICAL])), data=data_graphs())
def test_logical_constraints_and_node_references(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([PATHS, COUNTS, VALUES])), data=data_graphs())
def test_paths_and_counts(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([PATHS, PAIRS, CLOSED, SEVERITY])), data=data_graphs())
def test_pair_constraints_and_closed_shapes(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([NESTING, COUNTS, VALUES, TARGETS])), data=data_graphs())
def test_nested_and_shared_property_shapes(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(200)
@given(shapes=shapes_graphs(frozenset([SPARQL, TARGETS, PATHS, SEVERITY])), data=data_graphs())
def test_sparql_constraints_and_targets(shapes: str, data: str) -> None:
    check(shapes, data)


@fuzz(150)
@given(shapes=shapes_graphs(frozenset([VALUES, COUNTS, PAIRS, MULTI]), most=2), data=data_graphs())
def test_several_values_of_one_parameter(shapes: str, data: str) -> None:
    """sh:class, sh:pattern, sh:hasValue... with several values; pySHACL refuses two values of
    sh:datatype, sh:minCount... and then the fast engine must refuse them too."""
    check(shapes, data)


@fuzz(300)
@given(shapes=shapes_graphs(ALL, most=4), data=data_graphs())
def test_every_construct_together(shapes: str, data: str) -> None:
    check(shapes, data)


# --- failures the fuzzer found, kept whatever Hypothesis's database holds ------------------------


def case(name: str, shapes: str, data: str = "") -> object:
    return pytest.param(shapes, data, id=name)


REGRESSIONS = [
    # A zero-length path (sh:zeroOrMorePath, sh:zeroOrOnePath) reaches the focus node itself,
    # even when the node is not in the data.
    case(
        "zero-length-path-min-count-of-absent-node",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:d ;"
        " sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ] .",
    ),
    case(
        "zero-or-one-path-min-count-of-absent-literal",
        'ex:S1 a sh:NodeShape ; sh:targetNode "x" ;'
        " sh:property [ sh:path [ sh:zeroOrOnePath ex:q ] ; sh:minCount 1 ] .",
    ),
    case(
        "zero-length-path-value-of-absent-node",
        "ex:S1 a sh:PropertyShape ; sh:targetNode ex:a ; sh:path [ sh:zeroOrMorePath ex:r ] ;"
        " sh:nodeKind sh:Literal .",
        "ex:b ex:r ex:c .",
    ),
    # One result per sh:hasValue value the focus node lacks.
    case(
        "two-has-values-on-a-node-shape",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:c ; sh:hasValue ex:a, ex:b .",
        "ex:c ex:p ex:d .",
    ),
    case(
        "two-has-values-on-a-property-shape",
        "ex:S1 a sh:PropertyShape ; sh:targetNode ex:b ; sh:path ex:q ; sh:hasValue ex:b, ex:a .",
    ),
    # pySHACL: sh:minLength 0 holds for every node, blank nodes included.
    case(
        "min-length-zero-on-a-blank-node",
        "ex:S1 a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:minLength 0 .",
        "_:b1 ex:p ex:a .",
    ),
    # pySHACL: a node shape of severity sh:Info (or sh:Warning) conforms whatever its
    # property shapes report, sh:Violation results included.
    case(
        "violation-under-an-info-node-shape-conforms",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:c ;"
        " sh:property [ sh:path ex:p ; sh:minCount 1 ] ; sh:severity sh:Info .",
    ),
    # rdflib keeps "x"^^xsd:string and "x" apart (two nodes); a pyoxigraph Store merges them.
    case(
        "xsd-string-literal-as-a-value",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:c ; sh:closed true .",
        'ex:c ex:p "x"^^xsd:string .',
    ),
    case(
        "xsd-string-literal-and-plain-literal-are-two-focus-nodes",
        "ex:S1 a sh:NodeShape ; sh:targetObjectsOf ex:p ;"
        " sh:property [ sh:path ex:q ; sh:minCount 1 ] .",
        'ex:c ex:p "x"^^xsd:string . ex:d ex:p "x" .',
    ),
    # Focus nodes that five queries share are written down in a named graph, as subjects:
    # a literal focus node cannot be a subject in pyoxigraph, and is lost.
    case(
        "literal-focus-nodes-written-down-are-lost",
        "ex:S1 a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:class ex:K ;"
        " sh:property [ sh:path ex:p ; sh:disjoint ex:q ], [ sh:path ex:p ; sh:disjoint ex:r ],"
        " [ sh:path ex:q ; sh:disjoint ex:r ], [ sh:path ex:q ; sh:disjoint ex:p ] .",
        "ex:c ex:r 1 .",
    ),
    # pySHACL raises a TypeError comparing an ill-typed literal: treatykg must say TreatykgError.
    case(
        "less-than-or-equals-on-an-ill-typed-literal",
        "ex:S1 a sh:NodeShape ; sh:targetSubjectsOf ex:p ;"
        " sh:property [ sh:path ex:p ; sh:lessThanOrEquals ex:p ] .",
        'ex:c ex:p "abc"^^xsd:integer, 2 .',
    ),
    # Shapes pySHACL refuses: the fast engine must refuse them too.
    *(
        case(
            f"two-values-of-{parameter.split()[0].removeprefix('sh:')}",
            "ex:S1 a sh:NodeShape ; sh:targetNode ex:a ;"
            f" sh:property [ sh:path ex:p ; {parameter} ] .",
            'ex:a ex:p "x", ex:b .',
        )
        for parameter in (
            "sh:datatype xsd:string, xsd:integer",
            "sh:nodeKind sh:IRI, sh:Literal",
            "sh:minLength 1, 2",
            "sh:maxLength 1, 2",
            'sh:languageIn ("en"), ("fr")',
            'sh:in (ex:b), ("x")',
            "sh:minCount 1, 2",
            "sh:maxCount 1, 2",
            "sh:uniqueLang true, false",
        )
    ),
    # pySHACL refuses a blank node among the values of sh:lessThan, even with nothing to
    # compare it to (the fast engine only errs on a failing pair).
    case(
        "less-than-blank-node-value-with-no-other-values",
        "ex:S1 a sh:PropertyShape ; sh:targetNode ex:a ; sh:path ex:p ; sh:lessThan ex:q .",
        "ex:a ex:p _:b1 .",
    ),
    case(
        "qualified-value-shape-without-counts",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:a ;"
        " sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ] .",
    ),
    case("property-shape-without-path", "ex:S1 a sh:PropertyShape ; sh:targetNode ex:a ."),
    case(
        "sequence-path-of-one-step",
        "ex:S1 a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ( ex:p ) ] .",
    ),
    # Found by the fuzzer, not minimised further: S4 goes to pySHACL (its SPARQL constraint),
    # and a sh:minCount result of its property shape on the literal focus node is lost.
    case(
        "fallback-loses-a-min-count-result",
        'ex:S4 a sh:NodeShape ; sh:targetNode "x" ; sh:class ex:C ; sh:property [ sh:path'
        " (( ex:q ex:p ) [ sh:zeroOrOnePath ex:q ] ) ; sh:minCount 2 ; sh:disjoint ex:r ;"
        ' sh:lessThanOrEquals ex:r ; sh:sparql [ sh:prefixes ex:Prefixes ; sh:select """SELECT'
        ' $this ?value WHERE { $this $PATH ?value . FILTER (isLiteral(?value)) }""" ]], ex:P1 ;'
        ' sh:sparql [ sh:prefixes ex:Prefixes ; sh:select """SELECT $this ?value WHERE'
        " { { ?value ex:p ?o . FILTER (sameTerm(?o, $this)) } UNION { $this ex:r ?value } }"
        '""" ] .\n'
        "ex:P1 a sh:PropertyShape ; sh:path (ex:p ex:r ) ; sh:uniqueLang true .\n"
        'ex:Prefixes sh:declare [ sh:prefix "ex" ;'
        ' sh:namespace "http://example.org/"^^xsd:anyURI ] .',
    ),
    # A literal focus node that a pyoxigraph Store rewrites ("3"^^xsd:positiveInteger is kept
    # as "3"^^xsd:integer): the results named it as stored, and sh:datatype judged the
    # rewritten literal. Such shapes now go to pySHACL.
    case(
        "a-literal-focus-node-the-store-rewrites",
        "ex:S1 a sh:NodeShape ; sh:targetObjectsOf ex:r ; sh:hasValue ex:a ;"
        " sh:datatype xsd:integer .",
        '_:b1 ex:r "3"^^xsd:positiveInteger .',
    ),
    # Two sh:disjoint values on one property shape are two constraints: a value shared with
    # both properties is two results.
    case(
        "two-disjoint-values-give-two-results",
        "ex:S2 a sh:NodeShape ; sh:targetNode ex:d ;"
        " sh:property [ sh:path ex:q ; sh:disjoint ex:q ; sh:disjoint ex:p ] .",
        "ex:d ex:q _:b1 .\nex:d ex:p _:b1 .",
    ),
    # $PATH of an inverse of an inverse: pySHACL writes it as ^^ex:r and rdflib cannot parse
    # that, so pySHACL refuses the shapes; the fast engine now leaves $PATH of any path that
    # is not a predicate to pySHACL, whatever it does.
    case(
        "sparql-path-of-a-double-inverse",
        "ex:S1 a sh:PropertyShape ; sh:targetNode ex:b ;"
        " sh:path [ sh:inversePath [ sh:inversePath ex:r ] ] ; sh:sparql [ sh:prefixes"
        ' ex:Prefixes ; sh:select """SELECT $this ?value WHERE { $this $PATH ?value .'
        ' FILTER NOT EXISTS { ?value a ex:C } }""" ] .\n'
        'ex:Prefixes sh:declare [ sh:prefix "ex" ;'
        ' sh:namespace "http://example.org/"^^xsd:anyURI ] .',
        "ex:b ex:q ex:d .",
    ),
    # A focus node the data does not mention, on a path that may have length zero: Oxigraph
    # evaluates ?this path* ?value before joining the focus nodes in, and then matches only
    # the nodes of the graph, so the focus node was not its own value.
    case(
        "zero-length-path-from-a-literal-focus-node",
        'ex:S1 a sh:PropertyShape ; sh:targetNode "x" ;'
        ' sh:path [ sh:zeroOrMorePath [ sh:inversePath ex:r ] ] ; sh:languageIn ( "fr" ) .',
    ),
]


@pytest.mark.parametrize(("shapes", "data"), REGRESSIONS)
def test_regression(shapes: str, data: str) -> None:
    check(shapes, data)
