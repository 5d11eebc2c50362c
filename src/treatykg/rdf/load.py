"""Strict, located loading of RDF files into rdflib.

Why not ``rdflib.Graph.parse``? rdflib accepts invalid Turtle (``<not an iri>``), fetches
remote JSON-LD ``@context`` URLs, and reports errors without a usable position. treatykg
parses with pyoxigraph instead, which is strict, never fetches anything, and reports
line and column, and converts the result into rdflib terms for the rest of the stack:

* every error becomes an :class:`~treatykg.errors.InputError` reading ``path:line:col: msg``;
* blank nodes are scoped per file, so ``_:b1`` in two files are two different nodes;
* literals keep their lexical form (``"01"^^xsd:integer`` stays ``01``), and
  ``xsd:string`` literals become plain rdflib literals, which is what rdflib's own parser
  produces for shapes; mixing the two spellings gives false ``sh:in``/``sh:hasValue``
  results in pySHACL (see the design notes, perf-and-security section 7);
* a file is parsed completely before any of it is added, so a syntax error never leaves
  half a file behind.

RDF/XML is deliberately not supported (entity bombs hang rdflib and abort pyoxigraph).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeAlias

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import IdentifiedNode, Node

from treatykg import resources
from treatykg.errors import InputError, UsageError, syntax_cause
from treatykg.namespaces import bind_prefixes, new_graph, new_namespace_manager
from treatykg.rdf import formats
from treatykg.rdf.terms import TermConverter

PathLike: TypeAlias = str | os.PathLike[str]
Paths: TypeAlias = PathLike | Iterable[PathLike]

#: The pyoxigraph parser of each suffix treatykg reads (:func:`formats.readable_suffixes`).
FORMATS: dict[str, ox.RdfFormat] = {
    f.suffix: getattr(ox.RdfFormat, f.parser) for f in formats.READABLE if f.parser
}
#: The suffixes of the formats that can name graphs (TriG, N-Quads, JSON-LD).
_DATASET_SUFFIXES = frozenset(f.suffix for f in formats.rdf_formats() if f.named_graphs)
_SUPPORTED = ", ".join(f"{f.suffix} ({f.label})" for f in formats.READABLE)
#: RDF/XML, refused by name: its own suffix and the two it is often saved with.
_RDF_XML_SUFFIXES = {formats.by_key("rdfxml").suffix, ".owl", ".xml"}

Quad: TypeAlias = tuple[Node, Node, Node, Node]


class SourcedDataset(Dataset):
    """An rdflib Dataset that remembers which files it was loaded from.

    ``default_union`` is on: like pySHACL and most SPARQL stores, treatykg reads the default
    graph as the union of all graphs. ``files`` lists the loaded files as the user named them;
    ``sources`` maps each subject to the files that have statements about it, so that a
    validation report can point at the file to edit.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default_union", True)
        super().__init__(*args, **kwargs)
        # Before anything touches the namespace manager: otherwise rdflib binds its 29 defaults.
        self.namespace_manager = new_namespace_manager(self)
        bind_prefixes(self)
        self.files: tuple[str, ...] = ()
        self.sources: dict[Node, frozenset[str]] = {}

    def files_for(self, node: Node) -> tuple[str, ...]:
        """The files with statements about ``node`` as subject, in load order."""
        found = self.sources.get(node, frozenset())
        return tuple(f for f in self.files if f in found)

    def statement_count(self) -> int:
        """Number of quads (statements in the default graph plus in every named graph)."""
        return count_statements(self)


def count_statements(graph: Graph) -> int:
    """Triples in a Graph; quads (all graphs together) in a Dataset."""
    if isinstance(graph, Dataset):
        return sum(1 for _ in graph.quads((None, None, None, None)))
    return len(graph)


def load(paths: Paths | None = None) -> SourcedDataset:
    """Load RDF files and directories (recursively) into one Dataset.

    ``None`` loads the data bundled with treatykg. Default-graph statements stay in the
    default graph and named-graph statements (TriG, N-Quads) in their named graph.
    """
    return sourced_dataset(_bundled("data", resources.data_files) if paths is None else paths)


