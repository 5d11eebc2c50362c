"""Running one query on a worker: the endpoint's timeout policy, in one place.

A query's life, and every time limit on it:

1. **Its turn** (:mod:`treatykg.web.endpoint.admission`): it waits up to ``queue_timeout``
   for the admission rules to let its client run a query (429 or 503 with ``Retry-After``
   otherwise). Those rules also decide when a long query must *yield* to others.
2. **A process** (:meth:`Pool.take <treatykg.web.endpoint.pool.Pool.take>`): it waits up to
   ``queue_timeout`` for an idle worker (503 with ``Retry-After`` of half the timeout).
3. **Its run**: it may run ``timeout`` seconds; then, or when admission says it must yield,
   or when its client goes away, its worker is killed (pyoxigraph cannot be interrupted)
   and replaced, and the answer is 503 (or 499). A run past admission's ``grace`` is long:
   its worker's CPU priority is lowered meanwhile.

What a worker answers becomes the response's body or an HTTP error (422 for a result over
the cap, 400 for a query that fails).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from typing import Any

from starlette.requests import Request

from treatykg.web.endpoint import sandbox
from treatykg.web.endpoint.admission import Admission, RefusedError, Ticket
from treatykg.web.endpoint.pool import Pool, PoolBusyError, PoolClosedError, Worker
from treatykg.web.endpoint.protocol import HttpError, short, size
from treatykg.web.endpoint.worker import Job

log = logging.getLogger(__name__)


class Dispatcher:
    """Runs jobs on the pool's workers, within the admission rules and the time limits."""

    def __init__(
        self,
        pool: Pool,
        admission: Admission,
        *,
        timeout: float,
        queue_timeout: float,
        max_result_bytes: int,
    ) -> None:
        self.pool = pool
        self.admission = admission
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.max_result_bytes = max_result_bytes

    async def answer(self, request: Request, job: Job) -> bytes:
        """Run one job once the admission rules let its client have a worker."""
        client = request.client.host if request.client else "unknown"
        try:
            ticket = await self.admission.enter(client, self.queue_timeout)
        except RefusedError as refused:
            raise HttpError(
                refused.status,
                refused.message,
                headers={"Retry-After": str(refused.retry_after)},
            ) from None
        incident = False
        try:
            return await self._run(request, job, ticket)
        except HttpError as error:
            incident = error.incident
            raise
        finally:
            self.admission.leave(ticket, incident=incident)

    async def _take(self) -> Worker:
        try:
            return await self.pool.take(self.queue_timeout)
        except PoolClosedError:
            raise HttpError(503, "the SPARQL service is not running") from None
        except PoolBusyError:
            raise HttpError(
                503,
                f"all {self.pool.size} query processes are busy; try again shortly",
                headers={"Retry-After": str(max(1, math.ceil(self.timeout / 2)))},
            ) from None

    async def _run(self, request: Request, job: Job, ticket: Ticket) -> bytes:
        """Run one job on a worker; the worker goes back to the pool only if it answered."""
        worker = await self._take()
        lowered = False

        def lower() -> None:
            nonlocal lowered
            lowered = sandbox.set_priority(worker.process.pid, sandbox.LONG_QUERY_NICENESS)

        self.admission.running(ticket, lower)
        answered = False
        try:
            reply = await self._exchange(request, worker, job, ticket)
            answered = True
        finally:
            # A worker whose priority was lowered and cannot be raised again (only a
            # privileged process may) is replaced rather than kept slow.
            if answered and (not lowered or sandbox.set_priority(worker.process.pid, 0)):
                self.pool.release(worker)
            else:
                self.pool.retire(worker)
        status, payload = reply
        if status == "ok":
            return payload
        if status == "too large":
            raise HttpError(
                422,
                f"the result is larger than the server's cap of {size(self.max_result_bytes)}; "
                "add LIMIT or narrow the query",
            )
        if status == "syntax":
            raise HttpError(400, short(payload))
        raise HttpError(400, short(f"the query failed: {payload}"))

    async def _exchange(
        self, request: Request, worker: Worker, job: Job, ticket: Ticket
    ) -> tuple[str, Any]:
        """Send the job and await the reply without blocking the event loop: the loop watches
        the pipe (add_reader) and the ticket's stop, waking every half second to notice a
        client that went away."""
        loop = asyncio.get_running_loop()
        try:
            worker.conn.send(job)  # small (the query is capped) and the idle worker reads it
        except (OSError, EOFError, ValueError):
            raise HttpError(500, await self.pool.crash_reason(worker)) from None
        readable: asyncio.Future[None] = loop.create_future()
        fileno = worker.conn.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fileno, ready)
        stop = asyncio.ensure_future(ticket.stop.wait())
        try:
            deadline = loop.time() + self.timeout
            while not readable.done():
                left = deadline - loop.time()
                if left <= 0:
                    log.warning("SPARQL query stopped after %g s: %.200r", self.timeout, job.text)
                    raise HttpError(
                        503,
                        f"query stopped after {self.timeout:g} s (the server's timeout)",
                        headers={"Retry-After": str(max(1, math.ceil(self.admission.penalty)))},
                        incident=True,
                    )
                await asyncio.wait(
                    (readable, stop), timeout=min(left, 0.5), return_when=asyncio.FIRST_COMPLETED
                )
                if readable.done():
                    break
                if stop.done():
                    log.warning("SPARQL query %s: %.200r", ticket.why, job.text)
                    raise HttpError(
                        503,
                        ticket.why,
                        headers={"Retry-After": str(max(1, math.ceil(self.admission.penalty)))},
                        incident=True,
                    )
                if await request.is_disconnected():
                    # Its worker must be killed to stop the query: a client that does this
                    # with a long query costs a process, as a timeout does.
                    ran = loop.time() - (deadline - self.timeout)
                    raise HttpError(
                        499, "the client went away", incident=ran >= self.admission.grace
                    )
        finally:
            stop.cancel()
            loop.remove_reader(fileno)
            # uvloop (libuv) makes a watched descriptor non-blocking and leaves it so; the
            # pipe's reads and writes below and next time expect a blocking one.
            os.set_blocking(fileno, True)
        try:
            # The worker writes its whole answer at once (at most the result cap), so this
            # read is a memory copy, not a wait.
            reply: tuple[str, Any] = worker.conn.recv()
            return reply
        except (OSError, EOFError):
            raise HttpError(500, await self.pool.crash_reason(worker)) from None
