"""A web developer's JavaScript tools read what treatykg publishes: N3.js, jsonld.js, Comunica.

The web developers the framed view and the CORS headers are for use JavaScript, not rdflib:
so a build and ``treatykg serve`` are read here by the three libraries they would reach for,
in Node, pinned in ``tests/js/package.json`` (lock file committed; Node 22 itself comes from
npm's ``node`` package, since Comunica 5 needs Node >= 22 and Debian has 20):

- **N3.js** parses every Turtle and N-Triples file of a build strictly (a format given to
  its parser: no N3 extensions), and its triples are the same graph as rdflib's;
- **jsonld.js** expands ``treatykg.jsonld`` to the same graph as ``treatykg.nt``, compacts it
  with the published context and frames it by type: the treaty comes back with its 23
  articles, and no node keeps an ``rdf:type`` key. It never fetches a context: its document
  loader serves the build's ``context.jsonld`` for the context's URL and refuses anything else;
- **Comunica** runs every bundled query (the federated ones need the internet) over the
  Turtle dump and over the served ``/sparql``, and gets the embedded store's rows, compared as
  RDF terms the way tests/sparql/test_engine_matrix.py compares other engines'.

``.ci/run`` installs the npm project (``npm ci --prefix tests/js``). Without it
(``tests/js/node_modules`` missing) the module skips on a developer's machine, and only
there: when ``CI`` is set it fails instead, so that CI never reports a skip for a client
nobody ran. Nodes' scripts print JSON; every judgement is made here, in Python.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from servers import treatykg_server
from sparql_rows import XSD, comparable, expected_rows, key
from treatykg import resources
from treatykg.publish.jsonld import CONTEXT_URL

HERE = Path(__file__).resolve().parent
NODE = HERE / "node_modules" / ".bin" / "node"
CLIENT = HERE / "client.mjs"

if not (HERE / "node_modules").is_dir() and not os.environ.get("CI"):
    pytest.skip(
        "the JavaScript client is not installed: npm ci --prefix tests/js (.ci/run does; "
        "with CI set this fails instead of skipping)",
        allow_module_level=True,
    )

QUERIES = [p for p in resources.query_files() if p.parent.name != "federated"]
TREATY = "https://w3id.org/treatykg/eli/treaty/2024/csp"
#: Comunica over the dump keeps a literal's datatype as written (xsd:nonNegativeInteger), as
#: Virtuoso and Jena do; the embedded store answers xsd:integer. Where, by query and column:
#: the list is exact, so a new difference fails.
DECLARED_DATATYPES = {
    ("claims", "value"): XSD + "nonNegativeInteger",
    ("claims-by-agent", "value"): XSD + "nonNegativeInteger",
    ("contested-facts", "value"): XSD + "nonNegativeInteger",
    ("troop-figures", "value"): XSD + "nonNegativeInteger",
}
INTEGER_DERIVED = {
    XSD + name
    for name in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                 "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
                 "unsignedInt", "unsignedShort", "unsignedByte")
}  # fmt: skip


def _node(*args: str, timeout: float = 600) -> Any:
    """Run client.mjs with the npm project's Node; its JSON answer."""
    assert NODE.exists(), f"{NODE} is missing: npm ci --prefix tests/js (as .ci/run does)"
    done = subprocess.run(
        [str(NODE), str(CLIENT), *args],
        capture_output=True, text=True, timeout=timeout, cwd=HERE,
    )  # fmt: skip
    assert done.returncode == 0, f"node client.mjs {args[0]}: {done.stderr[-3000:]}"
    return json.loads(done.stdout)


def _graph(path: Path, format: str) -> Graph:
    graph = Graph()
    graph.parse(path, format=format)
    return graph


