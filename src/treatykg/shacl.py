"""The fast SHACL engine: every constraint compiled to SPARQL that runs once on pyoxigraph.

Why: pySHACL, the reference, evaluates each constraint node by node on rdflib's engine, and a
SHACL-SPARQL constraint query once per focus node. That is fine for one treaty (5k triples)
and far too slow for a corpus (pySHACL needs ~190 s for 100k triples; pyshacl-turbo, the Rust
engine tried first, ~45 s on our shapes). Here each shape's focus nodes are a SPARQL pattern
(its targets), and constraints become queries over the whole graph that return only the
focus and value nodes that break them. SHACL-SPARQL constraints run once too: their focus
nodes are joined in at the top of the query's WHERE clause, where pySHACL pre-binds ``$this``.

Speed: pyoxigraph's cost is about one step per focus node and per value a query visits,
whatever it checks, so the engine visits them as few times as it can (:func:`_plan`):

- counts (sh:minCount, sh:maxCount, qualified counts, sh:uniqueLang, sh:hasValue) on all
  the predicates of the same focus nodes, across shapes, are one GROUP BY query;
- value checks on a predicate (and sh:datatype) are made once per distinct value in the
  data, without the focus nodes: a failing value is then looked for from the focus nodes;
- class membership is ``rdf:type`` with the subclasses listed, since pyoxigraph follows
  ``rdf:type/rdfs:subClassOf*`` anew for every node;
- focus nodes that many queries use are written down once, and queries run on threads
  (pyoxigraph releases the GIL while it evaluates).

Faithfulness: the engine decides only what it provably handles. A construct it does not
compile, or does not recognise (say ``sh:equals``, a constraint component declared in the
shapes graph, a SPARQL constraint whose ``$this`` cannot be joined in), makes its whole shape
:class:`UnsupportedError`, and a shape whose values it cannot judge as pySHACL does on this data
is ``_Undecided``; such shapes are validated by pySHACL and the report says so
(``Outcome.fallback``), never skipped. ``tests/test_engines.py`` (bundled data, every
counter-example, generated corpora with injected defects), ``tests/test_shacl_suites.py`` (the
W3C SHACL and DASH suites) and ``tests/test_shacl_fuzz.py`` (shapes drawn from every construct
compiled here) require pySHACL's verdict and the same *multiset* of (focus node, path, value,
constraint component, source shape, severity).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from treatykg.query import MAX_QUERY_BYTES, on_query_stack, query_threads

_R = TypeVar("_R")
_OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")
_OWL_IMPORTS = URIRef("http://www.w3.org/2002/07/owl#imports")
_INSTANCE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
_DEFAULT_SEVERITY = SH.Violation

#: Parameters that describe a shape rather than constrain it.
_DESCRIPTIVE = {
    SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
    SH.property, SH.ignoredProperties, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.defaultValue, SH.prefixes, SH.declare,
}  # fmt: skip
#: Constraints on each value node, compiled to a SPARQL expression that is true if it conforms.
_VALUE_LEVEL = {
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH["not"],
    SH["and"], SH["or"], SH.xone, SH.node, SH.minLength, SH.maxLength,
}  # fmt: skip
#: Parameters a shape may have one value of (pySHACL refuses a shape with two).
_SINGLE_VALUED = {
    SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.languageIn, SH["in"],
    SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.closed, SH.ignoredProperties, SH.flags, SH.path,
}  # fmt: skip
#: Datatypes sh:datatype checks in SPARQL (the others are judged on the literal as written).
_PLAIN_DATATYPES = frozenset({XSD.string, RDF.langString, RDFS.Literal})
#: Parameters compiled by :meth:`_Compiled._compile` itself (value checks aside).
_SHAPE_LEVEL = frozenset({
    SH.datatype, SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.closed, SH.lessThan,
    SH.lessThanOrEquals, SH.disjoint, SH.equals, SH.qualifiedValueShape, SH.sparql,
})  # fmt: skip
#: Every SHACL parameter this engine compiles.
_KNOWN = frozenset(_DESCRIPTIVE | _VALUE_LEVEL | {
    SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.closed, SH.lessThan,
    SH.lessThanOrEquals, SH.disjoint, SH.equals, SH.sparql, SH.qualifiedValueShape,
    SH.deactivated,
})  # fmt: skip
_SH = str(SH)
_COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class UnsupportedError(Exception):
    """A construct this engine does not compile: pySHACL validates the shape instead."""


@dataclass(frozen=True)
class Finding:
    """One validation result, with pyoxigraph terms for the data and rdflib for the shapes."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: Node | None  # the sh:path node (from the shapes graph), or a predicate IRI
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    component: URIRef
    shape: Node
    severity: Node
    messages: tuple[Literal, ...]
    constraint: Node | None = None  # the sh:sparql node of a SPARQL constraint
    #: Withdraws an equal finding (a count the Store got wrong, see Originals.merged).
    retract: bool = False
    #: What makes this result one of several with the same key, as SHACL counts them: the
    #: constraint's parameter (two sh:class values are two constraints), the other value of
    #: a failing pair (sh:lessThan), the duplicated language (sh:uniqueLang).
    detail: tuple[object, ...] = ()
    #: The shapes that led to ``shape`` through sh:property, outermost first: one result per
    #: parent, and a parent of severity sh:Warning or sh:Info lets its children's results pass.
    route: tuple[Node, ...] = ()


def _RETRACT(finding: Finding) -> Finding:  # noqa: N802 - reads as a marker
    return Finding(**{**finding.__dict__, "retract": True})


@dataclass
class Outcome:
    """What the fast engine found, and which shapes it left to pySHACL."""

    findings: list[Finding] = field(default_factory=list)
    #: Shapes with a construct this engine cannot compile, each with the reason.
    fallback: dict[Node, str] = field(default_factory=dict)
    queries: int = 0


_XSD = str(XSD)
#: Datatypes a pyoxigraph Store does not keep: it stores xsd:positiveInteger and the other
#: types derived from xsd:integer as xsd:integer, and xsd:dateTimeStamp as xsd:dateTime.
LOSSY_DATATYPES = frozenset(
    _XSD + name
    for name in [
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "dateTimeStamp",
    ]
)
#: Datatypes whose lexical form a pyoxigraph Store may rewrite ("01" -> "1").
NATIVE_DATATYPES = (
    frozenset(
        _XSD + name
        for name in [
            "boolean",
            "decimal",
            "integer",
            "float",
            "double",
            "date",
            "dateTime",
            "time",
            "gYear",
            "gYearMonth",
            "gMonth",
            "gDay",
            "gMonthDay",
            "duration",
            "dayTimeDuration",
            "yearMonthDuration",
        ]
    )
    | LOSSY_DATATYPES
)


class Originals:
    """What a pyoxigraph Store changed in the literals it was given, to undo it.

    A Store normalizes typed literals: ``"23"^^xsd:positiveInteger`` reads back as
    ``"23"^^xsd:integer``, ``"01"^^xsd:integer`` as ``"1"``. SHACL sees the literal as written,
    so the engine looks the original up: by (subject, predicate, stored literal) for values,
    and by stored literal for ``DATATYPE()`` in SHACL-SPARQL queries.
    """

    def __init__(self) -> None:
        self.by_triple: dict[tuple[str, str, str], list[ox.Literal]] = {}
        self.by_literal: dict[str, set[ox.Literal]] = {}
        #: Some literal's lexical form changed (not only its datatype).
        self.lexical_changed = False
        #: Some language tag had capitals, which a pyoxigraph term keeps in lower case: the
        #: same term in RDF 1.1, but ``LANG()`` answers differently than on the data as read.
        self.cased_languages = False
        #: The data had "x" and "x"^^xsd:string, two terms to rdflib (and pySHACL), which a
        #: Store makes one: any shape may count them, so pySHACL validates every shape.
        self.merged_strings = False
        self._merged: dict[tuple[str, str], int] | None = None

    def __bool__(self) -> bool:
        return bool(self.by_triple)

    @staticmethod
    def at_risk(literal: ox.Literal) -> bool:
        return literal.datatype.value in NATIVE_DATATYPES

    def record(self, quads: Iterable[ox.Quad]) -> None:
        """Remember the originals of the literals in ``quads`` that a Store would change.

        Each distinct literal at risk goes through a scratch Store once; what the Store gives
        back is what every query will see.
        """
        at_risk = [q for q in quads if isinstance(q.object, ox.Literal) and self.at_risk(q.object)]
        distinct = sorted({q.object for q in at_risk}, key=str)
        scratch = ox.Store()
        predicate = ox.NamedNode("urn:treatykg:literal")
        scratch.extend(
            ox.Quad(ox.NamedNode(f"urn:treatykg:{i}"), predicate, literal)
            for i, literal in enumerate(distinct)
        )
        stored_of: dict[ox.Literal, ox.Literal] = {}
        for quad in scratch:
            original = distinct[int(quad.subject.value.rsplit(":", 1)[1])]
            if quad.object != original:
                stored_of[original] = quad.object  # type: ignore[assignment]
        changed = {str(stored) for stored in stored_of.values()}
        for quad in at_risk:
            # Unchanged literals are recorded too when a changed one now reads the same:
            # "1"^^xsd:integer and "1"^^xsd:positiveInteger become one term in the Store.
            stored = stored_of.get(quad.object, quad.object)  # type: ignore[arg-type]
            if str(stored) not in changed:
                continue
            if stored.value != quad.object.value:  # type: ignore[union-attr]
                self.lexical_changed = True
            key = (str(quad.subject), str(quad.predicate), str(stored))
            found = self.by_triple.setdefault(key, [])
            if quad.object not in found:
                found.append(quad.object)  # type: ignore[arg-type]
            self.by_literal.setdefault(str(stored), set()).add(quad.object)  # type: ignore[arg-type]
        self._merged = None

    def merged(self) -> dict[tuple[str, str], int]:
        """(subject, predicate) -> how many values the Store merged away (for counts)."""
        if self._merged is None:
            extra: dict[tuple[str, str], int] = {}
            for (subject, predicate, _stored), found in self.by_triple.items():
                if len(found) > 1:
                    key = (subject, predicate)
                    extra[key] = extra.get(key, 0) + len(found) - 1
            self._merged = extra
        return self._merged

    def restore(self, subject: object, predicate: str | None, value: object) -> list[object]:
        """The literals as written behind a stored value (the value itself if unchanged)."""
        if not self or not isinstance(value, ox.Literal) or predicate is None:
            return [value]
        return list(self.by_triple.get((str(subject), predicate, str(value)), [value]))

    def datatype_function(self, term: object) -> ox.NamedNode | None:
        """``DATATYPE()`` of the literal as written, for SHACL-SPARQL queries."""
        if not isinstance(term, ox.Literal):
            return None
        found = self.by_literal.get(str(term))
        if found is None:
            return term.datatype
        (original,) = {o.datatype for o in found} or {term.datatype}
        return original

    def ambiguous(self) -> bool:
        """Some stored literal stands for literals of different datatypes."""
        return any(len({o.datatype for o in found}) > 1 for found in self.by_literal.values())


