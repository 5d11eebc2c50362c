"""The HTML pages people read: one per resource, plus the index, the vocabulary, the shapes,
the bundled queries, the SPARQL endpoint's results and the "not found" page.

Why it is built this way:

* **Templates with autoescaping, never string concatenation.** Every page is a Jinja2 template
  in ``treatykg/templates`` rendered with ``autoescape=True``: labels, literals and paths come
  from data that anyone can edit (or from a URL anyone can type), so nothing reaches the page
  unescaped. The one deliberate exception is the JSON-LD block, which :func:`script_json`
  escapes for a ``<script>`` element itself (``<``, ``>``, ``&`` as ``\\u003c``…).
* **Relative links only**, from :func:`treatykg.paths.href`/:func:`~treatykg.paths.relative`
  and the page's own document path, so the same HTML works on ``treatykg serve`` at ``/``, in
  a static site under any sub-path and opened from disk.
* **No JavaScript, no network.** The style is inline, there are no scripts other than the
  JSON-LD data block, no fonts, no images; forms are plain ``GET`` forms.
* **Indexes built once.** :class:`Pages` reads the graph once into plain dictionaries
  (outgoing and incoming statements, labels, class and property hierarchies); a page is then a
  few dictionary look-ups and one template render, so the ~450 pages of a release render in
  well under a second and a server can render on request.
* **Deterministic.** Everything shown is sorted by a total order over RDF terms; rendering the
  same graph twice gives byte-identical pages, so a static site diffs cleanly between releases.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import rdflib
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD
from rdflib.term import Node

from treatykg import paths
from treatykg import query as sparql
from treatykg.errors import TreatykgError
from treatykg.namespaces import BASE, ELI, TKG, qname

__all__ = ["GRAPH_FORMATS", "MAX_LISTED", "RESULT_FORMATS", "Pages", "Value", "script_json"]

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SCHEMA = "https://schema.org/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

#: Long lists (incoming links of a hub, values of one property) stop after this many entries,
#: with a line that says how many more there are and where to ask for all of them.
MAX_LISTED = 200
#: Result rows shown in the HTML table of the endpoint; the other formats give every row.
MAX_RESULT_ROWS = 1000

#: Paths longer than this get no "did you mean" suggestions on the 404 page.
_MAX_GUESSED_PATH = 200

#: ``format`` values of the query forms for SELECT and ASK, with what the menu shows.
RESULT_FORMATS: tuple[tuple[str, str], ...] = (
    ("html", "HTML table"),
    ("json", "JSON"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("xml", "XML"),
)
#: ``format`` values of the query forms for CONSTRUCT and DESCRIBE.
GRAPH_FORMATS: tuple[tuple[str, str], ...] = (
    ("turtle", "Turtle"),
    ("jsonld", "JSON-LD"),
    ("ntriples", "N-Triples"),
)

#: Where a page links for the alternate formats of a resource, in the order they are offered.
_ALTERNATES: tuple[tuple[str, str, str], ...] = (
    ("ttl", "text/turtle", "Turtle"),
    ("jsonld", "application/ld+json", "JSON-LD"),
    ("nt", "application/n-triples", "N-Triples"),
)

#: Properties whose values name a resource, best first; shown together as its names.
_LABELS: tuple[URIRef, ...] = (
    SKOS.prefLabel,
    RDFS.label,
    DCTERMS.title,
    ELI.title,
    FOAF.name,
    URIRef(f"{SCHEMA}name"),
    SKOS.altLabel,
)
#: The language a label is preferred in: English, then untagged, then French, then the rest.
_LANG_RANK = {"en": 0, "": 1, "fr": 2}
#: Statements a resource page shows in sections of their own, not in the property table.
_SECTIONED = frozenset({RDF.type, DCTERMS.source, DCTERMS.description, *_LABELS})

_RANKS = {
    TKG.PreferredRank: "preferred",
    TKG.NormalRank: "normal",
    TKG.DeprecatedRank: "deprecated",
}
_RANK_ORDER = {"preferred": 0, "normal": 1, "deprecated": 2, "": 3}
_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}

#: schema.org counterparts of classes the alignments do not map but whose meaning is settled
#: (schema.org itself maps ELI's legal resources to Legislation).
_SCHEMA_CLASSES: dict[URIRef, tuple[str, ...]] = {
    URIRef(f"{ELI}LegalResource"): ("Legislation",),
    URIRef(f"{ELI}LegalResourceSubdivision"): ("Legislation",),
    URIRef(f"{ELI}LegalExpression"): ("Legislation",),
    URIRef("http://www.w3.org/ns/org#Organization"): ("Organization",),
    PROV.Organization: ("Organization",),
    PROV.Person: ("Person",),
    FOAF.Organization: ("Organization",),
    FOAF.Person: ("Person",),
    DCAT.Dataset: ("Dataset",),
    VOID.Dataset: ("Dataset",),
    DCAT.Distribution: ("DataDownload",),
    DCAT.Catalog: ("DataCatalog",),
    SKOS.Concept: ("DefinedTerm",),
    SKOS.ConceptScheme: ("DefinedTermSet",),
}
#: schema.org properties for properties the alignments do not map (ELI's as schema.org maps
#: them; Dublin Core, DCAT and SKOS as search engines read them).
_SCHEMA_PROPERTIES: dict[URIRef, tuple[str, ...]] = {
    SKOS.prefLabel: ("name",),
    RDFS.label: ("name",),
    DCTERMS.title: ("name",),
    ELI.title: ("name",),
    FOAF.name: ("name",),
    SKOS.altLabel: ("alternateName",),
    DCTERMS.description: ("description",),
    SKOS.definition: ("description",),
    SKOS.exactMatch: ("sameAs",),
    DCTERMS.source: ("citation",),
    DCTERMS.publisher: ("publisher",),
    DCTERMS.creator: ("creator",),
    DCTERMS.license: ("license",),
    DCTERMS.issued: ("datePublished",),
    DCTERMS.modified: ("dateModified",),
    DCTERMS.created: ("dateCreated",),
    DCTERMS.language: ("inLanguage",),
    DCTERMS.identifier: ("identifier",),
    DCTERMS.bibliographicCitation: ("citation",),
    DCAT.keyword: ("keywords",),
    DCAT.version: ("version",),
    DCAT.distribution: ("distribution",),
    DCAT.downloadURL: ("contentUrl",),
    DCAT.byteSize: ("contentSize",),
    DCAT.dataset: ("dataset",),
    FOAF.homepage: ("url",),
    PROV.wasDerivedFrom: ("isBasedOn",),
    URIRef(f"{ELI}is_part_of"): ("isPartOf",),
    URIRef(f"{ELI}date_document"): ("legislationDate",),
    URIRef(f"{ELI}first_date_entry_in_force"): ("legislationDateOfApplicability",),
    URIRef(f"{ELI}realizes"): ("exampleOfWork",),
    URIRef(f"{ELI}cites"): ("citation",),
    TKG.party: ("legislationPassedBy",),
    TKG.topic: ("about",),
    TKG.signatory: ("attendee",),
    TKG.partOfEvent: ("superEvent",),
    TKG.assertedBy: ("author",),
    TKG.assertedOn: ("dateCreated",),
    TKG.claimText: ("text",),
    TKG.claimSubject: ("about",),
}
_JSON_INTEGERS = frozenset(
    {
        XSD.integer,
        XSD.int,
        XSD.long,
        XSD.short,
        XSD.nonNegativeInteger,
        XSD.positiveInteger,
        XSD.negativeInteger,
        XSD.nonPositiveInteger,
        XSD.unsignedInt,
        XSD.unsignedLong,
    }
)

_STARTER_QUERY = """PREFIX tkg: <https://w3id.org/treatykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?treaty ?name WHERE {
  ?treaty a/rdfs:subClassOf* tkg:Treaty ;
          rdfs:label ?name .
  FILTER(lang(?name) = "en")
}
ORDER BY ?treaty
"""

_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Value:
    """One thing a page shows: a link (``href``) or a literal, with the language of its text
    (``lang``, for the ``lang`` attribute) and a small ``tag`` such as ``@fr`` or ``xsd:date``."""

    text: str
    href: str | None = None
    lang: str | None = None
    tag: str | None = None
    external: bool = False
    title: str | None = None
    code: bool = False


@dataclass
class _Listing:
    """A list cut at :data:`MAX_LISTED`, with how many were left out and where to get them."""

    items: list[Any]
    more: int = 0
    more_link: Value | None = None


@dataclass
class _Indexes:
    """The graph read once: statements by subject and by object, every node, types."""

    out: dict[Node, dict[URIRef, list[Node]]] = field(default_factory=dict)
    incoming: dict[Node, list[tuple[URIRef, Node]]] = field(default_factory=dict)
    nodes: set[Node] = field(default_factory=set)


def node_key(node: Node) -> tuple[int, str, str, str]:
    """A total order over RDF terms (IRIs, then literals, then blank nodes), for sorting."""
    if isinstance(node, URIRef):
        return (0, str(node), "", "")
    if isinstance(node, Literal):
        return (1, str(node), node.language or "", str(node.datatype or ""))
    return (2, str(node), "", "")


def script_json(data: Any) -> Markup:
    """``data`` as JSON that is safe inside ``<script type="application/ld+json">``.

    Keys are sorted (deterministic output); ``<``, ``>`` and ``&`` are written as JSON escapes,
    so no string in the data, such as a label ``</script><b>``, can end the script element or
    open a comment. The result is still valid JSON meaning exactly the same data.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # escaped above for the script context


