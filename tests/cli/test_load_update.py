"""`treatykg load --update`: a changeset applied to a real store gives exactly the new release.

On the Oxigraph server (``oxigraph serve``, from PyPI) and on Virtuoso (Debian's), loaded by
``treatykg load`` as a user would: the old release is loaded, the changeset applied, and the
graph compared, as an RDF graph (isomorphism: blank nodes are the store's own), with the new
release loaded into the same kind of store. A refused changeset leaves the graph exactly as
it was, and an unreachable store is one line on stderr.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from changed_release import Pair
from servers import _stop, _wait, free_port, oxigraph_exe, virtuoso_exe, virtuoso_server
from treatykg.changes import patch
from treatykg.changes.diff import Changeset, diff
from treatykg.changes.releases import open_side
from treatykg.cli import main
from treatykg.sparql import remote

TARGET = "urn:x-test:release"
NEW = "urn:x-test:new-release"


@contextlib.contextmanager
def oxigraph(location: Path) -> Iterator[str]:
    """``oxigraph serve`` on disk, writable, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_exe(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/", process)
        yield base
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def changeset(pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> Changeset:
    work = tmp_path_factory.mktemp("diff")
    return diff(open_side(str(pair.old), work), open_side(str(pair.new), work))


@pytest.fixture(scope="module")
def changes(changeset: Changeset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The changeset old → new, as `treatykg diff --rdf-patch` writes it."""
    path = tmp_path_factory.mktemp("load-update") / "changes.rdfp"
    path.write_bytes(patch.write(changeset))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["load", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, captured.out, captured.err


def constructed(query_url: str, graph: str) -> Graph:
    """The graph as the store's SPARQL endpoint gives it (CONSTRUCT, N-Triples)."""
    text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        query_url,
        data=urllib.parse.urlencode({"query": text}).encode(),
        headers={"Accept": "application/n-triples"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return Graph().parse(data=response.read(), format="nt")


def lines(query_url: str, graph: str) -> list[str]:
    """The graph's statements as the store writes them, sorted: the same list, the same graph
    (the store keeps its blank nodes' identities)."""
    text = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        query_url,
        data=urllib.parse.urlencode({"query": text}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


def ours_left(query_url: str) -> list[str]:
    """Graphs of treatykg's own (scratch, marker, staging) still in the store."""
    text = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "urn:treatykg:")) }'
    )
    request = urllib.request.Request(
        query_url,
        data=urllib.parse.urlencode({"query": text}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return [row["g"]["value"] for row in json.load(response)["results"]["bindings"]]


def one_line(err: str) -> str:
    shown = err.strip().splitlines()
    assert len(shown) == 1, err
    return shown[0]


# --- the Oxigraph server -------------------------------------------------------------------------


def test_oxigraph_server_gets_exactly_the_new_release(
    pair: Pair,
    changeset: Changeset,
    changes: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before, after = changeset.before, changeset.after
    with oxigraph(tmp_path / "store") as base:
        store = ["--endpoint", f"{base}/store", "--graph", TARGET]
        assert run(capsys, *store, "--build", str(pair.old), "-q")[0] == 0
        code, out, err = run(capsys, *store, "--update", str(changes))
        assert code == 0, err
        assert out == (
            f"<{TARGET}>: {before:,} → {after:,} triples, release 0.1.0 → 0.2.0 (20 statements "
            "deleted, 20 added)\n"
        )
        assert err.splitlines()[0] == (
            "treatykg: changeset 0.1.0 → 0.2.0: 20 statements to delete, 20 to add"
        )
        assert "staging 26 statements in scratch graphs" in err
        assert err.endswith(
            f"treatykg: applied: <{TARGET}> holds {after:,} triples, as release 0.2.0 has\n"
        )
        loaded = ["--endpoint", f"{base}/store", "--graph", NEW, "--build", str(pair.new), "-q"]
        assert run(capsys, *loaded)[0] == 0
        applied, new = constructed(f"{base}/query", TARGET), constructed(f"{base}/query", NEW)
        assert len(applied) == len(new) == after and isomorphic(applied, new)
        assert ours_left(f"{base}/query") == []

        # again: refused, nothing changed
        before = lines(f"{base}/query", TARGET)
        code, out, err = run(capsys, *store, "--update", str(changes), "-q")
        assert code == 1 and out == ""
        assert "already holds what the changeset gives" in one_line(err)
        assert lines(f"{base}/query", TARGET) == before


def test_a_build_directory_applies_its_own_changeset(
    pair: Pair, changes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build"
    shutil.copytree(pair.new, build)
    code, _, err = run(capsys, "--endpoint", "http://127.0.0.1:9/store", "--update", str(build))
    assert code == 2
    assert one_line(err) == (
        f"treatykg: error: {build}: the build holds no changeset changes-0.2.0.rdfp (a build "
        "writes it with --previous): give the .rdfp file"
    )
    shutil.copy(changes, build / "changes-0.2.0.rdfp")
    with oxigraph(tmp_path / "store") as base:
        store = ["--endpoint", f"{base}/store", "--graph", TARGET]
        assert run(capsys, *store, "--build", str(pair.old), "-q")[0] == 0
        assert run(capsys, *store, "--update", str(build), "-q")[0] == 0
        new = ["--endpoint", f"{base}/store", "--graph", NEW, "--build", str(pair.new), "-q"]
        assert run(capsys, *new)[0] == 0
        assert isomorphic(constructed(f"{base}/query", TARGET), constructed(f"{base}/query", NEW))


def test_a_refused_changeset_leaves_the_graph_as_it_was(
    pair: Pair,
    changeset: Changeset,
    changes: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with oxigraph(tmp_path / "store") as base:
        store = ["--endpoint", f"{base}/store", "--graph", TARGET]
        assert run(capsys, *store, "--build", str(pair.old), "-q")[0] == 0
        request = urllib.request.Request(
            f"{base}/update",
            data=urllib.parse.urlencode(
                {"update": f'INSERT DATA {{ GRAPH <{TARGET}> {{ <urn:x-test:s> <urn:p> "x" }} }}'}
            ).encode(),
        )
        urllib.request.urlopen(request, timeout=30).close()
        before = lines(f"{base}/query", TARGET)
        code, out, err = run(capsys, *store, "--update", str(changes))
        assert code == 1 and out == ""
        assert err.splitlines()[-1] == (
            f"treatykg: error: not applied: <{TARGET}> holds {changeset.before + 1:,} triples, "
            f"but the changeset applies to a release of {changeset.before:,} (0.1.0): nothing "
            "changed"
        )
        assert lines(f"{base}/query", TARGET) == before
        assert ours_left(f"{base}/query") == []


def test_an_unreachable_store_is_one_line(
    changes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens there
    code, out, err = run(
        capsys, "--endpoint", f"http://127.0.0.1:{port}/store", "--update", str(changes), "-q"
    )
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith(
        f"treatykg: error: http://127.0.0.1:{port}/query: cannot reach the store"
    )
    assert line.endswith("not sent: nothing changed")


# --- Virtuoso ------------------------------------------------------------------------------------


@pytest.mark.skipif(virtuoso_exe() is None, reason="Virtuoso is not installed")
def test_virtuoso_gets_exactly_the_new_release(
    pair: Pair,
    changeset: Changeset,
    changes: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README's Virtuoso recipe, with --update: the guarded update, its scratch graphs
    (staged with the Graph Store Protocol) and the blank-node molecule all work there too."""
    monkeypatch.setenv(remote.PASSWORD_ENV, "dba")  # a throwaway instance's default account
    with virtuoso_server(tmp_path / "virtuoso") as base:
        recipe = [
            "--endpoint", f"{base}/sparql-graph-crud-auth", "--graph-param", "graph-uri",
            "--update-endpoint", f"{base}/sparql-auth", "--query-endpoint", f"{base}/sparql",
            "--user", "dba", "--auth", "digest",
        ]  # fmt: skip
        assert run(capsys, *recipe, "--graph", TARGET, "--build", str(pair.old), "-q")[0] == 0
        assert run(capsys, *recipe, "--graph", NEW, "--build", str(pair.new), "-q")[0] == 0
        code, out, err = run(capsys, *recipe, "--graph", TARGET, "--update", str(changes))
        assert code == 0, err
        before, after = changeset.before, changeset.after
        assert out.startswith(f"<{TARGET}>: {before:,} → {after:,} triples, release 0.1.0 → 0.2.0")
        applied = constructed(f"{base}/sparql", TARGET)
        new = constructed(f"{base}/sparql", NEW)
        assert len(applied) == len(new) == after and isomorphic(applied, new)
        assert ours_left(f"{base}/sparql") == []

        before = lines(f"{base}/sparql", TARGET)
        code, _, err = run(capsys, *recipe, "--graph", TARGET, "--update", str(changes), "-q")
        assert code == 1 and "already holds what the changeset gives" in one_line(err)
        assert lines(f"{base}/sparql", TARGET) == before