#: The function that SHACL-SPARQL queries call instead of DATATYPE() when literals changed.
ORIGINAL_DATATYPE = ox.NamedNode("urn:treatykg:original-datatype")


# --- the shapes graph ---------------------------------------------------------------------------


class _Index:
    """The shapes graph's statements in dictionaries, read the way :class:`_Shapes` reads them.

    Why: compiling a shapes graph asks it some ten thousand small questions (a shape's
    parameters, a list's items), and each costs rdflib several generator layers; a dictionary
    answers in one step. Compiling our shapes went from ~55 ms to ~35 ms, which every
    validation pays (the check that lets pyshacl-turbo answer compiles them too).
    """

    def __init__(self, graph: Graph) -> None:
        self.out: dict[Node, dict[Node, list[Node]]] = {}
        self.by_predicate: dict[Node, list[tuple[Node, Node]]] = {}
        self._sorted: dict[Node, list[tuple[Node, Node]]] = {}
        for subject, predicate, value in graph:
            self.out.setdefault(subject, {}).setdefault(predicate, []).append(value)
            self.by_predicate.setdefault(predicate, []).append((subject, value))

    def objects(self, subject: Node | None, predicate: Node) -> list[Node]:
        if subject is None:
            return [o for _s, o in self.by_predicate.get(predicate, ())]
        return list(self.out.get(subject, {}).get(predicate, ()))

    def subjects(self, predicate: Node, value: Node | None) -> list[Node]:
        pairs = self.by_predicate.get(predicate, ())
        return [s for s, o in pairs if value is None or o == value]

    def subject_objects(self, predicate: Node) -> list[tuple[Node, Node]]:
        return list(self.by_predicate.get(predicate, ()))

    def predicate_objects(self, subject: Node) -> list[tuple[Node, Node]]:
        return [(p, o) for p, values in self.out.get(subject, {}).items() for o in values]

    def sorted_predicate_objects(self, subject: Node) -> list[tuple[Node, Node]]:
        """:meth:`predicate_objects` in a fixed order (by text: cheaper than rdflib's order)."""
        if subject not in self._sorted:
            pairs = self.predicate_objects(subject)
            self._sorted[subject] = sorted(pairs, key=lambda po: (str(po[0]), po[1].n3()))
        return self._sorted[subject]

    def predicates(self, subject: Node, _value: None = None) -> list[Node]:
        return list(self.out.get(subject, {}))

    def __contains__(self, triple: tuple[Node | None, Node, Node | None]) -> bool:
        subject, predicate, value = triple
        if subject is None:
            pairs = self.by_predicate.get(predicate, ())
            return any(value is None or o == value for _s, o in pairs)
        values = self.out.get(subject, {}).get(predicate, ())
        return bool(values) if value is None else value in values


