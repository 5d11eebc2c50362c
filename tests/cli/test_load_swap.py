"""`treatykg load --swap chunked` and the atomic swap's limit, against a real Oxigraph server.

Oxigraph's server holds a transaction's changes in memory, so its one-update atomic swap
grows with the dump (4.4 GB of server memory for a million triples): a dump over
``--atomic-limit`` is refused there before anything is sent. ``--swap chunked`` keeps every
request to a chunk, and pays with atomicity: while a target is replaced, readers see it
incomplete, and its journal graph says so. These tests check what a reader sees at each step,
and that a load killed at any moment (the loader with SIGKILL, the server with SIGKILL, Ctrl-C)
leaves either the old target whole, or an incomplete target that its journal flags and that
running the same load again completes.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import textwrap
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from servers import _stop, _wait, free_port, oxigraph_exe, virtuoso_exe, virtuoso_server
from treatykg.cli import load as load_cli
from treatykg.cli import main
from treatykg.errors import UsageError
from treatykg.sparql import remote

pytestmark = pytest.mark.slow  # every test starts an Oxigraph server

EX = "http://example.org/"
TARGET = "urn:x-test:target"


# --- a writable server and what it holds -------------------------------------------------------


@contextlib.contextmanager
def oxigraph(location: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``oxigraph serve`` on disk (RocksDB, as a user runs it), on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_exe(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/", process)
        yield base, process
    finally:
        _stop(process)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with oxigraph(tmp_path / "store") as (base, _):
        yield base


def ask(base: str, text: str, path: str = "/query") -> dict:
    data = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(
        base + path, data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def count(base: str, graph: str) -> int:
    answer = ask(base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(answer["results"]["bindings"][0]["n"]["value"])


def flagged(base: str, target: str = TARGET) -> bool:
    """What a reader asks to know whether ``target`` is whole: its journal's flag."""
    journal = remote.journal_graph(target)
    text = f"ASK {{ GRAPH <{journal}> {{ <{target}> <{remote.INCOMPLETE}> true }} }}"
    return bool(ask(base, text)["boolean"])


def ours_left(base: str) -> list[str]:
    """Staging and journal graphs still in the store."""
    answer = ask(
        base,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "urn:treatykg:")) } ORDER BY ?g',
    )
    return [row["g"]["value"] for row in answer["results"]["bindings"]]


