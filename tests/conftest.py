"""Shared pytest options and fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current answers (only on purpose: review the diff)",
    )


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled data for every test that only reads a build (serving, pages,
    the static site, the endpoint). Tests must not change it: copy it first."""
    from treatykg.build import build

    out = tmp_path_factory.mktemp("release") / "dist"
    build(out)
    return out
