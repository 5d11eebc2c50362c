"""Shared pytest options, fixtures and the split between the fast loop and the rest.

``pytest -m "not slow"`` is the fast loop (under a minute, no server, no browser, no other
engine): run it while you work. ``pytest -q`` runs everything, as CI does. A module is slow as
a whole when every test in it starts something (:data:`SLOW_MODULES`, each with the reason);
a single slow test in a fast module carries ``@pytest.mark.slow`` itself (those start a
process per hash seed or per example, or walk every document of the build).
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Modules whose every test starts a server, a browser, another engine or a fresh venv, or
#: runs for seconds by design (a load test, a conformance suite).
SLOW_MODULES: dict[str, str] = {
    "test_readme.py": "runs the README's blocks in a fresh virtual environment",
    "test_browser.py": "drives Chromium",
    "test_site_apache.py": "serves the static site with Apache",
    "test_engine_matrix.py": "runs the bundled queries in Oxigraph, Virtuoso and Jena",
    "test_javascript.py": "runs jsonld.js, N3.js and Comunica in Node on a build and /sparql",
    "test_federated.py": "starts Oxigraph servers",
    "test_load_staged.py": "loads into an Oxigraph server",
    "test_load_update.py": "applies changesets in an Oxigraph server and Virtuoso",
    "test_serve_live.py": "starts treatykg serve",
    "test_soak.py": "a 10 s load test of treatykg serve",
    "test_endpoint.py": "starts treatykg serve and its query processes",
    "test_sparql_protocol.py": "starts the endpoint's query processes",
    "test_shacl_suites.py": "runs the W3C and DASH SHACL suites against pySHACL",
    "test_shacl_fuzz.py": "generates hundreds of shapes graphs and runs pySHACL on each",
    "test_deep_queries.py": "runs deeply nested queries in subprocesses",
    "test_engines.py": "runs pySHACL, the reference, beside the fast engine on every example",
    "test_site.py": "writes the whole static site of the bundled data, several times",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current answers (only on purpose: review the diff)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled data for every test that only reads a build (serving, pages,
    the static site, the endpoint). Tests must not change it: copy it first."""
    # Imported here so that collecting the fast tests does not import the whole build.
    from treatykg.publish.build import build

    out = tmp_path_factory.mktemp("release") / "dist"
    build(out)
    return out


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory, release: Path):
    """Two releases to diff: the bundled build (0.1.0) and a changed one (0.2.0), built; see
    tests/changed_release.py for what changed and why."""
    from changed_release import Pair, changed_sources
    from treatykg.publish.build import build

    root = tmp_path_factory.mktemp("changes")
    data, ontology = changed_sources(root / "sources")
    new = root / "new"
    build(new, data=[data], ontology=[ontology])
    return Pair(release, new, data, ontology)