def canonical(quads: Iterable[ox.Quad | ox.Triple]) -> frozenset[ox.Quad]:
    """The graph with its blank nodes relabelled from its structure: equal when isomorphic."""
    dataset = ox.Dataset(q if isinstance(q, ox.Quad) else ox.Quad(*q) for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(dataset)


def fetch(base: str, graph: str = TARGET) -> frozenset[ox.Quad]:
    url = f"{base}/store?{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return canonical(ox.parse(response.read(), format=ox.RdfFormat.N_TRIPLES))


def parsed(build: Path) -> frozenset[ox.Quad]:
    return canonical(ox.parse(path=str(build / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES))


# --- dumps -------------------------------------------------------------------------------------


def write_build(folder: Path, n: int, tag: str) -> Path:
    """``n`` triples about ``tag``'s subjects; every 97th points to a blank node described at
    the end of the file (a blank node must stay one node through the chunked move)."""
    lines, tails = [], []
    for i in range(n):
        s = f"<{EX}{tag}/s{i // 4}>"
        if i % 97 == 0 and len(lines) + len(tails) + 3 <= n:
            lines.append(f"{s} <{EX}list> _:b{i} .")
            tails += [f'_:b{i} <{EX}first> "{tag} {i}" .', f"_:b{i} <{EX}next> _:b{i + 97} ."]
        elif len(lines) + len(tails) < n:
            lines.append(f'{s} <{EX}label> "{tag} label {i}"@en .')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "treatykg.nt").write_text("\n".join(lines + tails) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def builds(tmp_path: Path) -> dict[str, Path]:
    return {
        "old": write_build(tmp_path / "old", 2_000, "old"),
        "new": write_build(tmp_path / "new", 6_000, "new"),
        "other": write_build(tmp_path / "other", 3_000, "other"),
    }


def load(base: str, build: Path, *options: str) -> int:
    argv = ["load", "--endpoint", f"{base}/store", "--graph", TARGET, "--build", str(build)]
    return main([*argv, *options])


def chunked(base: str, build: Path, *, chunk: int = 500, **options: object) -> list:
    return remote.push(
        f"{base}/store",
        build,
        graph=TARGET,
        query_url=f"{base}/query",
        chunk_size=chunk,
        swap="chunked",
        **options,  # type: ignore[arg-type]
    )


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert lines and "Traceback" not in err, err
    return lines[-1]


# --- the chunked swap ------------------------------------------------------------------------


def test_a_chunked_load_replaces_the_target(
    server: str, builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(server, builds["old"], "-q") == 0
    capsys.readouterr()
    code = load(server, builds["new"], "--swap", "chunked", "--chunk-size", "1000")
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == f"<{TARGET}>: 6,000 triples sent, 6,000 in the store\n"
    assert "treatykg: 6,000 triples in 1 graph, well-formed; staging them" in err
    assert "swapping 1 graph in chunk by chunk (6,000 triples): until it is done" in err
    assert f"<{TARGET}>: 2,000 of 2,000 old triples deleted (100%)" in err
    assert "6,000 of 6,000 triples moved in (100%)" in err
    assert err.endswith("treatykg: 1 graph swapped in\n")
    assert fetch(server) == parsed(builds["new"])  # blank nodes included
    assert ours_left(server) == []
    assert not flagged(server)


def test_what_a_reader_sees_at_each_step(server: str, builds: dict[str, Path]) -> None:
    """Staging: the old target, whole, unflagged. Swap: the target shrinks (old triples
    deleted), then grows (new ones moved in), flagged incomplete throughout; no request
    changes more than a chunk. After: the new target, unflagged."""
    assert load(server, builds["old"], "-q") == 0
    seen: list[tuple[str, int, int, bool]] = []
    staging = remote.staging_graph(TARGET)

    def watch(event: remote.Progress) -> None:
        seen.append((event.stage, count(server, TARGET), count(server, staging), flagged(server)))

    chunked(server, builds["new"], chunk=500, progress=watch)
    stages = [row[0] for row in seen]
    assert stages[0] == "checked" and stages[-1] == "swapped"
    assert all(row[1:] == (2_000, row[2], False) for row in seen if row[0] in ("checked", "sent"))
    assert seen[stages.index("swapping")][1:] == (2_000, 6_000, False)
    cleared = [row for row in seen if row[0] == "cleared"]
    moved = [row for row in seen if row[0] == "moved"]
    assert [row[1] for row in cleared] == list(range(1_500, -1, -500))
    assert [row[1] for row in moved] == list(range(500, 6_001, 500))
    assert all(t + s == 6_000 for _, t, s, _ in moved)  # each triple in one graph, never both
    assert all(row[3] for row in cleared + moved[:-1])  # incomplete, and flagged so
    assert seen[-1] == ("swapped", 6_000, 0, False)
    assert fetch(server) == parsed(builds["new"])


def test_named_graphs_are_replaced_one_after_another(server: str, tmp_path: Path) -> None:
    named = [f"{EX}graph/{n}" for n in ("a", "b")]
    lines = [f'<{EX}s{i}> <{EX}p> "{i}" <{named[i % 2]}> .' for i in range(1_000)]
    lines += [f'<{EX}s{i}> <{EX}p> "{i}" .' for i in range(1_000, 1_500)]
    build = tmp_path / "nq"
    build.mkdir()
    (build / "treatykg.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = chunked(server, build, chunk=200)
    assert [(item.graph, item.sent, item.stored) for item in loaded] == [
        (named[0], 500, 500),
        (named[1], 500, 500),
        (TARGET, 500, 500),
    ]
    assert ours_left(server) == []


def test_chunked_needs_a_query_endpoint(builds: dict[str, Path]) -> None:
    store = f"http://127.0.0.1:{free_port()}/graphs"
    with pytest.raises(UsageError, match="--swap chunked needs --query-endpoint"):
        remote.push(store, builds["new"], update_url=store + "/u", swap="chunked")


# --- killed mid-load ---------------------------------------------------------------------------


KILLER = """
import os, signal, sys
from pathlib import Path
from treatykg.sparql import remote

base, build, stage, after = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def kill(event):
    if event.stage == stage and event.sent >= after:
        os.kill(os.getpid(), signal.SIGKILL)

remote.push(base + "/store", build, graph="urn:x-test:target", query_url=base + "/query",
            chunk_size=500, swap="chunked", progress=kill)
"""


def killed(base: str, build: Path, stage: str, after: int) -> None:
    """Run a chunked load in a process of its own and SIGKILL it once ``stage`` has reported
    ``after`` triples: nothing in the loader gets to clean up."""
    script = textwrap.dedent(KILLER)
    done = subprocess.run(
        [sys.executable, "-c", script, base, str(build), stage, str(after)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()


def test_killed_while_staging_the_target_is_whole(
    server: str, builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(server, builds["old"], "-q") == 0
    killed(server, builds["new"], "sent", 3_000)
    assert fetch(server) == parsed(builds["old"])
    assert not flagged(server)
    assert count(server, remote.staging_graph(TARGET)) >= 3_000
    # The next load empties the leftovers and loads; an atomic one would refuse to.
    assert load(server, builds["new"], "-q") == 2
    assert "finish it with --swap chunked" in one_line(capsys.readouterr().err)
    assert load(server, builds["new"], "-q", "--swap", "chunked") == 0
    assert fetch(server) == parsed(builds["new"])
    assert ours_left(server) == []


@pytest.mark.parametrize(("stage", "after"), [("cleared", 500), ("moved", 2_500)])
def test_killed_during_the_swap_the_same_load_finishes_it(
    server: str,
    builds: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    stage: str,
    after: int,
) -> None:
    assert load(server, builds["old"], "-q") == 0
    killed(server, builds["new"], stage, after)
    capsys.readouterr()
    assert flagged(server)  # readers can tell the target is incomplete
    held = count(server, TARGET)
    assert held < 2_000 if stage == "cleared" else 0 < held < 6_000
    assert load(server, builds["new"], "--swap", "chunked", "--chunk-size", "500") == 0
    out, err = capsys.readouterr()
    assert "well-formed: the same dump as the chunked load that stopped midway; finishing" in err
    assert "staging them" not in err  # not sent again
    assert out == f"<{TARGET}>: 6,000 triples sent, 6,000 in the store\n"
    assert fetch(server) == parsed(builds["new"])  # blank nodes moved in across the kill
    assert ours_left(server) == []
    assert not flagged(server)


def test_killed_during_the_swap_another_dump_starts_anew(
    server: str, builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert load(server, builds["old"], "-q") == 0
    killed(server, builds["new"], "moved", 2_000)
    seen: list[tuple[str, bool]] = []
    chunked(server, builds["other"], progress=lambda e: seen.append((e.stage, flagged(server))))
    # Staged anew, and flagged incomplete all along: the target was a mix before it began.
    assert seen[0] == ("checked", True) and all(flag for _, flag in seen[:-1])
    assert fetch(server) == parsed(builds["other"])
    assert ours_left(server) == []


def test_the_server_killed_during_the_swap(tmp_path: Path, builds: dict[str, Path]) -> None:
    """The store dies mid-swap: one line saying the target is incomplete and how to finish;
    once the store is back, the journal flags the target and the same load completes it."""
    location = tmp_path / "store"
    with oxigraph(location) as (base, process):
        assert load(base, builds["old"], "-q") == 0

        def kill(event: remote.Progress) -> None:
            if event.stage == "moved" and event.sent >= 1_000 and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)

        with pytest.raises(UsageError) as failure:
            chunked(base, builds["new"], progress=kill)
    message = str(failure.value)
    assert "\n" not in message
    assert message.endswith(
        f"the swap stopped midway: <{TARGET}> is incomplete, as its journal says; "
        "load the same dump again with --swap chunked to finish the swap"
    )
    with oxigraph(location) as (base, _):
        assert flagged(base)
        chunked(base, builds["new"])
        assert fetch(base) == parsed(builds["new"])
        assert ours_left(base) == []


def test_ctrl_c_while_staging_empties_the_staging_graph(
    server: str, builds: dict[str, Path]
) -> None:
    assert load(server, builds["old"], "-q") == 0

    def interrupt(event: remote.Progress) -> None:
        if event.stage == "sent" and event.sent >= 2_000:
            raise KeyboardInterrupt

    with pytest.raises(remote.LoadInterrupted) as stop:
        chunked(server, builds["new"], progress=interrupt)
    assert str(stop.value).endswith(f"<{TARGET}> is unchanged, the staging graph emptied")
    assert fetch(server) == parsed(builds["old"])
    assert ours_left(server) == []


def test_a_store_whose_updates_change_nothing_is_an_error_not_an_endless_loop(
    server: str, builds: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load(server, builds["old"], "-q") == 0
    store = remote._Store(
        f"{server}/store", f"{server}/update", f"{server}/query", 30, None, "basic", "graph"
    )
    monkeypatch.setattr(store, "update", lambda text, timeout=None: None)
    with pytest.raises(UsageError, match="still holds triples after the updates"):
        store.empty(TARGET, 500)
    assert count(server, TARGET) == 2_000


# --- the atomic swap's limit ---------------------------------------------------------------------


def test_oxigraph_refuses_an_atomic_swap_over_the_limit(
    server: str,
    builds: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Known by its Server header, Oxigraph's server gets no atomic swap it would have to
    hold in memory beyond the limit: refused before anything is sent."""
    assert load(server, builds["old"], "-q") == 0
    monkeypatch.setattr(remote, "OXIGRAPH_ATOMIC_LIMIT", 5_000)
    assert load(server, builds["new"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("treatykg: error: 6,000 triples are more than --atomic-limit (5,000)")
    assert "Oxigraph/" in line and "--swap chunked" in line
    assert line.endswith("not sent: the store is unchanged")
    assert fetch(server) == parsed(builds["old"])
    assert ours_left(server) == []
    assert load(server, builds["new"], "-q", "--atomic-limit", "6000") == 0  # raised: loads


def test_the_limit_given_applies_to_any_store(server: str, builds: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match=r"6,000 triples are more than --atomic-limit \(10\)"):
        remote.push(f"{server}/store", builds["new"], graph=TARGET, atomic_limit=10)
    assert ours_left(server) == []


def test_the_cli_states_the_limit_it_enforces() -> None:
    assert load_cli.OXIGRAPH_ATOMIC_LIMIT == remote.OXIGRAPH_ATOMIC_LIMIT


# --- Virtuoso: the same SPARQL, another dialect ----------------------------------------------


@pytest.mark.skipif(virtuoso_exe() is None, reason="Virtuoso is not installed")
def test_virtuoso_takes_a_chunked_load(
    tmp_path: Path, builds: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's Virtuoso recipe with --swap chunked: the journal, the chunked deletes and
    moves (subqueries with LIMIT) and the blank nodes all work there too."""
    monkeypatch.setenv(remote.PASSWORD_ENV, "dba")  # a throwaway instance's default account
    with virtuoso_server(tmp_path / "virtuoso") as base:
        recipe = {
            "graph": TARGET,
            "graph_param": "graph-uri",
            "update_url": f"{base}/sparql-auth",
            "query_url": f"{base}/sparql",
            "user": "dba",
            "auth": "digest",
            "chunk_size": 500,
        }
        store = f"{base}/sparql-graph-crud-auth"
        remote.push(store, builds["old"], **recipe)  # type: ignore[arg-type]
        loaded = remote.push(store, builds["new"], swap="chunked", **recipe)  # type: ignore[arg-type]
        assert loaded == [remote.Loaded(TARGET, 6_000, 6_000)]
        answer = ask(
            base,
            "SELECT (COUNT(DISTINCT ?b) AS ?n) (COUNT(DISTINCT ?g) AS ?ours) WHERE { "
            f"{{ GRAPH <{TARGET}> {{ ?s ?p ?b }} FILTER(isBlank(?b)) }} UNION "
            '{ GRAPH ?g { ?x ?y ?z } FILTER(STRSTARTS(STR(?g), "urn:treatykg:")) } }',
            path="/sparql",
        )
        row = answer["results"]["bindings"][0]
        dump = ox.parse(path=str(builds["new"] / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES)
        blank = {t.object for t in dump if isinstance(t.object, ox.BlankNode)}
        assert int(row["n"]["value"]) == len(blank) > 50  # each blank node still one node
        assert int(row["ours"]["value"]) == 0  # no staging or journal graph left
