"""Apply a changeset (an RDF Patch) to a store: checked before and after, all of it or none.

What ``treatykg load --update`` does to a remote store (:func:`apply_remote`), and a program
to an embedded pyoxigraph store (:func:`apply_to_store`):

1. The patch says what it applies to: ``H fromTriples`` and ``H toTriples``, the statements
   of the old and the new release. A patch without them is refused (an input error): it
   cannot be checked.
2. The target graph is counted. If it does not hold ``fromTriples`` statements, nothing is
   sent: the store does not hold the release the changeset applies to.
3. Probes: the first statement the patch deletes, the first it adds, and the first blank-node
   structure (molecule) it removes are looked up. A graph that already holds the changeset's
   result is told so (applied before?), one that lacks what it deletes too, before anything
   is sent.
4. One SPARQL Update (:func:`.update.guarded`) makes every change, each conditioned inside
   the store's transaction on the count, on every statement to delete being there (each
   removed molecule too, by content) and on none to add being there. A store that runs one
   request as one transaction (Oxigraph, Virtuoso) applies all of it or none. On a remote
   store, the statements without blank nodes go first, with the Graph Store Protocol, into
   scratch graphs (``urn:treatykg:patch:<uuid>:…``) that the update reads and drops: the
   request then stays small whatever the changeset's size (Virtuoso cannot run one that
   holds a few thousand statements).
5. The graph is counted again and the probes looked up again: they, not the count, tell
   whether the update ran (a changeset that deletes as many statements as it adds leaves
   the count as it was; only a patch with no probe, one that adds blank-node statements
   and nothing else, say, is told by its count). It must have, and the graph must hold
   ``toTriples``.

What fails, and what the store then holds: :class:`RefusedError` (exit code 1), nothing changed;
:class:`CountMismatchError` (1), the changeset was applied but the graph does not hold the new
release's count; a store error (:class:`~treatykg.errors.UsageError`, 2: unreachable, an
HTTP error status, a timeout): the update was not sent, or was refused, or its outcome is
unknown (then all of it or none ran, and the message says how to find out); Ctrl-C
(:class:`ApplyInterrupted`): the same.

Named graphs: the header counts are of the whole release, its default graph and its named
graphs. The default graph's statements go to the target graph (as ``treatykg load`` puts
them), a named graph's to that graph, and the count of step 2 adds up the target, the named
graphs the patch changes and those the caller names (``graphs``: ``treatykg load --update``
names those of the new build's ``treatykg.nq`` when given the build). Given only the patch
of a release whose named graphs it does not all change, the count cannot match and the patch
is refused: give the build instead. Only the target's count is checked inside the
transaction; the named graphs' are checked just before it.
"""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from treatykg.changes import patch as patches
from treatykg.changes import update
from treatykg.changes.molecules import blank_labels, molecules, parse_line
from treatykg.changes.releases import DESCRIPTION, NAMED_DUMP, stated_version, version_iri
from treatykg.changes.summary import file_name
from treatykg.errors import InputError, TreatykgError, UsageError
from treatykg.sparql import remote

if TYPE_CHECKING:
    from treatykg.sparql.remote import _Store

#: Each scratch graph goes to the store in Graph Store requests of this many statements.
STAGE_CHUNK = 50_000
#: After a refusal, at most this many statements are looked up one by one to say which.
_DIAGNOSED = 200
_SHOWN = 160


class RefusedError(TreatykgError):
    """The changeset was not applied and the store is as it was: it does not hold the release
    the changeset applies to, or the update's own check refused it."""

    exit_code = 1


