"""The diff of two releases: empty for a release with itself; every kind of change found, and
only those; blank nodes matched by content, never by label; deterministic bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from changed_release import ABOUT, ADDED, DATASET, REMOVED, SIGNING, Pair
from treatykg.changes import patch, update
from treatykg.changes.diff import Changeset, diff
from treatykg.changes.releases import open_side


def changes(old: Path | str, new: Path | str, tmp_path: Path) -> Changeset:
    return diff(open_side(str(old), tmp_path), open_side(str(new), tmp_path))


def test_a_release_diffed_with_itself_is_empty(pair: Pair, tmp_path: Path) -> None:
    same = changes(pair.old, pair.old, tmp_path)
    assert same.empty and same.removed == same.added == 0 and not same.resources
    assert same.before == same.after > 3000
    assert patch.write(same).count(b"\n") == 9  # headers, TX, TC: no row


def test_every_change_is_found_under_its_resource(pair: Pair, tmp_path: Path) -> None:
    found = changes(pair.old, pair.new, tmp_path)
    by_iri = {r.iri: r for r in found.resources}
    assert set(by_iri) == {DATASET, REMOVED, ADDED, SIGNING, ABOUT}
    assert by_iri[REMOVED].status == "removed" and by_iri[ADDED].status == "added"
    assert {by_iri[i].status for i in (DATASET, SIGNING, ABOUT)} == {"changed"}
    version = {p.predicate: p for p in by_iri[DATASET].properties}
    assert version["http://www.w3.org/ns/dcat#version"].removed == ('"0.1.0"',)
    assert version["http://www.w3.org/ns/dcat#version"].added == ('"0.2.0"',)
    # a changed datatype is a change, even on the same day
    modified = version["http://purl.org/dc/terms/modified"]
    assert modified.removed == ('"2026-11-28"^^<http://www.w3.org/2001/XMLSchema#date>',)
    assert modified.added == (
        '"2026-12-06T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    )
    # the reordered list: one molecule out, one in; none of the ontology's other lists
    (domain,) = by_iri[ABOUT].properties
    assert domain.removed == domain.added == ("[]",)
    assert by_iri[SIGNING].label and "Signing" in by_iri[SIGNING].label


def test_blank_nodes_are_matched_by_content_not_by_label(pair: Pair, tmp_path: Path) -> None:
    """The ontology file changed, so every blank node of the new release has a new label; only
    the reordered list is a change, and its rows are whole molecules."""
    old_labels = {
        line.split()[0]
        for line in (pair.old / "treatykg.nt").read_bytes().splitlines()
        if line.startswith(b"_:")
    }
    new_labels = {
        line.split()[0]
        for line in (pair.new / "treatykg.nt").read_bytes().splitlines()
        if line.startswith(b"_:")
    }
    assert old_labels and not old_labels & new_labels
    found = changes(pair.old, pair.new, tmp_path)
    (group,) = [g for g in found.groups if g.resource == ABOUT]
    assert len(group.removed) == len(group.added) == 7  # domain, type, unionOf, 2 × (first, rest)
    assert not any(
        b"_:" in line for g in found.groups if g.resource != ABOUT for line in g.removed + g.added
    )


def test_the_patch_bytes_are_deterministic(pair: Pair, tmp_path: Path) -> None:
    first = patch.write(changes(pair.old, pair.new, tmp_path / "a"))
    second = patch.write(changes(pair.old, pair.new, tmp_path / "b"))
    assert first == second
    assert first.startswith(b"H id <urn:uuid:") and first.endswith(b"TC .\n")


def test_a_dump_file_diffs_like_its_build(pair: Pair, tmp_path: Path) -> None:
    """The Turtle dump, parsed and sorted here, gives the same changes as the sorted N-Triples."""
    from_files = changes(pair.old / "treatykg.ttl", pair.new / "treatykg.ttl", tmp_path)
    from_builds = changes(pair.old, pair.new, tmp_path)
    assert {(r.iri, r.status) for r in from_files.resources} == {
        (r.iri, r.status) for r in from_builds.resources
    }
    assert (from_files.removed, from_files.added) == (from_builds.removed, from_builds.added)


@pytest.mark.parametrize("graph", [None, "urn:treatykg:test"])
def test_the_update_turns_the_old_release_into_the_new(
    pair: Pair, tmp_path: Path, graph: str | None
) -> None:
    """On the embedded store: the plain update gives a graph isomorphic to the new release
    loaded into the same store (which normalises some literals either way)."""
    import pyoxigraph as ox

    found = changes(pair.old, pair.new, tmp_path)
    removed = [line for g in found.groups for line in g.removed]
    added = [line for g in found.groups for line in g.added]

    def loaded(build: Path) -> ox.Store:
        store = ox.Store()
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        store.load(path=str(build / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        return store

    def as_graph(store: ox.Store) -> Graph:
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return Graph().parse(
            data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=target), format="nt"
        )

    store = loaded(pair.old)
    store.update(update.update(removed, added, graph))
    assert isomorphic(as_graph(store), as_graph(loaded(pair.new)))
    assert len(store) == found.after


@pytest.fixture
def published(pair: Pair, tmp_path: Path):
    """The old release served over HTTP on loopback, as a published release would be."""
    import functools
    import http.server
    import shutil
    import threading

    root = tmp_path / "site"
    shutil.copytree(pair.old, root / "0.1.0")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/0.1.0/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_published_release_is_fetched_and_checked(
    pair: Pair, tmp_path: Path, published: tuple[Path, str]
) -> None:
    """A URL ending in / is a release: its manifest, then its dumps, each checked against the
    manifest's SHA-256; a dump that does not match is refused, and said so."""
    from treatykg.errors import InputError

    root, url = published
    fetched = changes(url, pair.new, tmp_path / "a")
    local = changes(pair.old, pair.new, tmp_path / "b")
    assert patch.write(fetched) == patch.write(local)
    dump = root / "0.1.0" / "treatykg.nt"
    dump.write_bytes(dump.read_bytes().replace(b"0.1.0", b"0.0.9"))
    with pytest.raises(InputError, match="SHA-256 is not the one the manifest lists"):
        changes(url, pair.new, tmp_path / "c")


