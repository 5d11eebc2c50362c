"""Shared pytest options, fixtures and the split between the fast loop and the rest.

``pytest -m "not slow"`` is the fast loop (under a minute, no server, no browser, no other
engine): run it while you work. ``pytest -q`` runs everything, as CI does. A module is slow as
a whole when every test in it starts something (:data:`SLOW_MODULES`, each with the reason);
a single slow test in a fast module carries ``@pytest.mark.slow`` itself (those start a
process per hash seed or per example, or walk every document of the build).

``pytest --data DIR`` runs the tests against another corpus: it sets ``TREATYKG_DATA``
(:data:`treatykg.resources.DATA_ENV`) for the session, so the session build, every reader of
the bundled data and every ``treatykg`` subprocess use DIR instead of ``data/``. Tests that
check the model must pass on any conforming corpus; facts about one treaty name that treaty
by its IRI. Only the snapshots (tests/snapshots/) describe this corpus's answers as a whole.
tests/test_new_treaty.py runs the fast tests with ``--data`` on a copy of ``data/`` plus a
generated treaty.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from snapshot_refresh import REFRESH_SNAPSHOTS
from treatykg.resources import DATA_ENV

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


#: The module whose failures mean "an answer changed": its failures end with the command that
#: rewrites the snapshots (:data:`snapshot_refresh.REFRESH_SNAPSHOTS`).
SNAPSHOT_MODULE = "test_snapshots.py"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current answers (only on purpose: review the "
        f"diff): {REFRESH_SNAPSHOTS}",
    )
    parser.addoption(
        "--data",
        metavar="DIR",
        type=Path,
        default=None,
        help="run the tests against the corpus in DIR instead of the bundled data/ "
        "(sets TREATYKG_DATA for the session and its subprocesses)",
    )


def pytest_configure(config: pytest.Config) -> None:
    data: Path | None = config.getoption("--data")
    if data is None:
        return
    if not data.is_dir():
        raise pytest.UsageError(f"--data {data}: not a directory")
    if config.getoption("--update-snapshots"):
        # The snapshots record the bundled data's answers; another corpus's would replace them.
        raise pytest.UsageError(
            "--update-snapshots refreshes the bundled data's snapshots: not with --data"
        )
    os.environ[DATA_ENV] = str(data.resolve())


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which corpus the session reads when it is not the bundled one: a test run on
    another corpus must never pass for a run on data/."""
    corpus = os.environ.get(DATA_ENV)
    return f"data: {corpus} ({DATA_ENV})" if corpus else None


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a snapshot failed, say what it means and the one command that refreshes them."""
    failed = terminalreporter.stats.get("failed", [])
    if not any(Path(report.fspath).name == SNAPSHOT_MODULE for report in failed):
        return
    terminalreporter.section("snapshots")
    if os.environ.get(DATA_ENV):
        terminalreporter.write_line(
            f"The snapshots record the bundled data's answers; this run read {DATA_ENV}="
            f"{os.environ[DATA_ENV]}, so they are expected to differ. Refresh them only from "
            f"data/ itself, once the treaty is added there: {REFRESH_SNAPSHOTS}"
        )
        return
    terminalreporter.write_line(
        "A bundled query's answer differs from its snapshot (tests/snapshots/queries/). If the "
        "data or the query changed on purpose (a treaty added, a fact corrected), refresh the "
        "snapshots and review the diff before committing:"
    )
    terminalreporter.write_line(f"    {REFRESH_SNAPSHOTS}")
