"""The dumps of a large build written by a second process, while the first validates.

Why a process: the dumps (N-Triples, Turtle, TriG, N-Quads, JSON-LD) are made from the sorted
lines alone, and the validation, the framed view and the Wikidata files from the Store alone.
Both are mostly Python and pyoxigraph serialisation, which hold the GIL, so a thread would not
run them together; a second Python process does, on the machine's second core. It is a fresh
interpreter (not a fork: a fork would share the parent's gigabytes copy-on-write, which every
RSS figure then counts twice, and is unsafe once a thread runs): the sorted lines are handed
over as run files on disk (:meth:`~treatykg.rdf.sorted_lines.SortedLines.runs`), or, when they
are all in memory, as the N-Triples file, which the first process writes (a join of the lines,
cheaper than writing them out for the child to merge). At a million statements this takes the dumps
(about 5 s) off the build's path.

A small build writes its dumps in this process: starting an interpreter costs more than its
dumps take. Both ways write the same bytes, which the tests check.

The request and the answer are one JSON line each, on the child's stdin and stdout. The child
ignores Ctrl-C (the build decides, and terminates it), and exits if its stdin closes: a build
killed outright does not leave it writing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import treatykg
from treatykg.errors import TreatykgError
from treatykg.publish import release
from treatykg.publish.release import OutputFile
from treatykg.rdf.dumps import Dumps
from treatykg.rdf.sorted_lines import SortedLines

__all__ = ["CHILD_FROM", "DumpWriter", "DumpsWritten"]

#: Statements from which the dumps are written by a second process (below, starting one
#: costs more than it saves). Read when a writer is made: tests lower it.
CHILD_FROM = 200_000


@dataclass(frozen=True)
class DumpsWritten:
    """What writing the dumps found out, for the rest of the build."""

    #: Each dump's record, in the order of the rows.
    files: tuple[OutputFile, ...]
    #: Every statement written: the default graph's and each named graph's.
    statements: int
    #: The statements about the dataset, as N-Triples lines (for ``void.ttl``).
    about_lines: list[bytes]
    #: Seconds per row's step, as the writer measured them.
    timings: dict[str, float] = field(default_factory=dict)


class DumpWriter:
    """Writes the dump rows of a release into ``directory``, in a second process if large."""

    def __init__(
        self,
        dumps: Dumps,
        rows: Sequence[release.ReleaseFile],
        directory: Path,
        *,
        named_graphs: bool,
        runs: Path,
    ) -> None:
        self._dumps = dumps
        self._rows = [row for row in rows if row.dump]
        self._directory = directory
        self._named = named_graphs
        self._written: DumpsWritten | None = None
        self._child: subprocess.Popen[bytes] | None = None
        if dumps.default.on_disk or len(dumps.default) >= CHILD_FROM:
            self._child = self._start(runs)

    @property
    def in_child(self) -> bool:
        """Whether a second process writes the dumps."""
        return self._child is not None

    def result(self) -> DumpsWritten:
        """The records of the dumps, once written (waits for the child; raises its error)."""
        if self._written is None:
            self._written = self._wait() if self._child is not None else _write(self._request())
        return self._written

    def stop(self) -> None:
        """Terminate the child if it still runs (the build failed or was interrupted)."""
        child, self._child = self._child, None
        if child is None:
            return
        if child.poll() is None:
            child.terminate()
        child.communicate()

    def _request(self) -> _Request:
        return _Request(self._dumps, [r.name for r in self._rows], self._named)

    def _start(self, runs: Path) -> subprocess.Popen[bytes]:
        dumps = self._dumps
        request: dict[str, Any] = {
            "default": [],
            "ntriples": None,
            "named": None
            if dumps.named is None
            else [str(p) for p in dumps.named.runs(runs / "named")],
            "directory": str(self._directory),
            "ntriples_name": dumps.ntriples.name,
            "about": dumps.about,
            "rows": [row.name for row in self._rows],
            "named_graphs": self._named,
        }
        if dumps.default.on_disk:  # the child merges the runs
            request["default"] = [str(p) for p in dumps.default.runs(runs / "default")]
        else:  # joining the lines held here is cheaper than writing them out for the child
            dumps.write_source()
            request["ntriples"] = {
                "count": dumps.default_count,
                "about_lines": [line.decode() for line in dumps.about_lines],
            }
        package = str(Path(treatykg.__file__).resolve().parent.parent)
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [package, *filter(None, [environment.get("PYTHONPATH")])]
        )
        child = subprocess.Popen(
            [sys.executable, "-c", "from treatykg.publish.dump_process import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )
        assert child.stdin is not None
        child.stdin.write(json.dumps(request).encode() + b"\n")
        child.stdin.flush()  # kept open: the child exits when it closes
        return child

    def _wait(self) -> DumpsWritten:
        child = self._child
        assert child is not None and child.stdout is not None
        answer = child.stdout.readline()
        self.stop()
        try:
            message = json.loads(answer)
        except ValueError:
            raise DumpProcessError(
                f"the process writing the dumps stopped (exit code {child.returncode})"
            ) from None
        if "error" in message:
            raise DumpProcessError(f"writing the dumps failed: {message['error']}")
        return DumpsWritten(
            tuple(OutputFile(**f) for f in message["files"]),
            message["statements"],
            [line.encode() for line in message["about_lines"]],
            message["timings"],
        )


class DumpProcessError(TreatykgError):
    """The process writing the dumps failed (a full disk, say): nothing was published."""

    exit_code = 2


@dataclass
class _Request:
    dumps: Dumps
    rows: list[str]
    named_graphs: bool


def _write(request: _Request) -> DumpsWritten:
    """Write the rows named in ``request`` (in this process: the parent's, or the child's)."""
    timings: dict[str, float] = {}
    files = []
    sources = release.Sources(published=None, dumps=request.dumps)  # type: ignore[arg-type]
    directory = request.dumps.ntriples.parent
    for name in request.rows:
        row = release.BY_NAME[name]
        started = time.perf_counter()
        row.write(sources, directory / name)
        files.append(row.record(directory / name, request.named_graphs))
        timings[row.step] = timings.get(row.step, 0.0) + time.perf_counter() - started
    statements = len(request.dumps)
    return DumpsWritten(tuple(files), statements, list(request.dumps.about_lines), timings)


def main() -> None:
    """The child: read the request, write the dumps, answer with their records."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides, and terminates us
    request = json.loads(sys.stdin.buffer.readline())
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    named = request["named"]
    dumps = Dumps(
        SortedLines([], [Path(p) for p in request["default"]]),
        None if named is None else SortedLines([], [Path(p) for p in named]),
        Path(request["directory"]),
        ntriples_name=request["ntriples_name"],
        about=request["about"],
    )
    if request["ntriples"] is not None:
        written = request["ntriples"]
        dumps.adopt(written["count"], [line.encode() for line in written["about_lines"]])
    try:
        written = _write(_Request(dumps, request["rows"], request["named_graphs"]))
    except Exception as error:  # every failure goes to the parent, which reports it
        answer: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"}
    else:
        answer = {
            "files": [asdict(f) for f in written.files],
            "statements": written.statements,
            "about_lines": [line.decode() for line in written.about_lines],
            "timings": written.timings,
        }
    sys.stdout.buffer.write(json.dumps(answer).encode() + b"\n")
    sys.stdout.buffer.flush()
    os._exit(0)  # not a normal exit: the thread reading stdin would block the shutdown


def _exit_when_orphaned() -> None:
    """Exit as soon as the parent closes our stdin, or dies."""
    sys.stdin.buffer.read()
    os._exit(1)
