"""The dumps written by a second process (:mod:`treatykg.publish.dump_process`): the same bytes
as in the build's own process, and nothing published when that process fails or the build does.

A large build hands its dumps to a second Python process; the bundled data is below the
threshold, so these tests lower it (``CHILD_FROM``) to send small builds through that process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from treatykg import resources
from treatykg.cli import main
from treatykg.publish import dump_process, jsonld
from treatykg.publish.build import InvalidDataError, build
from treatykg.publish.dump_process import DumpProcessError
from treatykg.rdf.sorted_lines import LineSorter

EXAMPLES = resources.resource_dir("shapes") / "examples"


def tree(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


@pytest.fixture
def in_child(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every build's dumps go to a second process; the processes started are listed."""
    started: list[subprocess.Popen[bytes]] = []
    real_start = dump_process.DumpWriter._start

    def start(self: dump_process.DumpWriter, runs: Path) -> subprocess.Popen[bytes]:
        child = real_start(self, runs)
        started.append(child)
        return child

    monkeypatch.setattr(dump_process, "CHILD_FROM", 0)
    monkeypatch.setattr(dump_process.DumpWriter, "_start", start)
    return started


def test_a_second_process_writes_the_same_release(
    tmp_path: Path, release: Path, in_child: list[subprocess.Popen[bytes]]
) -> None:
    result = build(tmp_path / "dist")
    assert len(in_child) == 1, "the dumps should have gone to a second process"
    assert tree(tmp_path / "dist") == tree(release)
    assert set(result.dump_timings) >= {"turtle", "ntriples", "jsonld"}
    assert not list((tmp_path / "dist").rglob("run-*")), "the runs handed over must be gone"


def test_a_second_process_writes_named_graphs_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(resources.resource_dir("data"), data)
    (data / "notes.trig").write_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "<https://w3id.org/treatykg/graph/notes> {\n"
        '  <https://w3id.org/treatykg/id/state/prk> skos:altLabel "a note"@en .\n'
        "}\n",
        encoding="utf-8",
    )
    here = build(tmp_path / "here", data=data)
    monkeypatch.setattr(dump_process, "CHILD_FROM", 0)
    there = build(tmp_path / "there", data=data)
    assert "treatykg.trig" in {f.name for f in there.files}
    assert tree(tmp_path / "there") == tree(tmp_path / "here")
    assert there.statements == here.statements


def test_a_dump_process_that_dies_publishes_nothing(
    tmp_path: Path,
    release: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Killed (out of memory, say) while the build validates: the build fails with a clear
    error, exit code 2, and the previous release stays as it was."""
    real_start = dump_process.DumpWriter._start

    def start_and_kill(self: dump_process.DumpWriter, runs: Path) -> subprocess.Popen[bytes]:
        child = real_start(self, runs)
        child.kill()
        return child

    monkeypatch.setattr(dump_process, "CHILD_FROM", 0)
    monkeypatch.setattr(dump_process.DumpWriter, "_start", start_and_kill)
    out = tmp_path / "dist"
    shutil.copytree(release, out)
    before = tree(tmp_path)
    with pytest.raises(DumpProcessError, match="process writing the dumps stopped"):
        build(out)
    assert tree(tmp_path) == before
    assert main(["build", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "writing the dumps" in err and "Traceback" not in err, err
    assert tree(tmp_path) == before


def test_invalid_data_starts_no_dump_process(
    tmp_path: Path, in_child: list[subprocess.Popen[bytes]]
) -> None:
    bad = tmp_path / "bad-data"
    bad.mkdir()
    shutil.copy(EXAMPLES / "valid" / "kitchen-sink.ttl", bad)
    shutil.copy(EXAMPLES / "invalid" / "article-numbering.ttl", bad)
    with pytest.raises(InvalidDataError):
        build(tmp_path / "dist", data=bad)
    assert in_child == [], "dumps of data that does not conform are never written"
    assert not (tmp_path / "dist").exists()


def test_an_interrupted_build_stops_the_dump_process(
    tmp_path: Path,
    release: Path,
    in_child: list[subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C while the views are written: the dump process is terminated, not left behind,
    and the previous release stays as it was."""
    out = tmp_path / "dist"
    shutil.copytree(release, out)
    before = tree(tmp_path)

    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(jsonld, "write_framed", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build(out)
    (child,) = in_child
    assert child.poll() is not None, "the dump process outlived the interrupted build"
    assert tree(tmp_path) == before


def _child_request(tmp_path: Path, lines: int) -> dict[str, object]:
    sorter = LineSorter(tmp_path / "sort")
    sorter.add(
        b"".join(
            b"<http://example.org/s%d> <http://example.org/p> <http://example.org/o> .\n" % i
            for i in range(lines)
        )
    )
    runs = sorter.finish().runs(tmp_path / "sort")
    return {
        "default": [str(p) for p in runs],
        "ntriples": None,
        "named": None,
        "directory": str(tmp_path),
        "ntriples_name": "x.nt",
        "about": None,
        "rows": ["treatykg.ttl", "treatykg.nt", "treatykg.jsonld"],
        "named_graphs": False,
    }


def _child(request: dict[str, object]) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, "-c", "from treatykg.publish.dump_process import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps(request).encode() + b"\n")
    child.stdin.flush()
    return child


def test_the_dump_process_answers_with_the_records(tmp_path: Path) -> None:
    child = _child(_child_request(tmp_path, 3))
    assert child.stdout is not None
    answer = json.loads(child.stdout.readline())
    assert [f["name"] for f in answer["files"]] == [
        "treatykg.ttl",
        "treatykg.nt",
        "treatykg.jsonld",
    ]
    assert answer["statements"] == 3
    assert child.wait(timeout=30) == 0


def test_the_dump_process_exits_when_its_build_goes(tmp_path: Path) -> None:
    """A build killed outright closes the child's stdin: the child stops writing at once."""
    child = _child(_child_request(tmp_path, 300_000))  # a few seconds of writing
    assert child.stdin is not None and child.stdout is not None
    time.sleep(0.5)
    started = time.monotonic()
    child.stdin.close()
    assert child.wait(timeout=30) == 1
    assert time.monotonic() - started < 2.5, "the child went on writing"
    assert child.stdout.read() == b"", "an orphan must not answer"
