"""``treatykg serve`` as users run it: a real process on a loopback socket, real clients.

* SPARQLWrapper, the client a Python user would pick, runs every bundled query against
  /sparql and must get the rows the embedded store gives;
* raw HTTP (http.client sends paths exactly as written, where httpx and browsers would
  normalise them) tries path traversal and broken percent-encodings;
* a runaway query is stopped at the timeout and the next request is answered;
* 16 concurrent clients for 10 seconds over a mix of dereferences, pages and queries get
  no error at all.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from servers import treatykg_server
from sparql_rows import comparable, key
from treatykg.sparql import catalogue, execute

SELECTS = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]
FEDERATED = [q for q in catalogue.bundled() if q.name.startswith("federated/")]
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("logs") / "serve.log"
    # No answer cache: every request here must really reach a query worker.
    options = ("--timeout", "2", "--workers", "2", "--query-cache", "0")
    with treatykg_server(release, *options, log=log) as base:
        yield base


def _rows(document: dict) -> list[str]:
    return sorted(key(comparable(b)) for b in document["results"]["bindings"])


# SPARQLWrapper guesses the query form with a regex that a comment mentioning DESCRIBE fools
# (qc/blank-node-violation); it then sends Accept: */*, and our endpoint rightly answers JSON.
@pytest.mark.filterwarnings("ignore:Sending Accept header")
@pytest.mark.parametrize("item", SELECTS, ids=lambda q: q.name)
def test_sparqlwrapper_gets_the_embedded_answers(
    server: str, release: Path, item: catalogue.Query
) -> None:
    import pyoxigraph as ox

    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(item.text)
    client.setReturnFormat(JSON)
    remote = client.query().convert()
    assert isinstance(remote, dict)
    local = execute.run(item.text, execute.embedded_store(release))
    expected = json.loads(local.serialize(format=ox.QueryResultsFormat.JSON))
    assert remote["head"]["vars"] == expected["head"]["vars"]
    assert _rows(remote) == _rows(expected)


@pytest.mark.parametrize("item", FEDERATED, ids=lambda q: q.name)
def test_federated_queries_are_refused(server: str, item: catalogue.Query) -> None:
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(item.text)
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed) as refused:
        client.query()
    assert "SERVICE" in str(refused.value)


def _raw(server: str, method: str, path: str, body: bytes | None = None, **headers: str):
    host, port = server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/id/..%2f..%2f..%2fetc%2fpasswd",
        "/id/state/prk/../../../manifest.json/../../etc/passwd",
        "/%252e%252e%252fetc%252fpasswd",
        "//etc/passwd",
        "/id/state/..%5c..%5cetc%5cpasswd",
        "/.%2e/.%2e/pyproject.toml",
    ],
)
def test_path_traversal_finds_nothing(server: str, path: str) -> None:
    status, _, body = _raw(server, "GET", path, Accept="text/turtle")
    assert status in (400, 404)
    assert b"root:" not in body and b"[project]" not in body


@pytest.mark.parametrize("path", ["/id/%zz", "/id/state/%ff%fe", "/id/%00", "/id/state/%"])
def test_broken_percent_encoding_is_400(server: str, path: str) -> None:
    status, _, body = _raw(server, "GET", path)
    assert status == 400
    assert b"Traceback" not in body


def test_a_runaway_query_is_stopped_and_the_server_goes_on(server: str) -> None:
    started = time.monotonic()
    data = urllib.parse.urlencode({"query": CROSS_PRODUCT}).encode()
    status, _, body = _raw(
        server,
        "POST",
        "/sparql",
        data,
        Content_Type="application/x-www-form-urlencoded",
        Accept="application/sparql-results+json",
    )
    elapsed = time.monotonic() - started
    assert status == 503, body[:200]
    assert b"timeout" in body.lower() or b"stopped" in body.lower()
    assert elapsed < 10, f"stopped after {elapsed:.1f} s with a 2 s timeout"
    quick = urllib.parse.quote("ASK { ?s ?p ?o }")
    status, _, body = _raw(server, "GET", f"/sparql?query={quick}", Accept="application/json")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_updates_and_huge_bodies_are_refused(server: str) -> None:
    count = urllib.parse.quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")

    def triples() -> int:
        status, _, body = _raw(server, "GET", f"/sparql?query={count}", Accept="application/json")
        assert status == 200
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    before = triples()
    update = b"INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    status, _, _ = _raw(server, "POST", "/sparql", update, Content_Type="application/sparql-update")
    assert status == 403
    status, _, _ = _raw(
        server, "GET", "/sparql?update=" + urllib.parse.quote(update.decode()), Accept="*/*"
    )
    assert status in (403, 400)
    assert triples() == before
    huge = b"query=" + b"%20" * (2 * 1024 * 1024)
    status, _, _ = _raw(
        server, "POST", "/sparql", huge, Content_Type="application/x-www-form-urlencoded"
    )
    assert status == 413


def test_sixteen_clients_for_ten_seconds(server: str) -> None:
    """A bounded load on loopback: every request in the mix must succeed."""
    host, port = server.removeprefix("http://").split(":")
    bundled = [q.text for q in SELECTS[:6]]
    mix: list[tuple[str, str, bytes | None, dict[str, str], int]] = [
        ("GET", "/eli/treaty/2024/csp", None, {"Accept": "text/turtle"}, 303),
        ("GET", "/eli/treaty/2024/csp/art_4.ttl", None, {}, 200),
        ("GET", "/id/person/vladimir-putin.jsonld", None, {}, 200),
        ("GET", "/id/event/2024-06-19-signing.html", None, {}, 200),
        ("GET", "/", None, {}, 200),
        *[
            (
                "POST",
                "/sparql",
                urllib.parse.urlencode({"query": text}).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json",
                },
                200,
            )
            for text in bundled
        ],
    ]
    deadline = time.monotonic() + 10
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def connect(index: int) -> http.client.HTTPConnection:
        # Sixteen clients, sixteen addresses (all of 127/8 is loopback): the endpoint runs
        # one query at a time per client address, as it would for clients on a network.
        return http.client.HTTPConnection(
            host, int(port), timeout=30, source_address=(f"127.0.1.{index + 1}", 0)
        )

    def client(index: int) -> None:
        connection = connect(index)
        turn = index
        local: Counter[str] = Counter()
        try:
            while time.monotonic() < deadline:
                method, path, body, headers, expected = mix[turn % len(mix)]
                turn += 1
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    content = response.read()
                    length = response.getheader("Content-Length")
                    ok = response.status == expected and (
                        length is None or int(length) == len(content)
                    )
                    local["ok" if ok else f"{method} {path} → {response.status}"] += 1
                except (OSError, http.client.HTTPException) as error:
                    local[f"{method} {path} → {type(error).__name__}"] += 1
                    connection.close()
                    connection = connect(index)
        finally:
            connection.close()
            with lock:
                outcomes.update(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = {outcome: n for outcome, n in outcomes.items() if outcome != "ok"}
    assert not errors, errors
    assert outcomes["ok"] > 16 * 10, f"only {outcomes['ok']} requests in 10 s"


def test_the_server_refuses_a_taken_port(release: Path, server: str) -> None:
    from treatykg.cli import main

    port = server.rsplit(":", 1)[1]
    assert main(["serve", "--build", str(release), "--port", port]) == 2


def test_errors_stay_short(server: str) -> None:
    bad = urllib.parse.quote("SELECT ?x WHERE { ?x ?y }")
    status, _, body = _raw(server, "GET", f"/sparql?query={bad}", Accept="application/json")
    assert status == 400
    assert b"Traceback" not in body and b"/site-packages/" not in body
    assert b"line" in body and b"column" in body
    with pytest.raises(SPARQLWrapperException):
        client = SPARQLWrapper(f"{server}/sparql")
        client.setQuery("SELECT ?x WHERE { ?x ?y }")
        client.query()


def test_a_client_that_goes_away_frees_its_worker(release: Path) -> None:
    """A query whose client hung up is killed, not left to run until the timeout: with one
    worker and a 60 s timeout, the next query is answered within seconds."""
    options = ("--workers", "1", "--timeout", "60", "--query-cache", "0", "-q")
    with treatykg_server(release, *options) as server:
        host, port = server.removeprefix("http://").split(":")
        body = urllib.parse.urlencode({"query": CROSS_PRODUCT}).encode()
        with socket.create_connection((host, int(port)), timeout=10) as client:
            client.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            time.sleep(1)  # the query is running in the only worker
        started = time.monotonic()
        quick = urllib.parse.quote("ASK { ?s ?p ?o }")
        status, _, body = _raw(server, "GET", f"/sparql?query={quick}", Accept="application/json")
        assert status == 200, body
        assert time.monotonic() - started < 10
