"""The two sides of a diff: a build directory, a dump file, or a published release on the web.

Why sorted lines: every build writes ``treatykg.nt`` sorted (:func:`~treatykg.rdf.sorted_lines.
line_key`), so two builds are diffed by merging two sorted files, in one pass and in memory that
does not grow with the releases (a million statements take seconds). Anything else (a Turtle
file, a dump another tool wrote) is parsed and sorted first, as a build sorts its input.

A published release is read from its URL only when the user gives one: the diff fetches its
``manifest.json``, then the dumps it lists, and checks each against the manifest's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyoxigraph as ox

from treatykg.errors import InputError, UsageError
from treatykg.namespaces import DATASET, DCAT
from treatykg.rdf.load import load_quads
from treatykg.rdf.sorted_lines import key_lines, line_key

#: The dumps a build writes, which a diff reads: the default graph's, and the one that holds
#: the named graphs too (its default-graph lines are those of the first, so they are skipped).
DEFAULT_DUMP = "treatykg.nt"
NAMED_DUMP = "treatykg.nq"
DESCRIPTION = "void.ttl"
MANIFEST = "manifest.json"

#: Seconds a download of a published release may wait for the server.
TIMEOUT = 60.0
_BLOCK = 1 << 20


def version_iri(version: str) -> str:
    """The IRI of a version of the dataset: ``https://w3id.org/treatykg/dataset/version/0.2.0``."""
    return f"{DATASET}/version/{urllib.parse.quote(version, safe='')}"


@dataclass
class Side:
    """One side of a diff: its statements as sorted lines, and which version it is."""

    #: How the user named it (a path or a URL), for messages.
    shown: str
    #: The dataset's ``dcat:version`` in its ``void.ttl``, when it has one.
    version: str | None = None
    #: The SHA-256 of its default graph's dump, as a changeset records what it applies to.
    sha256: str | None = None
    #: The default graph's statements: the dump (read in order), or lines sorted here.
    _default: Path | None = None
    _sorted: list[bytes] | None = None
    #: The named graphs' statements (N-Quads lines), in key form, sorted.
    named: list[bytes] = field(default_factory=list)

    @property
    def version_iri(self) -> str | None:
        return version_iri(self.version) if self.version is not None else None

    def default_lines(self) -> Iterator[bytes]:
        """The default graph's statements in key form (:func:`~treatykg.rdf.sorted_lines.
        line_key`), in the dumps' order, each without its newline."""
        if self._sorted is not None:
            yield from self._sorted
            return
        assert self._default is not None
        yield from key_lines(self._default)

    def sort(self) -> None:
        """Sort the default graph's statements here: for a dump not in the dumps' order (not
        written by treatykg, or by a version that sorted otherwise)."""
        if self._sorted is None:
            self._sorted = sorted(set(self.default_lines()))


def open_side(spec: str, workdir: Path) -> Side:
    """The side ``spec`` names: a build directory (its ``treatykg.nt``, ``treatykg.nq`` and
    ``void.ttl``), an RDF file of any format treatykg reads, or an ``http(s)`` URL of either
    (a URL ending in ``/`` is a release directory). Downloads go into ``workdir``."""
    if spec.startswith(("http://", "https://")):
        return _open_path(_download(spec, workdir), spec)
    if spec.startswith(("ftp://", "file://")):
        raise UsageError(f"{spec}: give a local path or an http(s) URL")
    return _open_path(Path(spec), spec)


def _open_path(path: Path, shown: str) -> Side:
    if path.is_dir():
        return _open_build(path, shown)
    if not path.is_file():
        raise InputError(shown, "no such build directory or file")
    return _open_file(path, shown)


def _open_build(directory: Path, shown: str) -> Side:
    dump = directory / DEFAULT_DUMP
    if not dump.is_file():
        raise InputError(shown, f"not a build directory: it has no {DEFAULT_DUMP}")
    side = Side(shown, version=stated_version(directory / DESCRIPTION), sha256=_sha256(dump))
    side._default = dump  # checked as it is read: the diff sorts it if it is out of order
    named = directory / NAMED_DUMP
    if named.is_file():
        side.named = _named_lines(named, shown)
    return side