class _Shapes:
    """Read access to the shapes graph, with the compiled SPARQL of paths and nested shapes."""

    def __init__(
        self, graph: Graph, originals: Originals | None = None, store: ox.Store | None = None
    ) -> None:
        self.g = _Index(graph)
        self.originals = originals if originals is not None else Originals()
        #: The data, read for its class hierarchy (see :meth:`subclasses`).
        self.store = store
        self._fresh = 0
        self._subclasses: dict[Node, list[str] | None] = {}
        self._datatype_rules: dict[URIRef, Callable[[object], bool]] = {}
        #: An empty Store, where a query is parsed (and answered at once) to check it.
        self.empty = ox.Store()
        #: The parameters of the constraint components the shapes graph declares (SHACL-SPARQL
        #: components such as ``ex:requiredParam``): a shape using one is left to pySHACL.
        self.parameters = {
            path
            for parameter in graph.objects(None, SH.parameter)
            for path in graph.objects(parameter, SH.path)
        }

    def one(self, node: Node, prop: URIRef) -> Node | None:
        values = list(self.g.objects(node, prop))
        if len(values) > 1:
            raise UnsupportedError(f"{prop.n3()} has {len(values)} values")
        return values[0] if values else None

    def items(self, node: Node) -> list[Node]:
        """The members of an RDF list."""
        members, seen = [], set()
        while node != RDF.nil:
            if node in seen:
                raise UnsupportedError("an RDF list with a cycle")
            seen.add(node)
            first = self.g.objects(node, RDF.first)
            rest = self.g.objects(node, RDF.rest)
            if len(first) != 1 or len(rest) != 1:
                raise UnsupportedError("a malformed RDF list")
            members.append(first[0])
            node = rest[0]
        return members

    def fresh(self) -> str:
        self._fresh += 1
        return f"?_v{self._fresh}"

    def subclasses(self, cls: Node) -> list[str] | None:
        """The class and its subclasses in the data (``rdfs:subClassOf*``), as SPARQL IRIs.

        Why: pyoxigraph follows ``rdf:type/rdfs:subClassOf*`` anew for every node it checks;
        with the few classes listed, membership is one ``rdf:type`` lookup. None without a
        store, or when a subclass is not an IRI (it cannot be written in a query): the query
        then follows the path itself.
        """
        if self.store is None:
            return None
        if cls not in self._subclasses:
            found, listed = {_term(cls)}, True  # the class itself: a zero-length path
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {_term(cls)} }}"
            for row in self.store.query(query):
                if isinstance(row["c"], ox.NamedNode):
                    found.add(str(row["c"]))
                else:
                    listed = False
            self._subclasses[cls] = sorted(found) if listed else None
        return self._subclasses[cls]

    def datatype_rule(self, datatype: URIRef) -> Callable[[object], bool]:
        """:func:`_datatype_rule`, one per datatype for every shape."""
        if datatype not in self._datatype_rules:
            self._datatype_rules[datatype] = _datatype_rule(datatype)
        return self._datatype_rules[datatype]

    def instance_of(self, v: str, cls: Node) -> str:
        """A SPARQL pattern matching when node ``v`` is a SHACL instance of ``cls``."""
        classes = self.subclasses(cls)
        if classes is None:
            return f"{v} {_INSTANCE_OF} {_term(cls)}"
        if len(classes) == 1:
            return f"{v} <{RDF.type}> {classes[0]}"
        t = self.fresh()
        return f"{v} <{RDF.type}> {t} FILTER ({t} IN ({', '.join(classes)}))"

    def deactivated(self, node: Node) -> bool:
        return any(str(v).lower() == "true" for v in self.g.objects(node, SH.deactivated))

    def path(self, node: Node) -> str:
        """A SHACL property path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in self.g:
            steps = self.items(node)
            if len(steps) < 2:  # SHACL: a sequence path has at least two members
                raise UnsupportedError("a sequence path of fewer than two steps")
            return "(" + "/".join(self.path(step) for step in steps) + ")"
        for prop, template in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = self.one(node, prop)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(step) for step in self.items(alternatives)) + ")"
        raise UnsupportedError(f"unknown property path {node!r}")

    def nullable(self, node: Node) -> bool:
        """Whether a SHACL path may have length zero (then every focus node is a value)."""
        if isinstance(node, URIRef):
            return False
        if (node, RDF.first, None) in self.g:
            return all(self.nullable(step) for step in self.items(node))
        if self.one(node, SH.zeroOrMorePath) is not None:
            return True
        if self.one(node, SH.zeroOrOnePath) is not None:
            return True
        for prop in (SH.inversePath, SH.oneOrMorePath):
            inner = self.one(node, prop)
            if inner is not None:
                return self.nullable(inner)
        alternatives = self.one(node, SH.alternativePath)
        return alternatives is not None and any(
            self.nullable(step) for step in self.items(alternatives)
        )

    def check_known(self, shape: Node) -> None:
        """Refuse a shape that uses a parameter this engine does not compile: a SHACL one
        it does not know, or one of a constraint component the shapes graph declares.

        Why refuse and not ignore: an ignored constraint is a silent "conforms".
        """
        for prop in set(self.g.predicates(shape, None)):
            if str(prop).startswith(_SH) and prop not in _KNOWN:
                raise UnsupportedError(f"{prop.n3()} is not compiled")
            if prop in self.parameters:
                raise UnsupportedError(f"{prop.n3()} is a parameter of a constraint component")
            if prop in _SINGLE_VALUED and len(self.g.objects(shape, prop)) > 1:
                # pySHACL refuses such a shape with a message: it is the one to say so
                raise UnsupportedError(f"{prop.n3()} has several values")
        if (shape, SH.qualifiedValueShape, None) in self.g and not any(
            (shape, p, None) in self.g for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)
        ):
            raise UnsupportedError("sh:qualifiedValueShape without a qualified count")
        if (shape, RDF.type, SH.PropertyShape) in self.g and (shape, SH.path, None) not in self.g:
            raise UnsupportedError("a sh:PropertyShape without sh:path")

    # -- value-level constraints as SPARQL expressions -------------------------------------------

    def value_check(self, prop: URIRef, param: Node, v: str) -> str:
        """A SPARQL expression, true when the value node ``v`` satisfies one constraint.

        ``sh:datatype`` checks the datatype only; well-formedness is checked in Python with
        pySHACL's own rule (see :func:`_datatype`), so it is refused inside nested shapes.
        """
        if prop == SH["class"]:
            return f"EXISTS {{ {self.instance_of(v, param)} }}"
        if prop == SH.datatype:
            if param == XSD.string:
                return f"(isLiteral({v}) && datatype({v}) = {XSD.string.n3()})"
            if param == RDF.langString:
                return f'(isLiteral({v}) && lang({v}) != "")'
            if param == RDFS.Literal:
                return f"isLiteral({v})"
            return f"(isLiteral({v}) && datatype({v}) = {_term(param)})"
        if prop == SH.nodeKind:
            if param not in _NODE_KINDS:
                raise UnsupportedError(f"unknown sh:nodeKind {param}")
            return _NODE_KINDS[param].format(v=v)
        if prop == SH.pattern:
            raise AssertionError("patterns are compiled with their flags")
        if prop == SH.languageIn:
            tags = [str(t).lower() for t in self.items(param)]
            if "*" in tags:
                return f'(isLiteral({v}) && lang({v}) != "")'
            if all(re.fullmatch("[a-z0-9]+", t) for t in tags):
                # The tag, or its first subtag: RFC 4647 basic filtering, which langMatches
                # does natively (twice as fast as the general expression below).
                matches = " || ".join(f"langMatches(lang({v}), {_string(t)})" for t in tags)
                return f"(isLiteral({v}) && ({matches}))"
            listed = ", ".join(_string(t) for t in tags)
            first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
            return (
                f'(isLiteral({v}) && lang({v}) != "" && '
                f"(LCASE(lang({v})) IN ({listed}) || {first} IN ({listed})))"
            )
        if prop == SH["in"]:
            members = self.items(param)
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) + ")"
        if prop == SH["not"]:
            return f"!({self.conforms(param, v)})"
        if prop == SH["and"]:
            return "(" + " && ".join(self.conforms(s, v) for s in self.items(param)) + ")"
        if prop == SH["or"]:
            return "(" + " || ".join(self.conforms(s, v) for s in self.items(param)) + ")"
        if prop == SH.xone:
            terms = " + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in self.items(param))
            return f"(({terms}) = 1)"
        if prop == SH.node:
            return self.conforms(param, v)
        if prop in (SH.minLength, SH.maxLength):
            if prop == SH.minLength and _whole_number(param) == 0:
                return "true"  # as pySHACL: a minimum length of zero holds even for a blank node
            op = ">=" if prop == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {_whole_number(param)})"
        raise UnsupportedError(f"{prop.n3()} is not compiled")

    def pattern_check(self, shape: Node, param: Node, v: str) -> str:
        flags = self.one(shape, SH.flags)
        args = f"{_string(str(param))}" + (f", {_string(str(flags))}" if flags else "")
        return f"(!isBlank({v}) && REGEX(STR({v}), {args}))"

    def value_checks(self, shape: Node, v: str, *, nested: bool) -> list[tuple[URIRef, Node, str]]:
        """Every value-level constraint of ``shape``: (parameter, its value, expression)."""
        checks = []
        for prop, param in self.g.sorted_predicate_objects(shape):
            if prop not in _VALUE_LEVEL:
                continue
            if prop == SH.datatype and param not in _PLAIN_DATATYPES:
                if nested:
                    raise UnsupportedError("sh:datatype inside a nested shape")
                continue  # checked in Python on the literal as written (_datatype)
            if prop == SH.pattern:
                checks.append((prop, param, self.pattern_check(shape, param, v)))
            else:
                checks.append((prop, param, self.value_check(prop, param, v)))
        return checks

    def conforms(self, shape: Node, v: str) -> str:
        """A SPARQL expression, true when node ``v`` conforms to the (nested) ``shape``."""
        self.check_known(shape)
        if self.deactivated(shape):
            return "true"
        path_node = self.one(shape, SH.path)
        parts: list[str] = []
        if path_node is None:
            parts += [expr for _p, _param, expr in self.value_checks(shape, v, nested=True)]
            for prop, param in self.g.predicate_objects(shape):
                if prop == SH.hasValue:
                    parts.append(f"sameTerm({v}, {_term(param)})")
                elif prop == SH.property:
                    parts.append(self.conforms(param, v))
                elif prop in (SH.closed, SH.sparql, SH.minCount, SH.maxCount, SH.uniqueLang,
                              SH.lessThan, SH.lessThanOrEquals, SH.disjoint, SH.equals,
                              SH.qualifiedValueShape):  # fmt: skip
                    raise UnsupportedError(f"{prop.n3()} in a nested node shape")
        else:
            path = self.path(path_node)
            w = self.fresh()
            checks = self.value_checks(shape, w, nested=True)
            if checks:
                ok = " && ".join(expr for _p, _param, expr in checks)
                parts.append(f"NOT EXISTS {{ {v} {path} {w} FILTER (!({ok})) }}")
            for prop, param in self.g.predicate_objects(shape):
                if prop == SH.minCount:
                    if _whole_number(param) > 1:
                        raise UnsupportedError("sh:minCount above 1 in a nested shape")
                    if _whole_number(param) == 1:
                        parts.append(f"EXISTS {{ {v} {path} {self.fresh()} }}")
                elif prop == SH.maxCount:
                    if _whole_number(param) != 0:
                        raise UnsupportedError("sh:maxCount above 0 in a nested shape")
                    parts.append(f"NOT EXISTS {{ {v} {path} {self.fresh()} }}")
                elif prop == SH.hasValue:
                    parts.append(f"EXISTS {{ {v} {path} {_term(param)} }}")
                elif prop == SH.qualifiedValueShape:
                    parts.append(self._nested_qualified(shape, param, v, path))
                elif prop in (SH.closed, SH.sparql, SH.uniqueLang, SH.lessThan,
                              SH.lessThanOrEquals, SH.disjoint, SH.equals,
                              SH.property):  # fmt: skip
                    raise UnsupportedError(f"{prop.n3()} in a nested property shape")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _nested_qualified(self, shape: Node, qualified: Node, v: str, path: str) -> str:
        if self.one(shape, SH.qualifiedValueShapesDisjoint) is not None:
            raise UnsupportedError("sh:qualifiedValueShapesDisjoint")
        w = self.fresh()
        matches = f"{{ {v} {path} {w} FILTER ({self.conforms(qualified, w)}) }}"
        parts = []
        low, high = self.one(shape, SH.qualifiedMinCount), self.one(shape, SH.qualifiedMaxCount)
        if low is not None and _whole_number(low) > 0:
            if _whole_number(low) > 1:
                raise UnsupportedError("sh:qualifiedMinCount above 1 in a nested shape")
            parts.append(f"EXISTS {matches}")
        if high is not None:
            if _whole_number(high) != 0:
                raise UnsupportedError("sh:qualifiedMaxCount above 0 in a nested shape")
            parts.append(f"NOT EXISTS {matches}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    # -- SHACL-SPARQL -----------------------------------------------------------------------------

    def prologue(self, node: Node) -> str:
        """PREFIX declarations for a SPARQL-based target or constraint (``sh:prefixes``),
        with those of the ontologies they import (``owl:imports``), as SHACL says."""
        lines = []
        pending, seen = list(self.g.objects(node, SH.prefixes)), set()
        while pending:
            ontology = pending.pop()
            if ontology in seen:
                continue
            seen.add(ontology)
            pending += self.g.objects(ontology, _OWL_IMPORTS)
            for declaration in self.g.objects(ontology, SH.declare):
                prefix = self.one(declaration, SH.prefix)
                namespace = self.one(declaration, SH.namespace)
                if prefix is None or namespace is None:
                    raise UnsupportedError("sh:declare without sh:prefix and sh:namespace")
                lines.append(f"PREFIX {prefix}: <{namespace}>")
        if len({line.split(":", 1)[0] for line in set(lines)}) != len(set(lines)):
            raise UnsupportedError("one prefix declared for two namespaces")
        return "\n".join(sorted(set(lines)))


def _sparql_text(s: _Shapes, text: str) -> str:
    """A SHACL-SPARQL query as it must run on the Store: DATATYPE() sees literals as written."""
    if s.originals.cased_languages and re.search(r"\bLANG\s*\(", text, re.IGNORECASE):
        raise UnsupportedError("LANG() on data with capitals in language tags")
    if not s.originals:
        return text
    if s.originals.lexical_changed or s.originals.ambiguous():
        raise UnsupportedError("the data has typed literals that a pyoxigraph Store rewrites")
    return re.sub(r"\bDATATYPE\s*\(", f"{ORIGINAL_DATATYPE}(", text, flags=re.IGNORECASE)


#: Tokens of a SPARQL query, once strings, IRIs and comments are taken out (see _tokens).
_TOKEN = re.compile(
    r"[{}()]|[?$][A-Za-z_0-9]+|[A-Za-z_][A-Za-z_0-9.-]*(?::[A-Za-z_0-9.-]*)?|:[A-Za-z_0-9.-]*|\S"
)
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
#: Keywords whose part of a query is evaluated apart from the pre-bound $this in SHACL's
#: definition of pre-binding (SHACL 5.3.1 lists them as unsupported with pre-binding), or
#: whose meaning changes once the focus nodes are joined in (LIMIT applies to all of them).
_APART = {"MINUS", "VALUES", "SERVICE", "SELECT", "GRAPH", "LIMIT", "OFFSET"}
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


def _tokens(text: str) -> list[str]:
    """The query's tokens, with every string, IRI and comment as one placeholder token."""

    def placeholder(match: re.Match[str]) -> str:
        first = match.group(0)[0]
        return " " if first == "#" else " _IRI_ " if first == "<" else " _STRING_ "

    return _TOKEN.findall(_STRING.sub(placeholder, text))


@dataclass
class _Frame:
    """A group ``{...}`` of a SPARQL query, as :func:`_joinable` reads it."""

    kind: str  # "top" (the WHERE group), "exists" (of FILTER (NOT) EXISTS) or "group"
    parentheses: int = 0
    #: A triple pattern of this group itself has ``$this``: every solution binds it.
    binds_this: bool = False


