"""The endpoint's admission rules (treatykg.web.endpoint.admission), on the event loop,
without processes.

Each test plays clients against an :class:`Admission` with a short ``grace`` and checks who
runs, who waits, who is stopped and who is refused, as the README's "Fair to every client"
promises. The whole endpoint under load is tests/test_soak.py.
"""

from __future__ import annotations

import asyncio

import pytest

from treatykg.web.endpoint.admission import Admission, RefusedError

GRACE = 0.05


async def start(gate: Admission, client: str) -> object:
    """Admit a query of ``client`` and give it its process, as the endpoint does."""
    ticket = await gate.enter(client, 1)
    gate.running(ticket)
    return ticket


def run(coroutine):  # a small helper for async tests, without a pytest plugin
    return asyncio.run(coroutine)


def test_one_query_at_a_time_per_client_and_others_go_first() -> None:
    async def play() -> None:
        gate = Admission(2, grace=GRACE)
        first = await gate.enter("a", 1)
        second = asyncio.ensure_future(gate.enter("a", 1))
        await asyncio.sleep(0)
        assert not second.done(), "a client's second query waits behind its first"
        other = await asyncio.wait_for(gate.enter("b", 1), 0.01)  # b is not held up by a
        gate.leave(first)
        assert (await asyncio.wait_for(second, 0.1)).client == "a"
        gate.leave(other)

    run(play())


def test_an_overdue_query_yields_when_another_client_waits() -> None:
    async def play() -> None:
        gate = Admission(2, grace=GRACE)  # one long lane, one lane kept for short queries
        runaway = await start(gate, "h1")
        second = await start(gate, "h2")
        await asyncio.sleep(GRACE * 2)
        assert runaway.long and not runaway.stop.is_set(), "the first long query has the lane"
        assert second.overdue and not second.stop.is_set(), "overdue, but nobody waits yet"
        short = asyncio.ensure_future(gate.enter("n", 1))
        await asyncio.sleep(0)
        assert not second.stop.is_set(), "a slow query gets the patience to finish"
        await asyncio.sleep(gate.patience * 1.5)
        assert second.stop.is_set() and "make room" in second.why
        assert not runaway.stop.is_set()
        gate.leave(second, incident=True)  # what the endpoint does once it stopped it
        ticket = await asyncio.wait_for(short, 0.1)
        assert ticket.client == "n" and not ticket.long
        assert gate.heavy("h2") > 0 and gate.heavy("n") == 0 and gate.stopped == 1

    run(play())


def test_heavy_clients_run_only_in_a_free_long_lane_and_are_refused_otherwise() -> None:
    async def play() -> None:
        gate = Admission(3, grace=GRACE, penalty=5)  # two long lanes
        for name in ("h1", "h2"):
            ticket = await gate.enter(name, 1)
            gate.leave(ticket, incident=True)  # say it timed out
        long1 = await gate.enter("h1", 1)
        assert long1.long, "a heavy client's query goes straight to a long lane"
        long2 = await gate.enter("h2", 1)
        assert long2.long
        with pytest.raises(RefusedError) as refused:
            await gate.enter("h2", 1)  # its own query still runs
        assert refused.value.status == 429
        ticket = await gate.enter("h3", 1)  # a new client gets the short lane at once
        assert not ticket.long
        gate.leave(ticket)
        gate.leave(long1)
        again = await gate.enter("h1", 1)
        assert again.long
        assert gate.refused == 1

    run(play())


def test_penalties_double_with_each_incident() -> None:
    async def play() -> None:
        gate = Admission(2, grace=GRACE, penalty=10, max_penalty=25)
        spans = []
        for _ in range(3):
            ticket = await gate.enter("h", 1)
            gate.leave(ticket, incident=True)
            spans.append(gate.heavy("h"))
        assert [round(s) for s in spans] == [10, 20, 25]

    run(play())


def test_a_full_pool_answers_busy_after_the_wait_and_keeps_counting() -> None:
    async def play() -> None:
        gate = Admission(1, grace=10)
        held = await gate.enter("a", 1)
        with pytest.raises(RefusedError) as refused:
            await gate.enter("b", 0.05)
        assert refused.value.status == 503 and refused.value.retry_after >= 1
        gate.leave(held)
        ticket = await asyncio.wait_for(gate.enter("c", 1), 0.05)  # the slot is free again
        gate.leave(ticket)

    run(play())


def test_a_waiter_that_goes_away_hands_its_turn_on() -> None:
    async def play() -> None:
        gate = Admission(1, grace=10)
        held = await gate.enter("a", 1)
        gone = asyncio.ensure_future(gate.enter("b", 5))
        kept = asyncio.ensure_future(gate.enter("c", 5))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.sleep(0)
        gate.leave(held)
        ticket = await asyncio.wait_for(kept, 0.1)
        assert ticket.client == "c"
        gate.leave(ticket)
        assert gate._busy == 0

    run(play())


def test_too_many_waiting_queries_of_one_client_are_refused() -> None:
    async def play() -> None:
        gate = Admission(1, grace=10, max_waiting=2)
        held = await gate.enter("a", 1)
        waiting = [asyncio.ensure_future(gate.enter("a", 5)) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(RefusedError) as refused:
            await gate.enter("a", 5)
        assert refused.value.status == 429
        for future in waiting:
            future.cancel()
        gate.leave(held)

    run(play())


def test_a_query_waiting_for_its_process_is_not_overdue() -> None:
    async def play() -> None:
        gate = Admission(2, grace=GRACE)
        runaway = await start(gate, "h1")
        admitted = await gate.enter("n1", 1)  # its process is still being replaced
        await asyncio.sleep(GRACE * 2)
        assert runaway.long and not admitted.overdue
        waiter = asyncio.ensure_future(gate.enter("n2", 1))
        await asyncio.sleep(gate.patience * 2)
        assert not admitted.stop.is_set()
        gate.leave(admitted)
        gate.leave(await waiter)

    run(play())


def test_a_trusted_client_gets_longer_before_it_must_yield() -> None:
    async def play() -> None:
        gate = Admission(2, grace=GRACE, trusted_grace=0.4, trust_after=3)
        for _ in range(3):
            gate.leave(await start(gate, "n"))  # three quick queries: trusted
        runaway = await start(gate, "h")
        await asyncio.sleep(GRACE * 2)
        assert runaway.long
        slow = await start(gate, "n")
        waiter = asyncio.ensure_future(gate.enter("w", 2))
        await asyncio.sleep(GRACE * 3)
        assert slow.overdue and not slow.stop.is_set(), "a trusted client's slow moment"
        await asyncio.sleep(0.4)
        assert slow.stop.is_set(), "but not a runaway: it yields after trusted_grace"
        gate.leave(slow, incident=True)
        gate.leave(await waiter)
        gate.leave(runaway)

    run(play())