class CountMismatchError(TreatykgError):
    """The changeset was applied, but the graph does not hold the new release's count."""

    exit_code = 1


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C while applying; ``str()`` says what the store holds."""


@dataclass(frozen=True)
class Applied:
    """A changeset applied and checked."""

    #: The graph the default graph's statements went to (None: the default graph).
    graph: str | None
    #: The named graphs counted with it.
    graphs: tuple[str, ...]
    #: Statements in those graphs before and after.
    before: int
    after: int
    #: The patch's rows.
    removed: int
    added: int
    old_version: str | None
    new_version: str | None


def apply_to_store(
    store: ox.Store,
    patch: patches.Patch,
    graph: str | None = None,
    *,
    graphs: Iterable[str] = (),
    progress: Callable[[str], None] | None = None,
    shown: str = "the patch",
) -> Applied:
    """Apply ``patch`` (named ``shown`` in messages) to an embedded store: its default graph's
    statements to ``graph`` (None: the store's default graph), checked as the module docstring
    says. The update holds every statement itself (no scratch graph is staged first)."""
    return _apply(_Embedded(store), patch, graph, tuple(graphs), progress or _quiet, shown)


def apply_remote(
    store_url: str,
    patch: patches.Patch,
    *,
    graph: str,
    update_url: str,
    query_url: str,
    graphs: Iterable[str] = (),
    timeout: float = 120.0,
    user: str | None = None,
    auth: str = "basic",
    graph_param: str = "graph",
    progress: Callable[[str], None] | None = None,
    shown: str = "the patch",
) -> Applied:
    """Apply ``patch`` (named ``shown`` in messages) to the store behind these endpoints (the
    default graph's statements to ``graph``), checked as the module docstring says.
    ``store_url`` is its Graph Store endpoint, which receives the scratch graphs; ``query_url``
    counts and looks up."""
    try:
        ox.NamedNode(graph)
    except ValueError:
        raise UsageError(f"--graph {graph!r} is not an absolute IRI") from None
    store = remote.connect(
        store_url,
        update_url=update_url,
        query_url=query_url,
        timeout=timeout,
        user=user,
        auth=auth,
        graph_param=graph_param,
    )
    return _apply(_Remote(store), patch, graph, tuple(graphs), progress or _quiet, shown)


def locate(spec: Path) -> tuple[Path, tuple[str, ...]]:
    """The patch ``spec`` names, and the named graphs of the release it leads to: an RDF Patch
    file (no named graph known), or a build directory, whose own changeset is
    ``changes-<its dcat:version>.rdfp`` and whose named graphs are its ``treatykg.nq``'s."""
    if not spec.is_dir():
        if not spec.is_file():
            raise InputError(str(spec), "no such RDF Patch file or build directory")
        return spec, ()
    version = stated_version(spec / DESCRIPTION)
    if version is None:
        raise InputError(
            str(spec),
            f"its {DESCRIPTION} names no dcat:version, so which changeset it holds is "
            f"unknown: give the {patches.SUFFIX} file",
        )
    path = spec / file_name(version, patches.SUFFIX)
    if not path.is_file():
        raise InputError(
            str(spec),
            f"the build holds no changeset {path.name} (a build writes it with --previous): "
            f"give the {patches.SUFFIX} file",
        )
    return path, _named_graphs(spec / NAMED_DUMP)


def version_of(header: str | None) -> str | None:
    """The version a ``H from``/``H to`` header names (``0.1.0`` for treatykg's version IRIs,
    else the IRI), or None."""
    if not header:
        return None
    iri = header.strip().removeprefix("<").removesuffix(">")
    prefix = version_iri("")
    return urllib.parse.unquote(iri[len(prefix) :]) if iri.startswith(prefix) else iri


# --- the two kinds of store --------------------------------------------------------------------


class _Target(Protocol):
    #: Whether scratch graphs are sent before the update (see :func:`.update.guarded`).
    staged: bool

    def count(self, graph: str | None) -> int: ...

    def ask(self, text: str) -> bool: ...

    def stage(self, graphs: dict[str, list[str]]) -> None: ...

    def update(self, text: str) -> None: ...

    def drop(self, graphs: Sequence[str]) -> bool: ...


class _Embedded:
    """A pyoxigraph store: each update is one transaction."""

    staged = False

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def count(self, graph: str | None) -> int:
        answer = self.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {_in(graph, '?s ?p ?o')} }}")
        assert isinstance(answer, ox.QuerySolutions)
        value = next(iter(answer))["n"]
        assert isinstance(value, ox.Literal)
        return int(value.value)

    def ask(self, text: str) -> bool:
        answer = self.store.query(text)
        assert isinstance(answer, ox.QueryBoolean)
        return bool(answer)

    def stage(self, graphs: dict[str, list[str]]) -> None:
        raise AssertionError("an embedded store's update holds its statements itself")

    def update(self, text: str) -> None:
        self.store.update(text)

    def drop(self, graphs: Sequence[str]) -> bool:
        return True


