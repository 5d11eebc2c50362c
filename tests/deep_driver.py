"""Run queries the way ``treatykg query`` runs them, and say how each went: the process that
``tests/sparql/test_deep_queries.py`` feeds and watches for death (a SIGSEGV kills it, not pytest).

Reads one JSON object a line on stdin and answers one a line on stdout:

* ``{"text": "ASK {…}", "within": 2.0}``: checked (:func:`treatykg.sparql.guard.check`) and run on
  the bundled data with the result written as the default table, as ``treatykg query FILE``
  does. The answer: ``outcome`` ("ok"; "refused": a TreatykgError, which the CLI prints as
  one line; or "bug": anything else, which the CLI would show as a traceback), ``exit`` (the
  CLI's exit code), ``message``, ``seconds``, ``stack`` (the bytes of stack the query
  touched, parsing to freeing its result) and ``budget`` (the stack the CLI gives a query of
  that size). A query still running after ``within`` seconds (if given) is answered
  ``{"outcome": "slow"}``, and the process exits: pyoxigraph cannot be stopped.
* ``{"shacl": "SELECT $this WHERE {…}"}``: ``treatykg validate`` of a small graph with a shape
  whose SPARQL constraint is that query (pyshacl-turbo, the fast engine, or pySHACL for what
  the fast engine leaves), answering ``outcome`` and ``exit`` likewise.

Each query runs on a fresh thread (:func:`treatykg.sparql.execute.on_query_stack`, with the stack of
the largest query), on which ``execute.run`` then runs inline: the stack that thread touched is
what the query took, read from ``/proc/self/smaps``.

The process may use :data:`MEMORY` more than it holds once loaded (writable memory, which
counts the stacks reserved): some short queries make pyoxigraph allocate without end, and
they must not make the machine swap. Such a query ends the process with SIGABRT and Rust's
"memory allocation of … failed" on stderr (a stack overflow is a SIGSEGV).
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any

from treatykg.errors import TreatykgError
from treatykg.sparql import execute, guard, results

MEMORY = 4 * 1024**3
DATA = "@prefix ex: <http://example.org/> . ex:a ex:p 1 .\n"
SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select {select} ] .
"""


class _Attributes(ctypes.Structure):
    _fields_ = [("opaque", ctypes.c_char * 128)]  # pthread_attr_t, 56 bytes on x86-64


def _stack_range() -> tuple[int, int] | None:
    """The current thread's stack, as glibc mapped it (None elsewhere)."""
    try:
        libc = ctypes.CDLL(None)
        libc.pthread_self.restype = ctypes.c_ulong
        attributes = _Attributes()
        if libc.pthread_getattr_np(ctypes.c_ulong(libc.pthread_self()), ctypes.byref(attributes)):
            return None
        address, size = ctypes.c_void_p(), ctypes.c_size_t()
        libc.pthread_attr_getstack(
            ctypes.byref(attributes), ctypes.byref(address), ctypes.byref(size)
        )
        libc.pthread_attr_destroy(ctypes.byref(attributes))
    except (OSError, AttributeError):
        return None
    return address.value or 0, (address.value or 0) + size.value


def _resident(bounds: tuple[int, int] | None) -> int:
    """The bytes of the mappings within ``bounds`` that have been touched (their Rss)."""
    if bounds is None:
        return 0
    low, high = bounds
    total, inside = 0, False
    with open("/proc/self/smaps", encoding="ascii") as smaps:
        for line in smaps:
            head = line.split(maxsplit=1)[0]
            if "-" in head and not head.endswith(":"):
                start, end = (int(part, 16) for part in head.split("-"))
                inside = start < high and end > low
            elif inside and head == "Rss:":
                total += int(line.split()[1]) * 1024
    return total


def _run(text: str, store: Any) -> dict[str, Any]:
    bounds = _stack_range()
    before = _resident(bounds)
    started = time.perf_counter()
    try:
        guard.check(text)
        rows = execute.run(
            text,
            store,
            source="q.rq",
            then=lambda result: results.write(result, "table", io.StringIO(), width=None),
        )
        outcome, code, message = "ok", 0, f"{rows} rows"
    except TreatykgError as error:
        outcome, code, message = "refused", error.exit_code, str(error)
    except Exception:  # the CLI would let it through: a traceback
        outcome, code, message = "bug", 1, traceback.format_exc()
    return {
        "outcome": outcome,
        "exit": code,
        "message": message,
        "seconds": time.perf_counter() - started,
        "stack": _resident(bounds) - before,
        "budget": execute.stack_bytes(len(text.encode("utf-8", "surrogatepass"))),
    }


def _validate(select: str) -> dict[str, Any]:
    from rdflib import Graph, Literal

    from treatykg.validation.validate import validate

    shapes = SHAPES.replace("{select}", Literal(select).n3())
    started = time.perf_counter()
    try:
        report = validate(
            Graph().parse(data=DATA, format="turtle"),
            shapes=Graph().parse(data=shapes, format="turtle"),
            ontology=Graph(),
        )
        outcome, code, message = "ok", 0 if report.conforms else 1, report.engine
    except TreatykgError as error:
        outcome, code, message = "refused", error.exit_code, str(error)
    except Exception:
        outcome, code, message = "bug", 1, traceback.format_exc()
    return {
        "outcome": outcome,
        "exit": code,
        "message": message,
        "seconds": time.perf_counter() - started,
    }


def _limit_memory() -> None:
    """As the endpoint caps its workers: writable memory (heap, thread stacks), not address
    space (glibc reserves 64 MiB of it for each thread's allocator)."""
    with open("/proc/self/status", encoding="ascii") as status:
        held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData"))
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = held + MEMORY if hard == resource.RLIM_INFINITY else min(held + MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _answer(answer: dict[str, Any], lock: threading.Lock, said: list[bool]) -> None:
    """Print one answer, unless one was printed for this request already."""
    with lock:
        if not said:
            said.append(True)
            print(json.dumps(answer), flush=True)


def _give_up(lock: threading.Lock, said: list[bool]) -> None:
    """The query took too long: say so and exit (a thread in pyoxigraph cannot be stopped)."""
    _answer({"outcome": "slow", "exit": None, "message": ""}, lock, said)
    os._exit(0)


def main() -> None:
    store = execute.embedded_store()
    _limit_memory()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        lock, said = threading.Lock(), []
        timer = None
        if request.get("within"):
            timer = threading.Timer(request["within"], _give_up, (lock, said))
            timer.daemon = True
            timer.start()
        if "shacl" in request:
            answer = execute.on_query_stack(_validate, request["shacl"])
        else:
            answer = execute.on_query_stack(_run, request["text"], store)
        if timer is not None:
            timer.cancel()
        _answer(answer, lock, said)


if __name__ == "__main__":
    main()
