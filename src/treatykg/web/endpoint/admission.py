"""Who runs a query next, and when a long one must yield: fair admission to the SPARQL
endpoint's query processes.

A query process runs one query at a time and pyoxigraph cannot pause or interrupt a query, so
whoever holds a process holds it until the query ends or the process is killed. First come,
first served let two runaway queries lock every other client out for the whole timeout. The
rules here keep a process for the clients who ask short questions, whatever others send:

* **One query at a time per client** (``per_client``; a client is a peer address): a client's
  further queries wait behind its own, so a burst from one client cannot fill the pool; more
  than ``max_waiting`` waiting is 429.
* **Long queries get the long lanes only.** A query that has run for ``grace`` seconds is
  *long*. At most ``long_lanes`` (by default every process but one) run long queries at once,
  so one process is always left for short ones. A query that turns long when the long lanes
  are taken is *overdue*: it may go on while nobody waits, and yields its process once
  another query has waited ``patience`` seconds for one (it is stopped and answered 503 with
  ``Retry-After``). The patience spares a query that is merely slow, on a machine that is
  busy, from being taken for a runaway: it has that long to finish. A client whose last
  ``trust_after`` queries all ended within ``grace``, and that has had no incident, is
  trusted: its queries yield only after ``trusted_grace`` seconds, so a known client is not
  stopped for one slow moment; a newcomer (or a client with an incident on record) yields
  after ``grace``.
* **Clients whose queries ran out of time, or had to yield, are heavy** for a while
  (``penalty`` seconds, doubling with each new incident up to ``max_penalty``): their queries
  are admitted only to a free long lane, and otherwise refused at once (429 with
  ``Retry-After``) rather than queued, so they cannot crowd the queue either.

Everything here runs on the event loop's thread (asyncio); nothing blocks. The endpoint asks
:meth:`Admission.enter` before taking a process, reports :meth:`Admission.leave` afterwards,
and stops a query when its ticket's ``stop`` event is set.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Clients whose record of good queries is kept once they have left.
RECORDS = 4096


class RefusedError(Exception):
    """A query that may not run now: the HTTP status, the reason and when to try again."""

    def __init__(self, status: int, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass(eq=False)
class Ticket:
    """One admitted query: whose it is, when it started, and which lane it runs in."""

    client: str
    started: float  # admitted, then (see Admission.running) given its process
    long: bool = False
    overdue: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    yields_at: float = math.inf  # when it may be stopped to make room, once overdue
    #: Called once when the query is known to be long (the endpoint lowers its process's
    #: CPU priority then, so that short queries and the server itself come first).
    on_long: Callable[[], None] | None = None
    why: str = ""  # why it was stopped, for the answer


@dataclass
class _Client:
    good: int = 0  # queries in a row that ended within grace
    running: int = 0
    waiting: collections.deque[asyncio.Future[None]] = field(default_factory=collections.deque)
    incidents: int = 0
    heavy_until: float = 0.0


class Admission:
    """The admission rules for ``slots`` query processes (see the module's docstring)."""

    def __init__(
        self,
        slots: int,
        *,
        per_client: int = 1,
        long_lanes: int | None = None,
        grace: float = 0.1,
        patience: float = 0.05,
        trust_after: int = 3,
        trusted_grace: float = 0.3,
        penalty: float = 30.0,
        max_penalty: float = 600.0,
        max_waiting: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if slots < 1:
            raise ValueError("admission needs at least one slot")
        self.slots = slots
        self.per_client = max(1, per_client)
        default = slots - 1 if long_lanes is None else min(long_lanes, slots)
        self.long_lanes = max(1, default)
        self.grace = grace
        self.patience = patience
        self.trust_after = trust_after
        self.trusted_grace = max(grace, trusted_grace)
        self.penalty = penalty
        self.max_penalty = max_penalty
        self.max_waiting = max_waiting
        self._clock = clock
        self._clients: dict[str, _Client] = {}
        #: How many good queries in a row each recent client had, once it left the table
        #: (bounded: the least recent are forgotten first).
        self._record: collections.OrderedDict[str, int] = collections.OrderedDict()
        #: Slots taken: by running tickets, and handed to waiters that have not resumed yet.
        self._busy = 0
        self._running: list[Ticket] = []
        #: Queries waiting for a slot, in arrival order: client, turn, when it arrived.
        self._queue: collections.deque[tuple[str, asyncio.Future[None], float]] = (
            collections.deque()
        )
        #: Tallies, for the log and the benchmark.
        self.stopped = self.refused = 0

    # --- what the endpoint calls ----------------------------------------------------------

    def heavy(self, client: str) -> float:
        """Seconds for which ``client`` is still heavy (0 when it is not)."""
        known = self._clients.get(client)
        return max(0.0, known.heavy_until - self._clock()) if known else 0.0

    async def enter(self, client: str, wait: float) -> Ticket:
        """A ticket to run one query, after waiting up to ``wait`` seconds, or RefusedError."""
        state = self._clients.get(client)
        if state is None:
            state = self._clients[client] = _Client(good=self._record.pop(client, 0))
        penalty = self.heavy(client)
        if penalty:
            if self._has_slot(state) and self._long_count() < self.long_lanes:
                return self._start(client, long=True)
            self.refused += 1
            raise RefusedError(
                429,
                "this client's recent queries ran out of time or had to make room for others; "
                "until its penalty ends it may run one query, when a long-query lane is free",
                min(penalty, 10.0),
            )
        if not self._queue and self._has_slot(state):
            return self._start(client, long=False)
        if len(state.waiting) >= self.max_waiting:
            self.refused += 1
            raise RefusedError(
                429, f"more than {self.max_waiting} queries of this client wait", 1.0
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.waiting.append(turn)
        self._queue.append((client, turn, self._clock()))
        self._dispatch()
        asyncio.get_running_loop().call_later(self.patience, self._make_room)
        try:
            await asyncio.wait_for(asyncio.shield(turn), wait)
        except TimeoutError:
            self._forget(client, turn)
            if not turn.done():
                turn.cancel()
                busy = "every query process is busy; try again shortly"
                raise RefusedError(503, busy, wait) from None
        except asyncio.CancelledError:  # the request went away while it waited
            self._forget(client, turn)
            if turn.done() and not turn.cancelled():
                self._give_up_slot(client)
            else:
                turn.cancel()
            raise
        self._forget(client, turn)
        return self._ticket(client, long=False)

    def leave(self, ticket: Ticket, *, incident: bool = False) -> None:
        """The query of ``ticket`` is over; an incident (it ran out of time, or was stopped to
        make room) makes its client heavy."""
        if ticket not in self._running:
            return
        self._running.remove(ticket)
        state = self._clients[ticket.client]
        quick = self._clock() - ticket.started < self.grace
        state.good = state.good + 1 if quick and not incident else 0
        if incident:
            state.incidents += 1
            span = min(self.max_penalty, self.penalty * 2 ** (state.incidents - 1))
            state.heavy_until = self._clock() + span
        self._give_up_slot(ticket.client)

    # --- the rules ----------------------------------------------------------------------------

    def _has_slot(self, state: _Client) -> bool:
        return self._busy < self.slots and state.running < self.per_client

    def _long_count(self) -> int:
        return sum(1 for ticket in self._running if ticket.long)

    def _start(self, client: str, *, long: bool) -> Ticket:
        self._busy += 1
        self._clients[client].running += 1
        return self._ticket(client, long=long)

    def _ticket(self, client: str, *, long: bool) -> Ticket:
        ticket = Ticket(client, self._clock(), long=long)
        self._running.append(ticket)
        return ticket

    def running(self, ticket: Ticket, on_long: Callable[[], None] | None = None) -> None:
        """The ticket's query has its process and runs from now: ``grace`` counts from here,
        not from admission (a process may be being replaced, and waiting for it is not the
        query's doing)."""
        ticket.started = self._clock()
        ticket.on_long = on_long
        if ticket.long and ticket.on_long is not None:
            ticket.on_long()
        state = self._clients[ticket.client]
        trusted = state.good >= self.trust_after and not state.incidents
        ticket.yields_at = ticket.started + (self.trusted_grace if trusted else self.grace)
        if not ticket.long:
            asyncio.get_running_loop().call_later(self.grace, self._graced, ticket)

    def _give_up_slot(self, client: str) -> None:
        self._busy -= 1
        state = self._clients[client]
        state.running -= 1
        if not state.running and not state.waiting and self._forgettable(state):
            del self._clients[client]  # so that the table holds the clients of the moment
            if state.good:
                self._record[client] = state.good
                while len(self._record) > RECORDS:
                    self._record.popitem(last=False)
        self._dispatch()

    def _forgettable(self, state: _Client) -> bool:
        """A client with no incident, or whose last penalty ended ``max_penalty`` ago: its next
        incident counts as its first."""
        return not state.incidents or self._clock() > state.heavy_until + self.max_penalty

    def _graced(self, ticket: Ticket) -> None:
        """``grace`` has passed: the query is long; to a long lane, or overdue."""
        if ticket not in self._running or ticket.long:
            return
        if self._long_count() < self.long_lanes:
            ticket.long = True
            if ticket.on_long is not None:
                ticket.on_long()
        else:
            ticket.overdue = True
            self._make_room()
            later = ticket.yields_at - self._clock()
            if later > 0:
                asyncio.get_running_loop().call_later(later, self._make_room)

    def _make_room(self) -> None:
        """Queries have waited ``patience`` and every slot is taken: overdue queries yield,
        oldest first."""
        now = self._clock()
        ready = sum(
            1
            for client, turn, since in self._queue
            if not turn.done()
            and self._clients[client].running < self.per_client
            and now - since >= self.patience - 1e-3
        )
        if not ready or self._busy < self.slots:
            return
        overdue = sorted(
            (
                t
                for t in self._running
                if t.overdue and not t.stop.is_set() and now >= t.yields_at - 1e-3
            ),
            key=lambda t: t.started,
        )
        for ticket in overdue[:ready]:
            ticket.why = (
                f"stopped after {self._clock() - ticket.started:.1f} s to make room for other "
                "clients' queries (the long-query lanes were taken)"
            )
            self.stopped += 1
            ticket.stop.set()

    def _dispatch(self) -> None:
        """Hand free slots to waiting queries in arrival order, within each client's cap."""
        passed: list[tuple[str, asyncio.Future[None], float]] = []
        while self._queue and self._busy < self.slots:
            entry = self._queue.popleft()
            client, turn, _ = entry
            if turn.done():
                continue
            state = self._clients[client]
            if state.running >= self.per_client:
                passed.append(entry)
                continue
            self._busy += 1
            state.running += 1
            turn.set_result(None)
        self._queue.extendleft(reversed(passed))

    def _forget(self, client: str, turn: asyncio.Future[None]) -> None:
        state = self._clients.get(client)
        if state is not None and turn in state.waiting:
            state.waiting.remove(turn)
        if any(t is turn for _, t, _ in self._queue):
            self._queue = collections.deque(e for e in self._queue if e[1] is not turn)