def test_a_patch_reads_back_as_written(pair: Pair, tmp_path: Path) -> None:
    found = changes(pair.old, pair.new, tmp_path)
    path = tmp_path / "c.rdfp"
    path.write_bytes(patch.write(found))
    read = patch.read(path)
    assert read.integer("fromTriples") == found.before
    assert read.integer("toTriples") == found.after
    assert read.removed == [line for g in found.groups for line in g.removed]
    assert read.added == [line for g in found.groups for line in g.added]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("TX .\nA <urn:a> <urn:b> .\nTC .\n", "not an N-Triples statement"),
        ("TX .\nA <urn:a> <urn:b> <urn:c> .\n", "never committed"),
        ("TX .\nX <urn:a> <urn:b> <urn:c> .\nTC .\n", "unexpected 'X'"),
        ("TX .\nTA .\n", "aborts its transaction"),
    ],
)
def test_a_malformed_patch_names_the_line(tmp_path: Path, text: str, says: str) -> None:
    from treatykg.errors import InputError

    path = tmp_path / "bad.rdfp"
    path.write_text(text)
    with pytest.raises(InputError, match=says):
        patch.read(path)


def test_identical_blank_node_structures_are_counted(tmp_path: Path) -> None:
    """Two copies of the same structure under one subject are two molecules with one key: a
    release that drops one copy removes every copy and adds back as many as it keeps, so the
    update leaves exactly one, whatever labels the store gave them."""
    import pyoxigraph as ox

    two = tmp_path / "two.nt"
    one = tmp_path / "one.nt"
    two.write_text(
        '<urn:s> <urn:p> _:a .\n_:a <urn:q> "x" .\n<urn:s> <urn:p> _:b .\n_:b <urn:q> "x" .\n'
        '<urn:s> <urn:p> _:c .\n_:c <urn:q> "y" .\n'
    )
    one.write_text(
        '<urn:s> <urn:p> _:z .\n_:z <urn:q> "x" .\n<urn:s> <urn:p> _:c .\n_:c <urn:q> "y" .\n'
    )
    found = changes(two, one, tmp_path)
    removed = [line for g in found.groups for line in g.removed]
    added = [line for g in found.groups for line in g.added]
    assert len(removed) == 4 and len(added) == 2  # both "x" copies out, one back; "y" stays
    store = ox.Store()
    store.load(path=str(two), format=ox.RdfFormat.N_TRIPLES)
    store.update(update.update(removed, added))
    expected = ox.Store()
    expected.load(path=str(one), format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(
        Graph().parse(
            data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()),
            format="nt",
        ),
        Graph().parse(
            data=expected.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()),
            format="nt",
        ),
    )


