"""`treatykg load` against a real, writable Oxigraph server (the `oxigraph` CLI from PyPI).

A load streams the dump in chunks into a staging graph per target graph and swaps them in
with one SPARQL Update, so a failure at any point before the swap leaves the target graphs as
they were and no staging graph behind. Every test here talks to a real server on 127.0.0.1;
failures are real too (a dump damaged mid-load, a server killed mid-load, a staging graph
dropped under the loader's feet, Ctrl-C raised from inside the load).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tracemalloc
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from servers import _stop, _wait, free_port, oxigraph_exe
from treatykg.cli import main
from treatykg.errors import InputError, UsageError
from treatykg.sparql import remote

EX = "http://example.org/"


# --- a writable server, and what it holds ---------------------------------------------------


@contextlib.contextmanager
def writable_oxigraph(location: Path | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``oxigraph serve`` (read-write: /store, /query, /update) on a free port; in memory
    (transactional too, and much faster to write than RocksDB) unless given a location."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    where = ["--location", str(location)] if location else []
    process = subprocess.Popen(
        [oxigraph_exe(), "serve", *where, "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base + "/", process)
        yield base, process
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with writable_oxigraph() as (url, _):
        yield url


def select(base: str, query: str) -> list[dict]:
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        f"{base}/query", data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["results"]["bindings"]


def count(base: str, graph: str) -> int:
    rows = select(base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"]["value"])


def staging_left(base: str) -> list[str]:
    rows = select(
        base,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{remote.STAGING_PREFIX}")) }}',
    )
    return [row["g"]["value"] for row in rows]


def canonical(triples: Iterable[ox.Quad | ox.Triple]) -> frozenset[ox.Quad]:
    """The graph in canonical form (blank nodes relabelled from the graph's structure), so
    that two graphs are isomorphic exactly when their canonical forms are equal."""
    dataset = ox.Dataset(quad if isinstance(quad, ox.Quad) else ox.Quad(*quad) for quad in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(dataset)


def fetch(base: str, graph: str) -> frozenset[ox.Quad]:
    """What the store holds in ``graph``, read with a Graph Store GET."""
    url = f"{base}/store?{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return canonical(ox.parse(response.read(), format=ox.RdfFormat.N_TRIPLES))


def put(base: str, graph: str, dump: Path) -> None:
    """Give ``graph`` its 'old' content with one plain Graph Store PUT."""
    url = f"{base}/store?{urllib.parse.urlencode({'graph': graph})}"
    request = urllib.request.Request(
        url,
        data=dump.read_bytes(),
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    urllib.request.urlopen(request, timeout=30).close()


def parsed(dump: Path) -> frozenset[ox.Quad]:
    return canonical(ox.parse(path=str(dump), format=ox.RdfFormat.N_TRIPLES))


# --- dumps ------------------------------------------------------------------------------------


def ntriples(n: int, *, tag: str = "new") -> list[str]:
    """``n`` N-Triples lines whose literals the store keeps as they are (strings, language
    strings, canonical integers). Every 331st triple points to a blank node, which points to
    another; both are described at the end of the file, far from where they are used: a
    loader that split a blank node's triples over two requests would break the graph."""
    lines: list[str] = []
    tails: list[str] = []
    i = 0
    while len(lines) + len(tails) < n:
        s = f"<{EX}{tag}/s{i // 5}>"
        kind = i % 5
        if i % 331 == 0:
            tails += [
                f"_:b{i} <{EX}first> <{EX}item{i}> .",
                f"_:b{i} <{EX}rest> _:c{i} .",
                f'_:c{i} <{EX}note> "nested {i}"@en .',
            ]
            lines.append(f"{s} <{EX}list> _:b{i} .")
        elif kind == 0:
            lines.append(f'{s} <{EX}label> "{tag} label {i}" .')
        elif kind == 1:
            lines.append(f'{s} <{EX}label> "étiquette {i}"@fr .')
        elif kind == 2:
            lines.append(f'{s} <{EX}rank> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .')
        else:
            lines.append(f"{s} <{EX}link> <{EX}{tag}/s{(i * 7) % (n // 5 + 1)}> .")
        i += 1
    return (lines + tails)[:n] if len(lines) + len(tails) > n else lines + tails


def write_build(folder: Path, lines: list[str], name: str = "treatykg.nt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("builds")
    return {
        "old": write_build(root / "old", ntriples(3_000, tag="old")),
        "new": write_build(root / "new", ntriples(20_000)),
    }


def same(stored: frozenset[ox.Quad], dump: frozenset[ox.Quad]) -> bool:
    """Isomorphic: equal canonical forms."""
    return stored == dump


def load(base: str, graph: str, build: Path, *options: str) -> int:
    return main(
        ["load", "--endpoint", f"{base}/store", "--graph", graph, "--build", str(build), *options]
    )


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- a load replaces the graph -----------------------------------------------------------------


def test_a_load_replaces_the_target_graph(
    base: str, builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    graph = "urn:x-test:replace"
    put(base, graph, builds["old"] / "treatykg.nt")
    assert load(base, graph, builds["new"], "--chunk-size", "1000") == 0
    out, err = capsys.readouterr()
    assert out == f"<{graph}>: 20,000 triples sent, 20,000 in the store\n"
    assert "treatykg: 20,000 triples in 1 graph, well-formed" in err
    assert "treatykg: 20,000 of 20,000 triples staged (100%)" in err
    assert "swapping 1 graph in with one update (the store copies 20,000 triples)" in err
    assert err.endswith("treatykg: 1 graph swapped in\n")
    dump = parsed(builds["new"] / "treatykg.nt")
    assert sum(isinstance(quad.object, ox.BlankNode) for quad in dump) > 50
    assert same(fetch(base, graph), dump)  # blank nodes included
    assert staging_left(base) == []


def test_loading_twice_gives_the_same_graph(
    base: str, builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    graph = "urn:x-test:twice"
    assert load(base, graph, builds["new"], "-q") == 0
    first = fetch(base, graph)
    assert load(base, graph, builds["new"], "-q", "--chunk-size", "777") == 0
    second = fetch(base, graph)
    assert len(first) == len(second) == 20_000
    assert first == second
    assert same(second, parsed(builds["new"] / "treatykg.nt"))
    assert capsys.readouterr().err == ""  # -q: no progress
    assert staging_left(base) == []


def test_the_dump_is_staged_in_chunks_then_swapped_at_once(
    base: str, builds: dict[str, Path]
) -> None:
    """While the load runs the target keeps its old triples and the staging graph grows by
    one chunk per request; the swap replaces the target in one step."""
    graph = "urn:x-test:chunks"
    put(base, graph, builds["old"] / "treatykg.nt")
    staging = remote.staging_graph(graph)
    seen: list[tuple[str, int, int, int]] = []

    def watch(event: remote.Progress) -> None:
        seen.append((event.stage, event.sent, count(base, staging), count(base, graph)))

    loaded = remote.push(
        f"{base}/store", builds["new"], graph=graph, chunk_size=1000, progress=watch
    )
    assert loaded == [remote.Loaded(graph, 20_000, None)]
    assert seen[0] == ("checked", 0, 0, 3_000)
    sends = [row for row in seen if row[0] == "sent"]
    assert len(sends) >= 20  # 20,000 triples, 1,000 at a time
    steps = [b[1] - a[1] for a, b in zip([("", 0, 0, 0), *sends], sends, strict=False)]
    assert max(steps) <= 1000
    assert all(stage_count == sent for _, sent, stage_count, _ in sends)  # in the store, staged
    assert all(target == 3_000 for *_, target in sends)  # readers still see the old graph
    assert seen[-2:] == [("swapping", 20_000, 20_000, 3_000), ("swapped", 20_000, 0, 20_000)]
    assert same(fetch(base, graph), parsed(builds["new"] / "treatykg.nt"))


def test_named_graphs_are_swapped_in_together(base: str, tmp_path: Path) -> None:
    release = "urn:x-test:nq-default"
    named = [f"{EX}graph/{n}" for n in ("a", "b")]
    lines = [line for line in ntriples(2_500) if "_:" not in line][:2_000]
    quads = [line[:-1] + f"<{named[i % 2]}> ." for i, line in enumerate(lines[:1_000])]
    build = write_build(tmp_path / "nq", quads + lines[1_000:], "treatykg.nq")
    old = write_build(tmp_path / "old", ntriples(50, tag="old"))
    for graph in (release, *named):
        put(base, graph, old / "treatykg.nt")
    during: list[list[int]] = []

    def watch(event: remote.Progress) -> None:
        if event.stage == "sent":
            during.append([count(base, g) for g in (release, *named)])

    loaded = remote.push(
        f"{base}/store",
        build,
        graph=release,
        query_url=f"{base}/query",
        chunk_size=300,
        progress=watch,
    )
    assert [(item.graph, item.sent, item.stored) for item in loaded] == [
        (named[0], 500, 500),
        (named[1], 500, 500),
        (release, 1_000, 1_000),
    ]
    assert during and all(counts == [50, 50, 50] for counts in during)
    assert staging_left(base) == []


# --- failures leave the target intact ----------------------------------------------------------


def malformed_at(line: int, n: int = 20_000) -> list[str]:
    lines = ntriples(n)
    lines[line - 1] = f"<{EX}broken <{EX}p> <{EX}o> ."
    return lines


def test_a_malformed_dump_is_refused_before_anything_is_sent(
    base: str, builds: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = "urn:x-test:malformed"
    put(base, graph, builds["old"] / "treatykg.nt")
    bad = write_build(tmp_path / "bad", malformed_at(15_000))
    assert load(base, graph, bad, "--chunk-size", "1000") == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"treatykg: error: {bad / 'treatykg.nt'}:15000:")
    assert line.endswith("not sent: the store is unchanged")
    seen: list[remote.Progress] = []
    with pytest.raises(InputError):
        remote.push(f"{base}/store", bad, graph=graph, chunk_size=1000, progress=seen.append)
    assert seen == []  # refused while checking: not even the staging graph was touched
    assert same(fetch(base, graph), parsed(builds["old"] / "treatykg.nt"))
    assert staging_left(base) == []


def test_a_dump_damaged_during_the_load(base: str, builds: dict[str, Path], tmp_path: Path) -> None:
    """The file changes under the loader (same file, bytes overwritten): the second, sending
    pass meets the damage at line 15,000, after chunks were staged."""
    graph = "urn:x-test:damaged-midway"
    put(base, graph, builds["old"] / "treatykg.nt")
    build = write_build(tmp_path / "build", ntriples(20_000))
    dump = build / "treatykg.nt"
    offset = sum(len(line.encode()) + 1 for line in ntriples(20_000)[:14_999])

    def damage(event: remote.Progress) -> None:
        if event.stage == "sent" and event.sent < 1000:
            with open(dump, "r+b") as file:
                file.seek(offset)
                file.write(b"<broken")

    with pytest.raises(InputError) as failure:
        remote.push(f"{base}/store", build, graph=graph, chunk_size=1000, progress=damage)
    message = str(failure.value)
    assert f"{dump}:15000:" in message and "it changed during the load" in message
    assert message.endswith(f"<{graph}> is unchanged, the staging graph dropped")
    assert same(fetch(base, graph), parsed(builds["old"] / "treatykg.nt"))
    assert staging_left(base) == []


def test_a_server_killed_mid_load(tmp_path: Path) -> None:
    """The store (on disk) dies after three chunks: the load stops with one line; once the
    store is back, the target is the old graph, and the next load drops the leftover staging
    graph."""
    graph = "urn:x-test:killed"
    old = write_build(tmp_path / "old", ntriples(300, tag="old"))
    new = write_build(tmp_path / "new", ntriples(3_000))
    location = tmp_path / "store"
    with writable_oxigraph(location) as (url, process):
        put(url, graph, old / "treatykg.nt")

        staged: list[int] = []

        def kill(event: remote.Progress) -> None:
            if event.stage == "sent" and event.sent >= 1_500 and not staged:
                staged.append(event.sent)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)

        with pytest.raises(UsageError) as failure:
            remote.push(f"{url}/store", new, graph=graph, chunk_size=500, progress=kill)
    message = str(failure.value)
    assert "\n" not in message and "cannot reach the store" in message
    assert f"after {staged[0]:,} of 3,000 triples were staged: <{graph}> is unchanged" in message
    assert "could not be dropped (the next load drops it)" in message
    with writable_oxigraph(location) as (url, _):
        assert same(fetch(url, graph), parsed(old / "treatykg.nt"))
        assert staging_left(url) == [remote.staging_graph(graph)]
        assert count(url, remote.staging_graph(graph)) == staged[0]
        remote.push(f"{url}/store", new, graph=graph)
        assert staging_left(url) == []
        assert same(fetch(url, graph), parsed(new / "treatykg.nt"))


def test_a_refused_swap_leaves_the_target(base: str, builds: dict[str, Path]) -> None:
    """The staging graph vanishes before the swap (someone dropped it): MOVE, not SILENT,
    fails in the store instead of emptying the target."""
    graph = "urn:x-test:refused-swap"
    put(base, graph, builds["old"] / "treatykg.nt")
    staging = remote.staging_graph(graph)

    def sabotage(event: remote.Progress) -> None:
        if event.stage == "sent" and event.sent == event.total:
            data = urllib.parse.urlencode({"update": f"DROP GRAPH <{staging}>"}).encode()
            urllib.request.urlopen(f"{base}/update", data=data, timeout=30).close()

    with pytest.raises(UsageError) as failure:
        remote.push(f"{base}/store", builds["new"], graph=graph, progress=sabotage)
    message = str(failure.value)
    assert f"{base}/update: HTTP 500" in message
    assert message.endswith(
        f"the swap was refused: <{graph}> is unchanged, the staging graph dropped"
    )
    assert same(fetch(base, graph), parsed(builds["old"] / "treatykg.nt"))
    assert staging_left(base) == []


def test_ctrl_c_mid_load(base: str, builds: dict[str, Path]) -> None:
    graph = "urn:x-test:interrupted"
    put(base, graph, builds["old"] / "treatykg.nt")

    staged: list[int] = []

    def interrupt(event: remote.Progress) -> None:
        if event.stage == "sent" and event.sent >= 2_000:
            staged.append(event.sent)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as stop:
        remote.push(
            f"{base}/store", builds["new"], graph=graph, chunk_size=1000, progress=interrupt
        )
    assert isinstance(stop.value, remote.LoadInterrupted)
    assert str(stop.value) == (
        f"stopped after {staged[0]:,} of 20,000 triples were staged: <{graph}> is unchanged, "
        "the staging graph dropped"
    )
    assert same(fetch(base, graph), parsed(builds["old"] / "treatykg.nt"))
    assert staging_left(base) == []


def test_ctrl_c_on_the_command_line(base: str, tmp_path: Path) -> None:
    """SIGINT to a real `treatykg load` process: exit 130, one line, target unchanged."""
    graph = "urn:x-test:sigint"
    old = write_build(tmp_path / "old", ntriples(100, tag="old"))
    put(base, graph, old / "treatykg.nt")
    build = write_build(tmp_path / "big", ntriples(100_000))
    exe = Path(sys.executable).with_name("treatykg")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]
    # a small --chunk-size makes the load long enough to interrupt
    process = subprocess.Popen(
        [
            *command,
            "load",
            "--endpoint",
            f"{base}/store",
            "--graph",
            graph,
            "--build",
            str(build),
            "--chunk-size",
            "200",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # A test run started in the background by a shell (`pytest &`, nohup) inherits SIGINT
        # ignored, and Python then never raises KeyboardInterrupt: give the child the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    lines = [process.stderr.readline().decode(), process.stderr.readline().decode()]
    assert "well-formed" in lines[0] and "triples staged" in lines[1], lines
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    *progress, line = err.decode().strip().splitlines()
    assert all(" triples staged (" in shown for shown in progress), err
    assert line.startswith("treatykg: interrupted: stopped after ")
    assert line.endswith(f"<{graph}> is unchanged, the staging graph dropped")
    assert out == b""
    assert same(fetch(base, graph), parsed(old / "treatykg.nt"))
    assert staging_left(base) == []


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--update-endpoint", "{base}/query"], "{base}/query: HTTP 400 Bad Request: "),
        (["--update-url", "{base}/nowhere"], "{base}/nowhere: HTTP 404 Not Found: "),
    ],
    ids=["query-endpoint", "missing"],
)
def test_an_update_endpoint_that_fails_is_found_before_sending(
    base: str,
    builds: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    expected: str,
) -> None:
    graph = "urn:x-test:no-update"
    put(base, graph, builds["old"] / "treatykg.nt")
    assert load(base, graph, builds["new"], *(o.format(base=base) for o in options)) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("treatykg: error: " + expected.format(base=base))
    assert line.endswith("; not sent: the store is unchanged")
    assert count(base, graph) == 3_000


def test_a_store_url_without_a_known_update_endpoint(
    builds: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"http://127.0.0.1:{free_port()}/graphs"
    assert main(["load", "--endpoint", store, "--build", str(builds["new"])]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{store}: give --update-endpoint too" in line


@pytest.mark.parametrize("size", ["0", "-5", "many"])
def test_the_chunk_size_is_a_positive_number(
    builds: dict[str, Path], capsys: pytest.CaptureFixture[str], size: str
) -> None:
    store = f"http://127.0.0.1:{free_port()}/store"
    argv = ["load", "--endpoint", store, "--build", str(builds["new"]), "--chunk-size", size]
    assert main(argv) == 2
    assert "--chunk-size" in capsys.readouterr().err
    with pytest.raises(UsageError, match="at least 1"):
        remote.push(store, builds["new"], chunk_size=0)


def test_an_empty_dump_is_not_loaded(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = write_build(tmp_path / "empty", [])
    assert load(base, "urn:x-test:empty", empty) == 2
    assert "holds no triples; not sent" in one_line(capsys.readouterr().err)


# --- memory -------------------------------------------------------------------------------------


def peak_traced(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_dump_is_streamed_not_held(base: str, tmp_path: Path) -> None:
    """Loading a 100,000-triple dump (9 MB) in chunks of 2,000 never holds more than about a
    chunk: the peak of Python allocations stays far below the dump's size. (Holding the dump
    as pyoxigraph objects, ``list(pyoxigraph.parse(…))`` as the loader once did, peaks at
    about 24 MB, more than the dump itself.)"""
    build = write_build(tmp_path / "big", ntriples(100_000))
    size = (build / "treatykg.nt").stat().st_size
    graph = "urn:x-test:memory"
    peak = peak_traced(lambda: remote.push(f"{base}/store", build, graph=graph, chunk_size=2_000))
    assert count(base, graph) == 100_000
    assert peak < size / 8, (peak, size)


def test_a_body_from_disk_is_sent_again_after_an_auth_challenge(tmp_path: Path) -> None:
    """The blank-node triples go from a temporary file; urllib sends a request again after a
    401 challenge (digest authentication always answers the first request so), and the file
    must then be read from its start again, not sent empty."""
    import http.server
    import tempfile
    import threading

    bodies: list[tuple[bool, bytes]] = []

    class Challenging(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            authorised = self.headers.get("Authorization") is not None
            bodies.append((authorised, body))
            self.send_response(204 if authorised else 401)
            if not authorised:
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Challenging)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/store"
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, [url], "me", "secret")
        opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(manager))
        text = "\n".join(ntriples(2_000)).encode() + b"\n"
        with tempfile.SpooledTemporaryFile(1024) as spool:
            spool.write(text)
            body = remote._Replayable(spool, len(text))
            request = urllib.request.Request(
                url, data=body, method="POST", headers={"Content-Length": str(len(text))}
            )
            remote._http(opener, request, url, 10)
    finally:
        server.shutdown()
    assert bodies == [(False, text), (True, text)]


def test_an_empty_answer_says_the_release_is_in_a_named_graph(
    base: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's load example used to print 0 rows and nothing else: `treatykg load` puts
    the release in its named graph, which Oxigraph's default graph does not include."""
    build = write_build(tmp_path / "build", ntriples(10))
    assert main(["load", "--endpoint", f"{base}/store", "--build", str(build), "-q"]) == 0
    rq = tmp_path / "subjects.rq"
    rq.write_text("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["query", str(rq), "--endpoint", f"{base}/query", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "s"  # the header alone: no rows
    (note,) = [line for line in err.splitlines() if "note:" in line]
    assert f"--default-graph {remote.DEFAULT_GRAPH}" in note and "no rows" in note
    # Following the note gives the rows.
    asked = ["query", str(rq), "--endpoint", f"{base}/query", "--format", "csv",
             "--default-graph", remote.DEFAULT_GRAPH]  # fmt: skip
    assert main(asked) == 0
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 4 and "note:" not in err
