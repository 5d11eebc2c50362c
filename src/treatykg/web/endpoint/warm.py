"""The bundled queries, answered once after start-up, so that they never wait for a worker.

The data never changes while the server runs, so these answers stay true; and they are the
questions the pages offer, asked again and again. They are kept outside the cache's eviction
(within its budget).

On a large store they take long (minutes at ten million triples, where several run out of
time), so they are answered in the background, by a query process of their own at a lower CPU
priority, while the server already answers: :class:`WarmUp`. Each answer is usable the
moment it is made. First every query once (SPARQL JSON, the format most clients ask for),
then the other formats of the queries that answered, quickest first; a query that ran out of
time or crashed its process is not tried again in another format.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from treatykg.sparql import catalogue, guard
from treatykg.web.endpoint import sandbox
from treatykg.web.endpoint.media import GRAPH_TYPES, RESULT_TYPES
from treatykg.web.endpoint.pool import Pool, Worker
from treatykg.web.endpoint.worker import HTML_ROWS, Job

log = logging.getLogger(__name__)


def bundled_groups(cap: int, html_rows: int | None) -> list[list[Job]]:
    """Every bundled query (not the federated ones) in every format the endpoint offers, as
    the query page's forms send them and as ``treatykg query --endpoint`` does: one list per
    query, its SPARQL JSON (or Turtle) job first."""
    groups = []
    for item in catalogue.bundled():
        if item.name.startswith("federated/") or not _warmable(item.text):
            continue
        graph = guard.form(item.text) in ("construct", "describe")
        offered = GRAPH_TYPES if graph else RESULT_TYPES
        formats = list(dict.fromkeys(offered.values()))  # the first is the preferred one
        if html_rows is not None and not graph:
            formats.append(HTML_ROWS)
        jobs = [
            Job(text, (), (), graph, fmt, cap, (html_rows or 0) if fmt == HTML_ROWS else 0)
            for fmt in formats
            for text in dict.fromkeys((item.text, catalogue.bind(item, {})))
        ]
        groups.append(list(dict.fromkeys(jobs)))
    return groups


def _warmable(text: str) -> bool:
    """A query whose meaning does not change if its line breaks are CRLF (browsers send a
    textarea's lines so): no long strings, whose line breaks are part of their value."""
    return '"""' not in text and "'''" not in text


def key(job: Job) -> Job:
    """The key of a warmed answer: the job with its line breaks as LF (see _warmable)."""
    return dataclasses.replace(job, text=job.text.replace("\r\n", "\n"))


class WarmUp(threading.Thread):
    """Answers the bundled queries on a query process of its own, into ``answers``.

    The process is a member of the pool (so that closing the pool stops it) that is never
    handed out, and it runs at a lower CPU priority: requests come first. Answers are kept
    within ``budget`` bytes, first come first kept; a job that runs past ``timeout`` is not
    kept (its process is replaced), as it would not be when asked.
    """

    def __init__(
        self,
        pool: Pool,
        groups: list[list[Job]],
        answers: dict[Job, bytes],
        *,
        timeout: float,
        budget: int,
    ) -> None:
        super().__init__(name="sparql-warm-up", daemon=True)
        self.pool = pool
        self.groups = groups
        self.answers = answers
        self.timeout = timeout
        self.budget = budget
        self.kept = 0
        #: How long the whole warm-up took, once it has ended (0 before).
        self.seconds = 0.0
        self.done = threading.Event()
        self._worker: Worker | None = None

    def run(self) -> None:
        started = time.perf_counter()
        try:
            took = {}
            for index, group in enumerate(self.groups):
                seconds = self._answer(group[0])
                if seconds is not None:
                    took[index] = seconds
            for index in sorted(took, key=took.__getitem__):
                for job in self.groups[index][1:]:
                    if self._answer(job) is None:
                        break
        except _StoppedError:
            pass
        except Exception:
            log.exception("the warm-up of the bundled queries stopped")
        finally:
            if self._worker is not None:
                self.pool.discard(self._worker)
            self.seconds = time.perf_counter() - started
            self.done.set()
        log.info("answered %d bundled queries in %.2f s", len(self.answers), self.seconds)

    def _answer(self, job: Job) -> float | None:
        """Answer one job and keep its answer; how long it took, or None if it ran out of
        time or crashed its process."""
        if not self.pool.running:
            raise _StoppedError
        worker = self._process()
        started = time.monotonic()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                log.warning("bundled query over the timeout, not cached: %.80r", job.text)
                raise EOFError
            status, body = worker.conn.recv()
        except (EOFError, OSError):
            self.pool.discard(worker)
            self._worker = None
            if not self.pool.running:
                raise _StoppedError from None
            return None
        if status == "ok" and self.kept + len(body) <= self.budget:
            self.answers[key(job)] = body
            self.kept += len(body)
        return time.monotonic() - started

    def _process(self) -> Worker:
        """The warm-up's query process, started (at a lower priority) if it has none."""
        if self._worker is None:
            try:
                self._worker = self.pool.spawn()
                self.pool.await_ready(self._worker)
            except Exception:
                if not self.pool.running:  # closed meanwhile: the spawner refuses new work
                    raise _StoppedError from None
                raise
            sandbox.set_priority(self._worker.process.pid, sandbox.LONG_QUERY_NICENESS)
        return self._worker


class _StoppedError(Exception):
    """The pool closed while warming up."""
