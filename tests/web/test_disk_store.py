"""The endpoint's store on disk (treatykg.web.endpoint.disk_store): made once per dump, never
half-made, never stale, shared read-only by every worker, behind the same defences.

A synthetic dump of 300,000 triples (20 MB: bulk loading it takes seconds, long enough to kill
a preparation halfway) and the shared release are served with ``in_memory=False``, so that
the store on disk is used whatever their size.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from treatykg.cli import main
from treatykg.web import serve
from treatykg.web.endpoint import SparqlService, disk_store
from treatykg.web.endpoint.pool import stop
from treatykg.web.endpoint.worker import Job
from treatykg.web.serve import Settings, create_app

TRIPLES = 300_000
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def write_dump(path: Path, triples: int, tag: str = "") -> Path:
    """A dump of ``triples`` distinct triples (``tag`` makes another one of the same size)."""
    with open(path, "w", encoding="utf-8") as out:
        for i in range(triples):
            out.write(
                f'<http://example.org/s{i // 10}> <http://example.org/p{i % 10}> "v{tag}{i}" .\n'
            )
    return path


def write_manifest(dump: Path) -> None:
    """A build's manifest.json beside ``dump`` that lists it, as ``treatykg build`` writes."""
    entry = {
        "name": dump.name,
        "bytes": dump.stat().st_size,
        "sha256": hashlib.sha256(dump.read_bytes()).hexdigest(),
    }
    (dump.parent / "manifest.json").write_text(json.dumps({"files": [entry]}), encoding="utf-8")


def stores(directory: Path) -> list[Path]:
    """The stores a server could open in ``directory`` (not the lock files or partial ones)."""
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))


def triples_in(store: Path) -> int:
    return int(next(iter(ox.Store.read_only(str(store)).query(COUNT)))[0].value)


def app(service: SparqlService) -> Starlette:
    methods = ["GET", "POST", "HEAD", "PUT", "DELETE"]
    return Starlette(routes=[Route("/sparql", service.handle, methods=methods)])


def ask(client: TestClient, text: str, **params: str) -> Any:
    return client.get("/sparql", params={"query": text, **params})


