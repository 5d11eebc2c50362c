"""Every bundled query's answer on the bundled data is pinned in tests/snapshots/queries/.

A change to the data or to a query that changes an answer fails here, and shows the rows that
appeared or disappeared. The snapshots are data (SPARQL JSON result rows, compared as sets of
RDF terms), not text; regenerate them on purpose with ``pytest --update-snapshots`` and review
the diff.
"""

from __future__ import annotations

import json

import pytest

from locations import TESTS
from sparql_rows import comparable, key
from treatykg.sparql import catalogue, execute

SNAPSHOTS = TESTS / "snapshots" / "queries"
LOCAL = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]


@pytest.fixture(scope="module")
def store():  # -> pyoxigraph.Store
    return execute.embedded_store()


def answer(store, item: catalogue.Query) -> dict:
    import pyoxigraph as ox

    result = execute.run(item.text, store)
    document = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
    if "boolean" in document:
        return {"boolean": document["boolean"]}
    rows = sorted((comparable(binding) for binding in document["results"]["bindings"]), key=key)
    return {"vars": document["head"]["vars"], "rows": rows}


@pytest.mark.parametrize("item", LOCAL, ids=lambda q: q.name)
def test_answer_matches_its_snapshot(
    store, item: catalogue.Query, request: pytest.FixtureRequest
) -> None:
    path = SNAPSHOTS / f"{item.name}.json"
    got = answer(store, item)
    if request.config.getoption("--update-snapshots"):
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot for {item.name}: run pytest --update-snapshots"
    want = json.loads(path.read_text(encoding="utf-8"))
    if "rows" in want:
        appeared = sorted({key(r) for r in got["rows"]} - {key(r) for r in want["rows"]})
        vanished = sorted({key(r) for r in want["rows"]} - {key(r) for r in got["rows"]})
        assert not appeared and not vanished, (
            f"{item.name}: answer changed\n+ {appeared[:3]}\n- {vanished[:3]}"
        )
        assert got["vars"] == want["vars"]
    else:
        assert got == want