def test_an_exact_match_never_cuts_into_a_larger_structure(tmp_path: Path) -> None:
    """Deleting the molecule ``<s> <p> [ <q> "x" ]`` must not touch ``<s> <p> [ <q> "x" ;
    <r> "more" ]``, which contains it."""
    import pyoxigraph as ox

    old = tmp_path / "old.nt"
    new = tmp_path / "new.nt"
    old.write_text('<urn:s> <urn:p> _:a .\n_:a <urn:q> "x" .\n')
    new.write_text("")
    found = changes(old, new, tmp_path)
    removed = [line for g in found.groups for line in g.removed]
    store = ox.Store()
    store.update(
        'INSERT DATA { <urn:s> <urn:p> _:big . _:big <urn:q> "x" . _:big <urn:r> "more" . }'
    )
    store.update(update.update(removed, []))
    assert len(store) == 3


def test_a_dump_out_of_order_is_sorted_first(pair: Pair, tmp_path: Path) -> None:
    """A build whose treatykg.nt is not in the dumps' order (another tool wrote it, or shuffled
    it) gives the same changeset as the build itself."""
    import random
    import shutil

    shuffled = tmp_path / "shuffled"
    shutil.copytree(pair.new, shuffled)
    lines = (shuffled / "treatykg.nt").read_bytes().splitlines()
    random.Random(7).shuffle(lines)
    (shuffled / "treatykg.nt").write_bytes(b"\n".join(lines) + b"\n")
    found = changes(pair.old, shuffled, tmp_path)
    expected = changes(pair.old, pair.new, tmp_path)
    assert found.groups == expected.groups and found.resources == expected.resources


def test_named_graphs_keep_their_names(tmp_path: Path) -> None:
    """Statements in named graphs (a TriG release) are diffed and updated in their graphs, blank
    nodes included."""
    import pyoxigraph as ox

    old, new = tmp_path / "old.trig", tmp_path / "new.trig"
    old.write_text(
        '<urn:s> <urn:p> "a" .\n'
        '<urn:g> { <urn:s> <urn:p> [ <urn:q> "x" ] . <urn:t> <urn:p> "b" . }\n'
    )
    new.write_text(
        '<urn:s> <urn:p> "a" .\n'
        '<urn:g> { <urn:s> <urn:p> [ <urn:q> "y" ] . <urn:t> <urn:p> "c" . }\n'
    )
    found = changes(old, new, tmp_path)
    assert (found.removed, found.added) == (3, 3)
    removed = [line for g in found.groups for line in g.removed]
    added = [line for g in found.groups for line in g.added]
    store = ox.Store()
    store.load(path=str(old), format=ox.RdfFormat.TRIG)
    store.update(update.update(removed, added))
    expected = ox.Store()
    expected.load(path=str(new), format=ox.RdfFormat.TRIG)

    def named(s: ox.Store) -> Graph:
        data = s.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode("urn:g"))
        return Graph().parse(data=data, format="nt")

    assert isomorphic(named(store), named(expected)) and len(store) == len(expected) == 4
