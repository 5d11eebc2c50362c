"""The changes between two releases: which statements went, which came, grouped per resource.

How: both sides' statements are sorted (:mod:`.releases`), so one merge of the two streams
finds the statements only the old side has (removed) and only the new side has (added), in
memory that grows with the changes, not with the releases. Statements with blank nodes are
set aside during the merge and compared as molecules, by content (:mod:`.molecules`): a
molecule whose content is in both releases is unchanged whatever its labels, one that is not
is removed (with the old release's labels, as RDF Patch names blank nodes) or added (with
fresh labels, which never collide with the old release's).

Two lines that differ as text but are the same statement (another escaping of the same
character) are not a change: the candidates are parsed, and equal statements cancel out.

A change is listed under its *resource*: the subject of a statement, the IRI a molecule hangs
from. A resource is *added* when the old release has no statement about it, *removed* when the
new one has none, else *changed*, with the properties whose values changed.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from treatykg.changes.molecules import Molecule, blank_labels, molecules, parse_line
from treatykg.changes.releases import Side
from treatykg.rdf.sorted_lines import from_key

#: The properties whose values name a resource in a summary, in order of preference.
_NAMES = (f"<{RDFS.label}>".encode(), f"<{SKOS.prefLabel}>".encode())


@dataclass(frozen=True)
class PropertyChange:
    """One property of a changed resource: its values removed and added (N-Triples terms;
    a blank node is written ``[]``, as its label means nothing)."""

    predicate: str
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class ResourceChange:
    """What changed about one resource."""

    iri: str
    #: added, removed or changed.
    status: str
    #: Its name (an English or untagged ``rdfs:label``/``skos:prefLabel``) in the new release,
    #: else the old one, for people; None when it has none.
    label: str | None
    properties: tuple[PropertyChange, ...]


@dataclass(frozen=True)
class Group:
    """The lines a changeset removes and adds for one resource (None: blank nodes only)."""

    resource: str | None
    removed: tuple[bytes, ...]
    added: tuple[bytes, ...]


@dataclass(frozen=True)
class Changeset:
    """The difference between two releases, old → new."""

    groups: tuple[Group, ...]
    resources: tuple[ResourceChange, ...]
    #: Statements in the old and the new release (default and named graphs).
    before: int
    after: int
    old_version: str | None = None
    new_version: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None

    @property
    def removed(self) -> int:
        return sum(len(g.removed) for g in self.groups)

    @property
    def added(self) -> int:
        return sum(len(g.added) for g in self.groups)

    @property
    def empty(self) -> bool:
        return not self.groups

    def count(self, status: str) -> int:
        """How many resources were ``status`` (added, removed, changed)."""
        return sum(1 for r in self.resources if r.status == status)


class _UnsortedError(Exception):
    """A side's dump is not in the dumps' order: it must be sorted first."""

    def __init__(self, side: int) -> None:
        self.side = side


@dataclass
class _Merge:
    """What one pass over both sides collects. Lines are in key form
    (:func:`~treatykg.rdf.sorted_lines.line_key`) until they are kept."""

    removed: list[bytes] = field(default_factory=list)
    added: list[bytes] = field(default_factory=list)
    old_blank: list[bytes] = field(default_factory=list)
    new_blank: list[bytes] = field(default_factory=list)
    #: For each subject: 1 if the old side has a statement about it, 2 the new, 3 both.
    presence: dict[bytes, int] = field(default_factory=dict)
    #: A name per subject and side (1 old, 2 new).
    names: dict[tuple[bytes, int], bytes] = field(default_factory=dict)
    before: int = 0
    after: int = 0

    def run(self, old: Iterator[bytes], new: Iterator[bytes]) -> None:
        """Merge two sorted streams of lines (the default graphs', or the named graphs')."""
        presence = self.presence
        subject, seen = b"", 0
        for line, side in _merged(old, new):
            if not line.startswith(subject) or line[len(subject) : len(subject) + 1] != b" ":
                if subject:
                    presence[subject] = presence.get(subject, 0) | seen
                subject, seen = line[: line.index(b" ")], 0
            seen |= side
            if side & 1:
                self.before += 1
            if side & 2:
                self.after += 1
            rest = line[len(subject) + 1 :]
            if rest.startswith(_NAMES[0]) or rest.startswith(_NAMES[1]):
                self._name(subject, rest, side)
            if b"_:" in line and blank_labels(from_key(line)):
                if side & 1:
                    self.old_blank.append(from_key(line))
                if side & 2:
                    self.new_blank.append(from_key(line))
            elif side == 1:
                self.removed.append(from_key(line))
            elif side == 2:
                self.added.append(from_key(line))
        if subject:
            presence[subject] = presence.get(subject, 0) | seen

    def _name(self, subject: bytes, rest: bytes, side: int) -> None:
        obj = rest[rest.index(b" ") + 1 :]
        if obj.startswith(b'"') and (obj.endswith(b'" .') or b'"@en ' in obj):
            for s in (1, 2):
                if side & s:
                    self.names.setdefault((subject, s), obj)


def diff(old: Side, new: Side) -> Changeset:
    """The changeset that turns ``old`` into ``new``."""
    while True:
        merge = _Merge()
        try:
            merge.run(old.default_lines(), new.default_lines())
        except _UnsortedError as unsorted:
            (old if unsorted.side == 1 else new).sort()
            continue
        break
    merge.run(iter(old.named), iter(new.named))
    removed, added = _cancel(merge.removed, merge.added)
    by_resource: dict[str | None, tuple[list[bytes], list[bytes]]] = {}
    for line in removed:
        by_resource.setdefault(_subject_iri(line), ([], []))[0].append(line)
    for line in added:
        by_resource.setdefault(_subject_iri(line), ([], []))[1].append(line)
    gone, came = _changed_molecules(merge.old_blank, merge.new_blank)
    for molecule in gone:
        by_resource.setdefault(molecule.root, ([], []))[0].extend(molecule.lines)
    for lines, root in came:
        by_resource.setdefault(root, ([], []))[1].extend(lines)
    order = sorted(by_resource, key=lambda r: (r is None, r or ""))
    groups = tuple(Group(r, tuple(by_resource[r][0]), tuple(by_resource[r][1])) for r in order)
    return Changeset(
        groups=groups,
        resources=tuple(_resource(g, merge) for g in groups if g.resource is not None),
        before=merge.before,
        after=merge.after,
        old_version=old.version,
        new_version=new.version,
        old_sha256=old.sha256,
        new_sha256=new.sha256,
    )


def _merged(old: Iterator[bytes], new: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    """Each line of two sorted streams (key form) once, with where it is: 1 old only, 2 new
    only, 3 both. A stream out of order raises :class:`_UnsortedError`."""
    keyed = heapq.merge(_checked(old, 1), _checked(new, 2))
    pending: tuple[bytes, int] | None = None
    for line, side in keyed:
        if pending is not None and pending[0] == line:
            pending = (line, pending[1] | side)
            continue
        if pending is not None:
            yield pending
        pending = (line, side)
    if pending is not None:
        yield pending


def _checked(lines: Iterator[bytes], side: int) -> Iterator[tuple[bytes, int]]:
    previous = b""
    for line in lines:
        if line <= previous:
            raise _UnsortedError(side)
        previous = line
        yield line, side


def _cancel(removed: list[bytes], added: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Drop the pairs of lines that differ as text but are the same statement."""
    if not removed or not added:
        return removed, added
    added_quads = {parse_line(line): line for line in added}
    same: set[ox.Quad] = set()
    kept: list[bytes] = []
    for line in removed:
        quad = parse_line(line)
        if quad in added_quads:
            same.add(quad)
        else:
            kept.append(line)
    if not same:
        return removed, added
    return kept, [line for quad, line in added_quads.items() if quad not in same]


