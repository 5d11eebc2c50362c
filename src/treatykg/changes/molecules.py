"""Statements that hold blank nodes, grouped into *molecules* and compared by their content.

Why: a blank node has no name outside the file that writes it. Two releases may label the same
``owl:unionOf`` list ``_:b7`` and ``_:b9``, or label two different lists ``_:b7``; a diff that
compared labels would report changes where there are none and miss the real ones. So the
statements that hold blank nodes are grouped into molecules (Ding et al., "Tracking RDF Graph
Provenance using RDF Molecules", 2005): the statements joined, transitively, by a blank node
they share. An ``owl:unionOf`` list with the ``rdfs:domain`` statement that points to it is one
molecule. A statement without a blank node is a molecule of its own and is compared as text.

Molecules are compared by a *canonical form* of their content: the statements with their blank
nodes relabelled by rdflib's canonicalisation (:func:`rdflib.compare.to_canonical_graph`), so
two molecules are the same exactly when they are isomorphic. Releases hold few blank nodes (the
ontology's lists), so a molecule is small and this is cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph

from treatykg.rdf.terms import TermConverter


def parse_line(line: bytes) -> ox.Quad:
    """One N-Triples or N-Quads line (without its newline) as a quad, its blank node labels
    kept as written (an N-Triples line is an N-Quads line in the default graph)."""
    (quad,) = ox.parse(line + b"\n", format=ox.RdfFormat.N_QUADS)
    return quad


def blank_labels(line: bytes) -> tuple[str, ...]:
    """The labels of the blank nodes ``line`` holds, in term order; () when it holds none.

    A quick test first: a line without ``_:`` has none, and most lines have none. A literal
    that contains ``_:`` is parsed and found to hold none."""
    if b"_:" not in line:
        return ()
    quad = parse_line(line)
    return tuple(
        term.value
        for term in (quad.subject, quad.object, quad.graph_name)
        if isinstance(term, ox.BlankNode)
    )


@dataclass(frozen=True)
class Molecule:
    """Statements joined by the blank nodes they share, as lines of the file they come from."""

    lines: tuple[bytes, ...]
    #: The canonical form of the content: equal exactly for isomorphic molecules.
    key: str
    #: The IRI the molecule hangs from (the least IRI subject among its statements), under
    #: which a summary lists it; None for one made of blank nodes only.
    root: str | None

    @property
    def digest(self) -> str:
        """A short hash of :attr:`key`, for fresh blank node labels that never collide."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:12]


def molecules(lines: Iterable[bytes]) -> list[Molecule]:
    """``lines`` (each holding at least one blank node) grouped into molecules, in the order
    of their first line."""
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    listed: list[tuple[bytes, tuple[str, ...]]] = []
    for line in lines:
        labels = blank_labels(line)
        if not labels:
            raise ValueError(f"not a statement with a blank node: {line!r}")
        listed.append((line, labels))
        for label in labels:
            parent.setdefault(label, label)
        first = find(labels[0])
        for label in labels[1:]:
            parent[find(label)] = first
    groups: dict[str, list[bytes]] = {}
    for line, labels in listed:
        groups.setdefault(find(labels[0]), []).append(line)
    return [_molecule(group) for group in groups.values()]


def _molecule(lines: Sequence[bytes]) -> Molecule:
    quads = [parse_line(line) for line in lines]
    roots = sorted(q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode))
    return Molecule(tuple(lines), canonical_key(quads), roots[0] if roots else None)


def canonical_key(quads: Sequence[ox.Quad]) -> str:
    """The content of ``quads`` with canonical blank node labels, one graph at a time: the same
    string for two isomorphic molecules, a different one otherwise."""
    convert = TermConverter()
    by_graph: dict[str, Graph] = {}
    for quad in quads:
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        graph = by_graph.setdefault(name, Graph())
        graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    parts = []
    for name, graph in sorted(by_graph.items()):
        canonical = to_canonical_graph(graph)
        statements = sorted(" ".join(_n3(term) for term in triple) for triple in canonical)
        parts.append(name + "\n" + "\n".join(statements))
    return "\n\n".join(parts)


def _n3(term: object) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    return term.n3()  # type: ignore[attr-defined]
