"""Tests of the treatykg command line, in-process and as the installed console script."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import SH

import treatykg
from locations import TESTS
from treatykg import validate
from treatykg.cli import COMMANDS, build_parser, main

FIXTURES = TESTS / "fixtures" / "code"
SHAPES = str(FIXTURES / "shapes.ttl")
ONTOLOGY = str(FIXTURES / "onto.ttl")
GOOD = str(FIXTURES / "good.ttl")
BAD = str(FIXTURES / "bad.ttl")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def validate_args(*paths: str) -> list[str]:
    return ["validate", *paths, "--shapes", SHAPES, "--ontology", ONTOLOGY]


def test_good_data_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *validate_args(GOOD))
    assert code == 0
    assert out == ""
    assert err.startswith("conforms: 3 triples in 1 file, 0 violations, 0 warnings, validated in ")
    assert err.count("\n") == 1


def test_bad_data_exits_1_with_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *validate_args(GOOD, BAD))
    assert code == 1
    assert out.startswith(f"ex:bob  ({BAD})\n")
    violation = out.splitlines()[1]
    for expected in ("Violation", "ex:name", "A person needs a name.", "ex:PersonNameShape"):
        assert expected in violation
    assert out.endswith("1 violation, 1 warning in 1 node\n")
    assert err.startswith("does not conform: 5 triples in 2 files, 1 violation, 1 warning")


def test_turtle_format_prints_the_w3c_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *validate_args(BAD), "--format", "turtle")
    assert code == 1
    printed = Graph().parse(data=out, format="turtle")
    assert next(printed.objects(None, SH.conforms)) == Literal(False)
    expected = validate(BAD, shapes=SHAPES, ontology=ONTOLOGY).graph
    assert isomorphic(printed, expected)


def test_turtle_format_is_printed_when_conforming(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *validate_args(GOOD), "--format", "turtle")
    assert code == 0
    printed = Graph().parse(data=out, format="turtle")
    assert next(printed.objects(None, SH.conforms)) == Literal(True)


def test_quiet_drops_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *validate_args(GOOD), "--quiet")
    assert (code, out, err) == (0, "", "")


def test_missing_file_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *validate_args("no/such.ttl"))
    assert code == 2
    assert out == ""
    assert err == "treatykg: error: no/such.ttl: no such file or directory\n"


def test_unsupported_suffix_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "data.rdf"
    path.write_text("<rdf:RDF/>")
    code, _, err = run(capsys, *validate_args(str(path)))
    assert code == 2
    assert err.startswith(f"treatykg: error: {path}: unsupported format '.rdf'")


def test_syntax_error_exits_2_with_position(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "malformed.ttl")
    code, _, err = run(capsys, *validate_args(path))
    assert code == 2
    assert err == f"treatykg: error: {path}:4:17: Invalid IRI code point ' '\n"


def test_bad_shapes_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", GOOD, "--shapes", str(FIXTURES / "malformed.trig"))
    assert code == 2
    assert "malformed.trig:5:17:" in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", GOOD, "--format", "xml")
    assert code == 2
    assert "invalid choice" in err
    assert run(capsys)[0] == 2  # no command at all


def test_syntax_error_gives_its_position_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """pyoxigraph words a defect that spans lines "Parser error between line 2 column 11 and
    line 3 column 1: …"; the position is said once, as path:line:column."""
    path = tmp_path / "treaty.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "unclosed .\n', "utf-8")
    code, out, err = run(capsys, *validate_args(str(path)))
    assert (code, out) == (2, "")
    assert err == f"treatykg: error: {path}:2:11: Unexpected end of file\n"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_fits_80_columns(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``treatykg COMMAND --help`` in an 80-column terminal: the description is wrapped to it
    and the exit codes' table was laid out within it, so no line runs over."""
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "exit codes:" in out
    too_long = [line for line in out.splitlines() if len(line) > 80]
    assert not too_long, too_long


def test_bare_command_lists_every_command_in_80_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "usage: treatykg [-h] [--version] COMMAND ..."
    assert lines[-1] == "treatykg: error: name a command; treatykg COMMAND --help describes it"
    assert all(len(line) <= 80 for line in lines), err
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    listed = {line.split()[0]: line.split(None, 1)[1] for line in lines if line.startswith("  ")}
    assert listed == {action.dest: action.help for action in commands._choices_actions}


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"treatykg {treatykg.__version__}\n"
    assert treatykg.__version__ == "0.1.0"


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--help"], ["validate", "--help"]):
        code, out, _ = run(capsys, *args)
        assert code == 0
        assert "exit codes:" in out
        assert "1  the data does not conform" in out


# --- shapes the fast engine leaves to pySHACL -------------------------------------------------

FALLBACK_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/code#> .
ex:SameAB a sh:PropertyShape ; sh:targetClass ex:T ; sh:path ex:a ; sh:equals ex:b .
ex:SameBA a sh:PropertyShape ; sh:targetClass ex:T ; sh:path ex:b ; sh:equals ex:a .
ex:Counted a sh:PropertyShape ; sh:targetClass ex:T ; sh:path ex:a ; sh:maxCount 1 .
"""
SHORT = "pySHACL validated 2 shapes the fast engine does not compile (-v lists them)"
LISTED = [
    "pySHACL validated 2 shapes the fast engine does not compile:",
    "  ex:SameAB: sh:equals is not compiled",
    "  ex:SameBA: sh:equals is not compiled",
]


def fallback_args(tmp_path: Path, data: str) -> list[str]:
    """Data and shapes of which the fast engine compiles one shape and leaves two."""
    (tmp_path / "shapes.ttl").write_text(FALLBACK_SHAPES, "utf-8")
    (tmp_path / "onto.ttl").write_text("", "utf-8")
    (tmp_path / "data.ttl").write_text(
        f"@prefix ex: <http://example.org/code#> .\n{data}\n", "utf-8"
    )
    return [
        str(tmp_path / "data.ttl"),
        *("--shapes", str(tmp_path / "shapes.ttl"), "--ontology", str(tmp_path / "onto.ttl")),
    ]


def test_engine_fallback_is_one_short_line_unless_verbose(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = fallback_args(tmp_path, "ex:x a ex:T ; ex:a 1, 2 ; ex:b 1 .")
    code, out, _ = run(capsys, "validate", *args)
    assert code == 1
    assert out.splitlines()[-1] == SHORT
    assert "is not compiled" not in out
    code, out, _ = run(capsys, "validate", *args, "-v")
    assert code == 1
    assert out.splitlines()[-3:] == LISTED


def test_verbose_lists_the_fallback_on_stderr_when_there_is_no_text_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = fallback_args(tmp_path, "ex:x a ex:T ; ex:a 1, 2 ; ex:b 1 .")
    _, turtle, _ = run(capsys, "validate", *args, "--format", "turtle")
    code, out, err = run(capsys, "validate", *args, "--format", "turtle", "--verbose")
    assert code == 1
    assert isomorphic(Graph().parse(data=out), Graph().parse(data=turtle))  # stdout unchanged
    assert err.splitlines()[:3] == LISTED
    good = fallback_args(tmp_path, "ex:y a ex:T ; ex:a 1 ; ex:b 1 .")
    code, out, err = run(capsys, "validate", *good)
    assert (code, out, err.count("\n")) == (0, "", 1)  # the summary alone, as before
    code, out, err = run(capsys, "validate", *good, "-v", "-q")
    assert (code, out, err.splitlines()) == (0, "", LISTED)


def test_build_verbose_lists_the_fallback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data, *sources = fallback_args(tmp_path, "ex:x a ex:T ; ex:a 1, 2 ; ex:b 1 .")
    args = ["build", "--data", data, *sources, "--out", str(tmp_path / "dist")]
    code, out, _ = run(capsys, *args)
    assert code == 1 and out.splitlines()[-1] == SHORT
    code, out, _ = run(capsys, *args, "--verbose")
    assert code == 1 and out.splitlines()[-3:] == [
        LISTED[0],  # the build's report names every node by its full IRI, shapes too
        "  <http://example.org/code#SameAB>: sh:equals is not compiled",
        "  <http://example.org/code#SameBA>: sh:equals is not compiled",
    ]
    assert not (tmp_path / "dist").exists()


def test_check_shapes_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "check-shapes", SHAPES)[0] == 0
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://example.org/S> a sh:PropertyShape ; sh:path <http://example.org/p> ;"
        ' sh:maxCount "many" .\n'
    )
    code, out, _ = run(capsys, "check-shapes", str(broken))
    assert code == 1
    assert "sh:maxCount" in out


# --- the installed console script -----------------------------------------------------------


def console_script() -> str:
    """The ``treatykg`` script of the environment running the tests."""
    here = str(Path(sys.executable).parent)
    found = shutil.which("treatykg", path=os.pathsep.join([here, os.environ.get("PATH", "")]))
    assert found, "the treatykg console script is not installed"
    return found


def run_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [console_script(), *args],
        cwd=tmp_path,  # outside the repository: the bundled content must still be found
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_validates_from_another_directory(tmp_path: Path) -> None:
    result = run_script(tmp_path, *validate_args(GOOD, BAD))
    assert result.returncode == 1, result.stderr
    assert "ex:bob" in result.stdout
    assert "A person needs a name." in result.stdout
    assert result.stderr.startswith("does not conform:")


def test_console_script_errors_have_no_traceback(tmp_path: Path) -> None:
    result = run_script(tmp_path, "validate", "missing.ttl")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr == "treatykg: error: missing.ttl: no such file or directory\n"


def test_ill_typed_literals_do_not_spill_rdflib_log_tracebacks(tmp_path: Path) -> None:
    data = tmp_path / "ill_typed.ttl"
    data.write_text(
        "@prefix ex: <http://example.org/code#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'ex:ivy a ex:Person ; ex:name "Ivy" ; ex:born "not a date"^^xsd:date .\n'
    )
    result = run_script(tmp_path, *validate_args(str(data)))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("conforms: 3 triples in 1 file")


def test_console_script_version(tmp_path: Path) -> None:
    result = run_script(tmp_path, "--version")
    assert (result.returncode, result.stdout) == (0, f"treatykg {treatykg.__version__}\n")


def test_module_entry_point(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "treatykg.cli", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"treatykg {treatykg.__version__}\n")


def test_cli_does_not_import_pyshacl_for_version(tmp_path: Path) -> None:
    code = (
        "import sys, treatykg.cli; treatykg.cli.main(['--version']);"
        " print('pyshacl' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines()[-1] == "False"


def test_whole_number_options_take_separators_and_refuse_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--workers 1_000`` and ``--chunk-size 50,000`` are numbers as people write them; zero,
    negatives and words are usage errors that say why."""
    from treatykg.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["serve", "--workers", "1_000", "--per-client", "2"])
    assert (args.workers, args.per_client) == (1000, 2)
    load = parser.parse_args(["load", "--endpoint", "http://127.0.0.1:1/store",
                              "--chunk-size", "50,000"])  # fmt: skip
    assert load.chunk_size == 50_000
    for bad, why in (("0", "must be at least 1"), ("-3", "must be at least 1"),
                     ("many", "not a whole number: 'many'")):  # fmt: skip
        with pytest.raises(SystemExit) as exit:
            parser.parse_args(["serve", "--workers", bad])
        assert exit.value.code == 2 and why in capsys.readouterr().err