def _local_name(iri: str) -> str:
    """The part after ``#`` (or the last ``/``): the element id of a term on its page."""
    if "#" in iri:
        return iri.rsplit("#", 1)[1]
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _external(iri: str) -> str | None:
    """``iri`` if a page may link to it: only http(s), so that an IRI such as
    ``javascript:…`` in the data (autoescaping does not stop that) is shown, never linked."""
    return iri if re.match(r"^https?://[^\s]+$", iri, re.IGNORECASE) else None


def _size(count: int) -> str:
    """A byte count for people: ``299248`` → ``292 KiB``."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


class Pages:
    """Renders every HTML page of the site from one graph.

    ``graph`` is everything the site describes: ``treatykg.ttl`` + ``void.ttl`` +
    ``validation-report.ttl`` of a build, merged. ``queries`` are listed on the queries page;
    ``endpoint`` is where the SPARQL endpoint is, relative to the site root (``"sparql"``) or
    as an absolute URL, or None for a static site without one. ``shapes`` is the build's
    ``shapes.ttl``, for the shapes page.
    """

    def __init__(
        self,
        graph: rdflib.Graph,
        *,
        queries: Sequence[sparql.Query] = (),
        endpoint: str | None = "sparql",
        shapes: rdflib.Graph | None = None,
    ) -> None:
        self._queries = tuple(sorted(queries, key=lambda query: query.name))
        self._endpoint = endpoint
        self._shapes = shapes
        if endpoint is None or re.match(r"^[a-z][a-z0-9+.-]*:", endpoint, re.IGNORECASE):
            self._endpoint_doc = "/sparql"
        else:
            self._endpoint_doc = "/" + endpoint.lstrip("/")
        self._ix = self._index(graph)
        self._label_cache: dict[Node, tuple[str, str] | None] = {}
        self._files = self._download_files()
        self._super_classes = self._hierarchy(RDFS.subClassOf)
        self._super_properties = self._hierarchy(RDFS.subPropertyOf)
        self._schema_classes = self._schema_map(
            (RDFS.subClassOf, OWL.equivalentClass, SKOS.exactMatch, SKOS.closeMatch)
        )
        self._schema_properties = self._schema_map(
            (RDFS.subPropertyOf, OWL.equivalentProperty, SKOS.exactMatch, SKOS.closeMatch)
        )
        self._dataset = self._main_dataset()
        self._pages = self._resource_pages()
        self._env = Environment(
            loader=FileSystemLoader(str(_TEMPLATES)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates ship with the package; no stat() per page
        )
        self._footer = self._footer_view()

    # --- the interface ----------------------------------------------------------------------

    def resource_iris(self) -> list[str]:
        """Every IRI that has a resource page (sorted): the IRIs under the site's namespace that
        are a subject or an object in the graph, except those whose document is another page
        (the root, ``def``, ``shapes``) or a download file."""
        return sorted(self._pages)

    def resource(self, iri: str) -> str:
        """The page of ``iri``, at ``paths.document(paths.path_of(iri), "html")``.

        Hash IRIs and the root land on the page that holds them (``def#Treaty`` on the
        ontology page). Raises :class:`KeyError` for an IRI the graph does not mention, so
        that a server answers 404 (with :meth:`not_found`) instead of an empty page.
        """
        path = paths.path_of(iri)
        if path is None:
            raise KeyError(iri)
        special = {"/": self.index, "/def": self.ontology, "/shapes": self.shapes}
        if path in special:
            return special[path]()
        base = iri.split("#", 1)[0]
        if base not in self._pages:
            raise KeyError(iri)
        return self._resource(URIRef(base))

    def index(self) -> str:
        """``/index.html``: the treaty with its articles, obligations and timeline, and the
        downloads."""
        doc = "/index.html"
        treaties = [self._treaty_view(doc, treaty) for treaty in self._treaties()]
        dataset = self._dataset
        context = {
            "treaties": treaties,
            "timeline": self._timeline(doc),
            "downloads": self._downloads(doc),
            "dataset": self._link(doc, dataset) if dataset is not None else None,
            "dataset_description": self._text(dataset, DCTERMS.description),
            "dataset_title": self._text(dataset, DCTERMS.title),
            "links": self._site_links(doc),
        }
        title = context["dataset_title"].text if context["dataset_title"] else "treatykg"
        jsonld = script_json(self._jsonld(dataset)) if dataset is not None else None
        return self._render("index.html", doc, title, context, jsonld=jsonld)

    def ontology(self) -> str:
        """``/def.html``: the vocabulary, each term with the element id of its local name."""
        doc = "/def.html"
        view = self._ontology_view(doc)
        title = view["heading"].text if view["heading"] else "treatykg ontology"
        return self._render(
            "ontology.html",
            doc,
            title,
            view,
            alternates=self._files_alt(doc, ("ontology.ttl", "ontology.jsonld")),
        )

    def shapes(self) -> str:
        """``/shapes.html``: the SHACL shapes with their targets, messages and severities."""
        doc = "/shapes.html"
        view = self._shapes_view(doc)
        return self._render(
            "shapes.html",
            doc,
            "SHACL shapes",
            view,
            alternates=self._files_alt(doc, ("shapes.ttl", "shapes.jsonld")),
        )

    def queries(self) -> str:
        """``/queries.html``: every bundled query, with a form that runs it on the endpoint."""
        doc = "/queries.html"
        views = []
        for item in self._queries:
            try:
                form = sparql.form(item.text)
            except TreatykgError:
                form = "select"
            try:
                sparql.check(item.text)
                refused = None
            except TreatykgError as error:
                refused = str(error)
            views.append(
                {
                    "id": "q-" + re.sub(r"[^A-Za-z0-9_-]+", "-", item.name),
                    "name": item.name,
                    "title": item.title or item.name,
                    "question": item.question,
                    "parameters": "" if item.parameters.lower() == "none" else item.parameters,
                    "columns": item.columns,
                    "text": item.text,
                    "rows": min(max(item.text.count("\n") + 2, 4), 30),
                    "formats": self._formats(form),
                    "refused": refused,
                }
            )
        context = {"queries": views, "action": self._endpoint_href(doc)}
        return self._render("queries.html", doc, "Queries", context)

    def results(self, query: str | None, results: dict | None, error: str | None) -> str:
        """The page at ``/sparql`` for browsers: the query in a form, then its results (SPARQL
        1.1 JSON results, parsed) or the error; the form alone when there is no query."""
        doc = self._endpoint_doc
        view: dict[str, Any] = {
            "query": query,
            "text": query if query is not None else _STARTER_QUERY,
            "error": error,
            "action": self._endpoint_href(doc) or posixpath.basename(doc),
            "formats": self._formats(None),
            "queries_href": paths.relative(doc, "/queries.html"),
            "boolean": None,
            "columns": [],
            "rows": [],
            "total": 0,
            "more": 0,
        }
        if results is not None and error is None:
            if "boolean" in results:
                view["boolean"] = bool(results["boolean"])
            else:
                columns = list(results.get("head", {}).get("vars", []))
                bindings = results.get("results", {}).get("bindings", [])[:MAX_RESULT_ROWS]
                # The endpoint sends a page's worth of rows and the count of all ("total").
                total = int(results.get("total", len(bindings)))
                view["columns"] = columns
                view["total"] = total
                view["more"] = max(total - len(bindings), 0)
                view["rows"] = [
                    [self._binding(doc, row.get(name)) for name in columns] for row in bindings
                ]
                if view["more"] and query is not None:
                    whole = urllib.parse.urlencode({"query": query, "format": "csv"})
                    view["csv_href"] = f"{view['action']}?{whole}"
        title = "SPARQL query results" if query is not None else "SPARQL endpoint"
        return self._render("results.html", doc, title, view)

    def not_found(self, path: str) -> str:
        """A friendly 404 page for ``path`` (shown escaped), with links that work from it."""
        doc = path if path.startswith("/") else "/" + path
        wanted = doc.removesuffix(".html")
        close = []
        if len(wanted) <= _MAX_GUESSED_PATH:  # difflib is quadratic: no guesses for huge paths
            close = difflib.get_close_matches(
                wanted, sorted(paths.path_of(iri) or "" for iri in self._pages), n=5, cutoff=0.75
            )
        suggestions = [self._link(doc, URIRef(paths.iri_of(found))) for found in close]
        context = {"path": path, "suggestions": suggestions, "links": self._site_links(doc)}
        return self._render("not_found.html", doc, "Not found", context)

    # --- reading the graph ------------------------------------------------------------------

    @staticmethod
    def _index(graph: rdflib.Graph) -> _Indexes:
        """Statements by subject and by object, sorted once so that every page is ordered."""
        out: dict[Node, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
        incoming: dict[Node, list[tuple[URIRef, Node]]] = defaultdict(list)
        nodes: set[Node] = set()
        for subject, predicate, obj in graph:
            out[subject][predicate].append(obj)  # type: ignore[index]
            nodes.add(subject)
            if not isinstance(obj, Literal):
                incoming[obj].append((predicate, subject))  # type: ignore[arg-type]
                nodes.add(obj)
        ix = _Indexes()
        ix.out = {
            subject: {p: sorted(values, key=node_key) for p, values in props.items()}
            for subject, props in out.items()
        }
        ix.incoming = {
            obj: sorted(pairs, key=lambda pair: (node_key(pair[0]), node_key(pair[1])))
            for obj, pairs in incoming.items()
        }
        ix.nodes = nodes
        return ix

    def _values(self, node: Node | None, predicate: URIRef) -> list[Node]:
        if node is None:
            return []
        return self._ix.out.get(node, {}).get(predicate, [])

    def _value(self, node: Node | None, predicate: URIRef) -> Node | None:
        values = self._values(node, predicate)
        return values[0] if values else None

    def _subjects(self, predicate: URIRef, obj: Node) -> list[Node]:
        return [s for p, s in self._ix.incoming.get(obj, ()) if p == predicate]

    def _instances(self, cls: URIRef) -> list[Node]:
        """Instances of ``cls`` or of any of its sub-classes, sorted."""
        classes = {cls}
        frontier = [cls]
        while frontier:
            current = frontier.pop()
            for sub in self._subjects(RDFS.subClassOf, current):
                if sub not in classes:
                    classes.add(sub)  # type: ignore[arg-type]
                    frontier.append(sub)  # type: ignore[arg-type]
        found = {s for c in classes for s in self._subjects(RDF.type, c)}
        return sorted(found, key=node_key)

    def _is_a(self, node: Node, cls: URIRef) -> bool:
        seen: set[Node] = set()
        frontier = list(self._values(node, RDF.type))
        while frontier:
            current = frontier.pop()
            if current == cls:
                return True
            if current not in seen:
                seen.add(current)
                frontier.extend(self._super_classes.get(current, ()))
        return False

    def _hierarchy(self, predicate: URIRef) -> dict[Node, list[Node]]:
        return {
            s: [o for o in props[predicate] if isinstance(o, URIRef)]
            for s, props in self._ix.out.items()
            if predicate in props
        }

    def _schema_map(self, predicates: Iterable[URIRef]) -> dict[Node, tuple[str, ...]]:
        """Term → schema.org names it is aligned to (``https://`` or ``http://schema.org/``)."""
        found: dict[Node, set[str]] = defaultdict(set)
        for subject, props in self._ix.out.items():
            for predicate in predicates:
                for obj in props.get(predicate, ()):
                    text = str(obj)
                    for prefix in (SCHEMA, "http://schema.org/"):
                        if text.startswith(prefix) and len(text) > len(prefix):
                            found[subject].add(text[len(prefix) :])
        return {term: tuple(sorted(names)) for term, names in found.items()}

    def _download_files(self) -> dict[str, str]:
        """IRI → site path of every file a distribution names: links to these go to the file
        itself, not to a page about it."""
        files: dict[str, str] = {}
        for props in self._ix.out.values():
            for predicate in (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump):
                for obj in props.get(predicate, ()):
                    path = paths.path_of(str(obj))
                    if path is not None and path not in ("", "/"):
                        files[str(obj)] = path
        return files

    def _main_dataset(self) -> Node | None:
        own = URIRef(f"{BASE}dataset")
        if own in self._ix.out:
            return own
        datasets = [s for s in self._subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef)]
        return min(datasets, key=node_key) if datasets else None

    def _resource_pages(self) -> set[str]:
        pages = set()
        for node in self._ix.nodes:
            if not isinstance(node, URIRef):
                continue
            text = str(node)
            if "#" in text or text in self._files:
                continue
            path = paths.path_of(text)
            if path is None or path in ("/", "/def", "/shapes"):
                continue
            pages.add(text)
        return pages

    # --- labels and links -------------------------------------------------------------------

    def _label(self, node: Node) -> tuple[str, str] | None:
        """The best name of ``node``: (text, language), English first."""
        if node in self._label_cache:
            return self._label_cache[node]
        best: tuple[tuple[int, int, str], tuple[str, str]] | None = None
        props = self._ix.out.get(node, {})
        for rank, predicate in enumerate(_LABELS):
            for value in props.get(predicate, ()):
                if not isinstance(value, Literal):
                    continue
                lang = value.language or ""
                key = (_LANG_RANK.get(lang, 3), rank, str(value))
                if best is None or key < best[0]:
                    best = (key, (str(value), lang))
        found = best[1] if best else None
        self._label_cache[node] = found
        return found

    def _short(self, node: Node) -> str:
        """A compact name for a node without a label: a file name, a path, a qname, an IRI."""
        text = str(node)
        if text in self._files:
            return self._files[text].lstrip("/")
        name = qname(text)
        if not name.startswith("<"):
            return name
        if text.startswith(BASE):
            return text[len(BASE) :] or "treatykg"
        return text

    def _name(self, node: Node) -> str:
        found = self._label(node)
        return found[0] if found else self._short(node)

    def _href(self, doc: str, iri: str) -> str | None:
        """Where ``doc`` links for ``iri``: a download file itself, our page of it, the IRI
        itself if it is not ours, or None for one of ours that has no page (a link that
        would 404, such as an example IRI a shape names, or that is not http(s))."""
        if iri in self._files:
            return paths.relative(doc, self._files[iri])
        path = paths.path_of(iri)
        if path is None:
            return _external(iri)
        if path not in ("/", "/def", "/shapes") and iri.split("#", 1)[0] not in self._pages:
            return None
        return paths.href(doc, iri)

    def _link(self, doc: str, node: Node) -> Value:
        """How a page shows ``node``: a link named by its label, or a literal."""
        if isinstance(node, Literal):
            return self._literal(node)
        if isinstance(node, BNode):
            members = self._union(node)
            if members:
                return Value(" or ".join(self._name(m) for m in members))
            return Value("(anonymous node)", tag="blank node")
        text = str(node)
        label = self._label(node)
        ours = paths.path_of(text) is not None
        if label is not None:
            return Value(
                label[0], href=self._href(doc, text), lang=label[1] or None, external=not ours
            )
        return Value(self._short(node), href=self._href(doc, text), external=not ours, code=True)

    def _links(self, doc: str, nodes: Iterable[Node]) -> list[Value]:
        return sorted(
            (self._link(doc, node) for node in nodes),
            key=lambda value: (value.text.casefold(), value.text, value.href or ""),
        )

    def _literal(self, literal: Literal) -> Value:
        tag = None
        if literal.language:
            tag = "@" + literal.language
        elif literal.datatype is not None and literal.datatype not in (XSD.string, RDF.langString):
            tag = qname(literal.datatype)
        return Value(str(literal), lang=literal.language or None, tag=tag)

    def _text(self, node: Node | None, predicate: URIRef) -> Value | None:
        """The English (else untagged, else any) literal of ``predicate``, as a Value."""
        literals = [v for v in self._values(node, predicate) if isinstance(v, Literal)]
        if not literals:
            return None
        best = min(literals, key=lambda v: (_LANG_RANK.get(v.language or "", 3), str(v)))
        return self._literal(best)

    def _term_link(self, doc: str, term: Node) -> Value:
        """A class or property: its English label, linked to its definition."""
        value = self._link(doc, term)
        if isinstance(term, URIRef):
            return Value(
                value.text,
                href=value.href,
                lang=value.lang,
                external=value.external,
                title=qname(term),
                code=value.code,
            )
        return value

    def _term_ref(self, doc: str, node: Node) -> Value:
        """A term on the ontology page: ours by label, others by qname (``schema:Legislation``
        says more than "Legislation" where alignments are listed)."""
        if isinstance(node, URIRef) and paths.path_of(str(node)) is None:
            label = self._label(node)
            return Value(
                qname(node),
                href=_external(str(node)),
                external=True,
                code=True,
                title=label[0] if label else None,
            )
        return self._term_link(doc, node)

    def _union(self, node: Node) -> list[Node]:
        head = self._value(node, OWL.unionOf)
        if head is None:
            return []
        members = []
        seen: set[Node] = set()
        while head is not None and head != RDF.nil and head not in seen:
            seen.add(head)
            first = self._value(head, RDF.first)
            if first is not None:
                members.append(first)
            head = self._value(head, RDF.rest)
        return members

    def _site_links(self, doc: str) -> dict[str, str]:
        return {
            "index": paths.relative(doc, "/index.html"),
            "ontology": paths.relative(doc, "/def.html"),
            "shapes": paths.relative(doc, "/shapes.html"),
            "queries": paths.relative(doc, "/queries.html"),
            "dataset": self._href(doc, str(self._dataset)) if self._dataset is not None else None,
            "downloads": paths.relative(doc, "/index.html") + "#downloads",
        }

    def _endpoint_href(self, doc: str) -> str | None:
        if self._endpoint is None:
            return None
        if self._endpoint_doc == "/sparql" and self._endpoint not in ("sparql", "/sparql"):
            return self._endpoint  # an absolute URL
        return paths.relative(doc, self._endpoint_doc)

    def _files_alt(self, doc: str, names: Sequence[str]) -> list[dict[str, str]]:
        """``<link rel=alternate>`` entries for build files that the graph lists."""
        found = []
        by_name = {path.lstrip("/"): path for path in self._files.values()}
        for name in names:
            if name in by_name:
                media = "text/turtle" if name.endswith(".ttl") else "application/ld+json"
                found.append(
                    {"type": media, "href": paths.relative(doc, by_name[name]), "label": name}
                )
        return found

    def _formats(self, form: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
        if form in ("construct", "describe"):
            return [("", list(GRAPH_FORMATS))]
        if form in ("select", "ask"):
            return [("", list(RESULT_FORMATS))]
        return [
            ("SELECT and ASK", list(RESULT_FORMATS)),
            ("CONSTRUCT and DESCRIBE", list(GRAPH_FORMATS)),
        ]

    # --- rendering --------------------------------------------------------------------------

    def _render(
        self,
        template: str,
        doc: str,
        title: str,
        context: Mapping[str, Any],
        *,
        alternates: Sequence[Mapping[str, str]] = (),
        jsonld: Markup | None = None,
    ) -> str:
        nav = [
            Value("Home", href=paths.relative(doc, "/index.html")),
            Value("Ontology", href=paths.relative(doc, "/def.html")),
            Value("Shapes", href=paths.relative(doc, "/shapes.html")),
            Value("Queries", href=paths.relative(doc, "/queries.html")),
        ]
        endpoint = self._endpoint_href(doc)
        if endpoint is not None:
            nav.append(Value("SPARQL", href=endpoint))
        dataset = self._href(doc, str(self._dataset)) if self._dataset is not None else None
        if dataset is not None:
            nav.append(Value("Dataset", href=dataset))
        nav.append(Value("Downloads", href=paths.relative(doc, "/index.html") + "#downloads"))
        footer = dict(self._footer)
        if self._dataset is not None:
            footer["dataset"] = self._href(doc, str(self._dataset))
        return self._env.get_template(template).render(
            title=title,
            nav=nav,
            footer=footer,
            alternates=alternates,
            jsonld=jsonld,
            **context,
        )

    def _footer_view(self) -> dict[str, Any]:
        dataset = self._dataset
        licence = self._value(dataset, DCTERMS.license)
        licence_value = None
        if isinstance(licence, URIRef):
            label = self._label(licence)
            licence_value = Value(
                label[0] if label else str(licence), href=_external(str(licence)), external=True
            )
        return {
            "licence": licence_value,
            "rights": self._text(dataset, DCTERMS.rights),
            "version": self._text(dataset, DCAT.version) or self._text(dataset, OWL.versionInfo),
            "dataset": None,
        }

    # --- resource pages ---------------------------------------------------------------------

    def _resource(self, node: URIRef) -> str:
        iri = str(node)
        path = paths.path_of(iri)
        assert path is not None
        doc = paths.document(path, "html")
        props = self._ix.out.get(node, {})
        names = []
        for predicate in _LABELS:
            for value in props.get(predicate, ()):
                if isinstance(value, Literal):
                    names.append(
                        {"property": self._term_link(doc, predicate), "value": self._literal(value)}
                    )
        names.sort(key=lambda n: (n["value"].lang or "", n["property"].text, n["value"].text))
        properties = []
        for predicate in sorted(props, key=lambda p: (self._name(p).casefold(), str(p))):
            if predicate in _SECTIONED:
                continue
            values = self._links(doc, props[predicate])
            properties.append(
                {
                    "property": self._term_link(doc, predicate),
                    "values": self._cut(values, doc, node, predicate),
                }
            )
        incoming = [
            {"subject": self._link(doc, s), "property": self._term_link(doc, p)}
            for p, s in self._ix.incoming.get(node, ())
            if p != TKG.claimSubject
        ]
        incoming.sort(
            key=lambda r: (
                r["property"].text.casefold(),
                r["subject"].text.casefold(),
                r["subject"].href or "",
            )
        )
        label = self._label(node)
        alternates = [
            {
                "type": media,
                "href": paths.relative(doc, paths.document(path, suffix)),
                "label": name,
            }
            for suffix, media, name in _ALTERNATES
        ]
        view = {
            "iri": iri,
            "heading": Value(label[0], lang=label[1] or None)
            if label is not None
            else Value(self._short(node)),
            "types": self._links(doc, props.get(RDF.type, ())),
            "names": names,
            "descriptions": [
                self._literal(v)
                for v in props.get(DCTERMS.description, ())
                if isinstance(v, Literal)
            ],
            "properties": properties,
            "incoming": self._cut(incoming, doc, node, None),
            "sources": self._sources(doc, props.get(DCTERMS.source, ())),
            "claims": self._claims(doc, node),
            "norms": self._norm_views(doc, self._subjects(TKG.expressedBy, node)),
            "obligations": self._obligation_views(doc, self._subjects(TKG.derivedFrom, node)),
            "treaty": self._treaty_view(doc, node) if self._has_articles(node) else None,
        }
        title = view["heading"].text
        return self._render(
            "resource.html",
            doc,
            title,
            view,
            alternates=alternates,
            jsonld=script_json(self._jsonld(node)),
        )

    def _cut(self, items: list[Any], doc: str, node: Node, predicate: URIRef | None) -> _Listing:
        """At most :data:`MAX_LISTED` items, and a link to a query that lists them all."""
        if len(items) <= MAX_LISTED:
            return _Listing(items)
        more = len(items) - MAX_LISTED
        if predicate is None:
            text = f"SELECT ?subject ?property WHERE {{ ?subject ?property <{node}> }}"
        else:
            text = f"SELECT ?value WHERE {{ <{node}> <{predicate}> ?value }}"
        endpoint = self._endpoint_href(doc)
        if endpoint is not None:
            link = Value(
                "ask the SPARQL endpoint for all of them",
                href=endpoint + "?" + urlencode({"query": text, "format": "html"}),
            )
        else:
            link = Value(
                "a SPARQL endpoint (treatykg serve) lists all of them; see the queries",
                href=paths.relative(doc, "/queries.html"),
            )
        return _Listing(items[:MAX_LISTED], more, link)

    def _sources(self, doc: str, sources: Iterable[Node]) -> list[dict[str, Any]]:
        views = []
        for source in sources:
            url = self._value(source, TKG.url)
            views.append(
                {
                    "link": self._link(doc, source),
                    "title": self._text(source, DCTERMS.title),
                    "publishers": self._links(doc, self._values(source, DCTERMS.publisher)),
                    "issued": self._text(source, DCTERMS.issued),
                    "language": self._text(source, DCTERMS.language),
                    "url": Value(str(url), href=_external(str(url)), external=True)
                    if isinstance(url, URIRef)
                    else None,
                    "citation": self._text(source, DCTERMS.bibliographicCitation),
                }
            )
        views.sort(key=lambda v: (v["link"].text.casefold(), v["link"].href or ""))
        return views

    def _claims(self, doc: str, node: Node) -> list[dict[str, Any]]:
        views = []
        for claim in self._subjects(TKG.claimSubject, node):
            rank = _RANKS.get(self._value(claim, TKG.rank), "")  # type: ignore[arg-type]
            value = self._value(claim, TKG.claimValue)
            if value is not None:
                shown = self._link(doc, value)
            else:
                low = self._value(claim, TKG.lowerBound)
                high = self._value(claim, TKG.upperBound)
                if low is not None and high is not None:
                    shown = Value(f"between {low} and {high}")
                elif low is not None:
                    shown = Value(f"at least {low}")
                elif high is not None:
                    shown = Value(f"at most {high}")
                else:
                    shown = Value("(no value)")
            prop = self._value(claim, TKG.claimProperty)
            qualifiers = []
            for predicate, name in (
                (TKG.qualifierStartDate, "from"),
                (TKG.qualifierEndDate, "until"),
                (TKG.qualifierPlace, "at"),
            ):
                for qualifier in self._values(claim, predicate):
                    qualifiers.append((name, self._link(doc, qualifier)))
            views.append(
                {
                    "link": self._link(doc, claim),
                    "property": self._term_link(doc, prop) if prop is not None else None,
                    "value": shown,
                    "asserted_by": self._links(doc, self._values(claim, TKG.assertedBy)),
                    "asserted_on": self._text(claim, TKG.assertedOn),
                    "rank": rank,
                    "reason": self._text(claim, TKG.rankReason),
                    "texts": [
                        self._literal(t)
                        for t in self._values(claim, TKG.claimText)
                        if isinstance(t, Literal)
                    ],
                    "qualifiers": qualifiers,
                    "sources": self._links(doc, self._values(claim, DCTERMS.source)),
                }
            )
        views.sort(
            key=lambda v: (_RANK_ORDER[v["rank"]], v["link"].text.casefold(), v["link"].href or "")
        )
        return views

    def _norm_views(self, doc: str, norms: Iterable[Node]) -> list[dict[str, Any]]:
        views = []
        for norm in sorted(norms, key=node_key):
            views.append(
                {
                    "link": self._link(doc, norm),
                    "type": self._links(doc, self._values(norm, TKG.normType)),
                    "reciprocal": self._text(norm, TKG.reciprocal),
                    "action": self._text(norm, TKG.action),
                    "conditions": self._conditions(doc, norm),
                    "legal_basis": self._links(doc, self._values(norm, TKG.legalBasis)),
                    "wording": [
                        self._literal(w)
                        for w in self._values(norm, TKG.wording)
                        if isinstance(w, Literal)
                    ],
                    "obligations": self._obligation_views(
                        doc, self._subjects(TKG.derivedFrom, norm)
                    ),
                }
            )
        return views

    def _conditions(self, doc: str, node: Node) -> list[dict[str, Any]]:
        return [
            {
                "link": self._link(doc, condition),
                "wording": [
                    self._literal(w)
                    for w in self._values(condition, TKG.wording)
                    if isinstance(w, Literal) and (w.language or "en") == "en"
                ],
            }
            for condition in self._values(node, TKG.condition)
        ]

    def _obligation_views(self, doc: str, obligations: Iterable[Node]) -> list[dict[str, Any]]:
        views = []
        for obligation in obligations:
            norm = self._value(obligation, TKG.derivedFrom)
            article = self._value(norm, TKG.expressedBy) if norm is not None else None
            number = self._value(article, ELI.number) if article is not None else None
            views.append(
                {
                    "link": self._link(doc, obligation),
                    "article": Value(f"Art. {number}", href=self._href(doc, str(article)))
                    if article is not None and number is not None
                    else (self._link(doc, article) if article is not None else None),
                    "order": _number(number),
                    "bearers": self._links(doc, self._values(obligation, TKG.bearer)),
                    "beneficiaries": self._links(doc, self._values(obligation, TKG.beneficiary)),
                    "type": self._links(doc, self._values(obligation, TKG.deonticType)),
                    "action": self._text(obligation, TKG.action),
                    "conditions": self._conditions(doc, obligation),
                    "legal_basis": self._links(doc, self._values(obligation, TKG.legalBasis)),
                }
            )
        views.sort(
            key=lambda v: (
                v["order"],
                [b.text for b in v["bearers"]],
                v["link"].href or "",
            )
        )
        return views

    # --- the treaty, the timeline and the downloads ----------------------------------------

    def _treaties(self) -> list[Node]:
        return [t for t in self._instances(TKG.Treaty) if self._has_articles(t)]

    def _has_articles(self, node: Node) -> bool:
        return any(self._is_a(part, TKG.Article) for part in self._subjects(ELI.is_part_of, node))

    def _treaty_view(self, doc: str, treaty: Node) -> dict[str, Any]:
        names = [
            self._literal(v)
            for predicate in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
            for v in self._values(treaty, predicate)
            if isinstance(v, Literal)
        ]
        names.sort(key=lambda v: (_LANG_RANK.get(v.lang or "", 3), v.lang or "", v.text))
        parts = self._subjects(ELI.is_part_of, treaty)
        articles = sorted(
            (p for p in parts if self._is_a(p, TKG.Article)),
            key=lambda a: (_number(self._value(a, ELI.number)), node_key(a)),
        )
        others = sorted((p for p in parts if not self._is_a(p, TKG.Article)), key=node_key)
        norms = [n for a in articles for n in self._subjects(TKG.expressedBy, a)]
        obligations = [o for n in norms for o in self._subjects(TKG.derivedFrom, n)]
        dates = []
        for predicate, name in (
            (ELI.date_document, "signed"),
            (ELI.first_date_entry_in_force, "in force from"),
            (ELI.date_no_longer_in_force, "no longer in force from"),
            (TKG.indefiniteDuration, "of indefinite duration"),
            (TKG.articleCount, "number of articles"),
        ):
            value = self._text(treaty, predicate)
            if value is not None:
                dates.append((name, value))
        signings = []
        for event in self._subjects(TKG.concerns, treaty):
            if not self._is_a(event, TKG.Signing):
                continue
            date = self._value(event, TKG.date)
            signatories = [
                {
                    "person": self._link(doc, person),
                    "offices": self._offices(doc, person, str(date) if date else None),
                }
                for person in self._values(event, TKG.signatory)
            ]
            signatories.sort(key=lambda s: s["person"].text.casefold())
            claims = self._subjects(TKG.claimSubject, event)
            values = {
                str(self._value(c, TKG.claimValue))
                for c in claims
                if self._value(c, TKG.claimProperty) == TKG.date
            }
            signings.append(
                {
                    "link": self._link(doc, event),
                    "date": self._literal(date) if isinstance(date, Literal) else None,
                    "places": self._links(doc, self._values(event, TKG.place)),
                    "signatories": signatories,
                    "contested": len(values) > 1,
                }
            )
        signings.sort(key=lambda s: (s["date"].text if s["date"] else "", s["link"].href or ""))
        versions = []
        for version in sorted(self._subjects(ELI.realizes, treaty), key=node_key):
            versions.append(
                {
                    "link": self._link(doc, version),
                    "language": [
                        _local_name(str(code)) for code in self._values(version, ELI.language)
                    ],
                    "titles": [
                        self._literal(t)
                        for t in self._values(version, ELI.title)
                        if isinstance(t, Literal)
                    ],
                    "authentic": self._text(version, TKG.isAuthentic),
                }
            )
        return {
            "link": self._link(doc, treaty),
            "names": names,
            "description": self._text(treaty, DCTERMS.description),
            "parties": self._links(doc, self._values(treaty, TKG.party)),
            "dates": dates,
            "signings": signings,
            "versions": versions,
            "replaces": self._links(doc, self._values(treaty, TKG.replaces)),
            "cites": self._links(doc, self._values(treaty, TKG.cites)),
            "divisions": [self._division(doc, d) for d in others]
            + [self._division(doc, a) for a in articles],
            "article_count": len(articles),
            "norms": self._norm_views(doc, norms),
            "obligations": self._obligation_views(doc, obligations),
        }

    def _division(self, doc: str, part: Node) -> dict[str, Any]:
        status = self._value(part, TKG.contentStatus)
        number = str(self._value(part, ELI.number) or "")
        if number:
            text = f"Article {number}"
        else:
            kinds = self._values(part, RDF.type)
            text = self._name(kinds[0]).capitalize() if kinds else self._name(part)
        return {
            "number": number,
            "link": Value(text, href=self._href(doc, str(part)), title=self._name(part)),
            "summary": self._text(part, DCTERMS.description),
            "status": self._link(doc, status) if status is not None else None,
            "known": status != TKG.ContentUnknown,
            "basis": self._links(doc, self._values(part, TKG.numberingBasis)),
            "norms": self._links(doc, self._subjects(TKG.expressedBy, part)),
        }

    def _offices(self, doc: str, person: Node, date: str | None) -> list[Value]:
        """Offices ``person`` held on ``date`` by a tenure whose attested (or stated) bounds
        include it."""
        offices = []
        for tenure in self._subjects(TKG.holder, person):
            start = self._value(tenure, TKG.startDate) or self._value(tenure, TKG.attestedFrom)
            end = self._value(tenure, TKG.endDate) or self._value(tenure, TKG.attestedUntil)
            if date is not None and start is not None and str(start) > date:
                continue
            if date is not None and end is not None and str(end) < date:
                continue
            offices.extend(self._values(tenure, TKG.office))
        return self._links(doc, set(offices))

    def _when(self, event: Node) -> tuple[str, str] | None:
        """(sort key, text) of an event's time, or None if it has none."""
        date = self._value(event, TKG.date)
        if date is not None:
            return str(date), str(date)
        start = self._value(event, TKG.startDate)
        if start is not None:
            end = self._value(event, TKG.endDate)
            return str(start), f"{start} – {end}" if end is not None else f"from {start}"
        before = self._value(event, TKG.notBefore)
        after = self._value(event, TKG.notAfter)
        if before is not None and after is not None:
            return str(before), f"between {before} and {after}"
        if before is not None:
            return str(before), f"not before {before}"
        if after is not None:
            return str(after), f"not after {after}"
        return None

    def _timeline(self, doc: str) -> list[dict[str, Any]]:
        rows = []
        for event in self._instances(TKG.Event):
            when = self._when(event)
            if when is None:
                continue
            rows.append(
                {
                    "key": when[0],
                    "when": when[1],
                    "link": self._link(doc, event),
                    "types": self._links(doc, self._values(event, RDF.type)),
                    "places": self._links(doc, self._values(event, TKG.place)),
                    "iri": str(event),
                }
            )
        rows.sort(key=lambda r: (r["key"], r["when"], r["iri"]))
        return rows

    def _downloads(self, doc: str) -> list[dict[str, Any]]:
        rows = []
        for dist in self._instances(DCAT.Distribution):
            url = self._value(dist, DCAT.downloadURL) or self._value(dist, DCAT.accessURL)
            if url is None or str(url) not in self._files:
                continue
            media = self._value(dist, DCAT.mediaType)
            size = self._value(dist, DCAT.byteSize)
            checksum = self._value(self._value(dist, SPDX.checksum), SPDX.checksumValue)
            name = self._files[str(url)].lstrip("/")
            rows.append(
                {
                    "file": Value(name, href=paths.relative(doc, self._files[str(url)])),
                    "description": self._text(dist, DCTERMS.description),
                    "media": str(media).removeprefix(IANA_MEDIA_TYPES) if media else "",
                    "size": _size(int(size)) if size is not None and str(size).isdigit() else "",
                    "bytes": str(size) if size is not None else "",
                    "sha256": str(checksum) if checksum is not None else "",
                    "page": self._link(doc, dist),
                }
            )
        rows.sort(key=lambda r: r["file"].text)
        return rows

    # --- JSON-LD for search engines ---------------------------------------------------------

    def _schema_types(self, node: Node) -> list[str]:
        """The schema.org types of ``node``: the nearest aligned classes up its hierarchy."""
        frontier = set(self._values(node, RDF.type))
        seen: set[Node] = set()
        while frontier:
            found = sorted(
                {
                    name
                    for cls in frontier
                    for name in (
                        self._schema_classes.get(cls) or _SCHEMA_CLASSES.get(cls, ())  # type: ignore[arg-type]
                    )
                }
            )
            if found:
                return found
            seen |= frontier
            frontier = {s for c in frontier for s in self._super_classes.get(c, ())} - seen
        return ["Thing"]

    def _schema_property(self, predicate: URIRef, event: bool) -> tuple[str, ...]:
        if predicate == TKG.date:  # an event's day, or the day words were said
            return ("startDate",) if event else ("dateCreated",)
        seen: set[Node] = set()
        frontier: list[Node] = [predicate]
        while frontier:
            found = sorted(
                {
                    name
                    for p in frontier
                    for name in (
                        self._schema_properties.get(p) or _SCHEMA_PROPERTIES.get(p, ())  # type: ignore[arg-type]
                    )
                }
            )
            if found:
                return tuple(found)
            seen.update(frontier)
            frontier = [
                s for p in frontier for s in self._super_properties.get(p, ()) if s not in seen
            ]
        return ()

    def _jsonld(self, node: Node) -> dict[str, Any]:
        """``node`` described with schema.org terms, for ``<script type="application/ld+json">``:
        its types and names, what the alignments map, Wikidata as ``sameAs``."""
        types = self._schema_types(node)
        event = "Event" in types
        data: dict[str, list[Any]] = defaultdict(list)
        for predicate, values in self._ix.out.get(node, {}).items():
            if predicate == RDF.type:
                continue
            for name in self._schema_property(predicate, event):
                for value in values:
                    converted = self._json_value(value, name)
                    if converted is not None:
                        data[name].append(converted)
        if "Legislation" in types:
            for part in self._subjects(ELI.is_part_of, node):
                data["hasPart"].append(self._json_ref(part))
        description: dict[str, Any] = {
            "@context": {"@vocab": SCHEMA},
            "@id": str(node),
            "@type": types[0] if len(types) == 1 else types,
        }
        for name, values in data.items():
            unique = {json.dumps(v, sort_keys=True, ensure_ascii=False): v for v in values}
            ordered = [unique[key] for key in sorted(unique)]
            description[name] = ordered[0] if len(ordered) == 1 else ordered
        return description

    def _json_value(self, value: Node, name: str) -> Any:
        if isinstance(value, Literal):
            if value.language:
                return {"@value": str(value), "@language": value.language}
            if value.datatype == XSD.boolean:
                return value.toPython() if isinstance(value.toPython(), bool) else str(value)
            if value.datatype in _JSON_INTEGERS and re.fullmatch(r"[+-]?\d+", str(value)):
                return int(str(value))
            return str(value)
        if isinstance(value, BNode):
            return None
        if name == "encodingFormat":
            return str(value).removeprefix(IANA_MEDIA_TYPES)
        if name in ("contentUrl", "url"):
            return str(value)
        if name == "distribution":
            return self._json_distribution(value)
        return self._json_ref(value)

    def _json_ref(self, node: Node) -> dict[str, Any]:
        ref: dict[str, Any] = {"@id": str(node)}
        label = self._label(node)
        if label is not None and paths.path_of(str(node)) is not None:
            ref["name"] = {"@value": label[0], "@language": label[1]} if label[1] else label[0]
        return ref

    def _json_distribution(self, dist: Node) -> dict[str, Any]:
        ref: dict[str, Any] = {"@id": str(dist), "@type": "DataDownload"}
        for predicate, name in (
            (DCTERMS.title, "name"),
            (DCAT.downloadURL, "contentUrl"),
            (DCAT.mediaType, "encodingFormat"),
        ):
            value = self._value(dist, predicate)
            if value is not None:
                ref[name] = str(value).removeprefix(IANA_MEDIA_TYPES)
        return ref

    # --- the ontology page ------------------------------------------------------------------

    def _ontology_view(self, doc: str) -> dict[str, Any]:
        ontology = URIRef(f"{BASE}def")
        namespace = str(TKG)
        terms = sorted(
            (
                s
                for s in self._ix.out
                if isinstance(s, URIRef)
                and str(s).startswith(namespace)
                and len(str(s)) > len(namespace)
            ),
            key=lambda s: (_local_name(str(s)).casefold(), str(s)),
        )
        classes, properties, schemes, concepts, others = [], [], [], [], []
        for term in terms:
            types = set(self._values(term, RDF.type))
            if types & {OWL.Class, RDFS.Class}:
                classes.append(self._term_view(doc, term, "class"))
            elif any(str(t).endswith("Property") for t in types):
                properties.append(self._term_view(doc, term, "property"))
            elif SKOS.ConceptScheme in types:
                schemes.append(term)
            elif SKOS.Concept in types:
                concepts.append(term)
            else:
                others.append(self._term_view(doc, term, "term"))
        scheme_views = []
        in_scheme: set[Node] = set()
        for scheme in schemes:
            members = [c for c in concepts if scheme in self._values(c, SKOS.inScheme)]
            in_scheme.update(members)
            scheme_views.append(
                {
                    "term": self._term_view(doc, scheme, "concept scheme"),
                    "concepts": [self._term_view(doc, c, "concept") for c in members],
                }
            )
        loose = [self._term_view(doc, c, "concept") for c in concepts if c not in in_scheme]
        header = []
        for predicate, name in (
            (OWL.versionInfo, "version"),
            (OWL.versionIRI, "version IRI"),
            (DCTERMS.license, "licence"),
            (DCTERMS.creator, "creator"),
            (DCTERMS.publisher, "publisher"),
            (DCTERMS.created, "created"),
            (DCTERMS.modified, "modified"),
            (URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"), "preferred prefix"),
            (URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"), "namespace"),
            (DCTERMS.bibliographicCitation, "how to cite"),
            (RDFS.seeAlso, "see also"),
            (SKOS.historyNote, "history"),
        ):
            values = self._values(ontology, predicate)
            if values:
                header.append((name, self._links(doc, values)))
        return {
            "heading": self._text(ontology, DCTERMS.title),
            "titles": [
                self._literal(t)
                for t in self._values(ontology, DCTERMS.title)
                if isinstance(t, Literal)
            ],
            "description": self._text(ontology, DCTERMS.description),
            "header": header,
            "iri": str(ontology),
            "classes": classes,
            "properties": properties,
            "schemes": scheme_views,
            "loose_concepts": loose,
            "others": others,
        }

    def _term_view(self, doc: str, term: URIRef, kind: str) -> dict[str, Any]:
        labels = [
            self._literal(v)
            for predicate in (RDFS.label, SKOS.prefLabel)
            for v in self._values(term, predicate)
            if isinstance(v, Literal)
        ]
        unique = {(v.text, v.lang): v for v in labels}
        labels = sorted(unique.values(), key=lambda v: (_LANG_RANK.get(v.lang or "", 3), v.text))
        own = str(TKG)
        supers = self._values(term, RDFS.subClassOf) + self._values(term, RDFS.subPropertyOf)
        rows: list[tuple[str, list[Value]]] = []

        def add(name: str, nodes: Iterable[Node]) -> None:
            links = sorted(
                (self._term_ref(doc, node) for node in nodes),
                key=lambda value: (value.text.casefold(), value.href or ""),
            )
            if links:
                rows.append((name, links))

        is_property = kind == "property"
        add(
            "sub-property of" if is_property else "sub-class of",
            [s for s in supers if str(s).startswith(own) or isinstance(s, BNode)],
        )
        add("domain", self._values(term, RDFS.domain))
        add("range", self._values(term, RDFS.range))
        add("sub-classes", self._subjects(RDFS.subClassOf, term))
        add("sub-properties", self._subjects(RDFS.subPropertyOf, term))
        add("disjoint with", self._values(term, OWL.disjointWith))
        add("inverse of", self._values(term, OWL.inverseOf))
        add("in scheme", self._values(term, SKOS.inScheme))
        add("broader", self._values(term, SKOS.broader))
        add(
            "aligned: sub-property of" if is_property else "aligned: sub-class of",
            [s for s in supers if isinstance(s, URIRef) and not str(s).startswith(own)],
        )
        add(
            "aligned: equivalent to",
            self._values(term, OWL.equivalentClass) + self._values(term, OWL.equivalentProperty),
        )
        add("aligned: exact match", self._values(term, SKOS.exactMatch))
        add("aligned: close match", self._values(term, SKOS.closeMatch))
        add("type", [t for t in self._values(term, RDF.type) if t not in (OWL.Class,)])
        notes = [
            self._literal(v)
            for predicate in (SKOS.definition, RDFS.comment, SKOS.scopeNote, SKOS.example)
            for v in self._values(term, predicate)
            if isinstance(v, Literal)
        ]
        return {
            "id": _local_name(str(term)),
            "qname": qname(term),
            "iri": str(term),
            "kind": kind,
            "labels": labels,
            "notes": notes,
            "rows": rows,
        }

    # --- the shapes page --------------------------------------------------------------------

    def _shapes_view(self, doc: str) -> dict[str, Any]:
        shapes = self._shapes
        by_name = {path.lstrip("/"): path for path in self._files.values()}
        file_link = (
            Value("shapes.ttl", href=paths.relative(doc, by_name["shapes.ttl"]))
            if "shapes.ttl" in by_name
            else None
        )
        if shapes is None:
            return {
                "available": False,
                "file": file_link,
                "node_shapes": [],
                "property_shapes": [],
                "heading": None,
                "description": None,
            }
        named = sorted(
            {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
            | {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
            | {s for s in shapes.subjects(SH.path, None) if isinstance(s, URIRef)},
            key=lambda s: (_local_name(str(s)).casefold(), str(s)),
        )
        parents: dict[Node, list[Node]] = defaultdict(list)
        for parent, child in shapes.subject_objects(SH.property):
            parents[child].append(parent)

        def first(node: Node, predicate: URIRef) -> Node | None:
            values = sorted(shapes.objects(node, predicate), key=node_key)
            return values[0] if values else None

        def label(node: Node) -> str:
            labels = sorted(
                (v for v in shapes.objects(node, RDFS.label) if isinstance(v, Literal)),
                key=lambda v: (_LANG_RANK.get(v.language or "", 3), str(v)),
            )
            return str(labels[0]) if labels else _local_name(str(node))

        def shape_link(node: Node) -> Value:
            return Value(label(node), href=self._href(doc, str(node)), title=qname(node))

        node_views, property_views = [], []
        for shape in named:
            targets: list[tuple[str, list[Value]]] = []
            for predicate, name in (
                (SH.targetClass, "instances of"),
                (SH.targetNode, "the node"),
                (SH.targetSubjectsOf, "subjects of"),
                (SH.targetObjectsOf, "objects of"),
            ):
                values = sorted(shapes.objects(shape, predicate), key=node_key)
                if values:
                    targets.append((name, [self._term_link(doc, v) for v in values]))
            if (shape, SH.target, None) in shapes:
                targets.append(("the nodes a SPARQL query selects (SHACL-AF)", []))
            severity = first(shape, SH.severity)
            messages = sorted(
                (v for v in shapes.objects(shape, SH.message) if isinstance(v, Literal)),
                key=node_key,
            )
            path = first(shape, SH.path)
            view = {
                "id": _local_name(str(shape)),
                "qname": qname(shape),
                "label": label(shape),
                "targets": targets,
                "severity": _SEVERITIES.get(severity, self._short(severity))  # type: ignore[arg-type]
                if severity is not None
                else "violation",
                "messages": [self._literal(m) for m in messages],
                "path": _path_text(shapes, path) if path is not None else None,
                "properties": sorted(
                    (
                        shape_link(p)
                        for p in shapes.objects(shape, SH.property)
                        if isinstance(p, URIRef)
                    ),
                    key=lambda v: (v.text.casefold(), v.href or ""),
                ),
                "parents": sorted(
                    (shape_link(p) for p in parents.get(shape, ()) if isinstance(p, URIRef)),
                    key=lambda v: (v.text.casefold(), v.href or ""),
                ),
                "examples": self._links(doc, shapes.objects(shape, SKOS.example)),
                "sparql": (shape, SH.sparql, None) in shapes,
            }
            if path is not None or (
                (shape, RDF.type, SH.PropertyShape) in shapes
                and (shape, RDF.type, SH.NodeShape) not in shapes
            ):
                property_views.append(view)
            else:
                node_views.append(view)
        header = URIRef(f"{BASE}shapes")
        titles = sorted(
            (v for v in shapes.objects(header, DCTERMS.title) if isinstance(v, Literal)),
            key=lambda v: (_LANG_RANK.get(v.language or "", 3), str(v)),
        )
        descriptions = sorted(
            (v for v in shapes.objects(header, DCTERMS.description) if isinstance(v, Literal)),
            key=lambda v: (_LANG_RANK.get(v.language or "", 3), str(v)),
        )
        return {
            "available": True,
            "file": file_link,
            "heading": self._literal(titles[0]) if titles else None,
            "description": self._literal(descriptions[0]) if descriptions else None,
            "node_shapes": node_views,
            "property_shapes": property_views,
        }

    # --- the SPARQL results page ------------------------------------------------------------

    def _binding(self, doc: str, term: Mapping[str, Any] | None) -> Value | None:
        """One cell of a SPARQL JSON result: our IRIs link to their pages."""
        if term is None:
            return None
        kind = term.get("type")
        value = str(term.get("value", ""))
        if kind == "uri":
            ours = paths.path_of(value) is not None
            if ours:
                return Value(self._short(URIRef(value)), href=self._href(doc, value), code=True)
            return Value(value, href=_external(value), external=True, code=True)
        if kind in ("literal", "typed-literal"):
            lang = term.get("xml:lang")
            datatype = term.get("datatype")
            tag = (
                "@" + lang
                if lang
                else (
                    qname(datatype)
                    if datatype and datatype not in (str(XSD.string), str(RDF.langString))
                    else None
                )
            )
            return Value(value, lang=lang or None, tag=tag)
        if kind == "bnode":
            return Value("_:" + value, code=True)
        if kind == "triple":
            parts = term.get("value", {})
            inner = [self._binding(doc, parts.get(k)) for k in ("subject", "predicate", "object")]
            return Value("<< " + " ".join(v.text for v in inner if v) + " >>", code=True)
        return Value(value)


def _number(number: Node | None) -> tuple[int, str]:
    """Sort key of an article number: numeric when it is one ("2" before "10")."""
    text = str(number) if number is not None else ""
    match = re.match(r"\d+", text)
    return (int(match.group()) if match else 1 << 30, text)


def _path_text(graph: rdflib.Graph, path: Node) -> str:
    """A SHACL property path in SPARQL's path syntax: ``tkg:party``, ``^tkg:holder``, ``a/b``."""
    if isinstance(path, URIRef):
        return qname(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return "(" + _path_text(graph, inner) + ")" + suffix
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "/".join(_path_text(graph, p) for p in Collection(graph, path))
    return "(complex path)"
