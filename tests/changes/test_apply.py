"""Applying a changeset to an embedded store: the new release exactly (isomorphic), or, when
the store does not hold the old one, a refusal that leaves it byte for byte as it was.

Each refusal is made to happen where it is meant to: before anything is sent (the count, the
probes of a first deleted and a first added statement), or inside the update's transaction
(a statement deep in the patch missing although the count matches)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from changed_release import ABOUT, Pair
from treatykg.changes import apply, patch
from treatykg.changes.diff import Changeset, diff
from treatykg.changes.molecules import blank_labels, parse_line
from treatykg.changes.releases import open_side
from treatykg.errors import InputError

TARGET = "urn:x-test:release"


@pytest.fixture(scope="module")
def changeset(pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> Changeset:
    work = tmp_path_factory.mktemp("apply")
    return diff(open_side(str(pair.old), work), open_side(str(pair.new), work))


def as_patch(changeset: Changeset) -> patch.Patch:
    """The changeset as a store receives it: written as RDF Patch and read back."""
    return patch.parse(patch.write(changeset).splitlines(), "test.rdfp")


def loaded(build: Path, graph: str | None = None) -> ox.Store:
    store = ox.Store()
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    store.load(path=str(build / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
    return store


def as_graph(store: ox.Store, graph: str | None = None) -> Graph:
    target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=target)
    return Graph().parse(data=data, format="nt")


def snapshot(store: ox.Store) -> bytes:
    """Every statement of every graph, as the store writes them: equal bytes, same store."""
    return store.dump(format=ox.RdfFormat.N_QUADS)


def statement(line: bytes) -> ox.Quad:
    quad = parse_line(line)
    return ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph())


@pytest.mark.parametrize("graph", [None, TARGET])
def test_diff_then_apply_gives_the_new_release(
    pair: Pair, changeset: Changeset, graph: str | None
) -> None:
    store = loaded(pair.old, graph)
    said: list[str] = []
    applied = apply.apply_to_store(store, as_patch(changeset), graph, progress=said.append)
    assert isomorphic(as_graph(store, graph), as_graph(loaded(pair.new, graph), graph))
    assert len(store) == changeset.after  # nothing else: no marker, no scratch graph
    assert applied == apply.Applied(
        graph, (), changeset.before, changeset.after, 20, 20, "0.1.0", "0.2.0"
    )
    assert said[0] == "changeset 0.1.0 → 0.2.0: 20 statements to delete, 20 to add"
    assert said[-1].startswith("applied: ") and "as release 0.2.0 has" in said[-1]


def test_a_store_that_holds_another_count_is_refused(pair: Pair, changeset: Changeset) -> None:
    store = loaded(pair.old)
    store.add(ox.Quad(ox.NamedNode("urn:x-test:s"), ox.NamedNode("urn:x-test:p"), ox.Literal("x")))
    before = snapshot(store)
    with pytest.raises(apply.RefusedError) as refused:
        apply.apply_to_store(store, as_patch(changeset))
    assert str(refused.value) == (
        f"not applied: the default graph holds {changeset.before + 1:,} triples, but the "
        f"changeset applies to a release of {changeset.before:,} (0.1.0): nothing changed"
    )
    assert refused.value.exit_code == 1
    assert snapshot(store) == before


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_missing_deleted_statement_is_refused_although_the_count_matches(
    pair: Pair, changeset: Changeset, which: str
) -> None:
    """The first statement the patch deletes is a probe, looked up before anything is sent;
    the last is found missing only by the update's check, inside its transaction: either way
    the store is left as it was, and the message names the statement."""
    store = loaded(pair.old)
    ground = [line for g in changeset.groups for line in g.removed if not blank_labels(line)]
    gone = ground[0] if which == "first" else ground[-1]
    store.remove(statement(gone))
    store.add(ox.Quad(ox.NamedNode("urn:x-test:s"), ox.NamedNode("urn:x-test:p"), ox.Literal("x")))
    assert len(store) == changeset.before
    before = snapshot(store)
    with pytest.raises(apply.RefusedError) as refused:
        apply.apply_to_store(store, as_patch(changeset))
    message = str(refused.value)
    assert message.startswith("not applied: ")
    assert gone.decode().removesuffix(" .")[:100] in message
    assert "which the changeset deletes" in message
    if which == "last":
        assert "the store's own check refused the update, so nothing changed" in message
    assert snapshot(store) == before


def test_an_added_statement_already_there_is_refused(pair: Pair, changeset: Changeset) -> None:
    """The check inside the transaction: the last statement the patch adds is already there
    (and one it does not touch is gone, so that the count matches)."""
    store = loaded(pair.old)
    ground = [line for g in changeset.groups for line in g.added if not blank_labels(line)]
    store.add(statement(ground[-1]))
    changed = {ox.NamedNode(g.resource) for g in changeset.groups if g.resource}
    store.remove(
        next(q for q in store if isinstance(q.subject, ox.NamedNode) and q.subject not in changed)
    )
    assert len(store) == changeset.before
    before = snapshot(store)
    with pytest.raises(apply.RefusedError, match="which the changeset adds"):
        apply.apply_to_store(store, as_patch(changeset))
    assert snapshot(store) == before


def test_applying_twice_refuses_the_second_time(pair: Pair, changeset: Changeset) -> None:
    """The changeset deletes as many statements as it adds, so the count cannot tell the two
    releases apart: the probes do."""
    assert changeset.before == changeset.after
    store = loaded(pair.old)
    apply.apply_to_store(store, as_patch(changeset))
    after = snapshot(store)
    with pytest.raises(apply.RefusedError, match="already holds what the changeset gives"):
        apply.apply_to_store(store, as_patch(changeset))
    assert snapshot(store) == after


def test_a_patch_of_blank_node_changes_only(pair: Pair, changeset: Changeset) -> None:
    """The reordered owl:unionOf list alone: one molecule out, one in, matched by content in a
    store that labels its blank nodes its own way; applied twice, refused the second time."""
    (group,) = [g for g in changeset.groups if g.resource == ABOUT]
    assert all(blank_labels(line) for line in group.removed + group.added)
    only = dataclasses.replace(changeset, groups=(group,), after=changeset.before)
    store = loaded(pair.old)
    applied = apply.apply_to_store(store, as_patch(only))
    assert (applied.removed, applied.added) == (7, 7)
    # What it should give: the old release with the list reversed, that is the new release
    # with its other changes (none of them with a blank node) undone.
    expected = as_graph(loaded(pair.new))
    others = [line for g in changeset.groups if g.resource != ABOUT for line in g.removed]
    expected += Graph().parse(data=b"\n".join(others).decode() + "\n", format="nt")
    others = [line for g in changeset.groups if g.resource != ABOUT for line in g.added]
    expected -= Graph().parse(data=b"\n".join(others).decode() + "\n", format="nt")
    assert len(expected) == changeset.before
    assert isomorphic(as_graph(store), expected)
    assert not isomorphic(as_graph(store), as_graph(loaded(pair.old)))
    after = snapshot(store)
    with pytest.raises(apply.RefusedError, match="already holds what the changeset gives"):
        apply.apply_to_store(store, as_patch(only))
    assert snapshot(store) == after


def test_a_patch_without_counts_is_not_applied(pair: Pair, changeset: Changeset) -> None:
    text = b"\n".join(
        line for line in patch.write(changeset).splitlines() if b"Triples " not in line
    )
    store = loaded(pair.old)
    before = snapshot(store)
    with pytest.raises(InputError, match=r"H fromTriples, H toTriples"):
        apply.apply_to_store(store, patch.parse(text.splitlines(), "test.rdfp"))
    assert snapshot(store) == before


def test_named_graphs_are_counted_and_changed_in_their_graphs(tmp_path: Path) -> None:
    """A release with a named graph: its statements are changed there, and the count adds up
    the target and the named graphs; one the patch does not change is counted only if named."""
    old, new = tmp_path / "old.trig", tmp_path / "new.trig"
    old.write_text(
        '<urn:s> <urn:p> "a" .\n'
        '<urn:g> { <urn:s> <urn:p> [ <urn:q> "x" ] . <urn:t> <urn:p> "b" . }\n'
        '<urn:h> { <urn:u> <urn:p> "kept" . }\n'
    )
    new.write_text(
        '<urn:s> <urn:p> "a2" .\n'
        '<urn:g> { <urn:s> <urn:p> [ <urn:q> "y" ] . <urn:t> <urn:p> "c" . }\n'
        '<urn:h> { <urn:u> <urn:p> "kept" . }\n'
    )
    found = diff(open_side(str(old), tmp_path), open_side(str(new), tmp_path))
    assert (found.before, found.after) == (5, 5)

    def store_of(path: Path) -> ox.Store:
        store = ox.Store()
        store.load(path=str(path), format=ox.RdfFormat.TRIG, to_graph=ox.NamedNode(TARGET))
        return store

    store = store_of(old)
    with pytest.raises(apply.RefusedError, match="with 1 named graph holds 4 triples"):
        apply.apply_to_store(store, as_patch(found), TARGET)  # <urn:h> is not counted
    applied = apply.apply_to_store(store, as_patch(found), TARGET, graphs=["urn:h"])
    assert applied.graphs == ("urn:g", "urn:h") and (applied.before, applied.after) == (5, 5)
    expected = store_of(new)
    for graph in (TARGET, "urn:g", "urn:h"):
        assert isomorphic(as_graph(store, graph), as_graph(expected, graph)), graph
    assert len(store) == len(expected)


def test_a_build_names_its_own_changeset(pair: Pair, changeset: Changeset, tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "void.ttl").write_bytes((pair.new / "void.ttl").read_bytes())
    with pytest.raises(InputError, match=r"no changeset changes-0\.2\.0\.rdfp"):
        apply.locate(build)
    (build / "changes-0.2.0.rdfp").write_bytes(patch.write(changeset))
    assert apply.locate(build) == (build / "changes-0.2.0.rdfp", ())
    assert apply.locate(build / "changes-0.2.0.rdfp") == (build / "changes-0.2.0.rdfp", ())
    with pytest.raises(InputError, match="no such RDF Patch file or build directory"):
        apply.locate(tmp_path / "missing.rdfp")
