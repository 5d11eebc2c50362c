"""Sorting more lines than memory should hold: sorted runs in temporary files, merged.

The linking files are sorted text (``wikidata.nt`` by subject, the TSV tables by IRI) whose
lines are made batch by batch in no useful order. Holding them all until the end made the
link stage's memory grow with the dataset (about 1 GB at a million triples); here at most
``budget`` bytes of lines are held, then sorted and written to an anonymous temporary file
(a *run*), and the runs are merged at the end, reading each one line at a time. A dataset
whose lines fit in the budget never touches the disk.

Lines are ``str`` ending in ``"\\n"`` with no other newline; they sort as Python sorts
strings (by code point, which is also the order of their UTF-8 bytes).
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Iterator
from types import TracebackType
from typing import IO

#: Bytes of lines held before a run is written: a few tens of MB keeps the number of runs
#: small (about one per 30 MB of output) and the memory well below the rest of a build's.
BUDGET = 32 << 20

#: What Python spends on each line besides its characters (the str header and the list slot).
_OVERHEAD = 64

#: Lines joined per write: large enough for few calls, small enough not to copy a whole run.
_CHUNK = 4096


class SortedLines:
    """Lines added in any order, read back sorted (:meth:`merged`), in bounded memory.

    Use as a context manager: the runs are closed (and so deleted) on exit.
    """

    def __init__(self, budget: int | None = None) -> None:
        self._budget = BUDGET if budget is None else budget  # read now: tests lower it
        self._held: list[str] = []
        self._size = 0
        self._runs: list[IO[str]] = []

    def add(self, line: str) -> None:
        """Add one line (ending in ``"\\n"``); a run is written when the budget is spent."""
        self.extend([line])

    def extend(self, lines: list[str]) -> None:
        """Add lines (each ending in ``"\\n"``); a run is written when the budget is spent."""
        self._held += lines
        self._size += sum(map(len, lines)) + _OVERHEAD * len(lines)
        if self._size > self._budget:
            self._spill()

    def _spill(self) -> None:
        """Sort the held lines and write them as a run, in chunks (no copy of the whole run)."""
        held = self._held
        held.sort()
        run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._runs.append(run)
        for start in range(0, len(held), _CHUNK):
            run.write("".join(held[start : start + _CHUNK]))
        run.seek(0)
        self._held = []
        self._size = 0

    def merged(self) -> Iterator[str]:
        """Every line added, sorted (equal lines are all kept). Call once, after the last add."""
        self._held.sort()
        if not self._runs:
            return iter(self._held)
        return heapq.merge(*self._runs, self._held)

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._held = []

    def __enter__(self) -> SortedLines:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
