"""Statements sorted into the dumps' order, in memory while they are few and on disk past that.

Why: the dumps list every statement once, in one total order (:func:`line_key`), and a
corpus of ten million statements is 1.5 GB of N-Triples: sorting it in memory would take more
than the Store that validates it. :class:`LineSorter` is an external merge sort. Blocks of
N-Triples lines come in, file by file, as the loader parses them; past a memory budget the
lines collected so far are sorted and written to a *run* file, and :class:`SortedLines` merges
the runs (and what is still in memory) into one deduplicated, sorted stream, which can be read
as many times as the writers need. A build of the bundled data never touches the disk.

The order is :func:`line_key`'s: N-Triples text order, with ``rdf:type`` before every other
predicate of its subject. The sorter keeps every line in its *key form* (the ``rdf:type``
predicate written as a NUL byte, which N-Triples always escapes inside literals), so that runs
sort and merge as plain bytes, the fastest comparison Python has, and turns it back on the way
out, a block of lines at a time.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import RDF

#: Bytes of lines (with Python's overhead per line) a sorter keeps in memory before it writes
#: them to a run file: 10M statements make about 6 runs, 1M none.
BUDGET = 256 * 1024 * 1024
#: Python's cost of one bytes object in a list, beyond its length.
_OVERHEAD = 33 + 8
#: Lines read from a run file at a time, while merging.
_READ_BUFFER = 1024 * 1024

_TYPE = f" <{RDF.type}> ".encode()
_KEY = b" \x00 "  # the rdf:type predicate in key form: a NUL, which N-Triples always escapes


def _to_key(block: bytes, terms: int) -> bytes:
    """``block`` with every rdf:type *predicate* in key form (an rdf:type object stays).

    A search for the IRI in C, and a check of each hit in Python: a block has one hit per
    typed subject, where a regular expression would step through every byte of every line.
    """
    parts: list[bytes] = []
    start = 0
    hit = block.find(_TYPE)
    while hit != -1:
        line = block.rfind(b"\n", 0, hit) + 1
        # The predicate follows the subject (and for quads the graph): single terms, no spaces.
        if block.count(b" ", line, hit) == terms - 1:
            parts += (block[start:hit], _KEY)
            start = hit + len(_TYPE)
        hit = block.find(_TYPE, hit + 1)
    if not parts:
        return block
    parts.append(block[start:])
    return b"".join(parts)


def _from_key(block: bytes) -> bytes:
    """The lines of ``block`` as written: a NUL is only ever a key-form rdf:type."""
    return block.replace(_KEY, _TYPE)


def line_key(line: bytes) -> bytes:
    """The order of statements in every file treatykg writes: N-Triples text order (terms
    are self-delimiting, so comparing lines compares subject, predicate and object in turn),
    except that rdf:type sorts before every other predicate of its subject, for readers
    (``a`` leads each subject, as people write Turtle). The key stays total."""
    return _to_key(line, 1)


def from_key(line: bytes) -> bytes:
    """A line (or block) in key form as written: the inverse of :func:`line_key`."""
    return _from_key(line)


def key_lines(path: Path, block_size: int = 1 << 20) -> Iterator[bytes]:
    """The statement lines of an N-Triples (or N-Quads) file in key form, without newlines,
    skipping blank and comment lines: a block at a time, so that the key form costs one
    search in C per block rather than a Python call per line."""
    with path.open("rb") as handle:
        rest = b""
        while block := handle.read(block_size):
            block = rest + block
            end = block.rfind(b"\n") + 1
            if not end:
                rest = block
                continue
            rest = block[end:]
            for line in _to_key(block[:end], 1).split(b"\n"):
                line = line.rstrip(b"\r")
                if line and not line.startswith(b"#"):
                    yield line
        if rest.strip() and not rest.startswith(b"#"):
            yield _to_key(rest.rstrip(b"\r\n"), 1)


class LineSorter:
    """Collects newline-ended N-Triples lines (or ``graph s p o .`` lines: ``terms=2``) and
    sorts them: :meth:`add` blocks of them, then :meth:`finish`."""

    def __init__(self, directory: Path, *, terms: int = 1, budget: int | None = None) -> None:
        self._directory = directory
        self._terms = terms
        self._budget = BUDGET if budget is None else budget  # read now: tests lower it
        self._lines: list[bytes] = []
        self._size = 0
        self._runs: list[Path] = []

    def add(self, block: bytes) -> None:
        """Add a block of whole lines, each ending with a newline."""
        if not block:
            return
        lines = _to_key(block, self._terms).split(b"\n")
        lines.pop()  # the empty string after the last newline
        self._lines += lines
        self._size += len(block) + _OVERHEAD * len(lines)
        if self._size > self._budget:
            self._spill()

    def finish(self) -> SortedLines:
        """The lines, deduplicated and sorted; the sorter is then empty.

        Once some lines are on disk, the rest go too: the build holds the sorted lines while
        it validates, and a budget's worth of memory is better left to the validation.
        """
        if self._runs and self._lines:
            self._spill()
        # A dict drops duplicates and keeps the input's order (a set would not): files give a
        # subject's statements together, and Python's sort is several times faster on runs.
        lines = sorted(dict.fromkeys(self._lines))
        self._lines, self._size = [], 0
        runs, self._runs = self._runs, []
        return SortedLines(lines, runs)

    def _spill(self) -> None:
        """Sort the lines in memory into a run file of their own, and forget them."""
        self._directory.mkdir(parents=True, exist_ok=True)
        run = self._directory / f"run-{len(self._runs):05d}"
        lines = sorted(dict.fromkeys(self._lines))
        self._lines, self._size = [], 0
        with run.open("wb") as handle:
            handle.write(b"\n".join(lines))
            handle.write(b"\n")
        self._runs.append(run)


class SortedLines:
    """Statements deduplicated and sorted (:func:`line_key`), readable as often as needed."""

    def __init__(self, lines: list[bytes], runs: list[Path]) -> None:
        self._lines = lines  # in key form, without newlines
        self._runs = runs  # sorted run files, in key form, newline-ended lines

    @property
    def on_disk(self) -> bool:
        """Whether some lines were written to run files (the data passed the budget)."""
        return bool(self._runs)

    def __len__(self) -> int:
        """Lines in memory (those in run files are not counted until read)."""
        return len(self._lines)

    def runs(self, directory: Path) -> list[Path]:
        """The run files, once the lines still in memory are written to one in ``directory``
        (and dropped from memory): another process can then read the same lines
        (``SortedLines([], runs)``)."""
        if self._lines:
            directory.mkdir(parents=True, exist_ok=True)
            run = directory / f"run-{len(self._runs):05d}"
            with run.open("wb") as handle:
                for start in range(0, len(self._lines), 65536):
                    handle.write(b"\n".join(self._lines[start : start + 65536]) + b"\n")
            self._runs.append(run)
            self._lines = []
        return list(self._runs)

    def blocks(self, lines_per_block: int = 65536) -> Iterator[bytes]:
        """The sorted lines, newline-ended, joined into blocks of up to ``lines_per_block``."""
        if not self._runs:
            for start in range(0, len(self._lines), lines_per_block):
                block = self._lines[start : start + lines_per_block]
                yield _from_key(b"\n".join(block) + b"\n")
            return
        batch: list[bytes] = []
        for line in self._merged():
            batch.append(line)
            if len(batch) == lines_per_block:
                yield _from_key(b"".join(batch))
                batch = []
        if batch:
            yield _from_key(b"".join(batch))

    def __iter__(self) -> Iterator[bytes]:
        """The sorted lines one at a time, without their newlines."""
        for block in self.blocks():
            lines = block.split(b"\n")
            lines.pop()
            yield from lines

    def remove(self) -> None:
        """Delete the run files (a build's staging directory goes anyway) and drop the lines
        held in memory: the lines are gone once the dumps are written."""
        for run in self._runs:
            run.unlink(missing_ok=True)
        self._runs = []
        self._lines = []

    def _merged(self) -> Iterator[bytes]:
        """Every run and the lines in memory merged, each line once, newline-ended."""
        handles = [run.open("rb", buffering=_READ_BUFFER) for run in self._runs]
        try:
            sources: list[Iterable[bytes]] = [*handles, (line + b"\n" for line in self._lines)]
            previous = None
            for line in heapq.merge(*sources):
                if line != previous:
                    yield line
                    previous = line
        finally:
            for handle in handles:
                handle.close()
