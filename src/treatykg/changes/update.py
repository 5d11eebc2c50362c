"""A changeset as SPARQL 1.1 Update: what any store runs to turn the old release into the new.

Why not only ``DELETE DATA``/``INSERT DATA``: SPARQL cannot name a blank node of the store (a
``_:b`` in an update is a new node), so a removed molecule (:mod:`.molecules`) is deleted by its
content: ``DELETE { pattern } WHERE { pattern }`` with a variable for each blank node, and
filters that make the match exact (each variable a blank node, distinct from the others, with
no statement in or out beyond the molecule's own), so that a larger structure that merely
contains the pattern is never cut into. Statements without blank nodes use ``DELETE DATA``
and ``INSERT DATA``, and added blank nodes are new nodes, which is what they are.

Two forms:

* :func:`update` – the plain request, for the default graph or a named one, which a user can
  run on any store (the release's ``changes-<version>.ru``).
* :func:`guarded` – what ``treatykg load --update`` sends: the same changes in one request,
  each operation conditioned on a check made in the same request, inside the store's
  transaction: the target graph holds exactly the old release's number of statements, every
  statement to delete is there and none to add is. If the check fails the request changes
  nothing (not even a partial patch), which the count read afterwards shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from treatykg.changes.molecules import Molecule, blank_labels, molecules, parse_line

#: The predicate of the marker statement a guarded update writes and removes.
_READY = "<urn:treatykg:patch#ready>"


@dataclass(frozen=True)
class Guard:
    """What a guarded update checks before it changes anything."""

    #: Statements the target graph must hold.
    before: int
    #: A graph of its own for the marker (``urn:treatykg:patch:<uuid>``), dropped at the end.
    marker: str


def update(removed: Sequence[bytes], added: Sequence[bytes], graph: str | None = None) -> str:
    """A SPARQL Update that deletes ``removed`` and inserts ``added`` (N-Triples or N-Quads
    lines) in the default graph, or in ``graph`` when given (named graphs keep their names)."""
    ground_removed = [line for line in removed if not blank_labels(line)]
    ground_added = [line for line in added if not blank_labels(line)]
    blank_removed = _distinct(molecules(line for line in removed if blank_labels(line)))
    blank_added = [line for line in added if blank_labels(line)]
    operations = []
    if ground_removed:
        operations.append(f"DELETE DATA {{\n{_block(ground_removed, graph)}}}")
    for molecule in blank_removed:
        template, where = _pattern(molecule, graph)
        operations.append(f"DELETE {{\n{template}}}\nWHERE {{\n{where}}}")
    if ground_added or blank_added:
        operations.append(f"INSERT DATA {{\n{_block([*ground_added, *blank_added], graph)}}}")
    return " ;\n".join(operations) + "\n" if operations else ""


def guarded(
    removed: Sequence[bytes], added: Sequence[bytes], graph: str | None, guard: Guard
) -> str:
    """:func:`update`, with every change conditioned on the :class:`Guard`'s check, all in one
    request: on a store that runs a request as one transaction, all of it or none."""
    ground_removed = [line for line in removed if not blank_labels(line)]
    ground_added = [line for line in added if not blank_labels(line)]
    blank_removed = _distinct(molecules(line for line in removed if blank_labels(line)))
    blank_added = [line for line in added if blank_labels(line)]
    marker = f"<{guard.marker}>"
    ready = f"GRAPH {marker} {{ {marker} {_READY} true }}"
    every = _graph_pattern("?s ?p ?o", graph)
    checks = [
        f"{{ SELECT (COUNT(*) AS ?before) WHERE {{ {every} }} }}",
        f"FILTER(?before = {guard.before})",
    ]
    if ground_removed:
        checks.append(
            f"{{ SELECT (COUNT(*) AS ?present) WHERE {{\n{_values(ground_removed)}"
            f"{_quad_pattern(ground_removed, graph)} }} }}"
        )
        checks.append(f"FILTER(?present = {len(set(ground_removed))})")
    if ground_added:
        checks.append(
            f"FILTER NOT EXISTS {{\n{_values(ground_added)}{_quad_pattern(ground_added, graph)} }}"
        )
    operations = [f"INSERT {{ {ready} }}\nWHERE {{\n" + "\n".join(checks) + "\n}"]
    if ground_removed:
        operations.append(f"DELETE {{\n{_block(ground_removed, graph)}}}\nWHERE {{ {ready} }}")
    for molecule in blank_removed:
        template, where = _pattern(molecule, graph)
        operations.append(f"DELETE {{\n{template}}}\nWHERE {{\n{ready}\n{where}}}")
    if ground_added or blank_added:
        body = _block([*ground_added, *blank_added], graph)
        operations.append(f"INSERT {{\n{body}}}\nWHERE {{ {ready} }}")
    operations.append(f"DROP SILENT GRAPH {marker}")
    return " ;\n".join(operations) + "\n"


def _distinct(found: list[Molecule]) -> list[Molecule]:
    """One molecule per content: deleting by content removes every copy at once."""
    seen: dict[str, Molecule] = {}
    for molecule in found:
        seen.setdefault(molecule.key, molecule)
    return list(seen.values())


def _split(line: bytes) -> tuple[str, str | None]:
    """(``s p o .``, the graph's N-Triples term or None for the default graph) of a line."""
    quad = parse_line(line)
    triple = f"{quad.subject} {quad.predicate} {quad.object} ."
    graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
    return triple, graph


def _block(lines: Iterable[bytes], graph: str | None) -> str:
    """Statements as quad data: default-graph lines in ``graph`` (or the default graph),
    named-graph lines in their graph."""
    by_graph: dict[str | None, list[str]] = {}
    target = f"<{graph}>" if graph is not None else None
    for line in lines:
        triple, named = _split(line)
        by_graph.setdefault(named or target, []).append(triple)
    parts = []
    for name, triples in by_graph.items():
        body = "".join(f"  {t}\n" for t in triples)
        parts.append(body if name is None else f"GRAPH {name} {{\n{body}}}\n")
    return "".join(parts)


def _graph_pattern(pattern: str, graph: str | None) -> str:
    return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"


def _values(lines: Sequence[bytes]) -> str:
    """A VALUES block of the statements (and their graphs, for named-graph lines)."""
    rows = []
    for line in dict.fromkeys(lines):
        quad = parse_line(line)
        rows.append(f"  ({quad.subject} {quad.predicate} {quad.object} {_graph_term(quad)})")
    return "VALUES (?s ?p ?o ?g) {\n" + "\n".join(rows) + "\n}\n"


def _graph_term(quad: ox.Quad) -> str:
    return "UNDEF" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)