def _joinable(text: str) -> None:
    """Refuse a SPARQL constraint whose ``$this`` cannot be joined in instead of pre-bound.

    The engine joins the focus nodes in at the top of the WHERE clause; SHACL pre-binds
    ``$this`` everywhere in the query. The two agree for ``$this`` at the top level of the
    WHERE group or in FILTER (NOT) EXISTS below it (EXISTS substitutes the solution's
    bindings), and in a triple pattern of any group (a join on ``?this``). In a nested group
    (a UNION branch, OPTIONAL), an expression or EXISTS on ``$this`` agrees only when a
    triple pattern of that same group binds ``$this`` (then every solution of the group has
    it bound); otherwise ``$this`` is unbound there, where pre-binding gives the focus node.
    Sub-selects, MINUS, VALUES and the like (SHACL forbids some with pre-binding) and queries
    that aggregate across focus nodes disagree too. All of these go to pySHACL, which
    pre-binds, or refuses what SHACL forbids.
    """
    tokens = _tokens(text)
    upper = [t.upper() for t in tokens]
    if "WHERE" not in upper:
        raise UnsupportedError("a SPARQL constraint without WHERE")
    start = upper.index("WHERE")
    if upper[start + 1 : start + 2] != ["{"]:
        raise UnsupportedError("a SPARQL constraint whose WHERE clause is not plain")
    stack: list[_Frame] = []
    needs: list[_Frame | None] = []  # for each $this in an expression: its innermost group
    previous = ""
    end = len(tokens)
    for i in range(start + 1, len(tokens)):
        token, word = tokens[i], upper[i]
        if word in _APART:
            raise UnsupportedError(f"{word} in a SPARQL constraint")
        if token == "{":
            kind = "top" if not stack else "exists" if previous == "EXISTS" else "group"
            stack.append(_Frame(kind))
        elif token == "}":
            stack.pop()
            if not stack:
                end = i
                break
        elif token == "(":
            stack[-1].parentheses += 1
        elif token == ")":
            stack[-1].parentheses -= 1
        elif token in ("?this", "$this"):
            if previous == "AS":
                raise UnsupportedError("$this bound by the query")
            frame = stack[-1]
            if frame.kind != "exists" and frame.parentheses == 0:
                frame.binds_this = True  # a triple pattern
            else:
                groups = [f for f in stack if f.kind == "group"]
                needs.append(groups[-1] if groups else None)
        previous = word
    if any(group is not None and not group.binds_this for group in needs):
        raise UnsupportedError("$this in an expression of a nested group that does not bind it")
    modifiers = tokens[end + 1 :]
    if "GROUP" in (m.upper() for m in modifiers):
        if "?this" not in modifiers and "$this" not in modifiers:
            raise UnsupportedError("a SPARQL constraint that groups across focus nodes")
    elif _AGGREGATES & set(upper):
        raise UnsupportedError("a SPARQL constraint that aggregates across focus nodes")
    for i, word in enumerate(upper[:-1]):
        # A call of a function named by an IRI: SHACL-AF functions are pySHACL's to run;
        # Oxigraph would make the call an error, and the FILTER silently false.
        called = tokens[i] == "_IRI_" or (":" in word and not word.startswith("XSD:"))
        if upper[i + 1] == "(" and called:
            raise UnsupportedError(f"a call of the function {tokens[i]} in a SPARQL constraint")


def _parses(query: str, s: _Shapes) -> None:
    """Refuse a query Oxigraph does not parse, or larger than ``treatykg query`` takes
    (:data:`~treatykg.query.MAX_QUERY_BYTES`, for which :func:`_on_stack` is sized): pySHACL
    (rdflib's parser) then decides, and says what is wrong if it cannot parse it either.
    Parsed on an empty Store, which answers at once, on a thread with a stack for the query.
    (Nesting is not capped as ``treatykg query`` caps it: the stack holds any nesting, and
    rdflib's parser gives up on 300 nested parentheses that Oxigraph takes.)
    """
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise UnsupportedError(
            f"a SPARQL constraint of {size / 1024:.0f} KiB, over the engine's "
            f"{MAX_QUERY_BYTES // 1024} KiB"
        )

    def parse() -> None:
        s.empty.query(query, custom_functions={ORIGINAL_DATATYPE: s.originals.datatype_function})

    try:
        _on_stack(query, parse)
    except SyntaxError as error:
        message = " ".join(str(error).split(" expected one of")[0].split())
        raise UnsupportedError(f"SPARQL that Oxigraph does not parse: {message}") from None


def _values_pattern(focus: str, path: str | None, nullable: bool) -> str:
    """The pattern binding each focus node's values, ``?value``, after ``focus`` bound ``?this``.

    A path of length zero must give the focus node itself, but Oxigraph evaluates
    ``?this path* ?value`` before joining the focus nodes in, as SPARQL says, and then a
    zero-length path matches only the nodes of the graph: a focus node the data does not
    mention (``sh:targetNode "x"``) would have no values. So the focus nodes are added as
    their own values; the queries that read these patterns keep distinct values.
    """
    if path is None:
        return "BIND (?this AS ?value)"
    if nullable:
        return f"{{ {{ ?this {path} ?value }} UNION {{ {focus} BIND (?this AS ?value) }} }}"
    return f"?this {path} ?value ."


def _whole_number(param: Node) -> int:
    """A count, length or limit parameter: a literal whole number of at least zero.

    Anything else pySHACL refuses with a message, so the shape goes to it.
    """
    value = param.toPython() if isinstance(param, Literal) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnsupportedError(f"{param.n3()} is not a whole number of at least zero")
    return value


def _term(node: Node) -> str:
    if isinstance(node, BNode):
        raise UnsupportedError("a blank node as a constant in a constraint")
    if isinstance(node, Literal) and str(node.datatype) in NATIVE_DATATYPES:
        raise UnsupportedError("a typed literal constant, which pyoxigraph would normalize")
    return node.n3()


def _string(text: str) -> str:
    return Literal(text).n3()


# --- compiling shapes ----------------------------------------------------------------------------


@dataclass
class _Shape:
    node: Node
    focus: list[str]  # SPARQL group patterns binding ?this, one per target
    prologue: set[str] = field(default_factory=set)
    #: The shapes that led here through sh:property, outermost first (empty: own targets).
    #: SHACL validates a property shape once per parent, so each route is compiled apart.
    route: tuple[Node, ...] = ()
    #: The focus nodes may be literals (see _targets).
    literals: bool = False


def _targets(s: _Shapes, shape: Node) -> tuple[list[str], set[str], bool]:
    """The focus patterns of a shape's targets, their PREFIX declarations, and whether the
    focus nodes may be literals (objects of a property, given nodes, a SPARQL target's)."""
    patterns, prologue = [], set()
    classes = list(s.g.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in s.g or (shape, RDF.type, _OWL_CLASS) in s.g:
        classes.append(shape)
    types = set()
    for cls in classes:
        found = s.subclasses(cls)
        if found is None:
            patterns.append(f"?this {_INSTANCE_OF} {_term(cls)} .")
        else:
            types.update(found)
    if len(types) == 1:
        patterns.append(f"?this <{RDF.type}> {types.pop()} .")
    elif types:  # every instance of every target class: one rdf:type lookup per class
        patterns.append(
            f"VALUES ?_class {{ {' '.join(sorted(types))} }} ?this <{RDF.type}> ?_class ."
        )
    for node in s.g.objects(shape, SH.targetNode):
        patterns.append(f"VALUES ?this {{ {_term(node)} }}")
    for prop in s.g.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?this {_term(prop)} [] .")
    for prop in s.g.objects(shape, SH.targetObjectsOf):
        patterns.append(f"[] {_term(prop)} ?this .")
    for target in s.g.objects(shape, SH.target):
        select = s.one(target, SH.select)
        if select is None or (target, RDF.type, SH.SPARQLTarget) not in s.g:
            raise UnsupportedError("a sh:target that is not a sh:SPARQLTarget with sh:select")
        if s.deactivated(target):
            continue
        prologue.add(s.prologue(target))
        patterns.append(f"{{ {_sparql_text(s, str(select))} }}")
    literals = any((shape, p, None) in s.g for p in (SH.targetObjectsOf, SH.targetNode, SH.target))
    return patterns, prologue, literals


def _top_level(s: _Shapes) -> list[_Shape]:
    """Shapes that have focus nodes, once per route: those with targets, and through
    ``sh:property`` their property shapes, which take their parent node shape's focus nodes.

    A property shape reached by two routes (two parents, or a parent and targets of its own)
    is validated once per route, as SHACL does, so it appears once per route. A property shape
    nested in a property shape takes the parent's *values* as focus nodes: not compiled.
    """
    shapes: list[_Shape] = []
    candidates = {
        *s.g.subjects(RDF.type, SH.NodeShape),
        *s.g.subjects(RDF.type, SH.PropertyShape),
        *(n for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                      SH.targetObjectsOf, SH.target) for n in s.g.subjects(p, None)),
    }  # fmt: skip

    def visit(entry: _Shape) -> None:
        shapes.append(entry)
        route = (*entry.route, entry.node)
        for child in sorted(s.g.objects(entry.node, SH.property)):
            if s.deactivated(child):
                continue
            if child in route:
                why = {"#unsupported a cycle of sh:property"}
                shapes.append(_Shape(child, [], why, route))
            elif (entry.node, SH.path, None) in s.g:
                why = {"#unsupported a property shape nested in a property shape"}
                visit(_Shape(child, [], why, route))
            else:
                focus, prologue = list(entry.focus), set(entry.prologue)
                visit(_Shape(child, focus, prologue, route, entry.literals))

    for shape in sorted(candidates):
        if s.deactivated(shape):
            continue
        try:
            patterns, prologue, literals = _targets(s, shape)
        except UnsupportedError as error:  # its property shapes cannot be compiled either
            visit(_Shape(shape, [], {f"#unsupported {error}"}))
            continue
        if patterns:
            visit(_Shape(shape, patterns, prologue, literals=literals))
    return shapes


class _Solutions(list[ox.QuerySolution]):
    """The rows of a query, all read, and its variables (as ``ox.QuerySolutions`` has them).

    Why read them all: pyoxigraph's QuerySolutions must be dropped by the thread that made
    it, and a traceback kept by a logging handler (rdflib logs one for an ill-typed literal,
    while rows are turned into findings) would keep it alive, to be dropped elsewhere.
    """

    def __init__(self, solutions: ox.QuerySolutions) -> None:
        super().__init__(solutions)
        self.variables = solutions.variables


Rows = Callable[[_Solutions], Iterator[Finding]]


def _no_more() -> list[_Query]:
    return []


@dataclass
class _Query:
    """One SPARQL query, and how its rows become findings."""

    text: str
    #: The focus pattern in ``text`` (if any), swapped for a lookup when they are written down.
    focus: str
    rows: Rows
    #: The queries to run next, asked once the rows are read (a closer look at what they found).
    then: Callable[[], list[_Query]] = _no_more


