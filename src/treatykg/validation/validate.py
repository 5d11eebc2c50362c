"""Validate data against SHACL shapes with pySHACL, and shapes against SHACL-SHACL.

pySHACL is imported only inside the functions here: it costs ~0.4 s at import time, which
``treatykg --version`` and other commands should not pay.

Options are fixed on purpose (see the design notes, perf-and-security section 7):
``inference="none"`` (RDFS inference is ~8-13x slower; the ontology is mixed in instead, so
``sh:targetClass`` still follows ``rdfs:subClassOf``), ``advanced=True`` (SHACL-AF targets
and functions), ``allow_warnings=True`` (warnings and infos are reported but do not fail).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from treatykg.errors import TreatykgError, UsageError
from treatykg.rdf.load import (
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
from treatykg.sparql.execute import on_query_stack
from treatykg.sparql.guard import MAX_QUERY_BYTES
from treatykg.validation import engine as shacl
from treatykg.validation.report import Report, results_from_graph

__all__ = [
    "Report",
    "check_shapes",
    "validate",
    "validate_loaded",
    "validate_store",
]


#: ``auto``: the fast engine (:mod:`treatykg.validation.engine`), with pySHACL for any shape
#: it does not compile; ``pyshacl``: pySHACL only, the reference.
ENGINES = ("auto", "pyshacl")
#: Statements up to which ``auto`` asks pyshacl-turbo first (see :func:`_run_turbo`).
TURBO_LIMIT = 50_000


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

    pySHACL is the reference. With ``engine="auto"`` the fast engine validates: every shape
    compiled to SPARQL that runs once over the whole graph on pyoxigraph, with pySHACL for
    any shape it cannot compile. ``tests/validation/test_engines.py`` checks that both engines
    report exactly the same results on the bundled data, on every counter-example and on
    generated corpora with injected defects.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine {engine!r}; choose {' or '.join(ENGINES)}")
    dataset = data if isinstance(data, Graph) else load(data)
    shapes_graph = shapes if isinstance(shapes, Graph) else load_shapes(shapes)
    ont_graph = ontology if isinstance(ontology, Graph) else load_ontology(ontology)
    if len(shapes_graph) == 0:
        raise TreatykgError("the shapes graph is empty: nothing to validate against")
    if engine == "auto":
        if count_statements(dataset) <= TURBO_LIMIT and _turbo_may_answer(shapes_graph):
            clean = _run_turbo(dataset, shapes_graph, ont_graph)
            if clean is not None:
                return clean
        return _run_fast(dataset, shapes_graph, ont_graph)
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


def _turbo_may_answer(shapes: Graph) -> bool:
    """Whether pyshacl-turbo's clean verdict may stand for these shapes: only when the fast
    engine compiles every one of them, so that the quick answer never covers a construct
    that the conformance suites and differential tests do not check on every engine."""
    return not shacl.unsupported(shapes)


def _run_turbo(data: Graph, shapes: Graph, ontology: Graph) -> Report | None:
    """pyshacl-turbo's report if it finds nothing at all to report, else None.

    On a graph the size of one treaty pyshacl-turbo (Rust) answers in ~0.1 s where the
    compiled engine's few hundred queries take ~1 s; it grows much faster than linearly, so
    only small graphs (:data:`TURBO_LIMIT`) try it. Only a clean verdict is kept: warnings,
    infos and violations are reported by the compiled engine. ``tests/validation/test_engines.py``
    checks that its results equal pySHACL's on every counter-example.
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

    def run() -> tuple:
        return pyshacl_turbo.validate(
            merged,
            shacl_graph=shapes,  # pyshacl-turbo, unlike pySHACL, leaves its inputs unchanged
            inference="none",
            advanced=True,
            allow_warnings=True,
        )

    try:
        # On a thread with a stack for the largest SPARQL constraint the fast engine takes
        # (these shapes are all compiled by it): pyshacl-turbo parses and evaluates SPARQL by
        # recursion too, and a long chain in a constraint would overflow the main thread's.
        conforms, report_graph, _text = on_query_stack(run, size=MAX_QUERY_BYTES)
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