def _quad_pattern(lines: Sequence[bytes], graph: str | None) -> str:
    """The pattern that finds a VALUES row in the store: in ``graph`` (or the default graph)
    for the default graph's statements, in ``?g`` for the named graphs'."""
    named = any(not isinstance(parse_line(line).graph_name, ox.DefaultGraph) for line in lines)
    default = _graph_pattern("?s ?p ?o", graph)
    if not named:
        return default
    return f"{{ FILTER(!BOUND(?g)) {default} }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }}"


def _pattern(molecule: Molecule, graph: str | None) -> tuple[str, str]:
    """The DELETE template and the WHERE pattern that find exactly ``molecule``'s content."""
    variables: dict[str, str] = {}

    def term(node: object) -> str:
        if isinstance(node, ox.BlankNode):
            if node.value not in variables:
                variables[node.value] = f"?b{len(variables)}"
            return variables[node.value]
        return str(node)

    quads = [parse_line(line) for line in molecule.lines]
    triples: list[tuple[str, str, str, str | None]] = []
    for quad in quads:
        named = None if isinstance(quad.graph_name, ox.DefaultGraph) else term(quad.graph_name)
        triples.append((term(quad.subject), str(quad.predicate), term(quad.object), named))
    target = f"<{graph}>" if graph is not None else None
    by_graph: dict[str | None, list[str]] = {}
    for s, p, o, named in triples:
        by_graph.setdefault(named or target, []).append(f"{s} {p} {o} .")
    template = "".join(
        "".join(f"  {t}\n" for t in ts)
        if name is None
        else f"GRAPH {name} {{\n" + "".join(f"  {t}\n" for t in ts) + "}\n"
        for name, ts in by_graph.items()
    )
    filters = [f"FILTER(isBlank({v}))" for v in variables.values()]
    filters += [f"FILTER({a} != {b})" for a, b in itertools.combinations(variables.values(), 2)]
    for variable in variables.values():
        out = [(p, o) for s, p, o, _ in triples if s == variable]
        into = [(s, p) for s, p, o, _ in triples if o == variable]
        # the graph the variable's statements are in: a named graph's, else the target
        where = next((n for s, _, o, n in triples if variable in (s, o) and n), None)
        filters.append(_only(variable, out, "out", where or target))
        filters.append(_only(variable, into, "in", where or target))
    return template, template + "".join(f"{f}\n" for f in filters)


def _only(variable: str, pairs: list[tuple[str, str]], direction: str, graph: str | None) -> str:
    """A filter: ``variable`` has no statement (``out`` from it, ``in`` to it) but ``pairs``,
    in ``graph`` (an N-Triples IRI term, or None for the default graph)."""
    if direction == "out":
        pattern, first, second = f"{variable} ?xp ?xo", "?xp", "?xo"
    else:
        pattern, first, second = f"?xs ?xp {variable}", "?xs", "?xp"
    allowed = " || ".join(f"(sameTerm({first}, {a}) && sameTerm({second}, {b}))" for a, b in pairs)
    inner = pattern if graph is None else f"GRAPH {graph} {{ {pattern} }}"
    if not allowed:
        return f"FILTER NOT EXISTS {{ {inner} }}"
    return f"FILTER NOT EXISTS {{ {inner} FILTER(!({allowed})) }}"
