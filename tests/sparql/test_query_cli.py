"""`treatykg query` on the embedded store: names, parameters, formats, and refusals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from treatykg.cli import main
from treatykg.cli.query import listing
from treatykg.errors import InputError
from treatykg.publish.build import build
from treatykg.sparql import catalogue

CSP = "https://w3id.org/treatykg/eli/treaty/2024/csp"
ART_4 = "https://w3id.org/treatykg/id/norm/csp-art-4"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["query", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_every_bundled_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list")
    assert code == 0
    assert " ".join(out.split()) == " ".join(listing(catalogue.bundled()).split())
    blocks = {block.split(":", 1)[0]: block for block in out.split("\n\n")}
    for item in catalogue.bundled():
        assert " ".join(blocks[item.name].split()).startswith(f"{item.name}: {item.title}")


def test_list_shows_each_parameter_and_what_it_does_when_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """In 80 columns, to a terminal or a file alike (capsys is not a terminal), one query a
    block: its name and title, its question, then ``--param NAME=IRI`` and what the query
    does without it: optional (and what it answers then), required, or a default, shown as
    --param takes it (relative to https://w3id.org/treatykg/ when it is ours)."""
    code, out, _ = run(capsys, "--list")
    assert code == 0
    assert all(len(line) <= 80 for line in out.splitlines()), max(out.splitlines(), key=len)
    blocks = {block.split(":", 1)[0]: block for block in out.split("\n\n")}
    assert "    --param treaty=IRI  optional: every treaty when not given" in blocks["parties"]
    assert "    --param entity=IRI  required" in blocks["sources-of"]
    assert "--param confidence=IRI  default def#SingleSource" in blocks["confidence"]
    assert "--param" not in blocks["statistics"]
    for item in catalogue.bundled():
        assert blocks[item.name].count("--param") == len(item.declared), item.name


LOCAL = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]


def _params(pairs: list[str]) -> list[str]:
    return [arg for pair in pairs for arg in ("--param", pair)]


@pytest.mark.parametrize("item", LOCAL, ids=lambda q: q.name)
def test_every_bundled_query_runs_as_json(
    item: catalogue.Query, capsys: pytest.CaptureFixture[str]
) -> None:
    required = [f"{p.name}=eli/treaty/2024/csp" for p in item.declared if p.required]
    code, out, err = run(capsys, item.name, "--format", "json", *_params(required))
    assert code == 0, err
    assert "results" in json.loads(out) or "boolean" in json.loads(out)


def test_csv_is_what_other_tools_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ratification-steps", "--format", "csv", "--param", f"treaty={CSP}")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 6 and rows[0]["date"] == "2024-10-14"
    assert {row["treaty"] for row in rows} == {CSP}


def test_table_uses_prefixed_names(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the table fits the terminal: make it a wide one
    code, out, err = run(capsys, "signatories", "--param", "treaty=eli/treaty/2024/csp")
    assert code == 0
    assert "person:kim-jong-un" in out and "state:rus" in out and "(2 rows)" in out
    assert "2 results" in err


def test_unknown_name_lists_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "signatorie")
    assert code == 2 and "did you mean signatories" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # pyoxigraph: "expected one of Prefix not found, ['%'], …" over five lines
        (
            "PREFIX ex: <http://example.org/>\nSELECT * WHERE {\n  ?x foo:bar ?y\n}\n",
            "3:6: undeclared prefix foo:",
        ),
        # pyoxigraph: "error at 4:1: expected OPTIONAL", as it reads keywords ahead
        ("SELECT * WHERE {\n  ?x a f:b\n}\n", "2:8: undeclared prefix f:"),
        ("SELECT ?x WHERE {\n  ?x ?y\n}\n", "2:3: syntax error near '?x ?y }'"),
        ("SELECT * WHERE {\n  ?x <http://a b> ?y\n}\n", "2:6: not a valid IRI: <http://a b>"),
        ('SELECT * WHERE {\n  ?x ?y "open\n}\n', "2:14: unexpected line break"),
        ("SELECT * WHERE {\n  ?x ?y ?z\n", "3:1: unexpected end of the query"),
    ],
    ids=["undeclared-prefix", "short-undeclared-prefix", "missing-term", "iri", "string", "end"],
)
def test_syntax_error_is_one_line_with_position_and_cause(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "q.rq"
    bad.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(bad))
    assert (code, out, err) == (2, "", f"treatykg: error: {bad}:{expected}\n")


def test_parameters_are_bound_as_terms(capsys: pytest.CaptureFixture[str]) -> None:
    fgnc = "https://w3id.org/treatykg/eli/treaty/2000/fgnc"
    code, out, _ = run(capsys, "timeline", "--format", "json", "--param", f"treaty={fgnc}")
    bindings = json.loads(out)["results"]["bindings"]
    assert code == 0 and bindings
    assert {row["treaty"]["value"] for row in bindings} == {fgnc}
    code, _, err = run(capsys, "signatories", "--param", "nope=1")
    assert code == 2 and "has no parameter 'nope'" in err


