"""Running the plan on a Store: queries on threads, rows turned into findings.

Why apart from compiling: a run writes down focus nodes that many queries share, runs the
queries side by side (pyoxigraph releases the GIL while it evaluates), follows each with the
closer look it asks for, and sets aside the shapes found undecided on this data.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from treatykg.sparql.execute import query_threads
from treatykg.validation.engine.compile import compile_all
from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, Outcome, Undecided
from treatykg.validation.engine.originals import ORIGINAL_DATATYPE, Originals
from treatykg.validation.engine.plan import plan
from treatykg.validation.engine.queries import Functions, Query, Solutions, on_stack
from treatykg.validation.engine.shapes import Shapes

#: The named graph where the focus nodes of some shapes are written once (see
#: :func:`_write_focus_nodes`), for their queries to look them up instead of evaluating the
#: targets again. The data must be in the store's default graph.
FOCUS_GRAPH = ox.NamedNode("urn:treatykg:focus-nodes")
_FOCUS_OF = "<urn:treatykg:focus-of>"
#: Writing focus nodes down costs about as much as finding them by their targets five times
#: (a Store insert is slow): only focus nodes that this many queries use are written down.
_WRITE_FOCUS_AT = 5
#: Queries run on this many threads (the CPUs this process may use, at most 4): pyoxigraph
#: releases the GIL while it evaluates a query.
_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
#: The threads have the stack for a query of this size (176 MiB of address space each; the
#: bundled shapes' queries are at most 4.4 KB); a larger query gets a thread of its own.
_POOL_STACK_FOR = 16 * 1024


def run(store: ox.Store, shapes: Graph, originals: Originals | None = None) -> Outcome:
    """Validate the default graph of ``store`` against ``shapes``.

    ``originals`` says which literals the Store changed (:meth:`Originals.record`). Some
    focus nodes are written to :data:`FOCUS_GRAPH` while validating, and removed after.
    """
    outcome = Outcome()
    s = Shapes(shapes, originals, store)
    functions: Functions = {ORIGINAL_DATATYPE: s.originals.datatype_function}
    compiled, outcome.fallback = compile_all(s)
    queries = plan(compiled)
    undecided_shapes: dict[Node, str] = {}  # shapes found Undecided while reading rows
    try:
        lookups = _write_focus_nodes(store, compiled, queries, functions)
        outcome.queries += len(lookups)

        def solutions(text: str) -> Solutions:
            found = store.query(text, named_graphs=[FOCUS_GRAPH], custom_functions=functions)
            assert isinstance(found, ox.QuerySolutions)  # the engine writes SELECT queries
            return Solutions(found)

        def execute(query: Query) -> tuple[list[Finding], list[Query]]:
            text = query.text
            if query.focus in lookups:
                text = text.replace(query.focus, lookups[query.focus])
            rows = on_stack(text, solutions, text)
            try:
                return list(query.rows(rows)), query.then()
            except Undecided as undecided:
                undecided_shapes.setdefault(undecided.shape, str(undecided))
                return [], []

        with query_threads(_THREADS, size=_POOL_STACK_FOR) as pool:
            while queries:
                outcome.queries += len(queries)
                done = list(pool.map(execute, queries))
                queries = [follow for _findings, more in done for follow in more]
                outcome.findings += [finding for findings, _more in done for finding in findings]
    finally:
        store.update(f"DROP SILENT GRAPH {FOCUS_GRAPH}")
    for shape, why in undecided_shapes.items():
        outcome.fallback.setdefault(shape, why)
    outcome.findings = [f for f in outcome.findings if f.shape not in undecided_shapes]
    retracted = {replace(f, retract=False) for f in outcome.findings if f.retract}
    outcome.findings = [f for f in outcome.findings if not f.retract and f not in retracted]
    return outcome


def _write_focus_nodes(
    store: ox.Store, compiled: list[CompiledShape], queries: list[Query], functions: Functions
) -> dict[str, str]:
    """Write down the focus nodes that many queries use in :data:`FOCUS_GRAPH`.

    Returns the pattern that looks them up, by focus pattern; other focus nodes are found
    by their targets in every query (each query carries its shape's PREFIX declarations).
    """
    uses = Counter(query.focus for query in queries)
    lookups: dict[str, str] = {}
    for shape in compiled:
        if shape.focus in lookups or uses[shape.focus] < _WRITE_FOCUS_AT:
            continue
        name = f"<urn:treatykg:focus/{len(lookups)}>"
        if str(ORIGINAL_DATATYPE) in shape.focus:  # updates take no custom functions
            text = f"{shape.prologue}\nSELECT ?this WHERE {shape.focus}"
            found = on_stack(text, _focus_nodes, store, text, functions)
            marker = ox.NamedNode(name[1:-1])
            store.extend(
                ox.Quad(marker, ox.NamedNode(_FOCUS_OF[1:-1]), row["this"], FOCUS_GRAPH)
                for row in found
            )
        else:
            text = (
                f"{shape.prologue}\n"
                f"INSERT {{ GRAPH {FOCUS_GRAPH} {{ {name} {_FOCUS_OF} ?this }} }} "
                f"WHERE {shape.focus}"
            )
            on_stack(text, store.update, text)
        # The focus node is the object: a literal (sh:targetNode "x") cannot be a subject.
        lookups[shape.focus] = f"GRAPH {FOCUS_GRAPH} {{ {name} {_FOCUS_OF} ?this }}"
    return lookups


def _focus_nodes(store: ox.Store, text: str, functions: Functions) -> list[ox.QuerySolution]:
    solutions = store.query(text, custom_functions=functions)
    assert isinstance(solutions, ox.QuerySolutions)
    return list(solutions)
