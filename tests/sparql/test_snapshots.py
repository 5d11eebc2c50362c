"""Every bundled query's answer on the bundled data is pinned in tests/snapshots/queries/.

A change to the data or to a query that changes an answer fails here, and shows the rows that
appeared or disappeared. The snapshots are data (SPARQL JSON result rows, compared as sets of
RDF terms), not text; regenerate them on purpose with ``snapshot_refresh.REFRESH_SNAPSHOTS`` and
review the diff (``git diff tests/snapshots``). Adding a treaty to data/ changes the answers of
the queries about the whole corpus: that is the one test it fails, and the message says what
to run.
"""

from __future__ import annotations

import json

import pytest

from locations import TESTS
from snapshot_refresh import REFRESH_SNAPSHOTS
from sparql_rows import comparable, key
from treatykg.sparql import catalogue, execute

SNAPSHOTS = TESTS / "snapshots" / "queries"
LOCAL = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]
#: What a snapshot failure says to do (test_a_changed_answer_says_how_to_refresh_the_snapshots).
ADVICE = f"refresh with `{REFRESH_SNAPSHOTS}`, then review the diff (git diff tests/snapshots)"


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
    assert path.is_file(), f"no snapshot for {item.name}: {ADVICE}"
    want = json.loads(path.read_text(encoding="utf-8"))
    if "rows" in want:
        appeared = sorted({key(r) for r in got["rows"]} - {key(r) for r in want["rows"]})
        vanished = sorted({key(r) for r in want["rows"]} - {key(r) for r in got["rows"]})
        assert not appeared and not vanished, changed(item.name, appeared, vanished)
        assert got["vars"] == want["vars"], f"{item.name}: columns changed: {ADVICE}"
    else:
        assert got == want, f"{item.name}: answer changed: {ADVICE}"


def changed(name: str, appeared: list[str], vanished: list[str]) -> str:
    """The failure message of a changed answer: how many rows came and went, the first few,
    and the command that refreshes the snapshots."""
    return (
        f"{name}: answer changed ({len(appeared)} rows appeared, {len(vanished)} vanished): "
        f"{ADVICE}\n+ {appeared[:3]}\n- {vanished[:3]}"
    )


def test_a_changed_answer_says_how_to_refresh_the_snapshots() -> None:
    message = changed("timeline", ["{}"], [])
    assert "`pytest tests/sparql/test_snapshots.py --update-snapshots`" in message
    assert message.startswith("timeline: answer changed (1 rows appeared, 0 vanished)")
