"""The HTML pages people read: one per resource, plus the index, the vocabulary, the shapes,
the bundled queries, the SPARQL endpoint's results and the "not found" page.

The package is split by job; to change how a page looks, start from its view and template:

* :mod:`.graph_index` reads the graph **once** into plain dictionaries (statements by subject
  and by object, every node, the hierarchies, labels, download files); a page is then a few
  look-ups and one render, so the ~450 pages of a release render in well under a second
  and a server can render on request;
* :mod:`.links` is how any page shows a term (:class:`Value`: a label, a literal, a link);
* the **views**, one module per page: :mod:`.home` (``/index.html``, the index of the
  corpus), :mod:`.treaty` (what a treaty's page adds), :mod:`.events` (the timelines of
  both), :mod:`.resource`, :mod:`.ontology` (``/def.html``), :mod:`.shapes` (``/shapes.html``),
  :mod:`.queries` (``/queries.html`` and the endpoint's page), :mod:`.changes` (a page per
  changeset the release keeps, their list, and the history on a changed resource's page);
  each builds typed dataclasses that a template in ``templates/`` prints;
* :mod:`.schema_org` is the schema.org JSON-LD each page embeds for search engines;
* :mod:`.render` holds the Jinja2 environment and :class:`Pages`, the interface.

Why it is built this way:

* **Templates with autoescaping, never string concatenation**; the JSON-LD block is escaped
  for its ``<script>`` element by :func:`script_json`.
* **Relative links only**, so the same HTML works on ``treatykg serve`` at ``/``, in a
  static site under any sub-path and opened from disk.
* **No JavaScript, no network.** The style is inline, there are no scripts other than the
  JSON-LD data block, no fonts, no images; forms are plain ``GET`` forms.
* **Deterministic.** Everything shown is sorted by :func:`treatykg.rdf.terms.term_key`, the
  one order of RDF terms; the same graph gives byte-identical pages, so a static site diffs
  cleanly between releases.
* **Graph walks, not the bundled queries.** ``queries/articles.rq``, ``obligations.rq``,
  ``signatories.rq`` and ``timeline.rq`` ask questions close to what the treaty and home
  views show, and on the flagship and the generated corpus they select the same divisions,
  obligations, signatories and events. But they are written for people, and at the edges
  they answer a different question: ``articles.rq`` takes exactly ``tkg:Preamble`` and
  ``tkg:Article`` (no sub-classes), needs ``tkg:contentStatus`` and an English summary, and
  puts an article "4a" first; ``obligations.rq`` needs ``tkg:DirectedObligation`` and English
  labels for bearer, beneficiary and action, one row per bearer, beneficiary and condition;
  ``signatories.rq`` drops a signatory without an office of a party attested by
  ``tkg:attestedFrom``/``tkg:attestedUntil`` (the page shows the signatory, and reads stated
  tenure dates first); ``timeline.rq`` lists event types by hand and needs an English label.
  Each page also needs more of every row than the query gives (labels chosen by
  :meth:`~.graph_index.GraphIndex.label`, links, norms), and the pages hold an rdflib graph,
  not a SPARQL store. Reusing them would change what a page shows for such data, so the
  views walk the index.
"""

from treatykg.web.pages.links import MAX_LISTED, Value
from treatykg.web.pages.queries import GRAPH_FORMATS, MAX_RESULT_ROWS, RESULT_FORMATS
from treatykg.web.pages.render import Pages
from treatykg.web.pages.schema_org import script_json

__all__ = [
    "GRAPH_FORMATS",
    "MAX_LISTED",
    "MAX_RESULT_ROWS",
    "RESULT_FORMATS",
    "Pages",
    "Value",
    "script_json",
]
