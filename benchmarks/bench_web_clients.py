"""What serving web developers costs (issue 22): ``@type`` in JSON-LD, and CORS on every answer.

Usage: python benchmarks/bench_web_clients.py [--treaties 440,4400] [--seconds 10] [--quick]

1. **Types as ``@type``.** Every JSON-LD treatykg writes or serves comes from pyoxigraph, which
   writes ``rdf:type`` as an ordinary member; :func:`treatykg.rdf.jsonld_types.types_as_keyword`
   rewrites it in the bytes. For the bundled build and synthetic corpora (``gen_corpus.py``,
   ``--treaties``), the whole graph as one JSON-LD document (what ``CONSTRUCT { ?s ?p ?o }``
   at ``/sparql`` or ``treatykg query --format json`` writes): pyoxigraph's serializer alone,
   the rewrite, and two peers that write ``@type`` themselves, in the same run: the same
   rewrite done by reading the JSON back (``json.loads``, move the member, ``json.dumps``) and
   rdflib's JSON-LD serializer (the naive peer: plain rdflib), on the same triples.
2. **CORS.** ``treatykg serve`` three times: ``--cors`` (the default, ``*``), ``--cors-origin``
   (one origin: ``Vary: Origin``) and ``--no-cors``; wrk at ``--connections`` clients, each
   request with an ``Origin``, on the treaty's Turtle document, a cached ``/sparql`` query and
   a preflight (``OPTIONS``, answered 204 by the middleware; 405 with ``--no-cors``, reported
   as such). Compare rows within one run: wrk and the server share the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serve import TREATY, wrk  # the wrk runner and its report's parser

from servers import treatykg_server  # tests/servers.py starts the server on a free port
from treatykg.publish.build import build
from treatykg.rdf.jsonld_types import types_as_keyword

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ORIGIN = "https://app.example.org"
PREFLIGHT = """wrk.method = "OPTIONS"
wrk.headers["Access-Control-Request-Method"] = "POST"
wrk.headers["Access-Control-Request-Headers"] = "content-type"
"""


def _best(runs: int, action: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``runs`` timings in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def _json_round_trip(text: bytes) -> bytes:
    """The peer rewrite: read every node back, move ``rdf:type`` to ``@type``, write again."""
    nodes = json.loads(text)
    for node in nodes:
        types = node.get(RDF_TYPE)
        if types and all(set(t) == {"@id"} and not t["@id"].startswith("_:") for t in types):
            node["@type"] = [t["@id"] for t in node.pop(RDF_TYPE)]
    return json.dumps(nodes, ensure_ascii=False, separators=(",", ":")).encode()


def corpora(treaties: list[int], scratch: Path) -> list[tuple[str, Path]]:
    """The bundled build's N-Triples, and one generated corpus per size, as N-Triples."""
    dist = scratch / "dist"
    build(dist)
    found = [("bundled build", dist / "treatykg.nt")]
    generator = Path(__file__).resolve().parent / "gen_corpus.py"
    for count in treaties:
        folder = scratch / f"corpus-{count}"
        subprocess.run(
            [sys.executable, str(generator), "--treaties", str(count), "--seed", "1",
             "--out", str(folder)],
            check=True, capture_output=True,
        )  # fmt: skip
        store = ox.Store()
        for path in sorted(folder.glob("*.ttl")):
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        nt = scratch / f"corpus-{count}.nt"
        store.dump(str(nt), ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        found.append((f"{count} synthetic treaties", nt))
    return found


def _measure(name: str, nt: Path, runs: int) -> str:
    """One row of the table: the corpus at ``nt`` written and rewritten, and its peers."""
    triples = list(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
    written, text = _best(runs, lambda: ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    rewrite, rewritten = _best(runs, lambda: types_as_keyword(text))
    peer, round_tripped = _best(runs, lambda: _json_round_trip(text))
    assert json.loads(rewritten) == json.loads(round_tripped), "the two rewrites differ"
    graph = Graph().parse(nt, format="nt")
    peer_runs = 1 if len(triples) > 200_000 else runs  # rdflib takes minutes at a million
    naive, _ = _best(peer_runs, lambda: graph.serialize(format="json-ld"))
    return (
        f"| {name} | {len(triples):,} | {len(text) / 1e6:.1f} | {written * 1000:,.0f} ms "
        f"| {(written + rewrite) * 1000:,.0f} ms | {rewrite * 1000:,.0f} ms "
        f"({rewrite / written:.0%}) | {peer * 1000:,.0f} ms | {naive * 1000:,.0f} ms |"
    )


def run_types(treaties: list[int], runs: int) -> None:
    print("## Types as @type: the whole graph as one JSON-LD document (best of "
          f"{runs} runs)\n")  # fmt: skip
    print("| corpus | triples | MB | pyoxigraph | + rewrite | rewrite | json round trip "
          "| rdflib json-ld |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-web-clients-") as scratch:
        for name, nt in corpora(treaties, Path(scratch)):
            print(_measure(name, nt, runs))
            sys.stdout.flush()
    print()


def run_cors(seconds: int, connections: int) -> None:
    print(f"## CORS on every answer: wrk, {connections} clients, {seconds} s per row, "
          f"Origin: {ORIGIN}\n")  # fmt: skip
    print("| server | request | req/s | p50 ms | p99 ms | status |")
    print("|---|---|---:|---:|---:|---|")
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}, quote_via=urllib.parse.quote)
    modes = [("--cors (default: *)", []), ("--cors-origin", ["--cors-origin", ORIGIN]),
             ("--no-cors", ["--no-cors"])]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-web-clients-") as scratch:
        dist = Path(scratch) / "dist"
        build(dist)
        script = Path(scratch) / "preflight.lua"
        script.write_text(PREFLIGHT, encoding="utf-8")
        for mode, options in modes:
            with treatykg_server(dist, "-q", *options) as base:
                rows = [
                    ("Turtle document", f"{TREATY}.ttl", "text/turtle", None),
                    ("/sparql ASK (cached)", f"/sparql?{query}",
                     "application/sparql-results+json", None),
                    ("preflight OPTIONS /sparql", "/sparql", "*/*", script),
                ]  # fmt: skip
                for label, path, accept, lua in rows:
                    status = _status(base + path, accept, "OPTIONS" if lua else "GET")
                    load = wrk(base + path, accept, seconds=seconds, connections=connections,
                               headers={"Origin": ORIGIN}, script=lua)  # fmt: skip
                    print(f"| {mode} | {label} | {load.cells()} | {status} |")
                    sys.stdout.flush()
    print()


def _status(url: str, accept: str, method: str) -> int:
    """The status one request gets (and warms the server's caches)."""
    import urllib.error
    import urllib.request

    headers = {"Accept": accept, "Origin": ORIGIN}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--treaties", default="440,4400", help="synthetic corpora (440,4400)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per row (10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--runs", type=int, default=5, help="timings per measure, best kept (5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small, 3 s per row")
    args = parser.parse_args()
    treaties = [int(n) for n in args.treaties.split(",") if n.strip()]
    if args.quick:
        treaties, args.seconds, args.runs = [44], 3, 2
    run_types(treaties, args.runs)
    run_cors(args.seconds, args.connections)


if __name__ == "__main__":
    main()
