"""`treatykg query` on the embedded store: names, parameters, formats, and refusals."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from treatykg import query
from treatykg.build import build
from treatykg.cli import main

CSP = "https://w3id.org/treatykg/eli/treaty/2024/csp"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_every_bundled_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list")
    assert code == 0
    for item in query.bundled():
        assert item.name in out and item.title in out


LOCAL = [q for q in query.bundled() if not q.name.startswith("federated/")]


@pytest.mark.parametrize("item", LOCAL, ids=lambda q: q.name)
def test_every_bundled_query_runs_as_json(
    item: query.Query, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, item.name, "--format", "json")
    assert code == 0, err
    assert "results" in json.loads(out) or "boolean" in json.loads(out)


def test_csv_is_what_other_tools_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ratification-steps", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6 and rows[0]["date"] == "2024-10-14"


def test_table_uses_prefixed_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the table fits the terminal: make it a wide one
    code, out, err = run(capsys, "signatories")
    assert code == 0
    assert "person:kim-jong-un" in out and "state:rus" in out and "(2 rows)" in out
    assert "2 results" in err


def test_unknown_name_lists_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "signatorie")
    assert code == 2 and "did you mean signatories" in err and "Traceback" not in err


def test_syntax_error_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE {\n  ?x ?y\n}\n", encoding="utf-8")
    code, _, err = run(capsys, str(bad))
    assert code == 2 and re.search(r"line \d+, column \d+", err) and "Traceback" not in err


def test_parameters_are_bound_as_terms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "signatories",
        "--format",
        "json",
        "--param",
        "treaty=https://w3id.org/treatykg/eli/treaty/2000/fgnc",
    )
    assert code == 0 and json.loads(out)["results"]["bindings"] == []
    hostile = 'x" } } ; DROP ALL ; SELECT * { "'
    code, out, err = run(capsys, "signatories", "--format", "json", "--param", f"treaty={hostile}")
    assert code == 0, err  # escaped into one literal, so the query still parses
    assert json.loads(out)["results"]["bindings"] == []
    code, _, err = run(capsys, "signatories", "--param", "nope=1")
    assert code == 2 and "has no parameter 'nope'" in err


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
        "SELECT * { { SELECT * { S\\u0045RVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    ],
    ids=["plain", "silent-lowercase", "variable", "escaped-in-subquery"],
)
def test_service_is_refused_unless_allowed(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    federated = tmp_path / "federated.rq"
    federated.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, str(federated))
    assert code == 2 and "--allow-service" in err


def test_a_variable_named_service_is_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = tmp_path / "ok.rq"
    ok.write_text('SELECT ?service WHERE { BIND("x" AS ?service) }', encoding="utf-8")
    code, out, _ = run(capsys, str(ok), "--format", "csv")
    assert code == 0 and out.splitlines()[1] == "x"


def test_deep_nesting_is_refused_before_it_reaches_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = tmp_path / "bomb.rq"
    bomb.write_text("SELECT * WHERE " + "{" * 5000 + "}" * 5000, encoding="utf-8")
    code, _, err = run(capsys, str(bomb))
    assert code == 2 and "nests" in err


def test_ask_and_construct(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ask = tmp_path / "ask.rq"
    ask.write_text(f"ASK {{ <{CSP}> a ?type }}", encoding="utf-8")
    assert run(capsys, str(ask))[1] == "true\n"
    construct = tmp_path / "construct.rq"
    construct.write_text(
        f"CONSTRUCT {{ <{CSP}> ?p ?o }} WHERE {{ <{CSP}> ?p ?o }}", encoding="utf-8"
    )
    code, out, _ = run(capsys, str(construct), "--format", "turtle")
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))
    assert code == 0 and len(triples) > 20


def test_query_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "dist"
    build(out_dir)
    code, out, _ = run(capsys, "ratification-steps", "--format", "csv", "--build", str(out_dir))
    assert code == 0 and len(out.splitlines()) == 7
    code, _, err = run(capsys, "signatories", "--build", str(tmp_path))
    assert code == 2 and "not a treatykg build" in err


def test_describe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    describe = tmp_path / "describe.rq"
    describe.write_text(f"DESCRIBE <{CSP}/art_4>", encoding="utf-8")
    code, out, _ = run(capsys, str(describe), "--format", "ntriples")
    assert code == 0 and len(out.splitlines()) > 5
    assert all(line.startswith(f"<{CSP}/art_4>") for line in out.splitlines())