def sourced_dataset(paths: Paths, *, recursive: bool = True) -> SourcedDataset:
    """Like :func:`load` for explicit paths, with a choice of directory recursion."""
    dataset = SourcedDataset()
    files = _expand(paths, recursive=recursive)
    sources: dict[Node, set[str]] = {}
    graphs: dict[Node, Graph] = {}
    for path, shown in files:
        quads, prefixes = _parse(path, shown)
        _bind_declared(dataset, prefixes)
        for s, p, o, g in quads:
            sources.setdefault(s, set()).add(shown)
            graph = graphs.get(g)
            if graph is None:
                if not isinstance(g, IdentifiedNode):  # an IRI, a blank node or the default
                    raise TypeError(f"not a graph name: {g!r}")
                graph = graphs[g] = dataset.graph(g)
            graph.add((s, p, o))
    dataset.files = tuple(shown for _, shown in files)
    dataset.sources = {node: frozenset(names) for node, names in sources.items()}
    return dataset


def load_graph(paths: Paths, *, recursive: bool = True) -> Graph:
    """Load RDF files into one Graph, merging named graphs: for shapes and ontologies."""
    graph = new_graph()
    for path, shown in _expand(paths, recursive=recursive):
        quads, prefixes = _parse(path, shown)
        _bind_declared(graph, prefixes)
        for s, p, o, _ in quads:
            graph.add((s, p, o))
    return graph


def load_ontology(paths: Paths | None = None) -> Graph:
    """The ontology: all ``ontology/*.ttl`` bundled with treatykg, or the given files."""
    if paths is None:
        paths = _bundled("ontology", resources.ontology_files)
    return load_graph(paths, recursive=False)


def load_shapes(paths: Paths | None = None) -> Graph:
    """The SHACL shapes: bundled ``shapes/*.ttl``, or the given files.

    Directories are read without recursion, so that ``shapes/examples/`` (example data,
    some of it deliberately invalid) is never mistaken for shapes.
    """
    if paths is None:
        paths = _bundled("shapes", resources.shape_files)
    return load_graph(paths, recursive=False)


def bundled_shape_files() -> list[Path]:
    """The bundled shapes files; an InputError if there are none (a broken install)."""
    return _bundled("shapes", resources.shape_files)


def _bundled(name: str, list_files: Callable[[], list[Path]]) -> list[Path]:
    files = list_files()
    if not files:
        raise InputError(str(resources.resource_dir(name)), "no bundled RDF files found here")
    return files


def parse_file(path: Path, shown: str | None = None) -> list[Quad]:
    """Parse one file strictly into rdflib quads; the graph of a triple is the default graph.

    ``shown`` is how the path appears in error messages (the path as the user gave it).
    """
    return _parse(path, str(path) if shown is None else shown)[0]


def parse_bytes(content: bytes) -> list[tuple[Node, Node, Node]]:
    """N-Triples that treatykg wrote itself, as rdflib triples (blank node labels kept)."""
    convert = rdflib_terms()
    return [
        (convert(t.subject), convert(t.predicate), convert(t.object))
        for t in ox.parse(content, format=ox.RdfFormat.N_TRIPLES)
    ]


def rdflib_terms() -> Callable[[Any], Node]:
    """A converter of pyoxigraph terms into the rdflib terms :func:`load` makes (literals as
    written, ``xsd:string`` plain), keeping blank node labels: for terms treatykg wrote or
    labelled itself. One converter per use: it caches the IRIs it has seen."""
    return TermConverter()


def _parse(path: Path, shown: str) -> tuple[list[Quad], dict[str, str]]:
    """The quads of one file and the prefixes it declares."""
    rdf_format = _format_for(path, shown)
    convert = TermConverter.for_file(path, shown)
    try:
        parser = ox.parse(path=path, format=rdf_format, base_iri=None)
        quads: list[Quad] = [
            (
                convert(quad.subject),
                convert(quad.predicate),
                convert(quad.object),
                convert(quad.graph_name),
            )
            for quad in parser
        ]
    except SyntaxError as error:
        raise _syntax_error(shown, error) from None
    except OSError as error:
        raise InputError(shown, (error.strerror or str(error)).lower()) from None
    return quads, dict(parser.prefixes)


