"""Run checked queries on the embedded store, each on a thread with a stack for its length.

pyoxigraph parses, optimises, evaluates and frees a query by recursion, so that a long chain
of almost anything (``!!!…``, ``1+1+…``, ``a/a/…``, ``{} UNION {} UNION …``, a collection of
thousands of items) overflows the native stack and kills the process, which no Python code can
catch. So every query runs on a thread whose stack is sized for its length
(:func:`on_query_stack`), which holds the deepest query of that length: no query that
:mod:`treatykg.sparql.guard` admits can overflow it. The endpoint's workers and the SHACL
engine run their queries the same way (:func:`on_query_stack`, :func:`query_threads`).

:func:`embedded_store` loads the store (the bundled sources, or a build's dump) and :func:`run`
runs one query on it; a syntax error comes back in words, with its line and column.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from treatykg import resources
from treatykg.errors import InputError, UsageError, syntax_cause
from treatykg.sparql import guard

#: The stack a query's thread gets per byte of query text (see :func:`stack_bytes`): 2.4 times
#: the most that any production of the SPARQL grammar was measured to need per byte of query,
#: with pyoxigraph 0.5.13 on x86-64, from parsing to freeing the result. Each level of a chain
#: costs the same at any depth; measured per level (tests/sparql_chains.py spells each chain):
#:
#: * a collection item, ``?s ?p (:?a:?a…)``: 6.3 KB (two triple patterns) for 1.5 bytes,
#:   4.2 KB per byte, the most of all; a reifier, ``?s ?p ?o ~~~…``: 3.1 KB for 1 byte;
#: * a triple pattern ``?s ?p ?o,1,1…``, a path step ``a/a/…`` (``^a/``, ``a*/``, ``!a/``…),
#:   a ``DESCRIBE`` term: 3.2 KB for 2 or 3 bytes (``a|a|…``: 0.8 KB); ``BIND``, ``MINUS``,
#:   ``VALUES``, ``GRAPH``, ``{…}{…}``, sub-selects, projected and grouped expressions: 3.2 KB
#:   for 7 bytes or more; ``UNION``, ``OPTIONAL``, ``LATERAL``: 1.3 KB for 7 or more;
#:   ``FILTER``, ``HAVING``: 0.9 KB for 3 or more;
#: * ``!``: 0.9 KB for 1 byte; ``||``, ``&&``: 0.9 KB for 3; ``+ - * /``: 1.2 KB for 2;
#: * a level of brackets: ``(``: 1.8 KB for 2 bytes, ``STR(``: 8.8 KB for 5, ``{``: 3.9 KB
#:   for 2, ``EXISTS{FILTER(``: 11.8 KB for 16;
#: * nothing per item of a flat list: ``IN (…)``, function arguments, ``VALUES`` rows,
#:   ``CONSTRUCT`` templates, ``ORDER BY``, a negated property set.
#:
#: Levels of different productions add up along the recursion, so a mix costs no more per byte
#: than its parts: a 64 KiB query needs at most 277 MB (64 KiB of collection items). The 8 MB
#: of a main thread overflowed at 10,000 ``!`` and 8,000 ``1+`` (and would at 1,300 items).
#: tests/sparql/test_deep_queries.py holds every production, and generated mixes, to half of this.
STACK_PER_BYTE = 10 * 1024
#: What any query needs besides (Python's frames, pyoxigraph's fixed costs: ~30 KB measured).
_STACK_BASE = 16 * 1024 * 1024
_MIB = 1024 * 1024
_T = TypeVar("_T")


def embedded_store(build: Path | None = None) -> ox.Store:
    """An in-memory pyoxigraph store with the bundled ontology and data, or a build's dump.

    A build directory is read from its N-Quads dump when it has one (named graphs kept),
    else from its Turtle dump. Queries see the union of all graphs as their default graph.
    """
    store = ox.Store()
    if build is None:
        paths = [*resources.ontology_files(), *resources.data_files()]
    else:
        dumps = [build / "treatykg.nq", build / "treatykg.ttl"]
        found = next((dump for dump in dumps if dump.is_file()), None)
        if found is None:
            raise InputError(str(build), "not a treatykg build (no treatykg.nq or treatykg.ttl)")
        paths = [found]
    for path in paths:
        suffix = path.suffix.lstrip(".")
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.from_extension(suffix))
        except SyntaxError as error:
            raise InputError(str(path), syntax_cause(error), error.lineno, error.offset) from None
    return store


def run(
    text: str,
    store: ox.Store,
    *,
    source: str | None = None,
    then: Callable[[Any], _T] | None = None,
) -> Any:
    """Run a checked query on ``store``; a syntax error names its line and column.

    With ``source`` (the file the query came from), the error reads ``source:line:column:
    cause`` like an RDF syntax error, so that editors and CI logs can jump to it.

    The query is parsed, optimised and evaluated, and its result read and freed, on a thread
    with a stack for its length (:func:`on_query_stack`): pyoxigraph recurses at each of those
    steps, evaluating lazily as the result is read. ``then(result)`` reads the result there
    and its value is returned. Without ``then``, the result is read there into something that
    may go anywhere: for SELECT and ASK, a QuerySolutions or QueryBoolean re-read from the
    results as TSV (which keeps every term as it is), for CONSTRUCT and DESCRIBE a list of
    Triples.
    """

    def execute() -> Any:
        # Read the union of all graphs only when there are named graphs: the union view costs
        # ~30% on every query over a store that holds only the default graph.
        union = next(iter(store.named_graphs()), None) is not None
        try:
            result = store.query(text, use_default_graph_as_union=union)
        except SyntaxError as error:
            if source is None:
                raise UsageError(guard.syntax_message(error, text)) from None
            line, column, cause = guard.explain(error, text)
            raise InputError(source, cause, line, column) from None
        if then is not None:
            return then(result)
        if isinstance(result, ox.QueryTriples):
            return list(result)
        return result.serialize(format=ox.QueryResultsFormat.TSV)

    answer = on_query_stack(execute, size=guard.byte_size(text))
    if then is None and isinstance(answer, bytes):
        return ox.parse_query_results(answer, format=ox.QueryResultsFormat.TSV)
    return answer


def stack_bytes(size: int) -> int:
    """The stack a thread needs to run a query of ``size`` bytes, whatever the query:
    :data:`STACK_PER_BYTE` per byte and a base, in whole MiB: 656 MiB for the largest query
    :data:`~treatykg.sparql.guard.MAX_QUERY_BYTES` admits, 36 MiB for a bundled query (2 KB).
    Address space, not memory: the pages a query does not reach are never touched."""
    needed = _STACK_BASE + STACK_PER_BYTE * max(size, 0)
    return -(-needed // _MIB) * _MIB


_stack = threading.local()  # .size: the stack of the current thread, if on_query_stack made it
_stack_size_lock = threading.Lock()


def on_query_stack(
    function: Callable[..., _T], *args: Any, size: int = guard.MAX_QUERY_BYTES
) -> _T:
    """``function(*args)``, called on a thread with the stack that a query of ``size`` bytes
    needs (:func:`stack_bytes`): its value, or its exception raised here.

    Why a thread: pyoxigraph parses a query by recursive descent and optimises, evaluates and
    frees its algebra tree by recursion, so a long chain of operators, patterns or path steps
    overflows the 8 MB of a main thread (10,000 ``!`` do, or 1,300 items of a collection) and
    the process dies of SIGSEGV, which no Python code can catch. Capping the length of each
    such chain would mean modelling every recursive production of the grammar in a lexer, and
    refusing queries that run fine; a stack for the worst query of the length is simpler and
    refuses nothing (see :data:`STACK_PER_BYTE` for the measurements). Pages of the stack that
    a query does not reach cost no memory; the main thread stays free to take Ctrl-C.

    Whatever pyoxigraph made must be dropped on that thread too (its QuerySolutions panic on
    another one, and freeing a deep result recurses as deep as evaluating it): ``function``
    returns plain values, and the frames of an exception it raises are cleared there.
    On a thread that this function made with enough stack, ``function`` is called directly.
    """
    needed = stack_bytes(size)
    if getattr(_stack, "size", 0) >= needed:
        return function(*args)
    outcome: list[Any] = []

    def target(given: int) -> None:
        _mark_stack(given)
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # raised again by the caller
            _clear_frames(error)
            outcome.append((False, error))

    def start(given: int) -> threading.Thread:
        thread = threading.Thread(target=target, args=(given,), name="treatykg-query", daemon=True)
        thread.start()
        return thread

    try:
        thread = _with_stack_size(needed, start)
    except RuntimeError:
        raise UsageError(
            f"cannot start a thread with the {needed // _MIB} MiB of stack that a query of "
            f"{size / 1024:.0f} KiB may need (is address space limited? ulimit -v)"
        ) from None
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def query_threads(workers: int, *, size: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` threads, all started now, with the stack that
    :func:`on_query_stack` gives a query of ``size`` bytes: there it calls its function
    directly for such a query, without a thread of its own (for a larger one it still starts
    one). For many queries in a row: starting a thread costs ~0.1 ms, as much as a small
    query."""
    needed = stack_bytes(size)
    marks: list[int] = []
    pool = ThreadPoolExecutor(
        workers, thread_name_prefix="treatykg-query", initializer=_mark_stack, initargs=(0,)
    )
    # Each task waits for the others, so that each submit starts a new thread while the
    # stack size is set; then each thread notes its stack.
    started = threading.Barrier(workers + 1)

    def wait_then_mark() -> None:
        started.wait()
        _mark_stack(marks[0])

    def start(given: int) -> None:
        marks.append(given)
        for _ in range(workers):
            pool.submit(wait_then_mark)

    try:
        _with_stack_size(needed, start)
    except RuntimeError:
        pool.shutdown(wait=False, cancel_futures=True)
        raise UsageError(
            f"cannot start {workers} threads with {needed // _MIB} MiB of stack each"
        ) from None
    started.wait()
    return pool


def _with_stack_size(size: int, start: Callable[[int], _T]) -> _T:
    """``start(given)``, which starts threads, while new threads get ``size`` bytes of stack;
    ``given`` is ``size``, or 0 on a platform where Python cannot set it."""
    with _stack_size_lock:  # the size applies to every thread started meanwhile
        try:
            previous = threading.stack_size(size)
        except (ValueError, RuntimeError):  # a platform with fixed thread stacks
            return start(0)
        try:
            return start(size)
        finally:
            threading.stack_size(previous)


def _mark_stack(size: int) -> None:
    _stack.size = size


def _clear_frames(error: BaseException | None) -> None:
    """Drop the local variables of the frames of ``error``'s traceback, and of the errors it
    chains to: a pyoxigraph result held there would otherwise be freed on another thread."""
    seen: set[int] = set()
    chained = [error]
    while chained:
        error = chained.pop()
        if error is not None and id(error) not in seen:
            seen.add(id(error))
            traceback.clear_frames(error.__traceback__)
            chained += [error.__cause__, error.__context__]
