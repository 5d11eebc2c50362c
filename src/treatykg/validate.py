"""Validate data against SHACL shapes with pySHACL, and shapes against SHACL-SHACL.

pySHACL is imported only inside the functions here: it costs ~0.4 s at import time, which
``treatykg --version`` and other commands should not pay.

Options are fixed on purpose (see the design notes, perf-and-security section 7):
``inference="none"`` (RDFS inference is ~8-13x slower; the ontology is mixed in instead, so
``sh:targetClass`` still follows ``rdfs:subClassOf``), ``advanced=True`` (SHACL-AF targets
and functions), ``allow_warnings=True`` (warnings and infos are reported but do not fail).
"""

from __future__ import annotations

import time
from importlib.resources import files
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import SH

from treatykg.errors import TreatykgError, UsageError
from treatykg.load import (
    Paths,
    SourcedDataset,
    bundled_shape_files,
    count_statements,
    load,
    load_graph,
    load_ontology,
    load_shapes,
    sourced_dataset,
)
from treatykg.report import Report, results_from_graph

__all__ = ["Report", "check_shapes", "validate"]


#: ``auto``: the fast engine first, pySHACL for every report that has results;
#: ``pyshacl``: pySHACL only.
ENGINES = ("auto", "pyshacl")


def validate(
    data: Graph | Paths | None = None,
    *,
    shapes: Graph | Paths | None = None,
    ontology: Graph | Paths | None = None,
    engine: str = "auto",
) -> Report:
    """Validate ``data`` against ``shapes``, with ``ontology`` mixed into the data.

    Each argument is an rdflib graph, a path or paths to load, or ``None`` for the content
    bundled with treatykg. Pass an empty ``Graph()`` as ``ontology`` to validate without one.
    A Dataset is validated as the union of all its graphs.

    pySHACL is the reference: every report with results comes from it. With ``engine="auto"``
    the data is first checked by pyshacl-turbo, a Rust SHACL engine ~15x faster here; only
    if that finds nothing wrong is its verdict kept, otherwise (or if it cannot run) pySHACL
    validates. ``tests/test_engines.py`` checks that both engines give exactly the same
    results on the bundled data and on every counter-example.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine {engine!r}; choose {' or '.join(ENGINES)}")
    dataset = data if isinstance(data, Graph) else load(data)
    shapes_graph = shapes if isinstance(shapes, Graph) else load_shapes(shapes)
    ont_graph = ontology if isinstance(ontology, Graph) else load_ontology(ontology)
    if len(shapes_graph) == 0:
        raise TreatykgError("the shapes graph is empty: nothing to validate against")
    if engine == "auto":
        fast = _run_fast(dataset, shapes_graph, ont_graph)
        if fast is not None:
            return fast
    return _run(dataset, shapes_graph, ont_graph)


def check_shapes(shapes: Graph | Paths | None = None) -> Report:
    """Validate a shapes graph against the W3C SHACL-SHACL shapes.

    A malformed shape (``sh:minCount "one"``, ``sh:path`` with two values, ...) makes pySHACL
    skip a constraint or fail; this finds such shapes with a normal report instead.
    ``shapes`` is a graph, paths (directories without recursion) or ``None`` (bundled).
    """
    if isinstance(shapes, Graph):
        data: Graph = shapes
    else:
        paths = bundled_shape_files() if shapes is None else shapes
        data = sourced_dataset(paths, recursive=False)
    return _run(data, _shacl_shacl(), Graph())


def _shacl_shacl() -> Graph:
    # pySHACL ships the W3C SHACL-SHACL graph; read it rather than vendoring a copy.
    asset = Path(str(files("pyshacl") / "assets" / "shacl-shacl.ttl"))
    return load_graph(asset)


def _run_fast(data: Graph, shapes: Graph, ontology: Graph) -> Report | None:
    """pyshacl-turbo's report if it finds nothing at all to report, else None (ask pySHACL).

    Conforming data may still have warnings and infos; those reports come from pySHACL too.
    """
    try:
        import pyshacl_turbo
    except ImportError:  # an optional accelerator: without it pySHACL does the work
        return None
    started = time.perf_counter()
    merged = _union(data)
    if len(ontology):
        if merged is data:  # never add the ontology to the caller's graph
            merged = _copy(data)
        for triple in ontology:
            merged.add(triple)
    try:
        conforms, report_graph, _text = pyshacl_turbo.validate(
            merged,
            shacl_graph=shapes,  # pyshacl-turbo, unlike pySHACL, leaves its inputs unchanged
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
    except Exception:  # whatever it cannot do, the reference engine does
        return None
    if not conforms or not isinstance(report_graph, Graph):
        return None
    if (None, SH.result, None) in report_graph:  # warnings or infos: pySHACL reports them
        return None
    files = data.files if isinstance(data, SourcedDataset) else ()
    return Report(
        conforms=True,
        results=(),
        graph=report_graph,
        duration=time.perf_counter() - started,
        statements=count_statements(data),
        files=files,
        engine="pyshacl-turbo",
    )


def _run(data: Graph, shapes: Graph, ontology: Graph) -> Report:
    import pyshacl
    from pyparsing import ParseBaseException
    from pyshacl.errors import ReportableRuntimeError

    started = time.perf_counter()
    try:
        conforms, report_graph, _text = pyshacl.validate(
            data_graph=_union(data),
            # pySHACL adds triples to the shapes graph it is given; the build publishes the
            # shapes, so it must get them back unchanged.
            shacl_graph=_copy(shapes),
            ont_graph=ontology if len(ontology) else None,
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
        )
    except ReportableRuntimeError as error:
        # Raised for shapes pySHACL cannot interpret; a user error, not a treatykg bug.
        message = " ".join(str(getattr(error, "message", error)).split())
        hint = "run `treatykg check-shapes` to find the malformed shape"
        raise TreatykgError(f"cannot use the shapes: {message} ({hint})") from None
    except ParseBaseException as error:
        # rdflib's SPARQL parser, on a malformed sh:select/sh:ask in a SPARQL constraint.
        raise TreatykgError(f"cannot use the shapes: SPARQL syntax error: {error}") from None
    duration = time.perf_counter() - started
    if not isinstance(report_graph, Graph):
        raise TreatykgError(f"validation failed: {report_graph}")
    for prefix, namespace in data.namespaces():  # so the report can use the data's prefixes
        if prefix and prefix not in dict(report_graph.namespaces()):
            report_graph.bind(prefix, namespace, override=False)
    if isinstance(data, SourcedDataset):
        files_for, data_files = data.files_for, data.files
    else:
        files_for, data_files = _no_files, ()
    return Report(
        conforms=bool(conforms),
        results=results_from_graph(report_graph, files_for),
        graph=report_graph,
        duration=duration,
        statements=count_statements(data),
        files=data_files,
        engine="pyshacl",
    )


def _union(data: Graph) -> Graph:
    """A Dataset as one plain Graph of all its statements.

    pySHACL validates a Dataset as the union of its graphs anyway; handing it that union
    as a plain Graph gives the same results ~25% faster (rdflib's union view is slow).
    """
    if not isinstance(data, Dataset):
        return data
    union = Graph(bind_namespaces="none")
    union.namespace_manager = data.namespace_manager
    for s, p, o, _ in data.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def _copy(graph: Graph) -> Graph:
    copy = Graph(bind_namespaces="none")
    copy.namespace_manager = graph.namespace_manager
    for triple in graph:
        copy.add(triple)
    return copy


def _no_files(_node: object) -> tuple[str, ...]:
    return ()
