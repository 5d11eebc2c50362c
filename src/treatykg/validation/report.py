"""SHACL validation reports as plain Python values, and as text a person can act on.

pySHACL returns a W3C ``sh:ValidationReport`` graph whose results come in no useful order
and whose text output names nodes by full IRI. :class:`Report` keeps that graph (to publish
it) and adds sorted :class:`Result` values that say which file each focus node comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.namespaces import PREFIXES, new_graph, qname

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
_MAX_LITERAL = 80


@dataclass(frozen=True)
class Result:
    """One ``sh:result`` of a validation report."""

    focus_node: Node
    result_path: Node | None
    value: Node | None
    source_shape: Node | None
    constraint_component: Node | None
    #: "Violation", "Warning" or "Info" (the local name of ``sh:resultSeverity``).
    severity: str
    message: str | None
    #: The data files with statements about the focus node, in load order.
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """The outcome of one validation run.

    ``results`` is a tuple (not a list) so that the frozen report is really immutable.
    """

    conforms: bool
    results: tuple[Result, ...]
    #: The W3C ``sh:ValidationReport`` graph, as pySHACL produced it.
    graph: Graph = field(repr=False, compare=False)
    #: Seconds spent inside the validator (loading not included).
    duration: float = 0.0
    #: Statements (quads) in the validated data.
    statements: int = 0
    #: The data files that were validated, as the user named them.
    files: tuple[str, ...] = ()
    #: The engine whose verdict this is: "pyshacl" (the reference), "oxigraph" (the fast
    #: engine, :mod:`treatykg.validation.engine`) or "oxigraph+pyshacl" (some shapes left to
    #: pySHACL).
    engine: str = "pyshacl"
    #: Shapes the fast engine left to pySHACL, each with the reason ("<shape>: why").
    fallback: tuple[str, ...] = ()

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r.severity == "Violation")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.results if r.severity == "Warning")

    @property
    def infos(self) -> int:
        return sum(1 for r in self.results if r.severity == "Info")

    @property
    def focus_nodes(self) -> int:
        return len({r.focus_node for r in self.results})

    def counts(self) -> str:
        """``"2 violations, 1 warning"`` (infos only when there are any)."""
        parts = [_plural(self.violations, "violation"), _plural(self.warnings, "warning")]
        if self.infos:
            parts.append(_plural(self.infos, "info"))
        return ", ".join(parts)

    def summary(self) -> str:
        """``"2 violations, 1 warning in 2 nodes"``."""
        return f"{self.counts()} in {_plural(self.focus_nodes, 'node')}"

    def to_text(self, *, verbose: bool = False) -> str:
        """Results grouped by focus node, one line each, then :meth:`summary` and
        :meth:`fallback_lines`."""
        render = _Renderer(self.graph)
        lines: list[str] = []
        for focus, group in groupby(self.results, key=lambda r: r.focus_node):
            results = list(group)
            header = render.node(focus)
            if results[0].files:
                header += "  (" + ", ".join(results[0].files) + ")"
            lines.append(header)
            lines.extend("  " + render.result(result) for result in results)
            lines.append("")
        lines.append(self.summary())
        lines.extend(self.fallback_lines(verbose=verbose))
        return "\n".join(lines) + "\n"

    def fallback_lines(self, *, verbose: bool = False) -> list[str]:
        """Which shapes pySHACL validated because the fast engine does not compile them.

        One short line by default: the reasons run to thousands of characters on a large
        shapes graph, and they matter to whoever writes the shapes, not to whoever reads the
        violations. With ``verbose``, each shape and its reason, one per line.
        """
        if not self.fallback:
            return []
        count = len(self.fallback)
        shapes = _plural(count, "shape")
        if not verbose:
            listed = "-v lists it" if count == 1 else "-v lists them"
            return [f"pySHACL validated {shapes} the fast engine does not compile ({listed})"]
        render = _Renderer(self.graph)
        lines = [f"pySHACL validated {shapes} the fast engine does not compile:"]
        for entry in self.fallback:
            shape, _, why = entry.partition(": ")
            if shape.startswith("<") and shape.endswith(">"):
                shape = render.node(URIRef(shape[1:-1]))
            lines.append(f"  {shape}: {why}")
        return lines

    def to_turtle(self) -> str:
        """The W3C report graph as Turtle, with treatykg's prefixes."""
        out = new_graph()
        for prefix, namespace in self.graph.namespaces():
            if prefix not in dict(out.namespaces()):
                out.bind(prefix, namespace)
        for triple in self.graph:
            out.add(triple)
        return out.serialize(format="turtle")


