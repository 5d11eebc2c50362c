"""SHACL-SPARQL constraints (``sh:sparql`` with ``sh:select``), run once for all focus nodes.

Why this works: pySHACL runs a constraint's query once per focus node with ``$this``
pre-bound; here the focus nodes are joined in at the top of the WHERE group, which means the
same wherever ``sparql_text.joinable`` says so (everything else goes to pySHACL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, UnsupportedError
from treatykg.validation.engine.queries import Query, Solutions
from treatykg.validation.engine.sparql_text import as_run, joinable, parses, prologue


def compile_sparql(shape: CompiledShape, constraint: Node) -> None:
    """The SPARQL constraint ``constraint`` of ``shape``, one query for every focus node."""
    s = shape.s
    if s.deactivated(constraint):
        return
    select = s.one(constraint, SH.select)
    if select is None:
        raise UnsupportedError("a SPARQL constraint without sh:select (sh:ask)")
    if re.search(r"[$?](shapesGraph|currentShape)\b", str(select)):
        raise UnsupportedError("$shapesGraph or $currentShape in a SPARQL constraint")
    joinable(str(select))
    text = as_run(s, str(select))
    if shape.path is not None:
        if not isinstance(shape.path_node, URIRef) and re.search(r"\$PATH\b", text):
            # pySHACL writes a complex path into the query its own way (and may then fail
            # to parse it: ^^ex:p); a nullable path would also need $this pre-bound
            raise UnsupportedError("$PATH of a path that is not a predicate")
        text = re.sub(r"\$PATH\b", shape.path, text)
    where = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if where is None or len(re.findall(r"\bWHERE\b", text, re.IGNORECASE)) != 1:
        raise UnsupportedError("a SPARQL constraint whose WHERE clause is not plain")
    # $this is pre-bound in SHACL: join the focus nodes in first, inside the WHERE group,
    # so that every FILTER NOT EXISTS and MINUS in it sees $this bound as pySHACL does.
    body = text[: where.end()] + f" {shape.focus} " + text[where.end() :]
    query = f"{prologue(s, constraint)}\n{shape.prologue}\n{body}"
    parses(query, s)
    messages = (
        tuple(sorted(m for m in s.g.objects(constraint, SH.message) if isinstance(m, Literal)))
        or shape.messages
    )

    def rows(solutions: Solutions) -> Iterator[Finding]:
        names = {v.value for v in solutions.variables}
        for row in solutions:
            this = row["this"]
            value = row["value"] if "value" in names else None
            if value is None and shape.path is None:
                value = this
            path = row["path"] if "path" in names else None
            yield shape.finding(
                this,
                value,
                SH.sparql,
                path=URIRef(path.value) if isinstance(path, ox.NamedNode) else shape.path_node,
                constraint=constraint,
                messages=tuple(_fill(m, row, names) for m in messages),
            )

    shape.queries.append(Query(query, shape.focus, rows))


def _fill(message: Literal, row: ox.QuerySolution, names: set[str]) -> Literal:
    """``{?var}`` and ``{$var}`` in a SPARQL constraint's message, from the solution."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        term = row[name] if name in names else None
        return str(term.value) if term is not None else match.group(0)

    text = re.sub(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}", value, str(message))
    return Literal(text, lang=message.language)
