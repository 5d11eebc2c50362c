"""`treatykg query --endpoint` against a real triplestore: the Oxigraph server from PyPI.

The fixture starts `oxigraph serve` on 127.0.0.1 with a free port, loads the session's release
into it over the Graph Store Protocol, and stops it afterwards. Every bundled question must
give the same rows there as on the embedded store.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from shutil import which

import pytest

from sparql_rows import comparable, key
from treatykg.cli import main
from treatykg.sparql import catalogue

CSP = "https://w3id.org/treatykg/eli/treaty/2024/csp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, release: Path) -> Iterator[str]:
    beside_python = Path(sys.executable).with_name("oxigraph")
    exe = str(beside_python) if beside_python.exists() else which("oxigraph")
    assert exe, "the oxigraph server comes with the test extra: pip install '.[test]'"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    location = tmp_path_factory.mktemp("oxigraph-store")
    server = subprocess.Popen(
        [
            exe,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the oxigraph server did not start") from None
                time.sleep(0.05)
        # treatykg load itself, into a named graph; the server reads the union of its graphs
        assert main(["load", "--endpoint", f"{base}/store", "--build", str(release)]) == 0
        yield f"{base}/query"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _rows(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The rows as a sorted list of RDF terms (type, value, language, datatype) per variable."""
    assert main(["query", *args, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    rows = [key(comparable(binding)) for binding in document["results"]["bindings"]]
    return sorted(rows)


COMPETENCY = [q for q in catalogue.bundled() if not q.name.startswith(("qc/", "federated/"))]


@pytest.mark.parametrize("item", COMPETENCY, ids=lambda q: q.name)
def test_same_answers_on_the_triplestore(
    endpoint: str, item: catalogue.Query, capsys: pytest.CaptureFixture[str]
) -> None:
    # a required parameter (sources-of's entity) about the 2024 treaty; the others as written
    params = [
        arg
        for parameter in item.declared
        if parameter.required
        for arg in ("--param", f"{parameter.name}=eli/treaty/2024/csp")
    ]
    embedded = _rows(capsys, item.name, *params)
    remote = _rows(capsys, item.name, "--endpoint", endpoint, *params)
    assert remote == embedded
    assert remote, f"{item.name} returns nothing"


def test_ask_and_construct_on_the_triplestore(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ask = tmp_path / "ask.rq"
    ask.write_text(f"ASK {{ <{CSP}> ?p ?o }}", encoding="utf-8")
    assert main(["query", str(ask), "--endpoint", endpoint]) == 0
    assert capsys.readouterr().out == "true\n"
    construct = tmp_path / "construct.rq"
    construct.write_text(
        f"CONSTRUCT {{ <{CSP}> ?p ?o }} WHERE {{ <{CSP}> ?p ?o }}", encoding="utf-8"
    )
    assert main(["query", str(construct), "--endpoint", endpoint, "--format", "ntriples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 20 and all(line.startswith(f"<{CSP}>") for line in lines)


def test_server_errors_are_one_line(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }", encoding="utf-8")
    assert main(["query", str(bad), "--endpoint", endpoint]) == 2
    err = capsys.readouterr().err
    assert "400" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_load_into_a_stopped_server(release: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"http://127.0.0.1:{_free_port()}/store"
    assert main(["load", "--endpoint", store, "--build", str(release), "--timeout", "5"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the store" in err and "Traceback" not in err


def test_unreachable_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    assert main(["query", "statistics", "--endpoint", url, "--timeout", "5"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err and "Traceback" not in err


def test_user_needs_a_password_from_the_environment(
    endpoint: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TREATYKG_ENDPOINT_PASSWORD", raising=False)
    assert main(["query", "statistics", "--endpoint", endpoint, "--user", "me"]) == 2
    assert "TREATYKG_ENDPOINT_PASSWORD" in capsys.readouterr().err


def _graph_count(endpoint: str, graph: str) -> int:
    data = urllib.parse.urlencode(
        {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}
    ).encode()
    request = urllib.request.Request(
        endpoint, data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


def test_load_is_idempotent_and_checked(
    endpoint: str, release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = sum(1 for line in (release / "treatykg.nt").read_text("utf-8").splitlines() if line)
    store = endpoint.removesuffix("/query") + "/store"
    graph = "urn:x-test:release"
    for _ in range(2):  # a second load replaces the graph: same store afterwards
        assert main(["load", "--endpoint", store, "--graph", graph, "--build", str(release)]) == 0
        out = capsys.readouterr().out
        assert f"{sent:,} triples sent, {sent:,} in the store" in out
        assert _graph_count(endpoint, graph) == sent


def test_a_damaged_build_is_not_sent(
    endpoint: str, release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = endpoint.removesuffix("/query") + "/store"
    graph = "urn:x-test:damaged"
    good = release  # only read: the damaged copy is written beside it, in tmp_path
    assert main(["load", "--endpoint", store, "--graph", graph, "--build", str(good)]) == 0
    before = _graph_count(endpoint, graph)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    lines = (good / "treatykg.nt").read_text("utf-8").splitlines()
    (damaged / "treatykg.nt").write_text("\n".join([*lines[:-1], "<broken"]) + "\n", "utf-8")
    capsys.readouterr()
    assert main(["load", "--endpoint", store, "--graph", graph, "--build", str(damaged)]) == 2
    assert "not sent" in capsys.readouterr().err
    assert _graph_count(endpoint, graph) == before  # the previous graph is intact


def test_describe_on_the_triplestore(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    describe = tmp_path / "describe.rq"
    describe.write_text(f"DESCRIBE <{CSP}/art_4>", encoding="utf-8")
    assert main(["query", str(describe), "--endpoint", endpoint, "--format", "ntriples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) > 5 and all(line.startswith(f"<{CSP}/art_4>") for line in lines)