def results_from_graph(
    graph: Graph, files_for: Callable[[Node], Sequence[str]] = lambda _node: ()
) -> tuple[Result, ...]:
    """Read the top-level ``sh:result``s of a report graph, sorted for stable output."""
    results = []
    for report in graph.subjects(RDF.type, SH.ValidationReport):
        for node in graph.objects(report, SH.result):
            focus = graph.value(node, SH.focusNode)
            if focus is None:
                continue
            severity = graph.value(node, SH.resultSeverity)
            messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
            results.append(
                Result(
                    focus_node=focus,
                    result_path=graph.value(node, SH.resultPath),
                    value=graph.value(node, SH.value),
                    source_shape=graph.value(node, SH.sourceShape),
                    constraint_component=graph.value(node, SH.sourceConstraintComponent),
                    severity=_local_name(severity) if severity is not None else "Violation",
                    message="; ".join(messages) or None,
                    files=tuple(files_for(focus)),
                )
            )
    render = _Renderer(graph)
    return tuple(sorted(results, key=render.sort_key))


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


class _Renderer:
    """Terms as short Turtle-like text; complex SHACL paths are rebuilt from the graph."""

    _PATH_OPERATORS = (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    )

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        # treatykg's prefixes first, then those the report graph took over from the shapes.
        self._prefixes = dict(PREFIXES)
        for prefix, namespace in graph.namespaces():
            if prefix and prefix not in self._prefixes and str(namespace) not in PREFIXES.values():
                self._prefixes[prefix] = str(namespace)
        self._nm = new_graph().namespace_manager

    def node(self, term: Node | None) -> str:
        if term is None:
            return "-"
        if isinstance(term, URIRef):
            return qname(term, self._prefixes)
        if isinstance(term, Literal):
            text = term.n3(self._nm)
            if len(text) > _MAX_LITERAL:
                text = text[: _MAX_LITERAL - 1] + "…"
            return text
        if isinstance(term, BNode):
            return f"_:{term}"
        return str(term)

    def path(self, term: Node | None, depth: int = 0) -> str:
        if not isinstance(term, BNode) or depth > 8:
            return self.node(term)
        graph = self._graph
        for predicate, pattern in self._PATH_OPERATORS:
            inner = graph.value(term, predicate)
            if inner is not None:
                return pattern.format(self.path(inner, depth + 1))
        alternatives = graph.value(term, SH.alternativePath)
        if alternatives is not None:
            items = Collection(graph, alternatives)
            return "(" + " | ".join(self.path(i, depth + 1) for i in items) + ")"
        if graph.value(term, RDF.first) is not None:
            return " / ".join(self.path(i, depth + 1) for i in Collection(graph, term))
        return self.node(term)

    def shape(self, term: Node | None) -> str:
        if isinstance(term, BNode):
            path = self._graph.value(term, SH.path)
            return f"[sh:path {self.path(path)}]" if path is not None else "[anonymous shape]"
        return self.node(term)

    def result(self, result: Result) -> str:
        path = "(node)" if result.result_path is None else self.path(result.result_path)
        text = f"{result.severity:<9} {path}"
        if result.value is not None and result.value != result.focus_node:
            text += f" = {self.node(result.value)}"
        text += f": {result.message or '(no message)'}"
        shape = self.shape(result.source_shape)
        return f"{text}  (shape {shape}, {self.node(result.constraint_component)})"

    def sort_key(self, result: Result) -> tuple[object, ...]:
        return (
            self.node(result.focus_node),
            _SEVERITY_ORDER.get(result.severity, len(_SEVERITY_ORDER)),
            self.path(result.result_path),
            self.node(result.constraint_component),
            self.shape(result.source_shape),
            self.node(result.value),
            result.message or "",
        )
