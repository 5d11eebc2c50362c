"""The endpoint's on-disk store: one per dump, made once, opened read-only by every worker.

Workers that each load the dump into memory hold a copy each (about 0.45 GB per million
triples), so memory grows with workers × triples. A RocksDB store on disk opened with
``pyoxigraph.Store.read_only`` is shared instead: its files are read through the kernel's page
cache, once for all workers, and each worker keeps only RocksDB's own caches (about 50 MB at
start, 200 MB after every bundled query and a full scan of 3 million triples).

Bulk loading a store on disk takes longer than loading one in memory (about 15 s per million
triples here), more than a server may take to start at ten million, so a store is made once and
kept (:func:`prepare_store`):

* in a directory of stores, by default the user's cache (``$XDG_CACHE_HOME/treatykg/stores``),
  not beside the build: a build directory is what gets published (copied to a web host,
  archived), which a store of gigabytes that only this pyoxigraph can read must not ride along
  with, and it may be read-only. The cache survives rebuilding the build;
* named after the dump's SHA-256 (the one the build's ``manifest.json`` lists, else computed)
  and the pyoxigraph version (its storage format may change between versions), so that a new
  build or a new pyoxigraph never opens a stale store;
* built in a temporary directory beside its final place and renamed there once complete (and
  flushed to disk), so that a store under its final name is always whole: a build killed
  halfway leaves a ``.partial`` directory that nothing opens and the next build removes;
* by one process at a time per store (a lock file that the kernel releases when its holder
  dies), so that two servers starting together build it once.

A complete store is never written again (RocksDB calls opening one read-only while another
process writes it undefined behaviour).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from treatykg.errors import InputError

if sys.platform != "win32":  # Windows has no flock: concurrent builders are not serialized
    import fcntl

#: The file inside a store's directory that says what it holds; RocksDB ignores files whose
#: names are not its own.
INFO = "treatykg-store.json"

#: A store being built: ``.<name>.<random>.partial`` in the directory of stores.
PARTIAL = ".partial"

#: Dumps up to this size are loaded into memory by each worker, larger ones served from one
#: store on disk. In memory a store takes about 3 bytes per byte of N-Triples, and a pool has
#: 4 copies (2 workers, a spare, the warm-up's process): 64 MiB keeps them under 1 GB, loaded
#: in about 2 s each (about 430,000 triples). The documents and pages of a build follow the
#: same rule (:class:`treatykg.web.documents.Documents`): a dump this large is too large to
#: hold in memory as an rdflib graph (about 1.4 GB per million triples) as well.
IN_MEMORY_MAX_BYTES = 64 * 1024 * 1024

#: What a worker's RocksDB caches may grow to as queries read the store, beyond what it holds
#: once open: a block cache of 32 MiB shared by the quad indexes and one of 128 MiB for the
#: strings (Oxigraph's settings, as the store's LOG file lists them), plus index and filter
#: blocks (about 2 MiB per million triples). Measured: 160 MiB after every bundled query and
#: a full scan of 3 million triples. The memory cap of a worker on disk allows for it, so that
#: a query keeps its whole budget however warm the caches are.
CACHES = 256 * 1024 * 1024


@dataclass(frozen=True)
class StoreInfo:
    """What a prepared store holds, read from its :data:`INFO` file (counting the triples
    of a store on disk reads all of it: seconds at ten million)."""

    triples: int
    named_graphs: bool


def dump_of(build: Path) -> Path:
    """The dump a build's store holds: the build's N-Triples, else its Turtle."""
    dump = Path(build) / "treatykg.nt"
    return dump if dump.is_file() else Path(build) / "treatykg.ttl"


def on_disk(dump: Path, store: Path | None = None, in_memory: bool | None = None) -> bool:
    """Whether ``dump`` is read from its store on disk rather than loaded into memory: as
    ``in_memory`` says if it is given, else on disk if a directory of stores (``store``) is
    given or the dump is larger than :data:`IN_MEMORY_MAX_BYTES`."""
    if in_memory is not None:
        return not in_memory
    if store is not None:
        return True
    try:
        return Path(dump).stat().st_size > IN_MEMORY_MAX_BYTES
    except OSError:  # no dump: whoever reads it says so
        return False


def default_directory() -> Path:
    """Where stores are kept unless told otherwise: ``$XDG_CACHE_HOME/treatykg/stores``
    (``~/.cache/treatykg/stores``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "treatykg" / "stores"


def dump_checksum(dump: Path) -> str:
    """The dump's SHA-256: the one its build's ``manifest.json`` lists (instant), if that
    entry names it with its current size, else computed (a second or two per GB)."""
    manifest = dump.parent / "manifest.json"
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        listed = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in listed.get("files", []):
            if entry.get("name") == dump.name and entry.get("bytes") == dump.stat().st_size:
                checksum = str(entry["sha256"]).lower()
                if len(checksum) == 64 and all(c in "0123456789abcdef" for c in checksum):
                    return checksum
    digest = hashlib.sha256()
    with open(dump, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def store_name(checksum: str) -> str:
    """The name of the store of a dump with this SHA-256, for the pyoxigraph that reads it."""
    return f"{checksum}-oxigraph-{ox.__version__}"


def find_store(dump: Path, directory: Path | None = None) -> Path | None:
    """The complete on-disk store of ``dump`` in ``directory`` (default
    :func:`default_directory`), or None if there is none yet."""
    directory = Path(directory) if directory is not None else default_directory()
    found = directory / store_name(dump_checksum(Path(dump)))
    return found if (found / INFO).is_file() else None


def prepare_store(dump: Path, directory: Path | None = None) -> Path:
    """The on-disk store of ``dump`` in ``directory`` (default :func:`default_directory`),
    built first if there is none yet; the path to give ``pyoxigraph.Store.read_only``.

    Cheap when the store exists (the checksum is read from the build's manifest); otherwise
    this bulk loads the dump (about 15 s per million triples) into a temporary directory and
    renames it into place, so that no half-built store is ever found under the final name.
    """
    dump = Path(dump)
    if not dump.is_file():
        raise InputError(str(dump), "no such file")
    kind = ox.RdfFormat.from_extension(dump.suffix.lstrip("."))
    if kind is None:
        raise InputError(str(dump), "not an RDF file this endpoint can load")
    directory = Path(directory) if directory is not None else default_directory()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(str(directory), f"cannot make the store directory: {error}") from None
    checksum = dump_checksum(dump)
    name = store_name(checksum)
    final = directory / name
    if (final / INFO).is_file():
        return final
    with _building(directory, name):
        if (final / INFO).is_file():  # another process built it while we waited
            return final
        for leftover in directory.glob(f".{name}.*{PARTIAL}"):
            shutil.rmtree(leftover, ignore_errors=True)  # killed builds: we hold the lock
        partial = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=PARTIAL, dir=directory))
        try:
            partial.chmod(0o755)  # mkdtemp's 0700 would hide it from a server run as another user
            _build(dump, kind, checksum, partial)
            os.rename(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _sync(directory)
    return final


def read_info(store: Path) -> StoreInfo:
    """What a prepared store holds (raises :class:`InputError` if it is not one)."""
    try:
        info = json.loads((Path(store) / INFO).read_text(encoding="utf-8"))
        return StoreInfo(int(info["triples"]), bool(info["named_graphs"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(str(store), "not a store made by treatykg serve") from None


def _build(dump: Path, kind: ox.RdfFormat, checksum: str, folder: Path) -> None:
    """Bulk load ``dump`` into a new store in ``folder``, write what it holds, and flush it all
    to disk (the rename that follows must publish a whole store, even after a power cut)."""
    store = ox.Store(str(folder))
    try:
        store.bulk_load(path=str(dump), format=kind)
        store.flush()
        info = {
            "dump": str(dump.resolve()),
            "sha256": checksum,
            "pyoxigraph": ox.__version__,
            "triples": len(store),
            "named_graphs": next(iter(store.named_graphs()), None) is not None,
        }
    finally:
        del store  # closes the database: nothing writes into the folder after this
    (folder / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    for path in folder.iterdir():
        if path.is_file():
            _sync(path)
    _sync(folder)


def _sync(path: Path) -> None:
    """fsync a file or a directory (where the system allows opening a directory)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextlib.contextmanager
def _building(directory: Path, name: str) -> Iterator[None]:
    """Hold the lock of the store ``name``: one builder at a time; the kernel releases it if
    its holder dies, so a killed build never blocks the next."""
    if sys.platform == "win32":
        yield
        return
    with open(directory / f".{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


__all__ = [
    "CACHES",
    "IN_MEMORY_MAX_BYTES",
    "StoreInfo",
    "default_directory",
    "dump_checksum",
    "dump_of",
    "find_store",
    "on_disk",
    "prepare_store",
    "read_info",
]
