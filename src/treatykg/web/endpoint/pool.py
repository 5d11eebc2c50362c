"""The query processes: started, loaded, handed out one query at a time, killed and replaced.

A query over its time can only be stopped by killing its process (pyoxigraph cannot be
interrupted), and a query that crashes its process (the memory cap) costs that process only.
So the pool keeps ``size`` processes for queries and ``spares`` more loaded and waiting, so
that a killed one is replaced at once while its successor loads in the background.

Processes are forked from a server process that has imported treatykg already
("forkserver"), so that replacing one costs opening its store (instant for a store on disk,
the loading of the dump for one in memory), not a new interpreter.
What runs inside them is :mod:`treatykg.web.endpoint.worker`; how long a query may hold one
is :mod:`treatykg.web.endpoint.dispatch`'s business.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyoxigraph as ox

from treatykg.errors import InputError
from treatykg.web.endpoint import worker as worker_side

log = logging.getLogger(__name__)

#: How long a worker may take to load its store before start() gives up.
LOAD_TIMEOUT = 300.0


class PoolClosedError(Exception):
    """The pool is not running (not started yet, or closed)."""


class PoolBusyError(Exception):
    """No process came free within the wait."""


@dataclass(eq=False)
class Worker:
    """One query process and our end of its pipe."""

    process: BaseProcess
    conn: Connection


class Pool:
    """The query processes of one store, and the requests waiting for one."""

    def __init__(
        self,
        *,
        size: int,
        spares: int,
        memory_limit: int | None,
        isolate_network: bool,
    ) -> None:
        #: Where the workers' store comes from (set by start()).
        self.source = worker_side.Source("")
        self.size = size
        self.spares = spares
        self._memory_limit = memory_limit
        self._isolate_network = isolate_network
        self._context = _process_context()
        # Idle workers and the requests waiting for one (first come, first served). Both are
        # touched only on the event loop's thread; other threads hand workers back through
        # loop.call_soon_threadsafe (see give_back).
        self._idle: collections.deque[Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[Worker]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Every live worker, idle or busy.
        self.members: set[Worker] = set()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._spawner: ThreadPoolExecutor | None = None
        self.running = False
        #: Filled in by await_ready() from what the workers report once they have loaded.
        self.triples = 0
        self.named_graphs = False
        self.network_isolated = False
        #: Workers killed and replaced (timeouts, crashes, queries stopped to make room).
        self.restarts = 0

    def start(self, source: worker_side.Source) -> list[Worker]:
        """Spawn ``size + spares`` workers and block until each has opened ``source``; they
        are not handed out before :meth:`open`. Closes the pool and raises if one fails.

        Workers are started with multiprocessing's "forkserver" or "spawn", which re-import
        the program's main module: a script that calls this needs the
        ``if __name__ == "__main__":`` guard.
        """
        dump = Path(source.path)
        if not source.on_disk and not dump.is_file():
            raise InputError(source.path, "no such file")
        if not source.on_disk and ox.RdfFormat.from_extension(dump.suffix.lstrip(".")) is None:
            raise InputError(source.path, "not an RDF file this endpoint can load")
        self.source = source
        self._executor = ThreadPoolExecutor(self.size + 2, thread_name_prefix="sparql")
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="sparql-spawner")
        self.running = True
        spawned = [self.spawn() for _ in range(self.size + self.spares)]
        try:
            for worker in spawned:
                self.await_ready(worker)
        except BaseException:
            self.close()
            raise
        return spawned

    def open(self, workers: list[Worker]) -> None:
        """Hand out ``workers`` from now on (before any request runs)."""
        self._idle.extend(workers)

    def close(self) -> None:
        """Stop every worker; :meth:`take` refuses from now on."""
        self.running = False
        with self._lock:
            pool, self.members = list(self.members), set()
        for worker in pool:
            stop(worker)
        for executor in (self._executor, self._spawner):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)

    @property
    def idle(self) -> int:
        """How many workers wait for a query right now (approximate, for tests and metrics)."""
        return len(self._idle)

    # --- starting and stopping workers --------------------------------------------------------

    def spawn(self) -> Worker:
        """Start a worker from the spawner thread, which lives as long as the service: the
        kernel kills a worker when the thread that started it ends (PR_SET_PDEATHSIG)."""
        assert self._spawner is not None
        return self._spawner.submit(self._start_process).result()

    def _start_process(self) -> Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_side.serve_queries,
            args=(child, self.source, self._memory_limit, self._isolate_network),
            name="treatykg-sparql",
            daemon=True,
        )
        process.start()
        child.close()
        worker = Worker(process, parent)
        with self._lock:
            self.members.add(worker)
        return worker

    def await_ready(self, worker: Worker) -> None:
        """Wait for the worker's "ready" (with the store's size) or raise why it failed."""
        try:
            if not worker.conn.poll(LOAD_TIMEOUT):
                raise InputError(self.source.path, f"not loaded after {LOAD_TIMEOUT:g} s")
            message = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            raise InputError(
                self.source.path, f"the query process died (exit code {code})"
            ) from None
        if message[0] != "ready":
            raise InputError(self.source.path, message[1])
        _, self.triples, self.named_graphs, self.network_isolated = message

    def retire(self, worker: Worker) -> None:
        """Kill a worker now (it may be busy with a runaway query) and replace it in the
        background, so that the pool keeps serving meanwhile."""
        self.restarts += 1
        worker.process.kill()
        with self._lock:
            self.members.discard(worker)
        if self.running:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        else:
            stop(worker)

    def _replace(self, old: Worker) -> None:
        """Stop ``old`` and start its successor (three tries; the pool shrinks if all fail)."""
        stop(old)
        for attempt in range(3):
            worker = None
            try:
                worker = self.spawn()
                self.await_ready(worker)
            except Exception:
                if worker is not None:
                    self.discard(worker)
                if not self.running:  # closing: the spawner refuses new work
                    return
                log.exception("could not start a SPARQL worker (attempt %d of 3)", attempt + 1)
                time.sleep(1 + attempt)
                continue
            if self.running:
                self._give_back(worker)
            else:
                self.discard(worker)
            return

    def discard(self, worker: Worker) -> None:
        """Stop a worker that is no longer wanted (one that never served, or at closing)."""
        with self._lock:
            self.members.discard(worker)
        stop(worker)

    async def crash_reason(self, worker: Worker) -> str:
        """Why the worker died, in words, once it has."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, worker.process.join, 2)
        code = worker.process.exitcode
        log.warning("SPARQL worker died (exit code %s)", code)
        if code == -signal.SIGABRT:
            why = "it ran out of memory or stack"
        elif code is not None and code < 0:
            why = f"signal {signal.Signals(-code).name}"
        else:
            why = f"exit code {code}"
        return f"the query crashed its query process ({why}); the process has been restarted"

    # --- handing workers out ------------------------------------------------------------------

    async def take(self, wait: float) -> Worker:
        """An idle, live worker; requests queue in arrival order for up to ``wait`` seconds
        (then :class:`PoolBusyError`), woken by the event loop the moment a worker is free,
        not by polling. :class:`PoolClosedError` once the pool is closed."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        deadline = loop.time() + wait
        while True:
            if not self.running:
                raise PoolClosedError
            if self._idle:
                worker = self._idle.popleft()
            else:
                waiter: asyncio.Future[Worker] = loop.create_future()
                self._waiters.append(waiter)
                try:
                    worker = await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
                except TimeoutError:
                    if waiter.done() and not waiter.cancelled():
                        worker = waiter.result()  # handed over just as the wait ran out
                    else:
                        raise PoolBusyError from None
            if worker.process.is_alive():
                return worker
            self.retire(worker)

    def release(self, worker: Worker) -> None:
        """Hand a free worker to the longest-waiting request, or put it with the idle ones
        (on the event loop's thread)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _give_back(self, worker: Worker) -> None:
        """Return a worker to the pool from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._idle.append(worker)
        else:
            loop.call_soon_threadsafe(self.release, worker)


def stop(worker: Worker) -> None:
    """Kill a worker, reap it, close its pipe."""
    try:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
    except (OSError, ValueError):
        pass


def _process_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """How query processes start: forked from a server process that has imported treatykg
    already ("forkserver", where the platform has it), so that replacing a killed worker
    costs opening its store and not a new interpreter and its imports (0.3 s of CPU
    each, which a client killing workers on purpose would make the server spend); "spawn"
    elsewhere. Never plain "fork": the server has threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server process imports the worker's module, and with it the whole endpoint
        # package (treatykg.web.endpoint), as it did when the endpoint was one module.
        context.set_forkserver_preload([worker_side.__name__])
        return context
    return multiprocessing.get_context("spawn")