def status(pid: int) -> dict[str, int]:
    """A process's memory figures from /proc, in KiB."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as lines:
        for line in lines:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                found[name] = int(value.split()[0])
    return found


def open_files(pid: int, folder: Path) -> dict[str, int]:
    """The files under ``folder`` that process ``pid`` has open, with their open flags."""
    found = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as info:
                flags = next(int(line.split()[1], 8) for line in info if line.startswith("flags"))
        except OSError:  # closed meanwhile
            continue
        if target.startswith(str(folder)):
            found[target] = flags
    return found


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file of a store with its size and modification time."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dump = write_dump(tmp_path_factory.mktemp("dump") / "treatykg.nt", TRIPLES)
    write_manifest(dump)
    return dump


@pytest.fixture(scope="module")
def on_disk(
    release: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SparqlService, TestClient]]:
    """The release from a store on disk: one worker (no spare), 3 s per query, a 64 MiB
    memory budget, no cache."""
    served = SparqlService(
        release / "treatykg.nt",
        workers=1,
        spares=0,
        timeout=3,
        queue_timeout=0.2,
        memory_limit=64 * 1024 * 1024,
        cache_bytes=0,
        warm=False,
        in_memory=False,
        store=tmp_path_factory.mktemp("stores"),
    )
    served.start()
    with TestClient(app(served)) as client:
        yield served, client
    served.close()


def wait_idle(service: SparqlService, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while service.idle < 1:
        assert time.monotonic() < deadline, "the worker did not come back"
        time.sleep(0.05)


# --- one store, shared, read-only ---------------------------------------------------------------


def test_workers_share_one_store_opened_read_only(dump: Path, tmp_path: Path) -> None:
    on_disk = SparqlService(dump, workers=2, warm=False, in_memory=False, store=tmp_path)
    in_memory = SparqlService(dump, workers=1, spares=0, warm=False, in_memory=True)
    try:
        on_disk.start()
        in_memory.start()
        (store,) = stores(tmp_path)
        before = listing(store)
        with TestClient(app(on_disk)) as client:
            for _ in range(4):  # on every worker, more than once
                response = ask(client, COUNT + " # " + str(time.monotonic_ns()))
                assert response.json()["results"]["bindings"][0]["n"]["value"] == str(TRIPLES)
        workers = list(on_disk.pool.members)
        assert len(workers) == 3  # two workers and the spare
        (copy,) = in_memory.pool.members
        kib = status(copy.process.pid)["RssAnon"] - status(workers[0].process.pid)["RssAnon"]
        for worker in workers:
            opened = open_files(worker.process.pid, store)
            assert any(name.endswith(".sst") for name in opened), opened
            assert all(flags & os.O_ACCMODE == os.O_RDONLY for flags in opened.values()), opened
        # Each worker on disk holds less than the dump's size of memory of its own, where a
        # worker that loaded it holds that and more.
        assert kib * 1024 > dump.stat().st_size
        assert on_disk.triples == TRIPLES and not on_disk.named_graphs
        assert listing(store) == before  # nothing was written into the store
    finally:
        on_disk.close()
        in_memory.close()


def test_small_dumps_stay_in_memory_unless_told(release: Path, tmp_path: Path) -> None:
    dump = release / "treatykg.nt"
    assert dump.stat().st_size < 1_000_000
    assert not SparqlService(dump).on_disk
    assert SparqlService(dump, store=tmp_path).on_disk
    assert SparqlService(dump, in_memory=False).on_disk
    assert not SparqlService(dump, store=tmp_path, in_memory=True).on_disk


# --- made once, never stale, never half-made ------------------------------------------------------


def test_a_store_is_made_once_and_found_again(dump: Path, tmp_path: Path) -> None:
    assert disk_store.find_store(dump, tmp_path) is None
    made = disk_store.prepare_store(dump, tmp_path)
    assert disk_store.find_store(dump, tmp_path) == made
    assert disk_store.read_info(made) == disk_store.StoreInfo(TRIPLES, False)
    started = time.perf_counter()
    assert disk_store.prepare_store(dump, tmp_path) == made
    assert time.perf_counter() - started < 1  # found, not bulk loaded again
    assert stores(tmp_path) == [made]
    assert triples_in(made) == TRIPLES


def test_a_new_dump_never_opens_the_old_store(tmp_path: Path) -> None:
    build = tmp_path / "dist"
    build.mkdir()
    dump = write_dump(build / "treatykg.nt", 1000)
    write_manifest(dump)
    old = disk_store.prepare_store(dump, tmp_path / "stores")
    # a new build: same file, same size, other triples, its manifest rewritten
    write_dump(dump, 1000, tag="x")
    write_manifest(dump)
    new = disk_store.prepare_store(dump, tmp_path / "stores")
    assert new != old
    assert sorted(stores(tmp_path / "stores")) == sorted([old, new])
    store = ox.Store.read_only(str(new))
    assert store.query('ASK { ?s ?p "vx1" }') and not store.query('ASK { ?s ?p "v1" }')
    # a dump changed after its manifest was written (another size): checksummed itself
    write_dump(dump, 1001)
    assert disk_store.dump_checksum(dump) == hashlib.sha256(dump.read_bytes()).hexdigest()
    third = disk_store.prepare_store(dump, tmp_path / "stores")
    assert third not in (old, new) and triples_in(third) == 1001


def test_the_checksum_comes_from_the_manifest(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "treatykg.nt", 10)
    write_manifest(dump)
    listed = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    listed["files"][0]["sha256"] = "ab" * 32  # what the build says is what counts
    (tmp_path / "manifest.json").write_text(json.dumps(listed), encoding="utf-8")
    assert disk_store.dump_checksum(dump) == "ab" * 32
    (tmp_path / "manifest.json").unlink()
    assert disk_store.dump_checksum(dump) == hashlib.sha256(dump.read_bytes()).hexdigest()


def test_a_killed_preparation_leaves_no_store_that_is_used(dump: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from treatykg.web.endpoint.disk_store import prepare_store; "
        "prepare_store(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(dump), str(tmp_path)])
    try:
        deadline = time.monotonic() + 30
        while not any(any(p.iterdir()) for p in tmp_path.glob(f"*{disk_store.PARTIAL}")):
            assert child.poll() is None, "the preparation ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)  # halfway through the bulk load
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert stores(tmp_path) == []  # only the partial one, which nothing opens
    assert disk_store.find_store(dump, tmp_path) is None
    assert list(tmp_path.glob(f"*{disk_store.PARTIAL}"))
    # The next start is not blocked by the dead builder's lock, removes its leftovers and
    # makes a whole store.
    made = disk_store.prepare_store(dump, tmp_path)
    assert stores(tmp_path) == [made]
    assert not list(tmp_path.glob(f"*{disk_store.PARTIAL}"))
    assert triples_in(made) == TRIPLES


def test_servers_starting_together_make_one_store(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "treatykg.nt", 50_000)
    made: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: made.append(disk_store.prepare_store(dump, tmp_path / "stores"))
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 3 and len(set(made)) == 1
    assert stores(tmp_path / "stores") == [made[0]]
    assert triples_in(made[0]) == 50_000


def test_a_broken_dump_makes_no_store(tmp_path: Path) -> None:
    dump = tmp_path / "treatykg.nt"
    dump.write_text('<http://x/a> <http://x/b> "c" .\n<http://x/a> <http://x/b> .\n')
    with pytest.raises(SyntaxError):
        disk_store.prepare_store(dump, tmp_path / "stores")
    assert not list((tmp_path / "stores").iterdir())[1:]  # the lock file only
    assert stores(tmp_path / "stores") == []


# --- the same defences on disk ------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"query": "INSERT DATA { <http://x/a> <http://x/b> 1 }"}},
        {"method": "POST", "data": {"update": "DELETE WHERE { ?s ?p ?o }"}},
        {
            "method": "POST",
            "content": b"CLEAR ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
    ],
    ids=["query", "update", "direct"],
)
def test_updates_are_refused_and_the_store_is_unchanged(
    on_disk: tuple[SparqlService, TestClient], request_kwargs: dict[str, Any]
) -> None:
    service, client = on_disk
    store = Path(service.source().path)
    before = listing(store)
    response = client.request(url="/sparql", **request_kwargs)
    assert response.status_code == 403
    assert ask(client, COUNT).json()["results"]["bindings"][0]["n"]["value"] == str(service.triples)
    assert listing(store) == before


def test_a_runaway_query_on_disk_is_stopped_and_replaced_at_once(
    on_disk: tuple[SparqlService, TestClient],
) -> None:
    service, client = on_disk
    wait_idle(service)
    restarts = service.restarts
    assert ask(client, CROSS).status_code == 503
    started = time.monotonic()
    wait_idle(service)
    # opening the store is all a new worker does: no dump to load
    assert time.monotonic() - started < 5
    assert service.restarts == restarts + 1
    assert ask(client, "ASK {}").status_code == 200


def test_the_memory_cap_holds_on_disk(on_disk: tuple[SparqlService, TestClient]) -> None:
    service, client = on_disk
    wait_idle(service)
    response = ask(client, "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?c ?f ?d")
    assert response.status_code == 500
    assert "ran out of memory" in response.text
    wait_idle(service)
    assert ask(client, "ASK {}").status_code == 200


def test_a_worker_on_disk_has_no_network(on_disk: tuple[SparqlService, TestClient]) -> None:
    service, _ = on_disk
    if not service.network_isolated:
        pytest.skip("this kernel does not let the worker leave the host's network")
    canary = socket.socket()
    canary.bind(("127.0.0.1", 0))
    canary.listen(8)
    canary.setblocking(False)
    worker = service.pool.spawn()  # driven directly, past the checks that refuse SERVICE
    try:
        service.pool.await_ready(worker)
        url = f"http://127.0.0.1:{canary.getsockname()[1]}/sparql"
        text = f"SELECT * {{ BIND(1 AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}"
        worker.conn.send(Job(text, (), (), False, "JSON", 1 << 20))
        assert worker.conn.poll(10)
        assert worker.conn.recv()[0] == "error"
        with pytest.raises(BlockingIOError):
            canary.accept()
    finally:
        stop(worker)
        canary.close()


# --- start-up ---------------------------------------------------------------------------------


def test_the_warm_up_goes_on_after_start(release: Path) -> None:
    service = SparqlService(release / "treatykg.nt", workers=1, warm_wait=0)
    try:
        service.start()
        deadline = time.monotonic() + 30
        while not service.warm_seconds:
            assert time.monotonic() < deadline, "the warm-up did not end"
            time.sleep(0.05)
        assert len(service.warmed) > 50
        assert len(service.pool.members) == 2  # its own process is gone again
    finally:
        service.close()


def test_closing_during_the_warm_up_stops_it(release: Path) -> None:
    service = SparqlService(release / "treatykg.nt", workers=1, warm_wait=0)
    service.start()
    service.close()
    assert service._warm_up is not None and not service._warm_up.is_alive()
    assert not service.pool.members


def test_start_and_sparql_answers_never_read_the_pages_graph(release: Path) -> None:
    """The pages' rdflib graph of the whole dataset (gigabytes at ten million triples) is
    read on the first page, never at start-up nor for a SPARQL answer in a data format."""
    application = create_app(Settings(build=release))
    documents = application.state.documents
    with TestClient(application) as client:
        assert client.get("/sparql", params={"query": COUNT}).status_code == 200
        assert client.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200
        assert client.get("/context.jsonld").status_code == 200
        assert "graph" not in vars(documents)
        assert client.get("/").status_code == 200  # a page does read it
        assert "graph" in vars(documents)


def test_serve_says_when_it_makes_a_store_first(release: Path, tmp_path: Path) -> None:
    notes: list[str] = []
    for _ in range(2):
        service = SparqlService(release / "treatykg.nt", store=tmp_path)
        serve.prepare(service, notes.append)
        assert Path(service.source().path).parent == tmp_path
    assert len(notes) == 1 and "once for this build" in notes[0]
    serve.prepare(SparqlService(release / "treatykg.nt"), notes.append)  # in memory
    assert len(notes) == 1


def test_prepare_store_from_the_command_line(
    release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "dist"
    shutil.copytree(release, build)
    assert main(["serve", "--build", str(build), "--prepare-store", "--store", str(tmp_path)]) == 0
    made = Path(capsys.readouterr().out.strip())
    assert made.parent == tmp_path and (made / disk_store.INFO).is_file()
    assert disk_store.read_info(made).triples == triples_in(made) > 3000
    assert main(["serve", "--build", str(build), "--in-memory", "--store", str(tmp_path)]) == 2
    assert "--in-memory" in capsys.readouterr().err