def test_n3js_parses_every_turtle_and_ntriples_file_strictly(release: Path, tmp_path: Path) -> None:
    files = sorted([*release.glob("*.ttl"), *release.glob("*.nt")])
    assert {"treatykg.ttl", "treatykg.nt", "void.ttl"} <= {path.name for path in files}
    counts = _node("n3", str(tmp_path), *map(str, files))
    assert set(counts) == {path.name for path in files}
    for path in files:
        ours = _graph(path, "nt" if path.suffix == ".nt" else "turtle")
        theirs = _graph(tmp_path / f"{path.name}.nt", "nt")
        assert counts[path.name] == len(ours), path.name
        assert isomorphic(ours, theirs), f"N3.js reads another graph from {path.name}"


@pytest.fixture(scope="module")
def jsonld_answer(release: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("jsonld")
    answer = _node("jsonld", str(release / "treatykg.jsonld"), str(release / "context.jsonld"),
                   CONTEXT_URL, str(out))  # fmt: skip
    return answer, out


def test_jsonldjs_expands_the_dump_to_the_graph_of_the_ntriples(
    release: Path, jsonld_answer: tuple[dict, Path]
) -> None:
    _answer, out = jsonld_answer
    theirs = _graph(out / "expanded.nq", "nquads")
    ours = _graph(release / "treatykg.nt", "nt")
    assert len(theirs) == len(ours)
    assert isomorphic(ours, theirs)


def test_jsonldjs_frames_the_treaty_by_type_with_its_23_articles(
    jsonld_answer: tuple[dict, Path],
) -> None:
    """Compacted with the published context, a node's types are under ``type`` (never an
    ``rdf:type`` key), so a frame by type finds the treaty: framing by type is what fails
    silently, with no result and no error, when types are written as an ordinary property."""
    answer, _out = jsonld_answer
    assert answer["rdfTypeKeys"] == 0, f"{answer['rdfTypeKeys']} nodes keep an rdf:type key"
    assert answer["typeKeys"] > 0
    treaties = {treaty["id"]: treaty for treaty in answer["treaties"]}
    assert TREATY in treaties, f"the frame by type found {sorted(treaties)}"
    articles = treaties[TREATY]["articles"]
    assert len(articles) == 23
    # One number an article; the context may declare it a set (then it is a one-item list).
    numbers = [article["number"] for article in articles]
    numbers = [n[0] if isinstance(n, list) and len(n) == 1 else n for n in numbers]
    assert sorted(int(n) for n in numbers) == list(range(1, 24)), numbers


# --- Comunica -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(release: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(release / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="module")
def served(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with treatykg_server(release, log=log) as base:
        yield base


def _by_value(name: str, rows: list[dict[str, Any]], seen: dict[tuple[str, str], str]) -> list:
    """Rows as sorted keys, integer-derived datatypes written xsd:integer (and recorded)."""
    out = []
    for row in rows:
        row = comparable(row)
        for column, term in row.items():
            if term.get("datatype") in INTEGER_DERIVED:
                seen[(name, column)] = term["datatype"]
                term["datatype"] = XSD + "integer"
        out.append(row)
    return sorted(key(row) for row in out)


def _verdicts(
    answers: dict[str, Any], embedded: ox.Store
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """same / differs / error for each bundled query; the declared datatypes seen."""
    verdicts: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for path in QUERIES:
        name = path.relative_to(resources.resource_dir("queries")).with_suffix("").as_posix()
        answer = answers.get(str(path), {"error": "no answer"})
        if "error" in answer:
            verdicts[name] = f"error: {answer['error']}"
            continue
        found = _by_value(path.stem, answer["rows"], seen)
        wanted = _by_value(path.stem, expected_rows(embedded, path.read_text("utf-8")), {})
        verdicts[name] = (
            "same" if found == wanted else f"differs: {len(found)} rows, {len(wanted)} embedded"
        )
    return verdicts, seen


def _table(source: str, verdicts: dict[str, str]) -> str:
    return "\n".join(f"{source}\t{name}\t{verdict}" for name, verdict in verdicts.items())


def test_comunica_over_the_turtle_dump_gives_the_embedded_rows(
    release: Path, embedded: ox.Store
) -> None:
    answers = _node("comunica", str(release / "treatykg.ttl"), *map(str, QUERIES))
    verdicts, seen = _verdicts(answers, embedded)
    print(_table("treatykg.ttl", verdicts))
    assert set(verdicts.values()) == {"same"}, _table("treatykg.ttl", verdicts)
    assert seen == DECLARED_DATATYPES


def test_comunica_over_the_served_sparql_endpoint_gives_the_embedded_rows(
    served: str, embedded: ox.Store
) -> None:
    answers = _node("comunica", f"{served}/sparql", *map(str, QUERIES))
    verdicts, seen = _verdicts(answers, embedded)
    print(_table("/sparql", verdicts))
    assert set(verdicts.values()) == {"same"}, _table("/sparql", verdicts)
    assert seen == {}


def test_comunica_given_only_the_address_follows_the_service_description_here(
    release: Path, embedded: ox.Store, tmp_path: Path
) -> None:
    """Issue 22: a client that reads the Service Description to find the endpoint (Comunica
    given an untyped URL) is sent to this server, not to the public namespace on the internet:
    every bundled query reaches the server's /sparql and gives the embedded rows."""
    log = tmp_path / "serve.log"
    with treatykg_server(release, log=log) as base:
        answers = _node("comunica", f"discover:{base}/sparql", *map(str, QUERIES))
    verdicts, _ = _verdicts(answers, embedded)
    print(_table("discovered /sparql", verdicts))
    assert set(verdicts.values()) == {"same"}, _table("discovered /sparql", verdicts)
    access = log.with_suffix(".access.log").read_text(encoding="utf-8")
    asked = [
        line for line in access.splitlines() if "/sparql?query=" in line or "POST /sparql" in line
    ]
    assert len(asked) >= len(QUERIES), access[-2000:]


# --- docs/javascript.md, run as written -----------------------------------------------------

DOC = HERE.parent.parent / "docs" / "javascript.md"
#: What the test appends to the doc's blocks: what each left in its variables, as JSON.
_REPORT = """
console.log("REPORT " + JSON.stringify({
  framedArticles: [framed["@graph"] ?? framed].flat().filter((t) => t.id === TREATY)
    .map((t) => (t.articles ?? []).filter((a) => [a.type].flat().includes("tkg:Article")).length),
  comunicaRows: rows.length,
}));
"""


def test_the_javascript_doc_runs_as_written_against_a_server(release: Path, tmp_path: Path) -> None:
    """docs/javascript.md's blocks, in order, as one Node module, with only ``BASE`` set to
    ``treatykg serve``'s address: every line it prints is checked here."""
    blocks = re.findall(r"```js\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 4, "the doc's four blocks (framed file, fetch, jsonld.js, Comunica)"
    published = 'const BASE = "https://w3id.org/treatykg";'
    assert published in blocks[0]
    (tmp_path / "node_modules").symlink_to(HERE / "node_modules")  # the imports resolve here
    script = tmp_path / "doc.mjs"
    with treatykg_server(release, log=tmp_path / "serve.log") as base:
        code = "\n".join(blocks).replace(published, f'const BASE = "{base}";')
        script.write_text(code + _REPORT + "process.exit(0);\n", encoding="utf-8")
        done = subprocess.run(
            [str(NODE), str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    # the framed file's block: each article's IRI, English label and topics
    articles = [line for line in lines if line.startswith(f"{TREATY}/art_") and " Article " in line]
    assert len(articles) == 23, lines[:30]
    assert any("Article 4 " in line and "mutual military assistance" in line for line in articles)
    assert any(line.startswith(f"{TREATY}/art_9 ") for line in articles)  # with no topic
    # the fetch block: five rows of an IRI and a number
    rows = [line for line in lines if re.fullmatch(r"https://\S+ \d+", line)]
    assert len(rows) == 5, lines
    report = json.loads(next(line for line in lines if line.startswith("REPORT "))[7:])
    assert report["framedArticles"] == [23], report
    assert report["comunicaRows"] == 5