class _Remote:
    """A store over SPARQL 1.1 and the Graph Store Protocol (:func:`..remote.connect`)."""

    staged = True

    def __init__(self, store: _Store) -> None:
        self.store = store

    def count(self, graph: str | None) -> int:
        assert graph is not None  # a remote target is always a named graph
        return self.store.count(graph)

    def ask(self, text: str) -> bool:
        return bool(self.store.select(text)[0].get("boolean"))

    def stage(self, graphs: dict[str, list[str]]) -> None:
        for name, triples in graphs.items():
            for start in range(0, len(triples), STAGE_CHUNK):
                body = "".join(f"{t}\n" for t in triples[start : start + STAGE_CHUNK]).encode()
                self.store.post(name, body, len(body))

    def update(self, text: str) -> None:
        self.store.update(text)

    def drop(self, graphs: Sequence[str]) -> bool:
        return self.store.drop(graphs) if graphs else True


def _quiet(_: str) -> None:
    pass


# --- applying ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Probe:
    """One statement or molecule of the patch, looked up before and after the update."""

    #: An ASK query: is it in the store?
    text: str
    #: For messages: the statement, or "a blank-node structure under <root>".
    shown: str
    #: Whether the old release holds it (a deleted statement) or not (an added one).
    old: bool


@dataclass
class _Run:
    """One apply under way: what it counts, and how far it got (for the messages)."""

    target: _Target
    patch: patches.Patch
    graph: str | None
    counted: tuple[str | None, ...]
    progress: Callable[[str], None]
    scratch: tuple[str, ...] = ()
    #: Whether the update was sent, and whether the store answered it.
    sent: bool = False
    done: bool = False

    @property
    def where(self) -> str:
        target = f"<{self.graph}>" if self.graph is not None else "the default graph"
        named = [g for g in self.counted if g != self.graph and g is not None]
        if not named:
            return target
        return f"{target} with {_plural(len(named), 'named graph')}"

    def total(self) -> int:
        return sum(self.target.count(g) for g in self.counted)


def _apply(
    target: _Target,
    patch: patches.Patch,
    graph: str | None,
    graphs: tuple[str, ...],
    progress: Callable[[str], None],
    shown: str,
) -> Applied:
    before, after = patch.integer("fromTriples"), patch.integer("toTriples")
    if before is None or after is None:
        raise InputError(
            shown,
            "it does not say the statement counts of the releases it goes between (H "
            "fromTriples, H toTriples), so it cannot be checked: not applied",
        )
    old, new = version_of(patch.headers.get("from")), version_of(patch.headers.get("to"))
    removed, added = patch.removed, patch.added
    named = {_graph_of(line) for line in (*removed, *added)} | set(graphs)
    counted = (graph, *sorted(g for g in named if g is not None and g != graph))
    run = _Run(target, patch, graph, counted, progress)
    progress(
        f"changeset {_between(old, new)}: {_plural(len(removed), 'statement')} to delete, "
        f"{len(added):,} to add"
    )
    try:
        return _checked(run, before, after, old, new)
    except (RefusedError, CountMismatchError):
        raise
    except TreatykgError as error:
        raise UsageError(f"{error}; {_failed(run, error)}") from None
    except KeyboardInterrupt:
        raise ApplyInterrupted(_interrupted(run)) from None