def _run_fast(data: Graph, shapes: Graph, ontology: Graph) -> Report:
    """The fast engine on an in-memory pyoxigraph copy of the data and the ontology."""
    started = time.perf_counter()
    store, originals = to_store(data, ontology)
    files_for: Callable[[Node], tuple[str, ...]] = _no_files
    data_files: tuple[str, ...] = ()
    if isinstance(data, SourcedDataset):
        files_for, data_files = data.files_for, data.files

    def reference_data() -> Graph:
        merged = _union(data)
        if len(ontology):
            merged = _copy(merged)
            for triple in ontology:
                merged.add(triple)
        return merged

    return validate_store(
        store,
        shapes,
        reference_data=reference_data,
        files_for=files_for,
        files=data_files,
        statements=count_statements(data),
        started=started,
        namespaces=data,
        originals=originals,
    )


def validate_loaded(
    store: ox.Store,
    shapes: Graph,
    *,
    statements: int,
    originals: shacl.Originals,
    reference_data: Callable[[], Graph],
    files_for: Callable[[Node], tuple[str, ...]] | None = None,
    files: tuple[str, ...] = (),
    engine: str = "auto",
    started: float | None = None,
) -> Report:
    """Validate data already in a Store (its default graph: data and ontology) at any scale.

    The build's entry point: it streams the files into ``store`` and ``originals``
    (:meth:`~treatykg.validation.engine.Originals.record`) without keeping them.
    ``reference_data`` gives the same statements as an rdflib graph, as written; it is called
    only for pySHACL (``engine="pyshacl"``, shapes the fast engine does not compile) or for
    pyshacl-turbo, which small graphs (:data:`TURBO_LIMIT` ``statements``) try first, exactly
    as :func:`validate` does.
    """
    if engine not in ENGINES:
        raise UsageError(f"unknown validation engine {engine!r}; choose {' or '.join(ENGINES)}")
    started = time.perf_counter() if started is None else started
    reference = functools.cache(reference_data)  # built once, and only if needed
    if engine == "pyshacl":
        report = _run(reference(), shapes, Graph())
        named = results_from_graph(report.graph, files_for or _no_files)
        return replace(report, results=named, files=files, statements=statements)
    if statements <= TURBO_LIMIT and _turbo_may_answer(shapes):
        clean = _run_turbo(reference(), shapes, Graph())
        if clean is not None:
            return replace(clean, files=files, statements=statements)
    return validate_store(
        store,
        shapes,
        reference_data=reference,
        files_for=files_for,
        files=files,
        statements=statements,
        started=started,
        originals=originals,
    )


def validate_store(
    store: ox.Store,
    shapes: Graph,
    *,
    reference_data: Callable[[], Graph],
    files_for: Callable[[Node], tuple[str, ...]] | None = None,
    files: tuple[str, ...] = (),
    statements: int | None = None,
    started: float | None = None,
    namespaces: Graph | None = None,
    originals: shacl.Originals | None = None,
) -> Report:
    """Validate a pyoxigraph store (data with the ontology mixed in) with the fast engine.

    ``originals`` lists the literals the Store rewrote (see
    :class:`treatykg.validation.engine.Originals`);
    ``reference_data`` gives the same data as an rdflib graph; it is called only when some
    shape uses a construct the fast engine does not compile, and pySHACL then validates those
    shapes (:func:`_fallback`). The report's ``engine`` says whether that happened.
    """
    started = time.perf_counter() if started is None else started
    if len(shapes) == 0:
        raise TreatykgError("the shapes graph is empty: nothing to validate against")
    try:
        outcome = shacl.run(store, shapes, originals)
    except SyntaxError as error:
        # pyoxigraph's SPARQL parser, on a malformed sh:select in a SPARQL constraint; its
        # message lists every token it expected, which says nothing to a person: cut it.
        message = " ".join(str(error).split(" expected one of")[0].split())
        raise TreatykgError(f"cannot use the shapes: SPARQL syntax error: {message}") from None
    extra = None
    engine = "oxigraph"
    if outcome.fallback:
        extra = _fallback(reference_data(), shapes, set(outcome.fallback))
        engine = "oxigraph+pyshacl"
    report_graph = shacl.report_graph(outcome.findings, shapes, extra, outcome.fallback)
    if namespaces is not None:
        for prefix, namespace in namespaces.namespaces():
            if prefix and prefix not in dict(report_graph.namespaces()):
                report_graph.bind(prefix, namespace, override=False)
    conforms = (None, SH.conforms, Literal(True)) in report_graph
    return Report(
        conforms=conforms,
        results=results_from_graph(report_graph, files_for or _no_files),
        graph=report_graph,
        duration=time.perf_counter() - started,
        statements=len(store) if statements is None else statements,
        files=files,
        engine=engine,
        fallback=tuple(sorted(f"{shape.n3()}: {why}" for shape, why in outcome.fallback.items())),
    )


