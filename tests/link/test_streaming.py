"""The linking files are written as they are made, in bounded memory, and the bytes do not
depend on how the work was cut up.

Why these tests: at ten million triples the Wikidata view and the entity tables no longer fit
in memory whole, so they are made batch by batch and sorted on disk
(:mod:`treatykg.link.spill`). The release must stay byte-identical whatever the batch size
and whether the sort spilled: an entity several batches name (a state, a source) gets lines
from each, and they must come out as one block, in the one order.
"""

from __future__ import annotations

import io
import random

import pyoxigraph as ox
import pytest

from generated_corpus import generate, published
from treatykg.link import mappings, spill, wikidata_view


@pytest.fixture(scope="module")
def bundled() -> ox.Store:
    """The bundled data with the ontology: real entities shared by several treaties."""
    return published()[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A generated corpus of a few treaties, each with its events, claims and versions."""
    return published(generate(tmp_path_factory.mktemp("corpus"), treaties=7))[1]


@pytest.fixture(params=["bundled", "corpus"])
def store(request: pytest.FixtureRequest) -> ox.Store:
    return request.getfixturevalue(request.param)


def _view(store: ox.Store, **options: int) -> bytes:
    out = io.BytesIO()
    wikidata_view.write_view_ntriples(store, out, **options)
    return out.getvalue()


def test_the_view_streamed_is_the_view(store: ox.Store) -> None:
    streamed = _view(store)
    assert streamed
    assert streamed == wikidata_view.view_ntriples(store)


@pytest.mark.parametrize("batch_size", [1, 3, 17])
def test_the_view_is_the_same_in_any_batches_and_spilled(store: ox.Store, batch_size: int) -> None:
    """One subject per batch, and a sort that writes a run every few blocks, give the bytes
    of one batch sorted in memory."""
    whole = _view(store, batch_size=1_000_000, budget=1 << 40)
    assert _view(store, batch_size=batch_size, budget=4096) == whole


def test_the_view_is_sorted_n_triples_without_repeats(corpus: ox.Store) -> None:
    lines = _view(corpus, batch_size=2, budget=2048).decode("utf-8").splitlines()
    assert len(lines) == len(set(lines))
    subjects = [line.split(" ", 1)[0] for line in lines]
    assert subjects == sorted(subjects), "one block per subject, in subject order"
    # It parses, and every line is one triple.
    assert len(list(ox.parse("\n".join(lines), format=ox.RdfFormat.N_TRIPLES))) == len(lines)


def _exports(store: ox.Store) -> dict[str, bytes]:
    outs = {name: io.BytesIO() for name in mappings.TABLES}
    mappings.write_exports(store, outs)
    return {name: out.getvalue() for name, out in outs.items()}


def test_the_exports_streamed_are_the_exports(store: ox.Store) -> None:
    streamed = _exports(store)
    assert set(streamed) == set(mappings.TABLES)
    texts = mappings.exports(store)
    assert {name: text.encode("utf-8") for name, text in texts.items()} == streamed
    assert streamed["wikidata-unmatched.tsv"].count(b"\n") > 1


def test_the_exports_are_the_same_when_their_sort_spills(
    store: ox.Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _exports(store)
    monkeypatch.setattr(spill, "BUDGET", 4096)
    assert _exports(store) == whole


def test_sorted_lines_merge_their_runs() -> None:
    rng = random.Random(17)
    lines = [f"{rng.randrange(1000):03d} é{rng.random()}\n" for _ in range(2000)]
    lines += lines[:50]  # repeats are kept
    with spill.SortedLines(budget=10_000) as sorter:
        for start in range(0, len(lines), 7):
            sorter.extend(lines[start : start + 7])
        assert sorter._runs, "the budget was passed: some lines are on disk"
        assert list(sorter.merged()) == sorted(lines)


def test_sorted_lines_in_memory_never_touch_the_disk() -> None:
    with spill.SortedLines() as sorter:
        sorter.add("b\n")
        sorter.add("a\n")
        assert not sorter._runs
        assert list(sorter.merged()) == ["a\n", "b\n"]
