"""Fixtures of the web tests."""

from __future__ import annotations

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
