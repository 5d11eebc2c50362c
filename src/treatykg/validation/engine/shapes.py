"""Reading the shapes graph: what SHACL parameters exist, and a shape's parameters asked fast.

Why: compiling a shapes graph asks it some ten thousand small questions (a shape's
parameters, a list's items, a class's subclasses), and every constraint family asks them.
:class:`Shapes` answers from dictionaries (:class:`ShapesIndex`), refuses what the engine
does not compile (:meth:`Shapes.check_known`), and writes the shapes graph's constants as
SPARQL (:func:`term`), so that the families only say what their constraints mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Identifier, Node

from treatykg.rdf.terms import sparql_string
from treatykg.validation.engine.findings import UnsupportedError
from treatykg.validation.engine.originals import NATIVE_DATATYPES, Originals

_SH = str(SH)
#: ``rdf:type/rdfs:subClassOf*``: SHACL's instance-of, followed by the query itself.
INSTANCE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"

#: Parameters that describe a shape rather than constrain it.
DESCRIPTIVE = {
    SH.path, SH.severity, SH.message, SH.name, SH.description, SH.order, SH.group,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
    SH.property, SH.ignoredProperties, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.defaultValue, SH.prefixes, SH.declare,
}  # fmt: skip
#: Constraints on each value node, compiled to a SPARQL expression that is true if it conforms.
VALUE_LEVEL = {
    SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.languageIn, SH["in"], SH["not"],
    SH["and"], SH["or"], SH.xone, SH.node, SH.minLength, SH.maxLength,
}  # fmt: skip
#: Parameters a shape may have one value of (pySHACL refuses a shape with two).
SINGLE_VALUED = {
    SH.datatype, SH.nodeKind, SH.minLength, SH.maxLength, SH.languageIn, SH["in"],
    SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.closed, SH.ignoredProperties, SH.flags, SH.path,
}  # fmt: skip
#: Parameters a top-level shape compiles itself (value checks aside): see ``compile.py``.
SHAPE_LEVEL = frozenset({
    SH.datatype, SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.closed, SH.lessThan,
    SH.lessThanOrEquals, SH.disjoint, SH.equals, SH.qualifiedValueShape, SH.sparql,
})  # fmt: skip
#: Every SHACL parameter this engine compiles.
KNOWN = frozenset(DESCRIPTIVE | VALUE_LEVEL | {
    SH.minCount, SH.maxCount, SH.hasValue, SH.uniqueLang, SH.closed, SH.lessThan,
    SH.lessThanOrEquals, SH.disjoint, SH.equals, SH.sparql, SH.qualifiedValueShape,
    SH.deactivated,
})  # fmt: skip
#: The constraint component a parameter's results name.
COMPONENT = {
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


class ShapesIndex:
    """The shapes graph's statements in dictionaries, read the way :class:`Shapes` reads them.

    Why: each question costs rdflib several generator layers; a dictionary answers in one
    step. Compiling our shapes went from ~55 ms to ~35 ms, which every validation pays (the
    check that lets pyshacl-turbo answer compiles them too).
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


class Shapes:
    """Read access to the shapes graph while it is compiled, and what compiling shares.

    ``originals`` says which literals the Store rewrote; ``store`` is the data, read for its
    class hierarchy (:meth:`subclasses`); without it (``unsupported()``, which only asks
    what compiles) membership is written as a path.
    """

    def __init__(
        self, graph: Graph, originals: Originals | None = None, store: ox.Store | None = None
    ) -> None:
        self.g = ShapesIndex(graph)
        self.originals = originals if originals is not None else Originals()
        self.store = store
        self._fresh = 0
        self._subclasses: dict[Node, list[str] | None] = {}
        #: One rule per datatype for every shape (see ``value_type.datatype_rule``).
        self.datatype_rules: dict[Node, Callable[[object], bool]] = {}
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
        """A SPARQL variable no other part of the query uses."""
        self._fresh += 1
        return f"?_v{self._fresh}"

    def deactivated(self, node: Node) -> bool:
        return any(str(v).lower() == "true" for v in self.g.objects(node, SH.deactivated))

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
            found, listed = {term(cls)}, True  # the class itself: a zero-length path
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {term(cls)} }}"
            solutions = self.store.query(query)
            assert isinstance(solutions, ox.QuerySolutions)  # a SELECT query
            for row in solutions:
                if isinstance(row["c"], ox.NamedNode):
                    found.add(str(row["c"]))
                else:
                    listed = False
            self._subclasses[cls] = sorted(found) if listed else None
        return self._subclasses[cls]

    def instance_of(self, v: str, cls: Node) -> str:
        """A SPARQL pattern matching when node ``v`` is a SHACL instance of ``cls``."""
        classes = self.subclasses(cls)
        if classes is None:
            return f"{v} {INSTANCE_OF} {term(cls)}"
        if len(classes) == 1:
            return f"{v} <{RDF.type}> {classes[0]}"
        t = self.fresh()
        return f"{v} <{RDF.type}> {t} FILTER ({t} IN ({', '.join(classes)}))"

    def check_known(self, shape: Node) -> None:
        """Refuse a shape that uses a parameter this engine does not compile: a SHACL one
        it does not know, or one of a constraint component the shapes graph declares.

        Why refuse and not ignore: an ignored constraint is a silent "conforms".
        """
        for prop in set(self.g.predicates(shape, None)):
            if str(prop).startswith(_SH) and prop not in KNOWN:
                raise UnsupportedError(f"{prop.n3()} is not compiled")
            if prop in self.parameters:
                raise UnsupportedError(f"{prop.n3()} is a parameter of a constraint component")
            if prop in SINGLE_VALUED and len(self.g.objects(shape, prop)) > 1:
                # pySHACL refuses such a shape with a message: it is the one to say so
                raise UnsupportedError(f"{prop.n3()} has several values")
        if (shape, SH.qualifiedValueShape, None) in self.g and not any(
            (shape, p, None) in self.g for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)
        ):
            raise UnsupportedError("sh:qualifiedValueShape without a qualified count")
        if (shape, RDF.type, SH.PropertyShape) in self.g and (shape, SH.path, None) not in self.g:
            raise UnsupportedError("a sh:PropertyShape without sh:path")


def ordered(nodes: Iterable[Node]) -> list[Identifier]:
    """Terms of the shapes graph in rdflib's order (by kind, then text), a fixed order.

    Every term of an rdflib graph is an :class:`~rdflib.term.Identifier`, which orders; the
    graph's typing says only ``Node``.
    """
    return sorted(cast("list[Identifier]", list(nodes)))


def term(node: Node) -> str:
    """A constant of the shapes graph (an IRI or a literal) as SPARQL."""
    if isinstance(node, BNode):
        raise UnsupportedError("a blank node as a constant in a constraint")
    if isinstance(node, Literal):
        if str(node.datatype) in NATIVE_DATATYPES:
            raise UnsupportedError("a typed literal constant, which pyoxigraph would normalize")
        return literal(node)
    return node.n3()


def literal(node: Literal) -> str:
    """A literal as SPARQL, its text written by the one escaper (:func:`sparql_string`)."""
    text = sparql_string(str(node))
    if node.language:
        return f"{text}@{node.language}"
    if node.datatype is not None:
        return f"{text}^^<{node.datatype}>"
    return text


def whole_number(param: Node) -> int:
    """A count, length or limit parameter: a literal whole number of at least zero.

    Anything else pySHACL refuses with a message, so the shape goes to it.
    """
    value = param.toPython() if isinstance(param, Literal) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UnsupportedError(f"{param.n3()} is not a whole number of at least zero")
    return value
