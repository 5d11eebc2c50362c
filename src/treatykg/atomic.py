"""Publish a directory all at once: build it beside the target, then swap it in.

A release directory is read by people and by web servers while it is being replaced, and a
build can fail or be interrupted half-way. So the build writes into a staging directory next
to the target (same filesystem, so renames are cheap and atomic) and only a complete staging
directory replaces the target. The previous release is moved aside first and removed only
after the new one is in place; if the swap fails, it is moved back.

The target is only ever replaced if it is empty or looks like a previous build (it has the
marker file, ``manifest.json``): ``--out .`` or ``--out src`` must never wipe a user's files.

A build that is killed (SIGKILL, power loss) cannot delete its staging directory. The next
build removes what such builds left, and only that: every staging directory is held by an
exclusive lock on a file beside it (``….staging-XXXX.lock``) for as long as its build runs,
and the kernel drops the lock when the process dies, so a directory whose lock can be taken
belongs to no running build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: there, leftovers are not cleaned up
    fcntl = None  # type: ignore[assignment]

from treatykg.errors import UsageError

#: The file whose presence marks a directory as a treatykg build that may be replaced.
MARKER = "manifest.json"


def check_replaceable(out: Path) -> None:
    """Refuse to build into a path that exists and is not an earlier build."""
    if not out.exists():
        return
    if not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory; choose another --out")
    if any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(
            f"{out}: not empty and not a treatykg build (no {MARKER}); refusing to replace it. "
            "Choose another --out, or empty the directory first."
        )


#: A staging directory without a lock file is left alone this long (seconds): long enough
#: for the build that just made it to lock it; such directories come from killed builds of
#: treatykg versions that did not lock them.
_UNLOCKED_GRACE = 60.0


@contextmanager
def staging(out: Path, removed: list[Path] | None = None) -> Iterator[Path]:
    """Yield an empty staging directory beside ``out``; publish it to ``out`` on success.

    If the body raises (or is interrupted), the staging directory is deleted and ``out`` is
    left exactly as it was. Staging directories that builds killed earlier left beside
    ``out`` are removed first, and listed in ``removed``.
    """
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    found = remove_leftovers(out)
    if removed is not None:
        removed.extend(found)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    lock = _lock(stage)
    try:
        yield stage
        _swap_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        _unlock(stage, lock)


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the staging directories beside ``out`` that no running build holds."""
    if fcntl is None:
        return []
    removed = []
    for stage in sorted(out.parent.glob(f".{out.name}.staging-*")):
        if not stage.is_dir() or stage.is_symlink():
            continue
        lock_file = Path(f"{stage}.lock")
        if lock_file.exists():
            held = _try_lock(lock_file)
            if held is None:
                continue  # a running build holds it
            shutil.rmtree(stage, ignore_errors=True)
            lock_file.unlink(missing_ok=True)
            os.close(held)
        elif time.time() - stage.stat().st_mtime > _UNLOCKED_GRACE:
            shutil.rmtree(stage, ignore_errors=True)
        else:
            continue
        removed.append(stage)
    return removed


def _lock(stage: Path) -> int | None:
    if fcntl is None:
        return None
    descriptor = os.open(f"{stage}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


def _try_lock(lock_file: Path) -> int | None:
    """The lock file's descriptor, locked, or None if a live process holds it."""
    assert fcntl is not None
    descriptor = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def _unlock(stage: Path, descriptor: int | None) -> None:
    if descriptor is not None:
        Path(f"{stage}.lock").unlink(missing_ok=True)
        os.close(descriptor)


def _swap_in(stage: Path, out: Path) -> None:
    os.chmod(stage, 0o755)  # mkdtemp makes it private; a release is meant to be read
    if not out.exists():
        os.replace(stage, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    old.rmdir()
    os.replace(out, old)
    try:
        os.replace(stage, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