@dataclass
class _Tally:
    """A count over each focus node's values, out of bounds when a constraint is broken.

    Each of ``counted`` is a SPARQL expression on ``?value``, bound for the values it counts
    (``IF(test, ?value, ?_none)``; ``?_none`` is never bound); with a leading ``DISTINCT``,
    distinct results are counted. ``test`` is true on the counts (``{0}``, ``{1}``...) when
    the constraint is broken, and ``findings`` gives the results for such a focus node.
    (Each expression is bound to a variable, and the variable counted: pyoxigraph's COUNT of
    an expression is unbound as soon as the expression fails on one value.)
    """

    counted: tuple[str, ...]
    test: str
    findings: Callable[[object], Iterable[Finding]]
    #: Broken exactly when the focus node has no value (sh:minCount 1): a lookup answers it,
    #: with no need to count.
    absent: bool = False
    #: A closer look, asked when some focus node broke the tally (its findings say which).
    then: Callable[[], list[_Query]] = _no_more


@dataclass
class _Group:
    """The value checks and counts of every shape on the same focus nodes and path.

    Why: a query costs about the same per focus node and per value whatever it checks, so the
    shapes on one path (rdfs:label: tagged, one per language, exactly one English and one
    French label) are checked in one pass over the values instead of one pass each; the
    counts on all the predicates of the same focus nodes are one query (:func:`_count_query`),
    and the value checks on a predicate one query on its distinct values
    (:func:`_checks_on_values`).
    """

    focus: str
    prologue: str  # the PREFIX declarations of the SPARQL-based targets in ``focus``
    path: str | None  # None: the focus node itself is the value
    unique: bool  # the path gives each value once per focus node (a predicate)
    nullable: bool = False  # the path may be of length zero (see _values_pattern)
    checks: list[tuple[_Compiled, list[tuple[URIRef, Node, str]]]] = field(default_factory=list)
    tallies: list[_Tally] = field(default_factory=list)
    #: Some value failed a check (the count of failing values said so).
    failed: bool = False

    def values(self) -> str:
        return _values_pattern(self.focus, self.path, self.nullable)

    def value_query(self) -> _Query:
        """The values that fail a check, with the checks they fail, from the focus nodes."""
        binds, oks = [], []
        for j, (_shape, checks) in enumerate(self.checks):
            for i, (_prop, _param, expr) in enumerate(checks):
                oks.append(f"?ok{j}_{i}")
                binds.append(f"BIND (COALESCE({expr}, false) AS {oks[-1]})")
        text = (
            f"{self.prologue}\nSELECT DISTINCT ?this ?value {' '.join(oks)} WHERE {{ "
            f"{self.focus} {self.values()} {' '.join(binds)} "
            f"FILTER ({' || '.join(f'!{ok}' for ok in oks)}) }}"
        )

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            for row in solutions:
                for j, (shape, checks) in enumerate(self.checks):
                    for i, (prop, param, _expr) in enumerate(checks):
                        if row[f"ok{j}_{i}"] != _TRUE:
                            yield shape.finding(row["this"], row["value"], prop, detail=(param,))

        return _Query(text, self.focus, rows)

    def all_tallies(self) -> list[_Tally]:
        """The tallies, and with value checks on a complex path one more: of the values
        failing any of them (on a predicate, :func:`_checks_on_values` makes the checks).

        Only if that one is broken does :meth:`value_query` run, to say which and why.
        """
        if not self.checks or self.unique:
            return self.tallies
        ok = " && ".join(
            f"COALESCE({expr}, false)" for _s, checks in self.checks for _p, _x, expr in checks
        )

        def flag(_this: object) -> list[Finding]:
            self.failed = True
            return []

        return [*self.tallies, _Tally((f"IF({ok}, ?_none, ?value)",), "{0} > 0", flag)]


def _count_query(groups: list[_Group]) -> _Query:
    """Every tally of groups on the same focus nodes, counted in one GROUP BY ?this.

    Each group's values come from one branch of a UNION, where each counted expression is
    bound to a variable of its own (``?m{j}_{k}``, counted as ``?n{j}_{k}``); rows come back
    only for the focus nodes that break a tally. A group that only asks for some value is
    not counted: ``NOT EXISTS`` on each focus node is cheaper than grouping its values.
    """
    focus = groups[0].focus
    branches, counts, tests, tallies = [], [], [], []
    for j, group in enumerate(groups):
        if all(tally.absent for tally in group.all_tallies()):
            for tally in group.all_tallies():
                tests.append(f"NOT EXISTS {{ {group.values()} }}")
                tallies.append(tally)
            continue
        counted: dict[str, int] = {}  # expression -> its number k
        for tally in group.all_tallies():
            names = (f"?n{j}_{counted.setdefault(e, len(counted))}" for e in tally.counted)
            tests.append(tally.test.format(*names))
            tallies.append(tally)
        binds = []
        for expr, k in counted.items():
            distinct = "DISTINCT " if expr.startswith("DISTINCT ") else ""
            binds.append(f"BIND ({expr.removeprefix('DISTINCT ')} AS ?m{j}_{k})")
            counts.append(f"(COUNT({distinct}?m{j}_{k}) AS ?n{j}_{k})")
        values = group.values()
        if not group.unique:
            values = f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} }} }}"
        branches.append(f"{{ {values} {' '.join(binds)} }}")
    broken = [f"?broken{i}" for i in range(len(tests))]
    if branches:
        focus_counts = (
            f"{{ SELECT ?this {' '.join(counts)} WHERE {{ {focus} "
            f"OPTIONAL {{ {' UNION '.join(branches)} }} }} GROUP BY ?this }}"
        )
    else:
        focus_counts = focus
    text = (
        f"{groups[0].prologue}\nSELECT ?this {' '.join(broken)} WHERE {{ {focus_counts} "
        + " ".join(f"BIND ({test} AS {b})" for test, b in zip(tests, broken, strict=True))
        + f" FILTER ({' || '.join(broken)}) }}"
    )

    broken: set[int] = set()  # the tallies some focus node broke

    def rows(solutions: _Solutions) -> Iterator[Finding]:
        for row in solutions:
            for i, tally in enumerate(tallies):
                if row[f"broken{i}"] == _TRUE:
                    broken.add(i)
                    yield from tally.findings(row["this"])

    def then() -> list[_Query]:
        closer = [query for i in sorted(broken) for query in tallies[i].then()]
        return [group.value_query() for group in groups if group.failed] + closer

    return _Query(text, focus, rows, then)


def _checks_on_values(path: str, groups: list[_Group]) -> _Query:
    """The value checks of groups on one predicate, made once per distinct value in the data.

    Why: a value check depends on the value alone, and values repeat (classes, sources, the
    same few IRIs): scanning the predicate once is much cheaper than visiting its values from
    every focus node. Values of other nodes are checked too, so a failing value only says
    which groups to look at closer, from their focus nodes (:meth:`_Group.value_query`).
    """
    binds, tests = [], []
    for g, group in enumerate(groups):
        oks = [expr for _shape, checks in group.checks for _prop, _param, expr in checks]
        binds.append(f"BIND ({' && '.join(f'COALESCE({ok}, false)' for ok in oks)} AS ?ok{g})")
        tests.append(f"!?ok{g}")
    names, failing = " ".join(f"?ok{g}" for g in range(len(groups))), " || ".join(tests)
    values = f"{{ SELECT DISTINCT ?value WHERE {{ ?_node {path} ?value }} }}"
    text = f"SELECT ?value {names} WHERE {{ {values} {' '.join(binds)} FILTER ({failing}) }}"

    def rows(solutions: _Solutions) -> Iterator[Finding]:
        for row in solutions:
            for g, group in enumerate(groups):
                if row[f"ok{g}"] != _TRUE:
                    group.failed = True
        return iter(())

    def then() -> list[_Query]:
        return [group.value_query() for group in groups if group.failed]

    return _Query(text, "", rows, then)


def _plan(compiled: list[_Compiled]) -> list[_Query]:
    """Every query to run: the groups' (see :class:`_Group`), and each shape's own."""
    groups: dict[tuple[str, str, str | None], _Group] = {}
    typed: dict[tuple[URIRef, URIRef], list[_Compiled]] = {}  # sh:datatype on a predicate
    queries: list[_Query] = []
    for shape in compiled:
        if shape.checks or shape.tallies:
            unique = shape.path is None or isinstance(shape.path_node, URIRef)
            group = groups.setdefault(
                (shape.focus, shape.prologue, shape.path),
                _Group(shape.focus, shape.prologue, shape.path, unique, shape.nullable),
            )
            if shape.checks:
                group.checks.append((shape, shape.checks))
            group.tallies += shape.tallies
        queries += shape.queries
        for datatype in shape.datatypes:
            if isinstance(shape.path_node, URIRef):
                typed.setdefault((shape.path_node, datatype), []).append(shape)
            else:
                values = f"{shape.focus} {shape._values()}"
                queries.append(_datatype([shape], datatype, values, shape.focus))
    # The groups on predicates share one count query per focus nodes, and their value
    # checks one query per predicate. A group on a complex path (its values deduplicated by
    # a subquery) or on the focus nodes themselves has queries of its own.
    counted: dict[tuple[str, str], list[_Group]] = {}
    checked: dict[str, list[_Group]] = {}
    for group in groups.values():
        if group.path is None or not group.unique:
            queries.append(_count_query([group]) if group.tallies else group.value_query())
            continue
        if group.tallies:
            counted.setdefault((group.focus, group.prologue), []).append(group)
        if group.checks:
            checked.setdefault(group.path, []).append(group)
    return (
        [_count_query(same) for same in counted.values()]
        + [_checks_on_values(path, same) for path, same in checked.items()]
        + [_datatype(same, dt, f"?_node <{p}> ?value", "") for (p, dt), same in typed.items()]
        + queries
    )