def _fallback(data: Graph, shapes: Graph, unsupported: set[Node]) -> Graph:
    """pySHACL's report for the shapes the fast engine could not compile.

    Every other shape is deactivated in a copy of the shapes graph, except those the
    unsupported ones need: their ancestors through ``sh:property`` (for their focus nodes)
    and every shape they refer to, however (``sh:node``, ``sh:and``, ``sh:qualifiedValueShape``,
    a sibling's shape for ``sh:qualifiedValueShapesDisjoint``...): a deactivated shape
    conforms trivially. The caller keeps only the results of the unsupported shapes.
    """
    keep = set(unsupported)
    changed = True
    while changed:  # ancestors through sh:property, and their other property shapes
        changed = False
        for parent, child in shapes.subject_objects(SH.property):
            if (parent in keep) != (child in keep):
                keep |= {parent, child}
                changed = True
    pending = list(keep)
    while pending:  # everything the kept shapes refer to, lists included
        for value in shapes.objects(pending.pop(), None):
            if value not in keep and (value, None, None) in shapes:
                keep.add(value)
                pending.append(value)
    copy = _copy(shapes)
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    top = {s for p in targets for s in shapes.subjects(p, None)}
    top |= set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    for shape in top - keep:
        copy.add((shape, SH.deactivated, Literal(True)))
    return _run(data, copy, Graph()).graph


def to_store(data: Graph, ontology: Graph | None = None) -> tuple[ox.Store, shacl.Originals]:
    """An in-memory pyoxigraph store of ``data`` (all its graphs merged into the default
    graph, as SHACL validates their union) plus ``ontology``, and the literals the store
    rewrote."""
    from treatykg.rdf.terms import TermConverter

    convert = TermConverter().to_oxigraph
    store = ox.Store()
    quads = []
    default = ox.DefaultGraph()
    cased = False
    typed_strings: set[str] = set()  # "x"^^xsd:string: rdflib keeps it apart from "x",
    plain_strings: set[str] = set()  # a pyoxigraph Store makes the two one term
    graphs: list[tuple[Graph, bool]] = [(data, True)]
    if ontology is not None:
        graphs.append((ontology, False))
    for graph, keep_names in graphs:
        if keep_names and isinstance(graph, Dataset):
            statements = graph.quads((None, None, None, None))
        else:
            statements = ((s, p, o, None) for s, p, o in graph)
        for s, p, o, _g in statements:
            # One default graph: SHACL validates the union of the data's graphs.
            quads.append(ox.Quad(convert(s)[0], convert(p)[0], convert(o)[0], default))
            if isinstance(o, Literal):
                if o.language and o.language != o.language.lower():
                    cased = True
                elif o.datatype == XSD.string:
                    typed_strings.add(str(o))
                elif o.datatype is None and o.language is None:
                    plain_strings.add(str(o))
    store.extend(quads)
    originals = shacl.Originals()
    originals.record(quads)
    originals.cased_languages = cased
    originals.merged_strings = bool(typed_strings & plain_strings)
    return store, originals


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
    except NotImplementedError as error:
        # A SHACL feature pySHACL does not implement ($shapesGraph in a SPARQL constraint):
        # no engine here can validate with these shapes.
        raise TreatykgError(f"cannot use the shapes: pySHACL cannot: {error}") from None
    except TypeError as error:
        # pySHACL compares values in Python, and some pairs cannot be compared (an ill-typed
        # literal with a number under sh:lessThanOrEquals): a fault of the data, said so.
        raise TreatykgError(f"cannot validate: pySHACL cannot compare values: {error}") from None
    except RecursionError:
        # rdflib's SPARQL parser recurses for each nested bracket, and pySHACL for each nested
        # shape: a few hundred levels pass Python's recursion limit.
        raise TreatykgError(
            "cannot use the shapes: pySHACL cannot read them, they nest too deeply "
            "(a SPARQL constraint with hundreds of nested brackets, or shapes nested as deep)"
        ) from None
    duration = time.perf_counter() - started
    if not isinstance(report_graph, Graph):
        raise TreatykgError(f"validation failed: {report_graph}")
    for prefix, namespace in data.namespaces():  # so the report can use the data's prefixes
        if prefix and prefix not in dict(report_graph.namespaces()):
            report_graph.bind(prefix, namespace, override=False)
    files_for: Callable[[Node], tuple[str, ...]] = _no_files
    data_files: tuple[str, ...] = ()
    if isinstance(data, SourcedDataset):
        files_for, data_files = data.files_for, data.files
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
