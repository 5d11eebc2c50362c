"""A changeset as an RDF Patch (https://afs.github.io/rdf-delta/rdf-patch), and back.

Why RDF Patch: it is the one line-based patch format for RDF that stores and tools read (Apache
Jena's RDF Delta replays it; each row is a keyword and an N-Triples/N-Quads statement, so any
reader of N-Triples reads it). The file is one transaction (``TX`` … ``TC``): for each resource
in turn, its ``D`` (delete) rows, then its ``A`` (add) rows.

The headers say what the patch applies to, so that it can be checked before it is applied:

=================  ===============================================================
``H id``           the patch's own identifier, a UUID made from both releases' dumps
``H from``/``to``  the versions' IRIs (when the releases say their version)
``H fromTriples``  statements in the release the patch applies to
``H toTriples``    statements in the release it gives
``H fromSha256``   the SHA-256 of the old release's ``treatykg.nt`` (and ``toSha256``)
=================  ===============================================================

Blank nodes: RDF Patch names them by label, as the store that keeps them does. The ``D`` rows
of a molecule carry the old release's labels, and its ``A`` rows fresh ones; ``treatykg load
--update`` does not rely on labels, it matches removed blank nodes by their content.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from treatykg.changes.diff import Changeset
from treatykg.changes.molecules import parse_line
from treatykg.changes.releases import version_iri
from treatykg.errors import InputError
from treatykg.rdf import formats

#: The suffix and media type of an RDF Patch file (the row of :mod:`treatykg.rdf.formats`).
SUFFIX = formats.BY_KEY["rdf-patch"].suffix
MEDIA_TYPE = formats.BY_KEY["rdf-patch"].media_type
_INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
#: The namespace of the patch identifiers (a UUID 5 of both dumps' SHA-256).
_NAMESPACE = uuid.UUID("7b1c2a3e-5f0d-4c1e-9a8b-2d6f4e0c9b71")


def patch_id(changeset: Changeset) -> str:
    """A URN that names the patch and is the same whenever the same two releases are diffed."""
    seed = f"{changeset.old_sha256}\n{changeset.new_sha256}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, seed)}"


def write(changeset: Changeset) -> bytes:
    """The RDF Patch of ``changeset``: deterministic, so two diffs of the same releases are
    byte-identical."""
    rows = [f"H id <{patch_id(changeset)}> ."]
    if changeset.old_version is not None:
        rows.append(f"H from <{version_iri(changeset.old_version)}> .")
    if changeset.new_version is not None:
        rows.append(f"H to <{version_iri(changeset.new_version)}> .")
    rows.append(f'H fromTriples "{changeset.before}"^^{_INTEGER} .')
    rows.append(f'H toTriples "{changeset.after}"^^{_INTEGER} .')
    if changeset.old_sha256:
        rows.append(f'H fromSha256 "{changeset.old_sha256}" .')
    if changeset.new_sha256:
        rows.append(f'H toSha256 "{changeset.new_sha256}" .')
    out = ("\n".join(rows) + "\nTX .\n").encode()
    body = bytearray()
    for group in changeset.groups:
        for line in group.removed:
            body += b"D " + line + b"\n"
        for line in group.added:
            body += b"A " + line + b"\n"
    return out + bytes(body) + b"TC .\n"


@dataclass
class Patch:
    """An RDF Patch as read: its headers (keyword → N-Triples term) and its rows in order."""

    headers: dict[str, str] = field(default_factory=dict)
    #: (``A`` or ``D``, the statement as an N-Triples/N-Quads line).
    rows: list[tuple[str, bytes]] = field(default_factory=list)

    def integer(self, name: str) -> int | None:
        """The integer header ``name`` (``fromTriples``), if the patch has it."""
        value = self.headers.get(name)
        if value is None:
            return None
        try:
            return int(value.split('"')[1])
        except (IndexError, ValueError):
            return None

    @property
    def removed(self) -> list[bytes]:
        return [line for op, line in self.rows if op == "D"]

    @property
    def added(self) -> list[bytes]:
        return [line for op, line in self.rows if op == "A"]


def read(path: Path) -> Patch:
    """The RDF Patch at ``path``. Only what a changeset holds is accepted: headers, one
    transaction, ``A`` and ``D`` rows (prefix rows are ignored); anything else is an
    :class:`InputError` naming the line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), f"cannot read it: {error.strerror or error}") from None
    return parse(data.splitlines(), str(path))


def parse(lines: Iterable[bytes], shown: str) -> Patch:
    patch = Patch()
    state = "headers"
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        op, _, rest = line.partition(b" ")
        rest = rest.strip()
        if op == b"H" and state == "headers":
            name, _, value = rest.decode("utf-8", "replace").partition(" ")
            patch.headers[name] = value.removesuffix(".").strip()
        elif op == b"TX" and state == "headers":
            state = "body"
        elif op in (b"A", b"D") and state in ("headers", "body"):
            try:
                parse_line(rest)
            except (SyntaxError, ValueError) as error:
                message = str(error).splitlines()[0]
                raise InputError(shown, f"not an N-Triples statement: {message}", number) from None
            patch.rows.append((op.decode(), rest))
        elif op in (b"PA", b"PD") and state != "done":
            continue
        elif op == b"TC" and state == "body":
            state = "done"
        elif op == b"TA":
            raise InputError(
                shown, "the patch aborts its transaction (TA): nothing to apply", number
            )
        else:
            what = op.decode("utf-8", "replace")
            raise InputError(shown, f"unexpected {what!r} row here", number)
    if state == "body":
        raise InputError(shown, "the transaction is never committed (no TC row): truncated?")
    return patch
