"""The engine's findings as a W3C ``sh:ValidationReport``, shaped as pySHACL writes it.

Why here: the report must be pySHACL's, result for result, so that a user cannot tell which
engine validated; the results of the shapes left to pySHACL are copied in (:func:`report_graph`).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from treatykg.namespaces import new_graph
from treatykg.rdf.terms import TermConverter
from treatykg.validation.engine.findings import Finding

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
    to_rdflib = TermConverter()  # pyoxigraph terms of the data, labels kept
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
        for theirs in list(extra.objects(None, SH.result)):
            if extra.value(theirs, SH.sourceShape) in keep:
                graph.add((report, SH.result, theirs))
                _copy_closure(theirs, extra, graph)
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
