"""A changeset as SPARQL 1.1 Update: what any store runs to turn the old release into the new.

Why not only ``DELETE DATA``/``INSERT DATA``: SPARQL cannot name a blank node of the store (a
``_:b`` in an update is a new node), so a removed molecule (:mod:`.molecules`) is deleted by its
content: ``DELETE { pattern } WHERE { pattern }`` with a variable for each blank node, and
filters that make the match exact (each variable a blank node, distinct from the others, with
no statement in or out beyond the molecule's own), so that a larger structure that merely
contains the pattern is never cut into. Statements without blank nodes use ``DELETE DATA``
and ``INSERT DATA``, and added blank nodes are new nodes, which is what they are (inserted by
``INSERT { … } WHERE {}``: Virtuoso refuses blank nodes in ``INSERT DATA``).

Two forms:

* :func:`update` – the plain request, for the default graph or a named one, which a user can
  run on any store (the release's ``changes-<version>.ru``).
* :func:`guarded` – what ``treatykg load --update`` sends: the same changes in one request,
  each operation conditioned on a check made in the same request, inside the store's
  transaction: the target graph holds exactly the old release's number of statements, every
  statement to delete is there (each removed molecule too, by content) and none to add is.
  If the check fails the request changes nothing (not even a partial patch).

Both run on Oxigraph and Virtuoso 7.2 alike, which is why they avoid two forms that Virtuoso
answers wrongly without an error: a ``VALUES`` block of several statements (there, some
language-tagged literals then match nothing) and ``sameTerm`` (false there for some equal
terms). Virtuoso compiles a whole request into one program of bounded size: it runs a plain
update of a few thousand statements (2,000 did in 2 s; 10,000 failed with "SQ199: Maximum
size (32767) of a code vector exceeded"), and a guarded one of any size once its statements
are staged (``staged=True``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from treatykg.changes.diff import Changeset
from treatykg.changes.molecules import Molecule, blank_labels, molecules, parse_line
from treatykg.namespaces import DATASET

#: Statements per ``INSERT DATA``/``DELETE DATA`` operation: Virtuoso 7.2 refuses one whose
#: SQL translation passes 10,000 lines (2,000 statements did), or that its parser's stack
#: cannot hold (5,000 did not fit).
DATA_CHUNK = 500
#: The predicate of the marker statement a guarded update writes and removes.
_READY = "<urn:treatykg:patch#ready>"


@dataclass(frozen=True)
class Guard:
    """What a guarded update checks before it changes anything."""

    #: Statements the target graph must hold.
    before: int
    #: A graph of its own for the marker (``urn:treatykg:patch:<uuid>``), which also names the
    #: scratch graphs (``…:delete:0``, ``…:add:0``); all dropped at the end.
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
        operations += _data("DELETE DATA", _by_graph(ground_removed, graph))
    for molecule in blank_removed:
        template, where = _pattern(molecule, graph)
        operations.append(f"DELETE {{\n{template}}}\nWHERE {{\n{where}}}")
    if ground_added:
        operations += _data("INSERT DATA", _by_graph(ground_added, graph))
    if blank_added:  # Virtuoso refuses blank nodes in INSERT DATA; a template makes new ones
        operations.append(f"INSERT {{\n{_block(blank_added, graph)}}}\nWHERE {{}}")
    return " ;\n".join(operations) + "\n" if operations else ""


def guarded(
    removed: Sequence[bytes],
    added: Sequence[bytes],
    graph: str | None,
    guard: Guard,
    *,
    staged: bool = False,
) -> str:
    """:func:`update`, with every change conditioned on the :class:`Guard`'s check, all in one
    request: on a store that runs a request as one transaction, all of it or none.

    How: the statements without blank nodes are first copied, with ``INSERT DATA``, into
    scratch graphs named after the marker (:func:`staging`: one to delete and one to add per
    graph changed); the check joins them with the target (as many of the statements to delete
    in the target as staged, none of those to add), and so do the deletion and the insertion;
    the scratch graphs are dropped at the end, whatever the check said. With ``staged``, the
    request leaves out the ``INSERT DATA``: the client sent the scratch graphs before (the
    Graph Store Protocol takes any number of statements; Virtuoso compiles a request of more
    than a few thousand into a program too large to run).

    Why not the statements in the request's patterns: a ``VALUES`` block of them is answered
    wrongly by Virtuoso (see above), and a pattern of a few hundred constant statements
    overflows Virtuoso's stack (of ten thousand, pyoxigraph's), where a join of two graphs
    takes any number."""
    deleting, adding = _scratch(removed, added, graph, guard)
    blank_removed = _distinct(molecules(line for line in removed if blank_labels(line)))
    blank_added = [line for line in added if blank_labels(line)]
    marker = f"<{guard.marker}>"
    ready = f"GRAPH {marker} {{ {marker} {_READY} true }}"
    operations = []
    if not staged:
        operations += _data("INSERT DATA", {s: ts for s, _, ts in [*deleting, *adding]})
    checks = [
        f"{{ SELECT (COUNT(*) AS ?before) WHERE {{ {_in(_term(graph), '?s ?p ?o')} }} }}",
        f"FILTER(?before = {guard.before})",
    ]
    # Each scratch graph holds all its statements (as staged), and the target all of those to
    # delete and none of those to add (a count, not FILTER NOT EXISTS, which pyoxigraph
    # evaluates in seconds for a thousand statements).
    for kind, staged_graphs in (("present", deleting), ("already", adding)):
        for i, (scratch, name, triples) in enumerate(staged_graphs):
            kept = f"GRAPH {scratch} {{ ?s ?p ?o }}"
            found = f"{{ {kept} {_in(name, '?s ?p ?o')} }}"
            checks.append(f"{{ SELECT (COUNT(*) AS ?{kind}Staged{i}) WHERE {{ {kept} }} }}")
            checks.append(f"{{ SELECT (COUNT(*) AS ?{kind}{i}) WHERE {found} }}")
            wanted = f"?{kind}Staged{i}" if kind == "present" else "0"
            checks.append(f"FILTER(?{kind}Staged{i} = {len(triples)} && ?{kind}{i} = {wanted})")
    checks += [f"FILTER EXISTS {{\n{matches(m, graph)}}}" for m in blank_removed]
    operations.append(f"INSERT {{ {ready} }}\nWHERE {{\n" + "\n".join(checks) + "\n}")
    for scratch, name, _ in deleting:
        operations.append(
            f"DELETE {{ {_in(name, '?s ?p ?o')} }}\n"
            f"WHERE {{ {ready} GRAPH {scratch} {{ ?s ?p ?o }} }}"
        )
    for molecule in blank_removed:
        template, where = _pattern(molecule, graph)
        operations.append(f"DELETE {{\n{template}}}\nWHERE {{\n{ready}\n{where}}}")
    for scratch, name, _ in adding:
        operations.append(
            f"INSERT {{ {_in(name, '?s ?p ?o')} }}\n"
            f"WHERE {{ {ready} GRAPH {scratch} {{ ?s ?p ?o }} }}"
        )
    if blank_added:
        operations.append(f"INSERT {{\n{_block(blank_added, graph)}}}\nWHERE {{ {ready} }}")
    scratches = [scratch for scratch, _, _ in [*deleting, *adding]]
    operations += [f"DROP SILENT GRAPH {name}" for name in [*scratches, marker]]
    return " ;\n".join(operations) + "\n"


def staging(
    removed: Sequence[bytes], added: Sequence[bytes], graph: str | None, guard: Guard
) -> dict[str, list[str]]:
    """The scratch graphs of a guarded update (IRIs) and their statements (N-Triples lines):
    what a client stores before it sends :func:`guarded` with ``staged=True``."""
    deleting, adding = _scratch(removed, added, graph, guard)
    return {scratch[1:-1]: triples for scratch, _, triples in [*deleting, *adding]}


def _scratch(
    removed: Sequence[bytes], added: Sequence[bytes], graph: str | None, guard: Guard
) -> tuple[list[tuple[str, str | None, list[str]]], list[tuple[str, str | None, list[str]]]]:
    """(scratch graph, the graph it changes, its statements), for the statements without blank
    nodes to delete and to add: one scratch graph of each per graph changed (N-Triples terms;
    None for the default graph)."""
    ground_removed = _by_graph((line for line in removed if not blank_labels(line)), graph)
    ground_added = _by_graph((line for line in added if not blank_labels(line)), graph)
    deleting = [
        (f"<{guard.marker}:delete:{i}>", name, triples)
        for i, (name, triples) in enumerate(ground_removed.items())
    ]
    adding = [
        (f"<{guard.marker}:add:{i}>", name, triples)
        for i, (name, triples) in enumerate(ground_added.items())
    ]
    return deleting, adding


def matches(molecule: Molecule, graph: str | None) -> str:
    """The graph pattern that finds exactly ``molecule``'s content in the default graph (or
    ``graph``), never a larger structure that contains it: what a deletion matches, and what a
    check that the molecule is there asks."""
    return _pattern(molecule, graph)[1]


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


def _data(operation: str, by_graph: dict[str | None, list[str]]) -> list[str]:
    """``INSERT DATA`` or ``DELETE DATA`` operations of the statements, by graph (None: the
    default graph), at most :data:`DATA_CHUNK` statements each."""
    operations = []
    for name, triples in by_graph.items():
        for start in range(0, len(triples), DATA_CHUNK):
            body = "".join(f"  {t}\n" for t in triples[start : start + DATA_CHUNK])
            quads = body if name is None else f"GRAPH {name} {{\n{body}}}\n"
            operations.append(f"{operation} {{\n{quads}}}")
    return operations


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


def _by_graph(lines: Iterable[bytes], graph: str | None) -> dict[str | None, list[str]]:
    """Statements (each once) by the graph they are in: default-graph lines in ``graph`` (an
    IRI, or None for the default graph), named-graph lines in theirs (N-Triples terms)."""
    by_graph: dict[str | None, list[str]] = {}
    for line in dict.fromkeys(lines):
        triple, named = _split(line)
        by_graph.setdefault(named or _term(graph), []).append(triple)
    return by_graph


def _term(graph: str | None) -> str | None:
    return f"<{graph}>" if graph is not None else None


def _in(name: str | None, pattern: str) -> str:
    """``pattern`` in the graph ``name`` (an N-Triples term), or in the default graph."""
    return pattern if name is None else f"GRAPH {name} {{ {pattern} }}"


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
    # = rather than sameTerm: Virtuoso 7.2's sameTerm is false for some equal terms (an IRI or
    # a blank node met in an object position, a simple literal), so that no molecule matched
    # there. = is sameTerm for IRIs and blank nodes, and for a literal compares its value.
    allowed = " || ".join(f"({first} = {a} && {second} = {b})" for a, b in pairs)
    inner = pattern if graph is None else f"GRAPH {graph} {{ {pattern} }}"
    if not allowed:
        return f"FILTER NOT EXISTS {{ {inner} }}"
    return f"FILTER NOT EXISTS {{ {inner} FILTER(!({allowed})) }}"


def update_file(changeset: Changeset, graph: str | None = None) -> bytes:
    """The SPARQL Update of ``changeset`` as a file (``changes-<version>.ru``, ``treatykg diff
    --sparql-update``): a comment that says what it applies to, then :func:`update` for the
    default graph, or ``graph`` (named graphs' statements go to their graphs)."""
    old = changeset.old_version or "the old release"
    new = changeset.new_version or "the new release"
    removed = [line for group in changeset.groups for line in group.removed]
    added = [line for group in changeset.groups for line in group.added]
    where = "the default graph" if graph is None else f"the graph <{graph}>"
    header = [
        f"# The changes to {DATASET} from version {old} to version {new},",
        "# as a SPARQL 1.1 Update.",
        f"# It applies to a store that holds release {old} in {where}",
        f"# (named graphs in theirs): {changeset.before:,} statements, from the treatykg.nt",
        f"# whose SHA-256 is {changeset.old_sha256}.",
        f"# It leaves release {new}: {changeset.after:,} statements.",
        "# Nothing in it checks what it changes: run it on that release only.",
        "# `treatykg load --update` applies the same changes checked: only to a graph that",
        f"# holds {changeset.before:,} statements, in one transaction, and it checks the graph",
        f"# holds {changeset.after:,} after.",
    ]
    body = update(removed, added, graph) or "# no changes\n"
    return ("\n".join(header) + "\n" + body).encode()