def _checked(run: _Run, before: int, after: int, old: str | None, new: str | None) -> Applied:
    target, removed, added = run.target, run.patch.removed, run.patch.added
    graphs = tuple(g for g in run.counted[1:] if g is not None)
    counts = {g: target.count(g) for g in run.counted}
    held = sum(counts.values())
    probes = _probes(removed, added, run.graph)
    found = [target.ask(p.text) for p in probes]
    if probes and _applied(probes, found) and held == after:
        raise RefusedError(
            f"not applied: {run.where} already holds what the changeset gives ({held:,} "
            f"triples, as {_release(new, 'new')} has): applied before? Nothing changed"
        )
    if held != before:
        raise RefusedError(
            f"not applied: {run.where} holds {held:,} triples, but the changeset applies to a "
            f"release of {before:,}{_parenthesised(old)}: nothing changed"
        )
    for probe, there in zip(probes, found, strict=True):
        if there != probe.old:
            raise RefusedError(f"not applied: {_why(run.where, probe)}: nothing changed")
    if not removed and not added and held == after:
        run.progress(f"{run.where} holds {held:,} triples, as the release does: nothing to change")
        return Applied(run.graph, graphs, held, held, 0, 0, old, new)
    guard = update.Guard(counts[run.graph], f"urn:treatykg:patch:{uuid.uuid4()}")
    state = f"{run.where} holds {held:,} triples, as {_release(old, 'old')} has"
    if target.staged:
        scratch = update.staging(removed, added, run.graph, guard)
        run.scratch = tuple(scratch)
        staged = sum(len(t) for t in scratch.values())
        run.progress(f"{state}; staging {_plural(staged, 'statement')} in scratch graphs")
        target.stage(scratch)
    else:
        run.progress(state)
    text = update.guarded(removed, added, run.graph, guard, staged=target.staged)
    run.progress("applying the changeset with one guarded update…")
    run.sent = True
    target.update(text)
    run.done = True
    now = run.total()
    ran = _applied(probes, [target.ask(p.text) for p in probes]) if probes else now == after
    if not ran:
        changed = "" if now == held else f" (it now holds {now:,} triples: another client?)"
        raise RefusedError(
            f"not applied: the store's own check refused the update, so nothing changed"
            f"{changed}: {_diagnose(run)}"
        )
    if now != after:
        raise CountMismatchError(
            f"the changeset was applied, but {run.where} now holds {now:,} triples where "
            f"{_release(new, 'new')} has {after:,}"
        )
    run.progress(f"applied: {run.where} holds {now:,} triples, as {_release(new, 'new')} has")
    return Applied(run.graph, graphs, held, now, len(removed), len(added), old, new)


def _failed(run: _Run, error: TreatykgError) -> str:
    """What the store holds after a store error (an unreachable store, an HTTP error status, a
    timeout): the scratch graphs are dropped (best effort) unless the update ran."""
    if run.done:
        return (
            "the update ran, but its result could not be read back: run the same command "
            "again to know whether it applied (it refuses a changeset already applied)"
        )
    if not run.sent:
        return "not sent: nothing changed" + _cleanup(run)
    if isinstance(error, remote.StoreRefused):
        return "the store refused the update: nothing changed" + _cleanup(run)
    return (
        "the update's outcome is unknown: the store applied all of it or none; run the same "
        "command again to know (it refuses a changeset already applied)" + _cleanup(run)
    )


def _cleanup(run: _Run) -> str:
    """Drop the scratch graphs after a failure (best effort): what to add to the message."""
    if not run.scratch:
        return ""
    try:
        dropped = run.target.drop(run.scratch)
    except TreatykgError:
        dropped = False
    if dropped:
        return ""
    names = ", ".join(f"<{s}>" for s in run.scratch)
    return f"; the scratch graphs {names} may be left (drop them)"