def test_a_treaty_is_given_by_its_identifier_or_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Relative to https://w3id.org/treatykg/ (as the site's paths show it) or in full: the
    same rows. Left out: every treaty, each row saying which."""
    _, relative, _ = run(
        capsys, "parties", "--format", "csv", "--param", "treaty=eli/treaty/2024/csp"
    )
    _, full, _ = run(capsys, "parties", "--format", "csv", "--param", f"treaty={CSP}")
    _, every, _ = run(capsys, "parties", "--format", "csv")
    assert relative == full and len(relative.splitlines()) == 3
    rows = list(csv.DictReader(io.StringIO(every)))
    assert {row["treaty"] for row in rows} >= {CSP}
    assert set(full.splitlines()[1:]) <= set(every.splitlines()[1:])


def test_a_required_parameter_left_out_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "sources-of")
    assert (code, out) == (2, "")
    assert err.startswith("treatykg: error: query 'sources-of' needs 'entity': give --param ")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_literal_parameters_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    echo = tmp_path / "echo.rq"
    echo.write_text(
        '# parameters: text (string, default "x")\nSELECT ?text WHERE { VALUES ?text { "x" } }\n',
        encoding="utf-8",
    )
    hostile = 'x" } } ; DROP ALL ; SELECT * { "'
    code, out, err = run(capsys, str(echo), "--format", "json", "--param", f"text={hostile}")
    assert code == 0, err  # escaped into one literal, so the query still parses
    assert json.loads(out)["results"]["bindings"] == [
        {"text": {"type": "literal", "value": hostile}}
    ]


@pytest.mark.parametrize(
    ("value", "advice"),
    [
        ("norm/csp-art-4", f"not an IRI; give the full IRI, e.g. {ART_4}, or the part after"),
        ("treaty 2024", "not an IRI; give the full IRI, e.g. " + CSP),
        ("norm:csp-art-4", "a prefixed name, not a full IRI; give the full IRI: " + ART_4),
        (f"<{ART_4}>", "give the IRI alone, without angle brackets or spaces: " + ART_4),
        ('x" } } ; DROP ALL ; SELECT * { "', "not an IRI; give the full IRI, e.g. " + CSP),
    ],
    ids=["relative-not-ours", "spaces", "prefixed", "bracketed", "hostile"],
)
def test_an_iri_parameter_refuses_what_is_not_an_absolute_iri(
    value: str, advice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Such a value used to become a literal, which matches nothing: 0 rows, no word why."""
    code, out, err = run(capsys, "sources-of", "--param", f"entity={value}")
    assert (code, out) == (2, "")
    assert err.startswith(f"treatykg: error: --param entity={value}: {advice}")
    assert err.count("\n") == 1 and "Traceback" not in err
    code, out, _ = run(capsys, "sources-of", "--format", "csv", "--param", f"entity={ART_4}")
    assert code == 0 and len(out.splitlines()) > 1
    code, out, _ = run(
        capsys, "sources-of", "--format", "csv", "--param", "entity=id/norm/csp-art-4"
    )
    assert code == 0 and len(out.splitlines()) > 1


