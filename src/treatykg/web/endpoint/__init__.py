"""A read-only SPARQL 1.1 Protocol endpoint on the embedded store (pyoxigraph).

``treatykg serve`` mounts :meth:`SparqlService.handle` at ``/sparql``. The design follows the
traps measured in the project's perf-and-security notes (sections 12 and 13A):

* pyoxigraph has no query timeout and cannot be interrupted by a signal, so queries run in a
  pool of worker processes, each holding the build's dump in memory. A query over its time is
  stopped the only way that works: its worker is killed (SIGKILL) and another one started. A
  query that crashes its worker (the memory cap) costs that worker only. Queries run on a
  thread with a stack for the largest query the size cap admits
  (:func:`treatykg.sparql.execute.on_query_stack`): no chain of operators or patterns
  overflows it.
* pyoxigraph sends ``SERVICE`` requests anywhere and cannot be told not to, so SERVICE is
  refused before any worker sees the query (:func:`treatykg.sparql.guard.uses_service`); where
  Linux allows it, workers also run in an empty network namespace, so a SERVICE the check
  missed would find no network.
* Nothing writes: workers only ever call ``Store.query``; SPARQL Update in any guise is 403.
* pyoxigraph serializes the results into a buffer that refuses to grow past a cap, so an
  answer is complete or an error (422, 503, 500): never an HTTP 200 with a truncated body.
* Requests are checked before they cost anything: body and query size (413), nesting depth,
  percent-encoding, IRIs, ``Accept``.

Where to change what:

* ``service.py``: :class:`SparqlService`, which ties the parts together for ``treatykg serve``;
* ``protocol.py``: reading a request, choosing the answer's format, the shape of errors;
  ``media.py``: the formats offered and their order of preference (from
  :mod:`treatykg.rdf.formats`); ``service_description.py``: the answer to ``GET /sparql``
  without a query;
* ``dispatch.py``: the **timeout policy**, how long a query may wait and run and what happens
  then, with ``admission.py``: which client's query runs next and when a long one yields;
* ``pool.py``: starting, handing out, killing and replacing the query processes;
  ``worker.py``: what runs inside one; ``sandbox.py``: the operating system's limits on it;
* ``cache.py`` and ``warm.py``: answers that need no worker (repeats, the bundled queries).
"""

from __future__ import annotations

from treatykg.web.endpoint.cache import AnswerCache
from treatykg.web.endpoint.service import HtmlRenderer, SparqlService

__all__ = ["AnswerCache", "HtmlRenderer", "SparqlService"]
