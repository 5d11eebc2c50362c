"""The bundled queries, answered once at start-up, so that they never wait for a worker.

The data never changes while the server runs, so these answers stay true; and they are the
questions the pages offer, asked again and again. They are computed on every worker at once
before the first request, and kept outside the cache's eviction (within its budget).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import time

from treatykg.sparql import catalogue, guard
from treatykg.web.endpoint.media import GRAPH_TYPES, RESULT_TYPES
from treatykg.web.endpoint.pool import Pool, Worker
from treatykg.web.endpoint.worker import HTML_ROWS, Job

log = logging.getLogger(__name__)


def bundled_jobs(cap: int, html_rows: int | None) -> list[Job]:
    """Every bundled query (not the federated ones) in every format the endpoint offers, as
    the query page's forms send them and as ``treatykg query --endpoint`` does."""
    jobs = []
    for item in catalogue.bundled():
        if item.name.startswith("federated/") or not _warmable(item.text):
            continue
        graph = guard.form(item.text) in ("construct", "describe")
        formats = set((GRAPH_TYPES if graph else RESULT_TYPES).values())
        if html_rows is not None and not graph:
            formats.add(HTML_ROWS)
        for text in dict.fromkeys((item.text, catalogue.bind(item, {}))):
            jobs += [
                Job(text, (), (), graph, fmt, cap, (html_rows or 0) if fmt == HTML_ROWS else 0)
                for fmt in sorted(formats)
            ]
    return jobs


def _warmable(text: str) -> bool:
    """A query whose meaning does not change if its line breaks are CRLF (browsers send a
    textarea's lines so): no long strings, whose line breaks are part of their value."""
    return '"""' not in text and "'''" not in text


def key(job: Job) -> Job:
    """The key of a warmed answer: the job with its line breaks as LF (see _warmable)."""
    return dataclasses.replace(job, text=job.text.replace("\r\n", "\n"))


def answers(
    pool: Pool, workers: list[Worker], jobs: list[Job], *, timeout: float, budget: int
) -> tuple[dict[Job, bytes], float]:
    """Answer ``jobs`` on all of ``workers`` at once (before they serve), and how long it took.

    The answers are kept within ``budget`` bytes, first come first kept; a bundled query that
    runs past ``timeout`` is not kept (its worker is replaced), as it would not be when asked.
    """
    started = time.perf_counter()
    warmed: dict[Job, bytes] = {}
    pending = collections.deque(dict.fromkeys(jobs))
    busy: dict[int, tuple[Job, float]] = {}  # index in workers -> job, deadline
    idle = list(range(len(workers)))
    kept = 0
    while pending or busy:
        while pending and idle:
            index = idle.pop()
            job = pending.popleft()
            busy[index] = (job, time.monotonic() + timeout)
            workers[index].conn.send(job)
        for index, (job, deadline) in list(busy.items()):
            worker = workers[index]
            if not worker.conn.poll(0.005):
                if time.monotonic() > deadline:
                    log.warning("bundled query over the timeout, not cached: %.80r", job.text)
                    del busy[index]
                    pool.discard(worker)
                    workers[index] = pool.spawn()
                    pool.await_ready(workers[index])
                    idle.append(index)
                continue
            status, body = worker.conn.recv()
            del busy[index]
            idle.append(index)
            if status == "ok" and kept + len(body) <= budget:
                warmed[key(job)] = body
                kept += len(body)
    seconds = time.perf_counter() - started
    log.info("answered %d bundled queries in %.2f s", len(warmed), seconds)
    return warmed, seconds
