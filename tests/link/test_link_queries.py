"""The linking stage's internal queries (``treatykg/link/queries/*.rq``).

Each parses as SPARQL once its placeholders are filled, and spells the namespaces it declares
or filters on as :mod:`treatykg.namespaces` does: the files cannot drift from the Python that
reads their rows.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable

import pyoxigraph as ox
import pytest

from treatykg.namespaces import BASE, PREFIXES, WD, WDT
from treatykg.sparql import catalogue

QUERIES = sorted(
    (
        path
        for path in files("treatykg.link").joinpath("queries").iterdir()
        if path.name.endswith(".rq")
    ),
    key=lambda path: path.name,
)
_PLACEHOLDER = re.compile(r"\{\{([A-Z_][A-Z0-9_]*)\}\}")
_PREFIX = re.compile(r"^PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", re.MULTILINE)


def test_there_are_internal_queries() -> None:
    assert len(QUERIES) >= 10


@pytest.mark.parametrize("path", QUERIES, ids=lambda path: path.name)
def test_internal_query_parses_with_our_prefixes(path: Traversable) -> None:
    text = path.read_text(encoding="utf-8")
    names = set(_PLACEHOLDER.findall(text))
    filled = catalogue.internal(
        "treatykg.link", path.name.removesuffix(".rq"), **dict.fromkeys(names, "<http://x/>")
    )
    assert isinstance(ox.Store().query(filled), ox.QuerySolutions)
    for prefix, namespace in _PREFIX.findall(text):
        assert PREFIXES[prefix] == namespace, (path.name, prefix)


def test_the_namespaces_filtered_on_are_ours() -> None:
    """The STRSTARTS filters name our base and Wikidata's namespaces as strings."""
    links = catalogue.internal("treatykg.link", "wikidata-links")
    assert f'"{WD}"' in links
    mappings = catalogue.internal("treatykg.link", "wikidata-mappings")
    assert all(f'"{namespace}"' in mappings for namespace in (BASE, WD, WDT))
    entities = catalogue.internal("treatykg.link", "entity-values", PROPERTY="<x:p>", VALUES="true")
    assert all(f'"{BASE}{kind}/"' in entities for kind in ("id", "eli"))
    subjects = catalogue.internal(
        "treatykg.link", "view-subjects", PROPERTIES="<x:p>", TREATIES="<x:t>"
    )
    assert f'"{WD}"' in subjects