def test_parameters_are_read_from_the_header() -> None:
    text = (
        "# title: Mine\n"
        "# parameters: treaty (IRI, optional: every treaty when not given), "
        'label (string, default "x"), entity (IRI, required), '
        "topic (IRI, default <https://w3id.org/treatykg/def#Sanctions>)\n"
        "SELECT * WHERE {\n"
        "  VALUES ?treaty { UNDEF }\n"
        '  VALUES ?label { "x" }\n'
        "  VALUES ?entity { UNDEF }\n"
        "  VALUES ?topic { <https://w3id.org/treatykg/def#Sanctions> }\n"
        "}\n"
    )
    query = catalogue.parse(text, "q")
    assert query.parameter_names == ("treaty", "label", "entity", "topic")
    assert query.iri_parameters == {"treaty", "entity", "topic"}
    assert query.optional_parameters == {"treaty"}
    treaty, label, entity, topic = query.declared
    assert treaty.absent == "every treaty when not given" and treaty.default is None
    assert label == catalogue.Parameter("label", "string", default='"x"')
    assert entity.required and not topic.required
    assert topic.default == "<https://w3id.org/treatykg/def#Sanctions>"
    assert catalogue.parse("# parameters: none\nASK {}", "q").declared == ()
    for item in catalogue.bundled():
        assert item.iri_parameters == set(item.parameter_names), item.name


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("treaty (IRI, default <x:y>)", "holds 'UNDEF' instead of '<x:y>'"),
        ("treaty (IRI, optional)", "cannot read 'treaty (IRI, optional)'"),
        ("treaty (IRI)", "cannot read 'treaty (IRI)'"),
        ("treaty (uri, required)", "cannot read 'treaty (uri, required)'"),
        ("treaty (IRI, required) topic (IRI, required)", "cannot read"),
        ("treaty", "cannot read 'treaty'"),
        ("other (IRI, required)", "declares 'other' but the query has no VALUES ?other line"),
    ],
)
def test_a_parameters_line_it_cannot_read_is_refused_with_its_line(
    line: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unknown forms are errors, not parameters that silently take any value: the header is
    what the CLI, the queries page and a reader go by."""
    text = f"# title: Mine\n# parameters: {line}\nSELECT * {{\n  VALUES ?treaty {{ UNDEF }}\n}}\n"
    with pytest.raises(InputError) as raised:
        catalogue.parse(text, "mine", Path("mine.rq"))
    assert str(raised.value).startswith("mine.rq:2: '# parameters:' ") and says in str(raised.value)
    path = tmp_path / "mine.rq"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(path))
    assert (code, out) == (2, "") and f"{path}:2: " in err and "Traceback" not in err


def test_the_values_line_shown_in_a_comment_is_not_the_parameter() -> None:
    text = (
        "# parameters: treaty (IRI, optional: every treaty)\n"
        "# edit the line VALUES ?treaty { UNDEF } to ask about one\n"
        "SELECT * WHERE {\n  VALUES ?treaty { UNDEF }\n}\n"
    )
    bound = catalogue.bind(catalogue.parse(text, "q"), {"treaty": CSP})
    assert "# edit the line VALUES ?treaty { UNDEF } to ask" in bound
    assert f"  VALUES ?treaty {{ <{CSP}> }}\n" in bound


def test_a_malformed_dump_is_reported_with_its_position_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "treatykg.ttl").write_text("<https://x/a> <https://x/b> <https://x/ c> .\n")
    code, _, err = run(capsys, "signatories", "--build", str(tmp_path))
    assert code == 2
    assert err == f"treatykg: error: {tmp_path / 'treatykg.ttl'}:1:29: Invalid IRI code point ' '\n"


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
    code, out, _ = run(
        capsys, "ratification-steps", "--format", "csv", "--build", str(out_dir),
        "--param", "treaty=eli/treaty/2024/csp",
    )  # fmt: skip
    assert code == 0 and len(out.splitlines()) == 7
    code, _, err = run(capsys, "signatories", "--build", str(tmp_path))
    assert code == 2 and "not a treatykg build" in err


def test_describe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    describe = tmp_path / "describe.rq"
    describe.write_text(f"DESCRIBE <{CSP}/art_4>", encoding="utf-8")
    code, out, _ = run(capsys, str(describe), "--format", "ntriples")
    assert code == 0 and len(out.splitlines()) > 5
    assert all(line.startswith(f"<{CSP}/art_4>") for line in out.splitlines())


def test_piped_tables_hold_whole_values(capsys: pytest.CaptureFixture[str]) -> None:
    """To a file or a pipe (not a terminal) nothing is cut: `treatykg query timeline > t.txt`
    used to cut every date to `2024-06…`."""
    code, out, _ = run(capsys, "replaced-treaties")
    assert code == 0 and "…" not in out
    assert "2024-12-04" in out and "Treaty of Friendship, Good-Neighbourliness and" in out


def test_a_table_too_wide_for_the_terminal_becomes_records() -> None:
    """As psql's expanded display: one `column | value` line per column, long values wrapped
    at the terminal's width, short ones (dates, numbers) whole, no two values alike."""
    from treatykg.sparql.results import table

    prefix = "https://w3id.org/treatykg/id/event/" + "x" * 60
    header = ["event", "date", "label"]
    rows = [
        [prefix + "-a", "2024-06-19", "The signing of the treaty in Pyongyang " * 3],
        [prefix + "-b", "2024-06-18", "short"],
    ]
    text = table(header, rows, 80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert "…" not in text and "2024-06-19" in text and "2024-06-18" in text
    assert lines[0].startswith("-[ RECORD 1 ]") and lines[-1] == "(2 rows)"
    values: list[dict[str, str]] = []  # each record's values, wrapped pieces joined
    column = ""
    for line in lines[:-1]:
        if line.startswith("-[ RECORD"):
            values.append({})
            continue
        name, _, piece = line.partition(" | ")
        column = name.strip() or column
        values[-1][column] = values[-1].get(column, "") + piece
    assert [v["event"] for v in values] == [prefix + "-a", prefix + "-b"]  # whole, apart
    wide = table(header, rows, None)  # not a terminal: one line a row, whole
    assert prefix + "-a" in wide and prefix + "-b" in wide and "RECORD" not in wide
