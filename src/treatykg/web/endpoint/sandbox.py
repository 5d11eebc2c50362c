"""What the operating system holds a query process to, beyond what the query checks refuse.

A query that got past every check must still not take the machine with it. Each worker:

* dies with the server (Linux ``PR_SET_PDEATHSIG``): no orphan keeps a dump in memory;
* lives in an empty network namespace where Linux allows it, so that a ``SERVICE`` the
  checks missed finds no network;
* may allocate only a fixed budget beyond the store it loaded (``RLIMIT_DATA``): a query that
  wants more crashes its worker, not the machine. ``RLIMIT_DATA`` (not ``RLIMIT_AS``) counts
  the heap and private writable mappings, not mapped files or the page cache: a store on
  disk is read with ``pread`` through the page cache (RocksDB maps none of its files), which
  all workers share and which costs none of the budget. What a store on disk does allocate,
  RocksDB's caches, is allowed for on top (:data:`treatykg.web.endpoint.disk_store.CACHES`);
* runs a long query at a lower CPU priority, so that short queries and the server's own
  event loop come first on a machine with few cores.

The stack is the remaining limit: queries run on a thread whose stack is sized for the
largest query the size cap admits (:func:`treatykg.sparql.execute.on_query_stack`, called by
:mod:`treatykg.web.endpoint.worker`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

if sys.platform != "win32":  # Windows has no resource module: no memory cap for workers
    import resource

#: The CPU niceness of a worker running a long query: on a machine with few cores, the short
#: queries and the server's own event loop come first.
LONG_QUERY_NICENESS = 10


def set_priority(pid: int | None, niceness: int) -> bool:
    """Set a worker process's CPU niceness; False where the system does not allow it."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid or 0, niceness)
    except (OSError, AttributeError):
        return False
    return True


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """Linux: have the kernel kill this worker if the server dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            _libc().prctl(1, signal.SIGKILL, 0, 0, 0)


def unshare_network() -> bool:
    """Linux, best effort: move this process into a new, empty network namespace (as its own
    unprivileged user namespace when needed), where no socket reaches anything. Whatever the
    query checks miss, a worker then cannot fetch. False where the kernel does not allow it."""
    if not sys.platform.startswith("linux"):
        return False
    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    try:
        libc = _libc()
        return any(
            libc.unshare(flags) == 0 for flags in (clone_newuser | clone_newnet, clone_newnet)
        )
    except (OSError, AttributeError):
        return False


def limit_memory(budget: int) -> None:
    """Cap the data this process may allocate at what it holds now plus ``budget``: a query that
    wants more makes its allocation fail (and its worker die), not the machine swap."""
    if sys.platform == "win32":
        return
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData"))
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        soft = held + budget if hard == resource.RLIM_INFINITY else min(held + budget, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    except (OSError, ValueError, StopIteration):
        pass