def _interrupted(run: _Run) -> str:
    if not run.sent:
        return "not sent: nothing changed" + _cleanup(run)
    if run.done:
        return (
            "the update ran: run the same command again to know whether it applied (it "
            "refuses a changeset already applied)"
        )
    return (
        "the update was sent: the store applied all of it or none; run the same command again "
        "to know (it refuses a changeset already applied)" + _cleanup(run)
    )


def _probes(removed: list[bytes], added: list[bytes], graph: str | None) -> list[_Probe]:
    """The first statement deleted and added, and the first molecule removed whose content
    the changeset does not add again: how the store tells which release it holds."""
    probes = []
    ground_removed = next((line for line in removed if not blank_labels(line)), None)
    if ground_removed is not None:
        probes.append(_Probe(_ask_statement(ground_removed, graph), _line(ground_removed), True))
    ground_added = next((line for line in added if not blank_labels(line)), None)
    if ground_added is not None:
        probes.append(_Probe(_ask_statement(ground_added, graph), _line(ground_added), False))
    again = {m.key for m in molecules(line for line in added if blank_labels(line))}
    for molecule in molecules(line for line in removed if blank_labels(line)):
        if molecule.key not in again:
            under = f"<{molecule.root}>" if molecule.root else "no IRI"
            text = f"ASK {{\n{update.matches(molecule, graph)}}}"
            probes.append(_Probe(text, f"a blank-node structure under {under}", True))
            break
    return probes


def _applied(probes: list[_Probe], found: list[bool]) -> bool:
    """Whether the probes found the new release: deleted statements gone, added ones there."""
    return all(there != probe.old for probe, there in zip(probes, found, strict=True))


def _why(where: str, probe: _Probe) -> str:
    if probe.old:
        return f"{where} lacks {probe.shown}, which the changeset deletes"
    return f"{where} already holds {probe.shown}, which the changeset adds"


def _diagnose(run: _Run) -> str:
    """Which statement made the check refuse, looked up one by one (at most a few hundred)."""
    checks = [(line, True) for line in run.patch.removed if not blank_labels(line)][:_DIAGNOSED]
    checks += [(line, False) for line in run.patch.added if not blank_labels(line)][:_DIAGNOSED]
    for line, old in checks:
        if run.target.ask(_ask_statement(line, run.graph)) != old:
            return _why(run.where, _Probe("", _line(line), old))
    return (
        "a statement to delete is missing, or one to add is already there (or the graph "
        "changed meanwhile)"
    )


def _ask_statement(line: bytes, graph: str | None) -> str:
    quad = parse_line(line)
    named = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
    return f"ASK {{ {_in(named or graph, f'{quad.subject} {quad.predicate} {quad.object}')} }}"


def _graph_of(line: bytes) -> str | None:
    """The named graph of an N-Quads line, None for a default-graph statement."""
    quad = parse_line(line)
    return None if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name.value)


def _in(graph: str | None, pattern: str) -> str:
    return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"


def _line(line: bytes) -> str:
    text = line.decode("utf-8", "replace").removesuffix(" .")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _between(old: str | None, new: str | None) -> str:
    return f"{old or '(unversioned)'} → {new or '(unversioned)'}"


def _release(version: str | None, which: str) -> str:
    return f"release {version}" if version else f"the {which} release"


def _parenthesised(version: str | None) -> str:
    return f" ({version})" if version else ""


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _named_graphs(dump: Path) -> tuple[str, ...]:
    """The named graphs of a build's N-Quads dump (none without one), sorted."""
    if not dump.is_file():
        return ()
    names: set[str] = set()
    try:
        with dump.open("rb") as handle:
            for quad in ox.parse(handle, format=ox.RdfFormat.N_QUADS):
                if isinstance(quad.graph_name, ox.NamedNode):
                    names.add(quad.graph_name.value)
    except SyntaxError as error:
        raise InputError(str(dump), str(error).splitlines()[0]) from None
    return tuple(sorted(names))
