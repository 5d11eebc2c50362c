"""``treatykg diff`` as a user runs it: the summary on stdout, the files it writes, its exit
codes, and one line on stderr for every input error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changed_release import ADDED, REMOVED, Pair
from treatykg.changes import patch, update
from treatykg.changes.diff import diff
from treatykg.changes.releases import open_side
from treatykg.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_summary_says_what_changed_in_80_columns(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(pair.old), str(pair.new))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("0.1.0 → 0.2.0: ")
    assert lines[1] == "resources: 1 added, 1 removed, 3 changed"
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert any(line.startswith("removed  ") and "kim-ardent-friendship" in line for line in lines)
    assert any(line.startswith("added    ") and "test-added-quotation" in line for line in lines)
    assert '         dcat:version: "0.1.0" → "0.2.0"' in lines


def test_exit_code_says_whether_they_differ(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(pair.old), str(pair.new), "--exit-code")[0] == 1
    code, out, _ = run(capsys, str(pair.old), str(pair.old), "--exit-code")
    assert code == 0 and out.splitlines()[-1] == "no changes"


def test_the_files_it_writes(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rdfp, ru, summary = tmp_path / "c.rdfp", tmp_path / "c.ru", tmp_path / "c.json"
    code, _, _ = run(
        capsys,
        str(pair.old),
        str(pair.new),
        "--rdf-patch",
        str(rdfp),
        "--sparql-update",
        str(ru),
        "--summary-json",
        str(summary),
    )
    assert code == 0
    changeset = diff(open_side(str(pair.old), tmp_path), open_side(str(pair.new), tmp_path))
    expected = patch.write(changeset)
    assert rdfp.read_bytes() == expected
    # the same file a release built with --previous holds as changes-0.2.0.ru
    assert ru.read_bytes() == update.update_file(changeset)
    assert ru.read_text().startswith(
        "# The changes to https://w3id.org/treatykg/dataset from version 0.1.0 to version 0.2.0,"
    )
    assert "DELETE DATA {" in ru.read_text() and "INSERT DATA {" in ru.read_text()
    document = json.loads(summary.read_bytes())
    statuses = {r["iri"]: r["status"] for r in document["resources"]}
    assert statuses[REMOVED] == "removed" and statuses[ADDED] == "added"
    # the same bytes on stdout with --format
    code, out, err = run(capsys, str(pair.old), str(pair.new), "--format", "rdf-patch")
    assert out.encode() == expected and "statements removed" in err


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "missing", "no such build directory or file"),
        (lambda tmp: tmp.joinpath("empty").mkdir() or tmp / "empty", "not a build directory"),
    ],
)
def test_a_bad_side_is_one_line_and_exit_2(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], make, says: str
) -> None:
    code, out, err = run(capsys, str(make(tmp_path)), str(pair.new))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_malformed_turtle_names_the_file_line_and_column(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text('<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> "open .\n')
    code, _, err = run(capsys, str(pair.old), str(broken))
    assert code == 2 and err.startswith(f"treatykg: error: {broken}:2:")


def test_a_graph_that_is_not_an_iri_is_refused(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(pair.old), str(pair.new), "--graph", "release")
    assert code == 2 and "absolute IRI" in err
