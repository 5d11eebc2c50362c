"""The W3C SHACL test suite and the DASH test suite, as pySHACL's source distribution ships them.

Why pySHACL's sdist: it carries both suites (``test/resources/sht_tests`` and ``dash_tests``)
as pySHACL runs them, and pip fetches it from PyPI like any other package; the version is
pinned so that the suite cannot change under us. The sdist is downloaded once and kept in
pytest's cache folder (``.pytest_cache``), so later runs read it from disk.

Each test is one Turtle file (or, in a few W3C tests, two) holding the shapes, the data and
the expected report: ``mf:result`` in a W3C manifest entry, ``dash:expectedResult`` of a
``dash:GraphValidationTestCase`` in DASH.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

#: The pySHACL release whose test resources are the suites; bump on purpose.
SUITE_VERSION = "0.40.1"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
DASH = Namespace("http://datashapes.org/dash#")
#: The DASH folders whose tests are graph validations (the others test rules, functions,
#: queries and inferencing, which treatykg does not do).
DASH_FOLDERS = ("core", "sparql")


@dataclass(frozen=True)
class Case:
    """One validation test: where its graphs are, and where its expected report is."""

    suite: str  # "w3c" or "dash"
    name: str  # e.g. "core/property/node-002"
    data: Path
    shapes: Path
    #: The file holding the expected report, and the test entry there that names it.
    expected_file: Path
    entry: URIRef
    status: str = "approved"

    def graphs(self) -> tuple[Graph, Graph, Graph]:
        """(data, shapes, the graph of the expected report); one graph when they share a file."""
        data = _parse(self.data)
        shapes = data if self.shapes == self.data else _parse(self.shapes)
        expected = data if self.expected_file == self.data else _parse(self.expected_file)
        return data, shapes, expected


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    return graph


def fetch(cache: Path) -> Path:
    """The folder of pySHACL's test resources, downloaded into ``cache`` on first use."""
    resources = cache / f"pyshacl-{SUITE_VERSION}" / "test" / "resources"
    if (resources / "sht_tests" / "manifest.ttl").exists():
        return resources
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         f"pyshacl=={SUITE_VERSION}", "--dest", str(cache)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (archive,) = cache.glob(f"pyshacl-{SUITE_VERSION}.tar.gz")
    prefix = f"pyshacl-{SUITE_VERSION}/test/resources/"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix) and m.isfile()]
        tar.extractall(cache, members=members, filter="data")
    return resources


def w3c_cases(resources: Path) -> list[Case]:
    """Every ``sht:Validate`` entry of the W3C manifests, following ``mf:include``."""
    root = resources / "sht_tests"
    cases: list[Case] = []
    seen: set[Path] = set()

    def walk(manifest: Path) -> None:
        if manifest in seen:
            return
        seen.add(manifest)
        graph = _parse(manifest)
        for node in graph.subjects(RDF.type, MF.Manifest):
            for include in graph.objects(node, MF.include):
                walk(_local(include))
            for entries in graph.objects(node, MF.entries):
                for entry in Collection(graph, entries):
                    if (entry, RDF.type, SHT.Validate) not in graph:
                        continue
                    action = graph.value(entry, MF.action)
                    status = graph.value(entry, MF.status)
                    data = _local(graph.value(action, SHT.dataGraph))
                    shapes = _local(graph.value(action, SHT.shapesGraph))
                    name = str(entry).removeprefix(root.as_uri() + "/")
                    cases.append(
                        Case(
                            "w3c",
                            name,
                            data,
                            shapes,
                            manifest,
                            entry,
                            str(status).rsplit("#", 1)[-1] if status else "approved",
                        )
                    )

    walk(root / "manifest.ttl")
    return sorted(cases, key=lambda c: c.name)


def dash_cases(resources: Path) -> list[Case]:
    """Every ``dash:GraphValidationTestCase`` file in the DASH validation folders."""
    root = resources / "dash_tests"
    cases = []
    for folder in DASH_FOLDERS:
        for path in sorted((root / folder).rglob("*.test.ttl")):
            graph = _parse(path)
            for test in graph.subjects(RDF.type, DASH.GraphValidationTestCase):
                assert isinstance(test, URIRef), f"{path}: a test case without an IRI"
                name = str(path.relative_to(root)).removesuffix(".test.ttl")
                cases.append(Case("dash", name, path, path, path, test))
    return cases


def expected_results(case: Case, graph: Graph) -> tuple[bool, list[Node]] | None:
    """The expected report: (conforms, its result nodes in ``graph``); None for a failure.

    Read from ``graph`` (the case's own parse), where the report's blank nodes are the ones
    the data and shapes of the same file use.
    """
    link = MF.result if case.suite == "w3c" else DASH.expectedResult
    report = graph.value(case.entry, link)
    if report is None or report == SHT.Failure:
        return None
    conforms = graph.value(report, SH.conforms)
    return bool(conforms.toPython()), list(graph.objects(report, SH.result))


def _local(iri: Node | None) -> Path:
    if not isinstance(iri, URIRef) or not str(iri).startswith("file:"):
        raise ValueError(f"not a local file IRI: {iri!r}")
    return Path(str(iri).removeprefix("file://").split("#", 1)[0])
