"""The dumps of a release (N-Triples, Turtle, N-Quads, TriG, JSON-LD) written from sorted
statements to files, a block at a time: the memory they take does not grow with the data.

Why files, not bytes: at ten million statements the N-Triples dump alone is 1.5 GB. The sorted
statements (:class:`~treatykg.rdf.sorted_lines.SortedLines`) are read once to write the
N-Triples file; every other format is then written by pyoxigraph parsing that file and
serializing as it goes (or, for JSON-LD, one subject at a time). The bytes are those
:class:`~treatykg.rdf.serialize.SortedStatements` writes in memory, which the tests check.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from itertools import groupby
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import pyoxigraph as ox

from treatykg.rdf.serialize import OUTPUT_PREFIXES, json_ld_node
from treatykg.rdf.sorted_lines import SortedLines

#: Bytes per write while copying files.
_COPY_BUFFER = 1024 * 1024


class Dumps:
    """The dumps of sorted statements: the default graph's, and the named graphs' if any.

    ``directory`` holds the files while they are written (a build's staging directory): the
    N-Triples file of the default graph is written first, at ``directory / ntriples_name``,
    and read back by the other formats. ``about`` names a subject whose statements are kept
    aside while that file is written (the dataset's, for its description).
    """

    def __init__(
        self,
        default: SortedLines,
        named: SortedLines | None,
        directory: Path,
        *,
        ntriples_name: str = "treatykg.nt",
        about: str | None = None,
    ) -> None:
        self.default = default
        self.named = named
        self._ntriples = directory / ntriples_name
        self._written = False
        #: The subject whose statements are kept aside (``about_lines``).
        self.about = about
        self._about = f"<{about}> ".encode() if about is not None else None
        #: The statements about ``about``, as N-Triples lines (once the N-Triples file exists).
        self.about_lines: list[bytes] = []
        #: Statements in the default graph (once the N-Triples file exists).
        self.default_count = 0

    @property
    def ntriples(self) -> Path:
        """Where the N-Triples file of the default graph is written (the other formats' source)."""
        return self._ntriples

    def write_source(self) -> None:
        """Write the N-Triples file that every other format reads, if not yet written."""
        self._write_ntriples()

    def adopt(self, default_count: int, about_lines: list[bytes]) -> None:
        """Take the N-Triples file at :attr:`ntriples` as written (by another process that
        held the sorted lines), with what writing it found."""
        self.default_count, self.about_lines, self._written = default_count, about_lines, True

    def __len__(self) -> int:
        """Every statement: the default graph's and each named graph's."""
        self._write_ntriples()
        return self.default_count + (0 if self.named is None else sum(1 for _ in self.named))

    def write_ntriples(self, path: Path) -> None:
        """N-Triples of the default graph (named graphs are in the N-Quads and TriG dumps)."""
        self._write_ntriples()
        if path != self._ntriples:
            shutil.copyfile(self._ntriples, path)

    def write_turtle(self, path: Path, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> None:
        """Turtle of the default graph, grouped by subject, with our sorted prefix header."""
        self._write_ntriples()
        with path.open("wb") as handle:
            header = _SortedHeader(handle, prefixes)
            ox.serialize(
                self._default_triples(),
                output=cast(IO[bytes], header),
                format=ox.RdfFormat.TURTLE,
                prefixes=dict(prefixes),
            )
            header.close()

    def write_nquads(self, path: Path) -> None:
        """N-Quads: the default graph first, then each named graph in order."""
        self._write_ntriples()
        with path.open("wb") as handle:
            _copy(self._ntriples, handle)
            for block in self._named_blocks():
                handle.write(block)

    def write_trig(self, path: Path, prefixes: Mapping[str, str] = OUTPUT_PREFIXES) -> None:
        """TriG: the default graph first, then each named graph once, in order."""
        self._write_ntriples()
        quads_file = path.with_name(path.name + ".nq")
        self.write_nquads(quads_file)
        try:
            with path.open("wb") as handle:
                header = _SortedHeader(handle, prefixes)
                ox.serialize(
                    ox.parse(path=quads_file, format=ox.RdfFormat.N_QUADS),
                    output=cast(IO[bytes], header),
                    format=ox.RdfFormat.TRIG,
                    prefixes=dict(prefixes),
                )
                header.close()
        finally:
            quads_file.unlink(missing_ok=True)

    def write_jsonld(self, path: Path) -> None:
        """Expanded JSON-LD, one node object per line (see
        :meth:`~treatykg.rdf.serialize.SortedStatements.jsonld`): a subject at a time, then
        each named graph as one node object."""
        self._write_ntriples()
        with path.open("wb") as handle:
            first = True
            for node in self._jsonld_nodes():
                handle.write(b"[\n" if first else b",\n")
                handle.write(node)
                first = False
            handle.write(b"[]\n" if first else b"\n]\n")

    # --- the N-Triples file every format reads ----------------------------------------------

    def _write_ntriples(self) -> None:
        if self._written:
            return
        count = 0
        with self._ntriples.open("wb") as handle:
            for block in self.default.blocks():
                handle.write(block)
                count += block.count(b"\n")
                if self._about is not None and self._about in block:
                    self.about_lines += [
                        line for line in block.split(b"\n") if line.startswith(self._about)
                    ]
        self.default_count = count
        self._written = True

    def _default_triples(self) -> Iterator[Any]:
        return ox.parse(path=self._ntriples, format=ox.RdfFormat.N_TRIPLES)

    def _named_blocks(self) -> Iterator[bytes]:
        """The named graphs' statements as N-Quads lines (graph last), in order."""
        if self.named is None:
            return
        for block in self.named.blocks():
            lines = block.split(b"\n")
            lines.pop()
            out = []
            for line in lines:
                graph, statement = line.split(b" ", 1)
                out.append(statement[:-2] + b" " + graph + b" .\n")
            yield b"".join(out)

    def _jsonld_nodes(self) -> Iterator[bytes]:
        for _node, triples in groupby(self._default_triples(), key=_subject):
            yield json_ld_node(triples)
        if self.named is None:
            return
        quads = ox.parse(b"".join(self._named_blocks()), format=ox.RdfFormat.N_QUADS)
        for _graph, in_graph in groupby(quads, key=_graph_name):
            yield json_ld_node(in_graph)


def _subject(triple: Any) -> Any:
    return triple.subject


def _graph_name(quad: Any) -> Any:
    return quad.graph_name


def _copy(source: Path, handle: BinaryIO) -> None:
    with source.open("rb") as read:
        shutil.copyfileobj(read, handle, _COPY_BUFFER)


class _SortedHeader:
    """A binary file wrapper that replaces pyoxigraph's prefix lines (longest namespace first)
    by ours, sorted by name, as :func:`~treatykg.rdf.serialize._with_sorted_header` does to
    bytes in memory; pyoxigraph writes through it (``ox.serialize(output=...)``)."""

    def __init__(self, handle: BinaryIO, prefixes: Mapping[str, str]) -> None:
        self._handle = handle
        self._ours = [f"@prefix {p}: <{ns}> .".encode() for p, ns in sorted(prefixes.items())]
        self._expected = len(prefixes)
        self._head = b""  # pyoxigraph's header, until it is complete
        self._header_done = not prefixes
        self._body = False

    def write(self, data: bytes) -> int:
        if not self._header_done:
            self._head += bytes(data)
            if self._head.count(b"\n") < self._expected:
                return len(data)
            *header, rest = self._head.split(b"\n", self._expected)
            if sorted(header) != sorted(self._ours):
                raise RuntimeError(f"unexpected prefix header from pyoxigraph: {header[:3]!r}…")
            self._header_done, self._head = True, b""
            if rest:
                self._start_body()
                self._handle.write(rest)
            return len(data)
        if data:
            self._start_body()
            self._handle.write(data)
        return len(data)

    def flush(self) -> None:
        self._handle.flush()

    def _start_body(self) -> None:
        if not self._body:
            if self._ours:
                self._handle.write(b"\n".join(self._ours) + b"\n\n")
            self._body = True

    def close(self) -> None:
        """Write our header alone if pyoxigraph wrote no statements (an empty graph)."""
        if self._head:  # pyoxigraph wrote part of a header and stopped
            raise RuntimeError(f"unexpected prefix header from pyoxigraph: {self._head[:80]!r}")
        if not self._body and self._ours:
            self._handle.write(b"\n".join(self._ours) + b"\n")