class _Compiled:
    """What one top-level shape checks, and how query rows become its findings.

    Its value-level checks and its counts go to the :class:`_Group` of its focus nodes and
    path, shared with the other shapes there; the rest are queries of its own.
    """

    def __init__(self, s: _Shapes, shape: _Shape) -> None:
        self.s = s
        self.shape = shape.node
        unsupported = [p for p in shape.prologue if p.startswith("#unsupported")]
        if unsupported:
            raise UnsupportedError(unsupported[0].removeprefix("#unsupported "))
        self.route = shape.route
        self.literal_focus = shape.literals
        s.check_known(self.shape)
        if s.originals.lexical_changed and any(
            (self.shape, p, None) in s.g
            for p in (SH.pattern, SH["in"], SH.hasValue, SH.minLength, SH.maxLength)
        ):
            raise UnsupportedError(
                "the data has literals whose lexical form a pyoxigraph Store rewrites"
            )
        self.prologue = "\n".join(sorted(p for p in shape.prologue if p))
        union = " UNION ".join(f"{{ {p} }}" for p in shape.focus)
        self.focus = f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"
        self.path_node = s.one(self.shape, SH.path)
        self.path = s.path(self.path_node) if self.path_node is not None else None
        self.nullable = self.path_node is not None and s.nullable(self.path_node)
        self.severity = s.one(self.shape, SH.severity) or _DEFAULT_SEVERITY
        self.messages = tuple(
            sorted(m for m in s.g.objects(self.shape, SH.message) if isinstance(m, Literal))
        )
        self.checks: list[tuple[URIRef, Node, str]] = []  # value-level: (parameter, value, test)
        self.tallies: list[_Tally] = []
        self.queries: list[_Query] = []
        self.datatypes: list[URIRef] = []
        self._compile()

    def finding(self, focus: object, value: object, prop: URIRef, **extra: object) -> Finding:
        fields: dict[str, object] = {
            "focus": focus,
            "path": self.path_node,
            "value": value,
            "component": _COMPONENT.get(prop),
            "shape": self.shape,
            "severity": self.severity,
            "messages": self.messages,
        }
        fields.update(extra)
        fields["route"] = self.route
        path = fields["path"]
        if value is not None and isinstance(path, URIRef):
            fields["value"] = self.s.originals.restore(focus, f"<{path}>", value)[0]
        return Finding(**fields)  # type: ignore[arg-type]

    def _values(self) -> str:
        return _values_pattern(self.focus, self.path, self.nullable)

    def _compile(self) -> None:
        s, g = self.s, self.s.g
        if self.literal_focus and s.originals:
            self._rewritten_focus()
        self.checks = s.value_checks(self.shape, "?value", nested=False)
        for prop, param in g.sorted_predicate_objects(self.shape):
            if prop not in _SHAPE_LEVEL:  # a set lookup: most parameters end here
                continue
            if prop == SH.datatype and param not in _PLAIN_DATATYPES:
                if s.originals and self.path is not None and not isinstance(self.path_node, URIRef):
                    raise UnsupportedError(
                        "sh:datatype on a complex path with literals the Store rewrote"
                    )
                self.datatypes.append(param)  # type: ignore[arg-type]
            elif prop in (SH.minCount, SH.maxCount):
                self._count(prop, _whole_number(param))
            elif prop == SH.hasValue:
                self._has_value(param)
            elif prop == SH.uniqueLang and str(param).lower() == "true":
                self._unique_lang()
            elif prop == SH.closed and str(param).lower() == "true":
                self._closed()
            elif prop in (SH.lessThan, SH.lessThanOrEquals, SH.disjoint, SH.equals):
                self._pair(prop, param)
            elif prop == SH.qualifiedValueShape:
                self._qualified(param)
            elif prop == SH.sparql:
                self._sparql(param)

    def _rewritten_focus(self) -> None:
        """Hand the shape to pySHACL if a focus node is a literal the Store rewrote: every
        result would name it as stored ("3"^^xsd:integer for "3"^^xsd:positiveInteger)."""
        query = f"SELECT DISTINCT ?this WHERE {{ {self.focus} FILTER (isLiteral(?this)) }}"
        by_literal = self.s.originals.by_literal

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            for row in solutions:
                if str(row["this"]) in by_literal:
                    raise _Undecided(self.shape, "a literal focus node a pyoxigraph Store rewrote")
            return iter(())

        self.queries.append(_Query(f"{self.prologue}\n{query}", self.focus, rows))

    def _count(self, prop: URIRef, limit: int) -> None:
        if self.path is None:
            raise UnsupportedError(f"{prop.n3()} on a node shape")
        if prop == SH.minCount and limit == 0:
            return
        test = f"{{0}} < {limit}" if prop == SH.minCount else f"{{0}} > {limit}"
        absent = prop == SH.minCount and limit == 1
        finding = self._focus_finding(prop, detail=(limit,))  # two limits are two results
        self.tallies.append(_Tally(("?value",), test, finding, absent))
        merged = {
            subject: n
            for (subject, predicate), n in self.s.originals.merged().items()
            if predicate == self.path
        }
        if merged:
            self._merged_counts(prop, limit, merged)

    def _merged_counts(self, prop: URIRef, limit: int, merged: dict[str, int]) -> None:
        """Recount the focus nodes whose values the Store merged (see Originals.merged)."""
        listed = " ".join(merged)
        query = (
            f"SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ VALUES ?this {{ {listed} }} "
            f"{self.focus} OPTIONAL {{ ?this {self.path} ?value }} }} GROUP BY ?this"
        )

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            for row in solutions:
                stored = int(row["n"].value)
                actual = stored + merged[str(row["this"])]
                before = stored < limit if prop == SH.minCount else stored > limit
                after = actual < limit if prop == SH.minCount else actual > limit
                if after and not before:
                    yield self.finding(row["this"], None, prop, detail=(limit,))
                # (merging only lowers counts: a minCount result can only be false here)
                if before and not after and prop == SH.minCount:
                    yield _RETRACT(self.finding(row["this"], None, prop, detail=(limit,)))

        self.queries.append(_Query(f"{self.prologue}\n{query}", self.focus, rows))

    def _focus_finding(self, prop: URIRef, **extra: object) -> Callable[[object], list[Finding]]:
        """The finding for a focus node that breaks a count (no value)."""
        return lambda this: [self.finding(this, None, prop, **extra)]

    def _has_value(self, value: Node) -> None:
        if self.path is None:
            query = (
                f"SELECT ?this WHERE {{ {self.focus} FILTER (!sameTerm(?this, {_term(value)})) }}"
            )

            def rows(solutions: _Solutions) -> Iterator[Finding]:
                for row in solutions:
                    # as pySHACL: no value
                    yield self.finding(row["this"], None, SH.hasValue, detail=(value,))

            self.queries.append(_Query(f"{self.prologue}\n{query}", self.focus, rows))
            return
        equal = f"IF(sameTerm(?value, {_term(value)}), ?value, ?_none)"
        finding = self._focus_finding(SH.hasValue, detail=(value,))
        self.tallies.append(_Tally((equal,), "{0} < 1", finding))

    def _unique_lang(self) -> None:
        """Two values share a language when there are more tagged values than languages."""
        if self.path is None:
            raise UnsupportedError("sh:uniqueLang on a node shape")
        tagged = 'COALESCE(isLiteral(?value) && lang(?value) != "", false)'
        counted = (
            f"IF({tagged}, ?value, ?_none)",
            f"DISTINCT IF({tagged}, LCASE(lang(?value)), ?_none)",
        )
        # The count says which focus nodes break it; SHACL gives one result per language
        # that two values share, which a closer query lists.
        query = (
            f"SELECT ?this ?lang WHERE {{ {self.focus} {self._values()} "
            f"FILTER ({tagged}) BIND (LCASE(lang(?value)) AS ?lang) }} "
            f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)"
        )

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            for row in solutions:
                lang = row["lang"].value
                yield self.finding(row["this"], None, SH.uniqueLang, detail=(lang,))

        def closer() -> list[_Query]:
            return [_Query(f"{self.prologue}\n{query}", self.focus, rows)]

        self.tallies.append(_Tally(counted, "{0} > {1}", lambda _this: [], then=closer))

    def _closed(self) -> None:
        s = self.s
        allowed = set()
        for child in s.g.objects(self.shape, SH.property):
            path = s.one(child, SH.path)
            if isinstance(path, URIRef):
                allowed.add(path)
        ignored = s.one(self.shape, SH.ignoredProperties)
        if ignored is not None:
            allowed.update(p for p in s.items(ignored) if isinstance(p, URIRef))
        listed = ", ".join(sorted(p.n3() for p in allowed))
        keep = f"FILTER (?p NOT IN ({listed}))" if listed else ""
        query = f"SELECT ?this ?p ?value WHERE {{ {self.focus} ?this ?p ?value . {keep} }}"

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            for row in solutions:
                yield self.finding(
                    row["this"], row["value"], SH.closed, path=URIRef(row["p"].value)
                )

        self.queries.append(_Query(f"{self.prologue}\n{query}", self.focus, rows))

    def _pair(self, prop: URIRef, other: Node) -> None:
        if self.path is None and prop != SH.equals and prop != SH.disjoint:
            raise UnsupportedError(f"{prop.n3()} on a node shape")
        values = self._values()
        o = _term(other)
        if prop == SH.disjoint:
            query = (
                f"SELECT DISTINCT ?this ?value WHERE {{ {self.focus} {values} ?this {o} ?value . }}"
            )
        elif prop == SH.equals:
            raise UnsupportedError("sh:equals is not compiled")
        else:
            query = _less_than_query(self.focus, values, o, "<" if prop == SH.lessThan else "<=")

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            pairs = prop != SH.disjoint
            for row in solutions:
                if pairs and row["decided"] != _TRUE:
                    # pySHACL compares these in Python (or refuses a blank node): it decides.
                    raise _Undecided(self.shape, f"{prop.n3()} on values it cannot compare here")
                # One result for each constraint (two sh:disjoint values are two), and for
                # each pair of values that fails, as SHACL counts them.
                detail = (other, row["w"]) if pairs else (other,)
                yield self.finding(row["this"], row["value"], prop, detail=detail)

        self.queries.append(_Query(f"{self.prologue}\n{query}", self.focus, rows))

    def _qualified(self, qualified: Node) -> None:
        s = self.s
        if self.path is None:
            raise UnsupportedError("sh:qualifiedValueShape on a node shape")
        if s.one(self.shape, SH.qualifiedValueShapesDisjoint) is not None:
            raise UnsupportedError("sh:qualifiedValueShapesDisjoint")
        matching = f"IF(COALESCE({s.conforms(qualified, '?value')}, false), ?value, ?_none)"
        for limit_prop, component, test in (
            (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent, "<"),
            (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent, ">"),
        ):
            limit = s.one(self.shape, limit_prop)
            if limit is not None:
                finding = self._focus_finding(
                    SH.qualifiedValueShape, component=component, detail=(qualified,)
                )
                broken = f"{{0}} {test} {_whole_number(limit)}"
                self.tallies.append(_Tally((matching,), broken, finding))

    def _sparql(self, constraint: Node) -> None:
        s = self.s
        if s.deactivated(constraint):
            return
        select = s.one(constraint, SH.select)
        if select is None:
            raise UnsupportedError("a SPARQL constraint without sh:select (sh:ask)")
        if re.search(r"[$?](shapesGraph|currentShape)\b", str(select)):
            raise UnsupportedError("$shapesGraph or $currentShape in a SPARQL constraint")
        _joinable(str(select))
        text = _sparql_text(s, str(select))
        if self.path is not None:
            if not isinstance(self.path_node, URIRef) and re.search(r"\$PATH\b", text):
                # pySHACL writes a complex path into the query its own way (and may then fail
                # to parse it: ^^ex:p); a nullable path would also need $this pre-bound
                raise UnsupportedError("$PATH of a path that is not a predicate")
            text = re.sub(r"\$PATH\b", self.path, text)
        where = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
        if where is None or len(re.findall(r"\bWHERE\b", text, re.IGNORECASE)) != 1:
            raise UnsupportedError("a SPARQL constraint whose WHERE clause is not plain")
        # $this is pre-bound in SHACL: join the focus nodes in first, inside the WHERE group,
        # so that every FILTER NOT EXISTS and MINUS in it sees $this bound as pySHACL does.
        body = text[: where.end()] + f" {self.focus} " + text[where.end() :]
        query = f"{s.prologue(constraint)}\n{self.prologue}\n{body}"
        _parses(query, s)
        messages = (
            tuple(sorted(m for m in s.g.objects(constraint, SH.message) if isinstance(m, Literal)))
            or self.messages
        )

        def rows(solutions: _Solutions) -> Iterator[Finding]:
            names = {v.value for v in solutions.variables}
            for row in solutions:
                this = row["this"]
                value = row["value"] if "value" in names else None
                if value is None and self.path is None:
                    value = this
                path = row["path"] if "path" in names else None
                yield self.finding(
                    this,
                    value,
                    SH.sparql,
                    path=URIRef(path.value) if isinstance(path, ox.NamedNode) else self.path_node,
                    constraint=constraint,
                    messages=tuple(_fill(m, row, names) for m in messages),
                )

        self.queries.append(_Query(query, self.focus, rows))


_TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))


class _Undecided(Exception):  # noqa: N818 - a verdict, not an error
    """A shape whose results, on this data, the engine cannot give as pySHACL does.

    Raised while reading a query's rows; the shape then goes to pySHACL like a shape that
    does not compile, and none of its findings here are kept.
    """

    def __init__(self, shape: Node, why: str) -> None:
        super().__init__(why)
        self.shape = shape


#: A value that pySHACL compares as a string: an IRI, a plain or language-tagged string.
_STRINGY = '(isIRI({v}) || (isLiteral({v}) && (datatype({v}) = {s} || lang({v}) != "")))'
#: Datatypes both engines order the same way (numbers aside), when neither value has a
#: time zone: Python's dates and times, and Oxigraph's, compare alike then.
_ORDERED = ("date", "dateTime", "time", "gYear", "gYearMonth")


def _less_than_query(focus: str, values: str, other: str, op: str) -> str:
    """The pairs (value, other value) that break sh:lessThan or sh:lessThanOrEquals.

    pySHACL compares in Python: two strings (IRIs, plain or tagged literals) as strings,
    a string and a non-string never, numbers as numbers, other literals by rdflib's order,
    and refuses a blank node. Where that order is not surely Oxigraph's (a blank node,
    ill-typed or differently typed literals, time zones), the row says ``?decided`` false.
    """
    xsd_string = XSD.string.n3()
    vs, ws = (_STRINGY.format(v=v, s=xsd_string) for v in ("?value", "?w"))
    same_order = " || ".join(
        f"(datatype(?value) = {XSD[name].n3()} && datatype(?w) = {XSD[name].n3()})"
        for name in _ORDERED
    )
    comparable = (
        f"COALESCE(({vs} && {ws}) || ({vs} && isLiteral(?w)) || ({ws} && isLiteral(?value))"
        f" || (isNumeric(?value) && isNumeric(?w))"
        f' || (({same_order}) && TZ(?value) = "" && TZ(?w) = "" && BOUND(?cmp)), false)'
    )
    # pySHACL refuses a blank value node even with nothing to compare it to.
    decided = f"IF(isBlank(?value), false, IF(BOUND(?w), {comparable}, true))"
    return (
        f"SELECT DISTINCT ?this ?value ?w ?decided WHERE {{ {focus} {values} "
        f"OPTIONAL {{ ?this {other} ?w }} "
        f"BIND (IF({vs} && {ws}, STR(?value) {op} STR(?w), "
        f"IF({vs} || {ws}, false, ?value {op} ?w)) AS ?cmp) "
        f"BIND ({decided} AS ?decided) "
        f"FILTER (!?decided || (BOUND(?w) && !COALESCE(?cmp, false))) }}"
    )


