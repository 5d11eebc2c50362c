"""The endpoint's memory of recent answers, so that a repeated question costs no worker.

Exact, not approximate: the endpoint is read-only and its store never changes while the
server runs, so the same query always has the same answer.
"""

from __future__ import annotations

import collections
from collections.abc import Hashable


class AnswerCache:
    """The most recently used answers, by query, dataset and format, within a byte budget.

    Serving repeats from memory spares the workers for new questions (the bundled queries and
    their forms are asked again and again). Answers larger than an eighth of the budget are
    not kept.
    """

    def __init__(self, budget: int) -> None:
        self.budget = max(0, budget)
        self.size = 0
        self.hits = self.misses = 0
        self._answers: collections.OrderedDict[Hashable, bytes] = collections.OrderedDict()

    def get(self, job: Hashable) -> bytes | None:
        body = self._answers.get(job)
        if body is None:
            self.misses += 1
            return None
        self.hits += 1
        self._answers.move_to_end(job)
        return body

    def put(self, job: Hashable, body: bytes) -> None:
        if len(body) > self.budget // 8 or job in self._answers:
            return
        self._answers[job] = body
        self.size += len(body)
        while self.size > self.budget:
            _, evicted = self._answers.popitem(last=False)
            self.size -= len(evicted)