class LoadedQuads:
    """Files parsed into pyoxigraph quads, for work at corpus scale (``treatykg build``).

    The same strict, located parsing as :func:`load`, without converting a million terms to
    rdflib: blank nodes get the same per-file labels :func:`load` gives them, and literals stay
    exactly as written (a pyoxigraph *Store* would normalize them; these quads are not in one).
    """

    def __init__(self) -> None:
        #: (file as the user named it, its quads), in load order.
        self.by_file: list[tuple[str, list[ox.Quad]]] = []
        self.prefixes: dict[str, str] = {}
        #: Some file is in a format that can name graphs (TriG, N-Quads, JSON-LD).
        self.graph_formats = False

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(shown for shown, _ in self.by_file)

    def quads(self) -> Iterator[ox.Quad]:
        for _shown, quads in self.by_file:
            yield from quads

    def __len__(self) -> int:
        return sum(len(quads) for _, quads in self.by_file)

    def files_for(self, node: Node) -> tuple[str, ...]:
        """The files with statements about ``node`` as subject (for reports; a linear scan)."""
        return _files_with_subject(self.by_file, node)


def load_quads(paths: Paths | None = None) -> LoadedQuads:
    """Parse RDF files and directories (recursively) into pyoxigraph quads, file by file."""
    files = QuadFiles(paths)
    loaded = LoadedQuads()
    loaded.by_file = list(files)
    loaded.prefixes = files.prefixes
    loaded.graph_formats = files.graph_formats
    return loaded


class QuadFiles:
    """RDF files and directories (recursively) to parse one file at a time into pyoxigraph
    quads, as :func:`load_quads` does, without keeping them: iterate for (file as the user
    named it, its quads). Why: ten million statements as Python quads take 2 GB, and the build
    only needs each file's quads long enough to store and sort them.

    The files are listed (and unknown suffixes refused) when this is made; each is parsed when
    the iteration reaches it, completely before any of its quads are given.
    """

    def __init__(self, paths: Paths | None = None) -> None:
        self._paths = _expand(
            _bundled("data", resources.data_files) if paths is None else paths, recursive=True
        )
        for path, shown in self._paths:
            _format_for(path, shown)
        #: The files as the user named them, in load order.
        self.files: tuple[str, ...] = tuple(shown for _path, shown in self._paths)
        #: Some file is in a format that can name graphs (TriG, N-Quads, JSON-LD).
        self.graph_formats = any(
            path.suffix.lower() in _DATASET_SUFFIXES for path, _ in self._paths
        )
        #: The prefixes the files parsed so far declare (the first declaration wins).
        self.prefixes: dict[str, str] = {}
        self._subjects: dict[Any, tuple[str, ...]] | None = None

    def __iter__(self) -> Iterator[tuple[str, list[ox.Quad]]]:
        for path, shown in self._paths:
            quads, prefixes = _parse_quads(path, shown)
            for prefix, namespace in prefixes.items():
                self.prefixes.setdefault(prefix, namespace)
            yield shown, quads

    def files_for(self, node: Node) -> tuple[str, ...]:
        """The files with statements about ``node`` as subject (for reports).

        The first call parses the files again and indexes their subjects: only a report with
        results asks, and keeping an index while loading would cost memory on every build.
        """
        if not isinstance(node, URIRef | BNode):
            return ()
        if self._subjects is None:
            subjects: dict[Any, list[str]] = {}
            for path, shown in self._paths:
                for quad in _parse_quads(path, shown)[0]:
                    found = subjects.setdefault(quad.subject, [])
                    if not found or found[-1] != shown:
                        found.append(shown)
            self._subjects = {subject: tuple(files) for subject, files in subjects.items()}
        return self._subjects.get(TermConverter().to_oxigraph(node)[0], ())


def _files_with_subject(by_file: list[tuple[str, list[ox.Quad]]], node: Node) -> tuple[str, ...]:
    if not isinstance(node, URIRef | BNode):
        return ()
    wanted = TermConverter().to_oxigraph(node)[0]
    return tuple(shown for shown, quads in by_file if any(q.subject == wanted for q in quads))


def _parse_quads(path: Path, shown: str) -> tuple[list[ox.Quad], dict[str, str]]:
    """One file's quads, blank nodes labelled per file, and the prefixes it declares."""
    rdf_format = _format_for(path, shown)
    graphs = path.suffix.lower() in _DATASET_SUFFIXES
    scope = _BlankNodeScope(path, shown, graphs=graphs, directions=_may_have_directions(path))
    try:
        parser = ox.parse(path=path, format=rdf_format, base_iri=None)
        quads = [scope.quad(quad) for quad in parser]
    except SyntaxError as error:
        raise _syntax_error(shown, error) from None
    except OSError as error:
        raise InputError(shown, (error.strerror or str(error)).lower()) from None
    return quads, dict(parser.prefixes)


