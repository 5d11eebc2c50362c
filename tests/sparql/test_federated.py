"""The federated queries parse, are refused without --allow-service, and never run here."""

from __future__ import annotations

import pytest
from rdflib.plugins.sparql import prepareQuery

from treatykg.cli import main
from treatykg.sparql import catalogue

FEDERATED = [q for q in catalogue.bundled() if q.name.startswith("federated/")]


def test_there_is_a_federated_query() -> None:
    assert FEDERATED


@pytest.mark.parametrize("item", FEDERATED, ids=lambda q: q.name)
def test_federated_query_parses_and_says_it_needs_the_network(item: catalogue.Query) -> None:
    prepareQuery(item.text)  # rdflib parses without executing, so nothing is fetched
    assert item.title and item.question and item.columns and item.parameters
    assert "network" in item.title.lower() or "network" in item.text.lower()
    assert "SERVICE <https://query.wikidata.org/sparql>" in item.text


@pytest.mark.parametrize("item", FEDERATED, ids=lambda q: q.name)
def test_federated_query_is_refused_without_allow_service(
    item: catalogue.Query, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", item.name]) == 2
    assert "--allow-service" in capsys.readouterr().err
