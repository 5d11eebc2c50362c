"""Publish a directory all at once: build it beside the target, then swap it in.

A release directory is read by people and by web servers while it is being replaced, and a
build can fail or be interrupted half-way. So the build writes into a staging directory next
to the target (same filesystem, so renames are cheap and atomic) and only a complete staging
directory replaces the target. The previous release is moved aside first and removed only
after the new one is in place; if the swap fails, it is moved back.

The target is only ever replaced if it is empty or looks like a previous build (it has the
marker file, ``manifest.json``): ``--out .`` or ``--out src`` must never wipe a user's files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """Yield an empty staging directory beside ``out``; publish it to ``out`` on success.

    If the body raises (or is interrupted), the staging directory is deleted and ``out`` is
    left exactly as it was.
    """
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        yield stage
        _swap_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


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