def _may_have_directions(path: Path) -> bool:
    """Whether a file could hold RDF 1.2 directional literals: a fast byte search."""
    try:
        content = path.read_bytes()
    except OSError:
        return True  # the parser reports the error
    return b"--ltr" in content or b"--rtl" in content or b"direction" in content


class _BlankNodeScope:
    """Per-file blank node labels for pyoxigraph quads: the labels :class:`TermConverter` gives.

    Most quads have an IRI subject and no blank node: they pass through untouched, since
    every attribute read on a pyoxigraph quad builds a new Python object (~1 µs each).
    """

    def __init__(self, path: Path, shown: str, *, graphs: bool, directions: bool) -> None:
        self._convert = TermConverter.for_file(path, shown)
        self._shown = shown
        self._labels: dict[str, ox.BlankNode] = {}
        self._graphs = graphs  # the format can name graphs (TriG, N-Quads)
        self._directions = directions  # the file may hold "..."@en--ltr literals

    def _term(self, term: Any) -> Any:
        kind = type(term)
        if kind is ox.BlankNode:
            found = self._labels.get(term.value)
            if found is None:
                found = self._labels[term.value] = ox.BlankNode(str(self._convert(term)))
            return found
        if kind is ox.Triple:
            raise InputError(self._shown, "RDF 1.2 triple terms (<<( ... )>>) are not supported")
        if self._directions and kind is ox.Literal and term.language:
            self._convert(term)  # raises load()'s error for a base direction
        return term

    def quad(self, quad: ox.Quad) -> ox.Quad:
        s, o = quad.subject, quad.object
        kind = type(o)
        if (
            type(s) is ox.NamedNode
            and kind is not ox.BlankNode
            and kind is not ox.Triple
            and not self._directions
            and not self._graphs
        ):
            return quad
        g = quad.graph_name
        return ox.Quad(self._term(s), quad.predicate, self._term(o), self._term(g))


def _bind_declared(graph: Graph, prefixes: dict[str, str]) -> None:
    """Also bind the files' own prefixes (e.g. ``ex:``), unless they clash with treatykg's."""
    known = {str(namespace) for _, namespace in graph.namespaces()}
    bound = {prefix for prefix, _ in graph.namespaces()}
    for prefix, namespace in sorted(prefixes.items()):
        if prefix and prefix not in bound and namespace not in known:
            graph.bind(prefix, namespace, override=False)
            known.add(namespace)
            bound.add(prefix)


def _format_for(path: Path, shown: str) -> ox.RdfFormat:
    suffix = path.suffix.lower()
    rdf_format = FORMATS.get(suffix)
    if rdf_format is not None:
        return rdf_format
    if suffix in _RDF_XML_SUFFIXES:
        message = f"unsupported format {suffix!r}: RDF/XML is deliberately not supported"
        raise InputError(shown, f"{message}; convert it to Turtle. Supported: {_SUPPORTED}")
    described = repr(suffix) if suffix else "(no suffix)"
    raise InputError(shown, f"unsupported format {described}; supported: {_SUPPORTED}")


def _syntax_error(shown: str, error: SyntaxError) -> InputError:
    message = syntax_cause(error)
    if "LoadDocumentCallback" in message:
        message = (
            "remote JSON-LD @context is not fetched (treatykg never downloads while loading); "
            "embed the context in the file"
        )
    return InputError(shown, message, error.lineno, error.offset)


def _expand(paths: Paths, *, recursive: bool) -> list[tuple[Path, str]]:
    """Files to load, each with its path as the user would recognise it; no duplicates."""
    given_all = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not given_all:
        raise UsageError("no input files given")
    files: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for given in given_all:
        path = Path(given)
        shown = os.fspath(given)
        if path.is_dir():
            found = resources.collect(path, FORMATS, recursive=recursive)
            if not found:
                raise InputError(shown, f"no RDF files in this directory ({_SUPPORTED})")
            candidates = [(file, str(file)) for file in found]
        elif path.is_file():
            _format_for(path, shown)
            candidates = [(path, shown)]
        elif path.exists():
            raise InputError(shown, "not a regular file")
        else:
            raise InputError(shown, "no such file or directory")
        for file, file_shown in candidates:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append((file, file_shown))
    return files