def _fill(message: Literal, row: ox.QuerySolution, names: set[str]) -> Literal:
    """``{?var}`` and ``{$var}`` in a SPARQL constraint's message, from the solution."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        term = row[name] if name in names else None
        return str(term.value) if term is not None else match.group(0)

    text = re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, str(message))
    return Literal(text, lang=message.language)


# --- running -------------------------------------------------------------------------------------


#: The named graph where the focus nodes of some shapes are written once (see
#: :func:`_write_focus_nodes`), for their queries to look them up instead of evaluating the
#: targets again. The data must be in the store's default graph.
FOCUS_GRAPH = ox.NamedNode("urn:treatykg:focus-nodes")
_FOCUS_OF = "<urn:treatykg:focus-of>"
#: Writing focus nodes down costs about as much as finding them by their targets five times
#: (a Store insert is slow): only focus nodes that this many queries use are written down.
_WRITE_FOCUS_AT = 5
#: Queries run on this many threads (the CPUs this process may use, at most 4): pyoxigraph
#: releases the GIL while it evaluates a query.
_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
#: The threads have the stack for a query of this size (176 MiB of address space each; the
#: bundled shapes' queries are at most 4.4 KB); a larger query gets a thread of its own.
_POOL_STACK_FOR = 16 * 1024


#: SHACL-AF features that change what every shape sees (rules add to the data graph, with
#: ``advanced=True`` pySHACL runs them before validating; functions may be called by any
#: SPARQL query; custom target types and entailments change focus nodes): a shapes graph with
#: any of them is validated by pySHACL whole.
_WHOLE_GRAPH = {
    SH.rule: "sh:rule",
    SH.entailment: "sh:entailment",
    SH.SPARQLFunction: "a sh:SPARQLFunction",
    SH.Function: "a sh:Function",
    SH.SPARQLTargetType: "a sh:SPARQLTargetType",
    SH.JSFunction: "a sh:JSFunction",
    SH.JSTarget: "a sh:JSTarget",
}


def _whole_graph_reason(shapes: Graph) -> str | None:
    for term, name in _WHOLE_GRAPH.items():
        if (None, term, None) in shapes or (None, RDF.type, term) in shapes:
            return f"the shapes graph uses {name}, which pySHACL applies to every shape"
    return None


def _compile_all(s: _Shapes) -> tuple[list[_Compiled], dict[Node, str]]:
    """Every route of every shape compiled, and the shapes left to pySHACL with the reason."""
    compiled, fallback = [], {}
    whole = _whole_graph_reason(s.g)
    if s.originals.merged_strings:
        whole = 'the data has both "x" and "x"^^xsd:string, which pySHACL keeps apart'
    for shape in _top_level(s):
        try:
            if whole:
                raise UnsupportedError(whole)
            compiled.append(_Compiled(s, shape))
        except UnsupportedError as error:
            fallback.setdefault(shape.node, str(error))
    # pySHACL validates a shape it is given by every route: none of its routes stays here.
    return [shape for shape in compiled if shape.shape not in fallback], fallback


def unsupported(shapes: Graph) -> dict[Node, str]:
    """The shapes this engine leaves to pySHACL whatever the data, each with the reason.

    Why: pyshacl-turbo's quick "conforms" is trusted only for shapes graphs that this engine
    compiles whole (see ``treatykg.validate``): those are the constructs that the W3C and
    DASH suites and the differential tests check on every engine.
    """
    return _compile_all(_Shapes(shapes))[1]


def run(store: ox.Store, shapes: Graph, originals: Originals | None = None) -> Outcome:
    """Validate the default graph of ``store`` against ``shapes``.

    ``originals`` says which literals the Store changed (:meth:`Originals.record`). Some
    focus nodes are written to :data:`FOCUS_GRAPH` while validating, and removed after.
    """
    outcome = Outcome()
    s = _Shapes(shapes, originals, store)
    functions = {ORIGINAL_DATATYPE: s.originals.datatype_function}
    compiled, outcome.fallback = _compile_all(s)
    plan = _plan(compiled)
    undecided_shapes: dict[Node, str] = {}  # shapes found _Undecided while reading rows
    try:
        lookups = _write_focus_nodes(store, compiled, plan, functions)
        outcome.queries += len(lookups)

        def solutions(text: str) -> _Solutions:
            found = store.query(text, named_graphs=[FOCUS_GRAPH], custom_functions=functions)
            return _Solutions(found)  # type: ignore[arg-type]

        def execute(query: _Query) -> tuple[list[Finding], list[_Query]]:
            text = query.text
            if query.focus in lookups:
                text = text.replace(query.focus, lookups[query.focus])
            rows = _on_stack(text, solutions, text)
            try:
                return list(query.rows(rows)), query.then()
            except _Undecided as undecided:
                undecided_shapes.setdefault(undecided.shape, str(undecided))
                return [], []

        with query_threads(_THREADS, size=_POOL_STACK_FOR) as pool:
            while plan:
                outcome.queries += len(plan)
                done = list(pool.map(execute, plan))
                plan = [follow for _findings, more in done for follow in more]
                outcome.findings += [finding for findings, _more in done for finding in findings]
    finally:
        store.update(f"DROP SILENT GRAPH {FOCUS_GRAPH}")
    for shape, why in undecided_shapes.items():
        outcome.fallback.setdefault(shape, why)
    outcome.findings = [f for f in outcome.findings if f.shape not in undecided_shapes]
    retracted = {Finding(**{**f.__dict__, "retract": False}) for f in outcome.findings if f.retract}
    outcome.findings = [f for f in outcome.findings if not f.retract and f not in retracted]
    return outcome


def _write_focus_nodes(
    store: ox.Store, compiled: list[_Compiled], plan: list[_Query], functions: dict
) -> dict[str, str]:
    """Write down the focus nodes that many queries use in :data:`FOCUS_GRAPH`.

    Returns the pattern that looks them up, by focus pattern; other focus nodes are found
    by their targets in every query (each query carries its shape's PREFIX declarations).
    """
    uses = Counter(query.focus for query in plan)
    lookups: dict[str, str] = {}
    for shape in compiled:
        if shape.focus in lookups or uses[shape.focus] < _WRITE_FOCUS_AT:
            continue
        name = f"<urn:treatykg:focus/{len(lookups)}>"
        if str(ORIGINAL_DATATYPE) in shape.focus:  # updates take no custom functions
            text = f"{shape.prologue}\nSELECT ?this WHERE {shape.focus}"
            found = _on_stack(text, _focus_nodes, store, text, functions)
            marker = ox.NamedNode(name[1:-1])
            store.extend(
                ox.Quad(marker, ox.NamedNode(_FOCUS_OF[1:-1]), row["this"], FOCUS_GRAPH)
                for row in found
            )
        else:
            text = (
                f"{shape.prologue}\n"
                f"INSERT {{ GRAPH {FOCUS_GRAPH} {{ {name} {_FOCUS_OF} ?this }} }} "
                f"WHERE {shape.focus}"
            )
            _on_stack(text, store.update, text)
        # The focus node is the object: a literal (sh:targetNode "x") cannot be a subject.
        lookups[shape.focus] = f"GRAPH {FOCUS_GRAPH} {{ {name} {_FOCUS_OF} ?this }}"
    return lookups


def _focus_nodes(store: ox.Store, text: str, functions: dict) -> list[ox.QuerySolution]:
    solutions = store.query(text, custom_functions=functions)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)


def _on_stack(text: str, function: Callable[..., _R], *args: object) -> _R:
    """``function(*args)``, which runs the query ``text`` and reads its result, on a thread
    with a stack for it (:func:`treatykg.query.on_query_stack`): pyoxigraph recurses on long
    chains, and a shapes graph may hold any SPARQL. A user's SPARQL is at most
    :data:`~treatykg.query.MAX_QUERY_BYTES` (:func:`_parses`), and the stack for that size
    holds any query of it; the rest is what this module writes, far sparser (a level of
    recursion per full IRI or ``sameTerm(?value, …) ||``, under 3.3 KB of stack each): a
    10,000-value ``sh:in`` is 0.5 MB of it and needs 9 MB of stack (more than the 8 MB a
    thread had), the stack for 64 KiB is 656 MiB.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    return on_query_stack(function, *args, size=min(size, MAX_QUERY_BYTES))


def _datatype(shapes: list[_Compiled], datatype: URIRef, values: str, focus: str) -> _Query:
    """``sh:datatype`` for a datatype other than xsd:string, decided on each literal as written.

    Decided by pySHACL's own rule (the datatype, rdflib's ``ill_typed`` and the Python value
    type), once per distinct literal, so the engines cannot disagree on what is well-formed.
    The query reads only the distinct values ``values`` binds (on a predicate, all of its
    values in the data, for every shape with the same datatype there); the focus nodes are
    read (by :func:`_datatype_rows`) only if some value may fail: the value as stored, or a
    literal written for it (:class:`Originals`), since the Store keeps ``"2"^^xsd:integer``
    for a ``"2"^^xsd:positiveInteger``. Then the literals as written decide.
    """
    originals = shapes[0].s.originals
    conforms = shapes[0].s.datatype_rule(datatype)
    doubtful: list[object] = []

    def judge(solutions: _Solutions) -> Iterator[Finding]:
        for row in solutions:
            stored = row["value"]
            written = originals.by_literal.get(str(stored), ()) if originals else ()
            if not (conforms(stored) and all(conforms(value) for value in written)):
                doubtful.append(stored)
        return iter(())

    def then() -> list[_Query]:
        return [_datatype_rows(shape, datatype, conforms) for shape in shapes] if doubtful else []

    query = f"{shapes[0].prologue}\nSELECT DISTINCT ?value WHERE {{ {values} }}"
    return _Query(query, focus, judge, then)


def _datatype_rule(datatype: URIRef) -> Callable[[object], bool]:
    """Whether a pyoxigraph term is a well-formed literal of ``datatype``, by pySHACL's rule.

    The verdicts are remembered: rdflib takes ~20 µs to parse a literal, and the same dates
    come back in many shapes. pySHACL is imported at the first verdict, on a query thread,
    while other queries run (the import takes ~0.2 s).
    """
    verdicts: dict[object, bool] = {}

    def conforms(term: object) -> bool:
        if term not in verdicts:
            ok = False
            if isinstance(term, ox.Literal) and term.datatype.value == str(datatype):
                from pyshacl.constraints.core.value_constraints import (
                    DatatypeConstraintComponent as Rule,
                )

                literal = Literal(term.value, datatype=datatype)
                ok = getattr(literal, "ill_typed", None) is not True and bool(
                    Rule._assert_actual_datatype(None, literal, datatype)  # type: ignore[arg-type]
                )
            verdicts[term] = ok
        return verdicts[term]

    return conforms


def _datatype_rows(
    shape: _Compiled, datatype: URIRef, conforms: Callable[[object], bool]
) -> _Query:
    """The values, with their focus nodes, that break ``sh:datatype``: the literals as written."""
    originals = shape.s.originals
    predicate = f"<{shape.path_node}>" if isinstance(shape.path_node, URIRef) else None

    def rows(solutions: _Solutions) -> Iterator[Finding]:
        for row in solutions:
            this, stored = row["this"], row["value"]
            for value in originals.restore(this, predicate, stored):
                if not conforms(value):
                    finding = shape.finding(this, stored, SH.datatype, detail=(datatype,))
                    yield Finding(**{**finding.__dict__, "value": value})

    query = f"SELECT ?this ?value WHERE {{ {shape.focus} {shape._values()} }}"
    return _Query(f"{shape.prologue}\n{query}", shape.focus, rows)


#: Severities that do not make the data fail to conform (treatykg validates with pySHACL's
#: ``allow_warnings``); every other severity does, sh:Violation or a custom one alike.
PASSING_SEVERITIES = frozenset({SH.Warning, SH.Info})


def report_graph(
    findings: Iterable[Finding],
    shapes: Graph,
    extra: Graph | None = None,
    extra_shapes: Iterable[Node] = (),
) -> Graph:
    """A W3C ``sh:ValidationReport`` of the findings, shaped as pySHACL writes it.

    ``extra`` is pySHACL's report on the shapes this engine left to it (``extra_shapes``);
    its results from those shapes are copied in, so one report holds everything. (pySHACL
    also validated their ancestors, for their focus nodes: those results are this engine's.)
    """
    from treatykg.load import rdflib_terms
    from treatykg.namespaces import new_graph

    to_rdflib = rdflib_terms()
    graph = new_graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    for finding in sorted(set(findings), key=_finding_key):
        result = BNode()
        graph.add((report, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, to_rdflib(finding.focus)))
        if finding.path is not None:
            graph.add((result, SH.resultPath, _copy_path(finding.path, shapes, graph)))
        if finding.value is not None:
            graph.add((result, SH.value, to_rdflib(finding.value)))
        graph.add((result, SH.sourceShape, finding.shape))
        graph.add((result, SH.sourceConstraintComponent, finding.component))
        graph.add((result, SH.resultSeverity, finding.severity))
        if finding.constraint is not None:
            graph.add((result, SH.sourceConstraint, finding.constraint))
        for message in finding.messages:
            graph.add((result, SH.resultMessage, message))
        conforms = conforms and _passes(finding, shapes)
    if extra is not None:
        keep = set(extra_shapes)
        for result in list(extra.objects(None, SH.result)):
            if extra.value(result, SH.sourceShape) in keep:
                graph.add((report, SH.result, result))
                _copy_closure(result, extra, graph)
        # pySHACL's verdict on the shapes it validated (with its own rules for severities);
        # the other shapes it had to validate with them, it judged as this engine did.
        conforms = conforms and (None, SH.conforms, Literal(False)) not in extra
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def _passes(finding: Finding, shapes: Graph) -> bool:
    """Whether a result lets the data conform, by pySHACL's rule with ``allow_warnings``:
    its severity is sh:Warning or sh:Info, or a shape it was reached through has one (a
    parent's severity decides whether its sh:property shapes' results fail it)."""
    if finding.severity in PASSING_SEVERITIES:
        return True
    return any(shapes.value(parent, SH.severity) in PASSING_SEVERITIES for parent in finding.route)


def _copy_closure(node: Node, source: Graph, into: Graph) -> None:
    """``node``'s statements in ``source``, and those of the blank nodes they lead to."""
    for p, o in source.predicate_objects(node):
        into.add((node, p, o))
        if isinstance(o, BNode) and p not in (SH.focusNode, SH.value, SH.sourceShape):
            _copy_closure(o, source, into)


def _finding_key(finding: Finding) -> tuple[str, ...]:
    return (
        str(finding.focus),
        str(finding.shape),
        str(finding.component),
        str(finding.path),
        str(finding.value),
        str(finding.detail),
        str(finding.route),
    )


def _copy_path(path: Node, shapes: Graph, into: Graph) -> Node:
    """The sh:path node, with its blank-node structure copied from the shapes graph."""
    if not isinstance(path, BNode):
        return path
    copy = BNode()
    for p, o in shapes.predicate_objects(path):
        into.add((copy, p, _copy_path(o, shapes, into)))
    return copy
