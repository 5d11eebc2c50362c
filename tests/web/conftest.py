"""Fixtures of the web tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph

from treatykg.web.documents import Documents


@pytest.fixture(scope="module")
def graph(release: Path) -> Graph:
    """What the pages of the shared release describe (``Documents.graph``: the dataset, VoID,
    the validation report and the shapes' header), as the server and the static site read it.
    A test that changes it works on a copy."""
    return Documents(release, endpoint=None).graph


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests' screenshots go: ``$TREATYKG_ARTIFACTS`` (kept by CI), else a
    pytest tmp dir."""
    configured = os.environ.get("TREATYKG_ARTIFACTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots: {folder}")
    return folder