def _changed_molecules(
    old_lines: list[bytes], new_lines: list[bytes]
) -> tuple[list[Molecule], list[tuple[list[bytes], str | None]]]:
    """The molecules whose content is not in both releases as often: all the old copies of
    such a content are removed, all the new ones added, with fresh blank node labels."""
    old, new = molecules(old_lines), molecules(new_lines)
    old_counts = Counter(m.key for m in old)
    new_counts = Counter(m.key for m in new)
    changed = {k for k in old_counts.keys() | new_counts.keys() if old_counts[k] != new_counts[k]}
    gone = [m for m in old if m.key in changed]
    copies: Counter[str] = Counter()
    came: list[tuple[list[bytes], str | None]] = []
    for molecule in new:
        if molecule.key in changed:
            copies[molecule.key] += 1
            prefix = f"new{molecule.digest}c{copies[molecule.key]}b"
            came.append((relabel(molecule.lines, prefix), molecule.root))
    return gone, came


def relabel(lines: Iterable[bytes], prefix: str) -> list[bytes]:
    """``lines`` with their blank nodes named ``prefix`` and a number, in order of appearance."""
    names: dict[str, ox.BlankNode] = {}

    def fresh(term: object) -> object:
        if isinstance(term, ox.BlankNode):
            if term.value not in names:
                names[term.value] = ox.BlankNode(f"{prefix}{len(names) + 1}")
            return names[term.value]
        return term

    out = []
    for line in lines:
        quad = parse_line(line)
        terms = [fresh(quad.subject), quad.predicate, fresh(quad.object)]
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            terms.append(fresh(quad.graph_name))
        out.append(" ".join(str(t) for t in terms).encode() + b" .")
    return out


def _text(term: object) -> str:
    return str(term.value) if isinstance(term, ox.Literal) else str(term)


def _subject_iri(line: bytes) -> str | None:
    subject = line[: line.index(b" ")]
    return subject[1:-1].decode() if subject.startswith(b"<") else None


def _resource(group: Group, merge: _Merge) -> ResourceChange:
    assert group.resource is not None
    subject = f"<{group.resource}>".encode()
    presence = merge.presence.get(subject, 0)
    status = "added" if not presence & 1 else "removed" if not presence & 2 else "changed"
    name = merge.names.get((subject, 2)) or merge.names.get((subject, 1))
    label = _text(parse_line(subject + b" <urn:x:name> " + name).object) if name else None
    values: dict[str, tuple[list[str], list[str]]] = {}
    for lines, index in ((group.removed, 0), (group.added, 1)):
        for line in lines:
            quad = parse_line(line)
            if quad.subject != ox.NamedNode(group.resource):
                continue  # a statement inside a molecule: its root's statement says it
            obj = "[]" if isinstance(quad.object, ox.BlankNode) else str(quad.object)
            values.setdefault(quad.predicate.value, ([], []))[index].append(obj)
    properties = tuple(
        PropertyChange(p, tuple(sorted(r)), tuple(sorted(a)))
        for p, (r, a) in sorted(values.items())
    )
    return ResourceChange(group.resource, status, label, properties)