def _open_file(path: Path, shown: str) -> Side:
    """A dump in any format treatykg reads, parsed as a build parses its input (strict; an
    error names the file, line and column), then sorted."""
    default: list[bytes] = []
    named: list[bytes] = []
    for quad in load_quads([path]).quads():
        triple = f"{quad.subject} {quad.predicate} {quad.object}"
        if isinstance(quad.graph_name, ox.DefaultGraph):
            default.append(f"{triple} .".encode())
        else:
            named.append(f"{triple} {quad.graph_name} .".encode())
    return Side(
        shown,
        sha256=_sha256(path),
        _sorted=_sorted_lines(default),
        named=_sorted_lines(named),
    )


def _sorted_lines(lines: list[bytes]) -> list[bytes]:
    """``lines`` in key form, sorted, each once."""
    return sorted({line_key(line) for line in lines})


def _named_lines(path: Path, shown: str) -> list[bytes]:
    """The named graphs' statements of an N-Quads dump, sorted (its default graph is skipped:
    the N-Triples dump holds it)."""
    lines: list[bytes] = []
    try:
        with path.open("rb") as handle:
            for quad in ox.parse(handle, format=ox.RdfFormat.N_QUADS):
                if not isinstance(quad.graph_name, ox.DefaultGraph):
                    triple = f"{quad.subject} {quad.predicate} {quad.object}"
                    lines.append(f"{triple} {quad.graph_name} .".encode())
    except SyntaxError as error:
        raise InputError(shown, str(error).splitlines()[0]) from None
    return _sorted_lines(lines)


def stated_version(description: Path) -> str | None:
    """The ``dcat:version`` of the dataset that ``void.ttl`` describes, if it says one."""
    if not description.is_file():
        return None
    subject, predicate = ox.NamedNode(str(DATASET)), ox.NamedNode(str(DCAT.version))
    try:
        with description.open("rb") as handle:
            for triple in ox.parse(handle, format=ox.RdfFormat.TURTLE):
                if triple.subject == subject and triple.predicate == predicate:
                    return str(triple.object.value)
    except SyntaxError as error:
        raise InputError(str(description), str(error).splitlines()[0]) from None
    return None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# --- a published release ------------------------------------------------------------------


def _download(url: str, workdir: Path) -> Path:
    """``url`` saved under ``workdir``: a release directory (URL ending in ``/``: its manifest,
    dumps and description, each checked against the manifest) or one dump file."""
    if not url.endswith("/"):
        name = PurePosixPath(urllib.parse.urlsplit(url).path).name or "dump"
        target = workdir / name
        _fetch(url, target)
        return target
    directory = workdir / "release"
    directory.mkdir(parents=True, exist_ok=True)
    manifest_path = directory / MANIFEST
    _fetch(url + MANIFEST, manifest_path)
    try:
        listed = {f["name"]: f["sha256"] for f in json.loads(manifest_path.read_bytes())["files"]}
    except (ValueError, KeyError, TypeError):
        raise InputError(url + MANIFEST, "not a treatykg manifest") from None
    if DEFAULT_DUMP not in listed:
        raise InputError(url + MANIFEST, f"the release lists no {DEFAULT_DUMP}")
    for name in (DEFAULT_DUMP, NAMED_DUMP, DESCRIPTION):
        if name in listed:
            _fetch(url + name, directory / name)
            if _sha256(directory / name) != listed[name]:
                raise InputError(url + name, "its SHA-256 is not the one the manifest lists")
    return directory


def _fetch(url: str, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "treatykg-diff"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response, target.open("wb") as out:
            while block := response.read(_BLOCK):
                out.write(block)
    except urllib.error.HTTPError as error:
        raise InputError(url, f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise InputError(url, f"cannot download it: {reason}") from None
