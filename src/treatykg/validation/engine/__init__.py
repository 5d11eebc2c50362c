"""The fast SHACL engine: every constraint compiled to SPARQL that runs once on pyoxigraph.

Why: pySHACL, the reference, evaluates each constraint node by node on rdflib's engine, and a
SHACL-SPARQL constraint query once per focus node. That is fine for one treaty (5k triples)
and far too slow for a corpus (pySHACL needs ~190 s for 100k triples; pyshacl-turbo, the Rust
engine tried first, ~45 s on our shapes). Here each shape's focus nodes are a SPARQL pattern
(its targets), and constraints become queries over the whole graph that return only the
focus and value nodes that break them. SHACL-SPARQL constraints run once too: their focus
nodes are joined in at the top of the query's WHERE clause, where pySHACL pre-binds ``$this``.

Speed: pyoxigraph's cost is about one step per focus node and per value a query visits,
whatever it checks, so the engine visits them as few times as it can (``plan.py``):

- counts (sh:minCount, sh:maxCount, qualified counts, sh:uniqueLang, sh:hasValue) on all
  the predicates of the same focus nodes, across shapes, are one GROUP BY query;
- value checks on a predicate (and sh:datatype) are made once per distinct value in the
  data, without the focus nodes: a failing value is then looked for from the focus nodes;
- class membership is ``rdf:type`` with the subclasses listed, since pyoxigraph follows
  ``rdf:type/rdfs:subClassOf*`` anew for every node;
- focus nodes that many queries use are written down once, and queries run on threads
  (pyoxigraph releases the GIL while it evaluates).

Faithfulness: the engine decides only what it provably handles. A construct it does not
compile, or does not recognise (say ``sh:equals``, a constraint component declared in the
shapes graph, a SPARQL constraint whose ``$this`` cannot be joined in), makes its whole shape
:class:`UnsupportedError`, and a shape whose values it cannot judge as pySHACL does on this data
is ``Undecided``; such shapes are validated by pySHACL and the report says so
(``Outcome.fallback``), never skipped. ``tests/validation/test_engines.py`` (bundled data,
every counter-example, generated corpora with injected defects),
``tests/validation/test_shacl_suites.py`` (the W3C SHACL and DASH suites) and
``tests/validation/test_shacl_fuzz.py`` (shapes drawn from every construct compiled here)
require pySHACL's verdict and the same *multiset* of (focus node, path, value, constraint
component, source shape, severity).

The modules, in the order a validation goes through them (as pySHACL splits its
constraints, one module per constraint family):

- ``shapes`` reads the shapes graph; ``originals`` knows the literals the Store rewrote;
- ``targets`` finds each shape's focus nodes and routes; ``paths`` writes property paths;
- ``compile`` hands each parameter to its family: ``value_type``, ``cardinality``,
  ``string``, ``property_pair``, ``logical``, ``shape_based`` (which also holds the
  value-level dispatch), ``other``, ``sparql`` (with ``sparql_text`` for SHACL-SPARQL text);
  a compiled shape is a ``compiled.CompiledShape``;
- ``plan`` groups the compiled shapes' checks into queries (``queries``); ``run`` executes
  them and turns rows into ``findings``; ``report_graph`` writes the W3C report.
"""

from treatykg.validation.engine.compile import unsupported
from treatykg.validation.engine.findings import Finding, Outcome, UnsupportedError
from treatykg.validation.engine.originals import (
    LOSSY_DATATYPES,
    NATIVE_DATATYPES,
    ORIGINAL_DATATYPE,
    Originals,
)
from treatykg.validation.engine.report_graph import PASSING_SEVERITIES, report_graph
from treatykg.validation.engine.run import FOCUS_GRAPH, run

__all__ = [
    "FOCUS_GRAPH",
    "LOSSY_DATATYPES",
    "NATIVE_DATATYPES",
    "ORIGINAL_DATATYPE",
    "PASSING_SEVERITIES",
    "Finding",
    "Originals",
    "Outcome",
    "UnsupportedError",
    "report_graph",
    "run",
    "unsupported",
]
