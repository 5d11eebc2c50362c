"""Rendering: the Jinja2 environment, the navigation and footer every page shares, and
:class:`Pages`, which renders each page of the site from its view, in one language
(:mod:`treatykg.web.languages`; :meth:`Pages.in_language` gives the same pages in another).

The templates mark what they write themselves with ``_()`` and ``{% trans %}`` (Jinja2's
i18n extension); the translations come from :mod:`.i18n`. Every page says its language
(``<html lang>``), links to itself in the others (``hreflang`` alternates and a switch), and
keeps its links in its own language.

Every page is a template in ``templates/`` rendered with ``autoescape=True``: labels,
literals and paths come from data anyone can edit (or from a URL anyone can type), so
nothing reaches the page unescaped. The one exception is the JSON-LD block, which
:func:`~.schema_org.script_json` escapes for its ``<script>`` element itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rdflib
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL

from treatykg.namespaces import DCAT
from treatykg.sparql.catalogue import Query
from treatykg.web import urls
from treatykg.web.changelog import INDEX_PATH, ChangeLog
from treatykg.web.languages import DEFAULT, ENDONYMS, LANGUAGES, tagged
from treatykg.web.languages import split as split_language
from treatykg.web.pages.changes import changes_view, changeset_view
from treatykg.web.pages.graph_index import GraphIndex
from treatykg.web.pages.home import home_view
from treatykg.web.pages.i18n import number_text, translations
from treatykg.web.pages.links import Alternate, Links, SiteLinks, Value, external
from treatykg.web.pages.ontology import ontology_view
from treatykg.web.pages.pictures.graphviz import Graphviz
from treatykg.web.pages.pictures.painter import Painter
from treatykg.web.pages.pictures.picture import Picture
from treatykg.web.pages.queries import queries_view, results_view
from treatykg.web.pages.resource import alternates, resource_view
from treatykg.web.pages.schema_org import SchemaOrg, script_json
from treatykg.web.pages.shapes import shapes_view

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_TEMPLATES = Path(__file__).parent / "templates"

#: Paths longer than this get no "did you mean" suggestions on the 404 page.
_MAX_GUESSED_PATH = 200


@dataclass(frozen=True, slots=True)
class LanguageLink:
    """The page in one language, for the switch and the ``hreflang`` alternates."""

    code: str
    name: str
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class Footer:
    """What the footer of every page says: the licence, the rights, the release."""

    licence: Value | None
    rights: Value | None
    version: Value | None
    #: Where the page links for the dataset description (relative, so per page).
    dataset: str | None = None


@dataclass(slots=True)
class NotFoundView:
    path: str
    suggestions: list[Value]
    links: SiteLinks


def _context(view: DataclassInstance) -> dict[str, Any]:
    """A view's fields as template variables."""
    return {f.name: getattr(view, f.name) for f in fields(view)}


class Pages:
    """Renders every HTML page of the site from one graph.

    ``graph`` is everything the site describes: ``treatykg.ttl`` + ``void.ttl`` +
    ``validation-report.ttl`` of a build, merged; or an index of it already made (a
    :class:`~.store_index.StoreIndex` reads a build too large to hold in memory from its
    store, statement by statement as pages need them). ``queries`` are listed on the queries page;
    ``endpoint`` is where the SPARQL endpoint is, relative to the site root (``"sparql"``) or
    as an absolute URL, or None for a static site without one. ``shapes`` is the build's
    ``shapes.ttl``, for the shapes page. ``changes`` are the changesets the release keeps
    (``changes-<version>.json``): a page each, a page that lists them, and a line on the page
    of each resource they changed.
    """

    def __init__(
        self,
        graph: rdflib.Graph | GraphIndex,
        *,
        queries: Sequence[Query] = (),
        endpoint: str | None = "sparql",
        shapes: rdflib.Graph | None = None,
        graphviz: Graphviz | None = None,
        language: str = DEFAULT,
        changes: ChangeLog | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"no pages in {language!r}: the languages are {LANGUAGES}")
        self.language = language
        self._queries = tuple(sorted(queries, key=lambda query: query.name))
        self._shapes = shapes
        self._endpoint = endpoint
        self._index = graph if isinstance(graph, GraphIndex) else GraphIndex(graph)
        self._changes = changes if changes is not None else ChangeLog()
        self._links = Links(self._index, endpoint, language, self._changes)
        self._schema = SchemaOrg(self._index)
        self._translations = translations(language)
        self._env = Environment(
            loader=FileSystemLoader(str(_TEMPLATES)),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # templates ship with the package; no stat() per page
            extensions=["jinja2.ext.i18n"],
        )
        self._env.filters["number"] = lambda value: number_text(value, language)
        # a method jinja2.ext.i18n adds to the environment, which type checkers cannot see
        self._env.install_gettext_translations(  # type: ignore[attr-defined]
            self._translations, newstyle=True
        )
        self._footer = self._footer_view()
        self._painter = Painter(self._links, self._env, graphviz)
        #: The same pages in each language, shared by all of them (see in_language).
        self._siblings: dict[str, Pages] = {language: self}

    def in_language(self, language: str) -> Pages:
        """These pages in ``language``: the same graph, queries, endpoint and Graphviz, made
        once and kept."""
        found = self._siblings.get(language)
        if found is None:
            found = Pages(
                self._index,
                queries=self._queries,
                endpoint=self._endpoint,
                shapes=self._shapes,
                graphviz=self._painter.graphviz,
                language=language,
                changes=self._changes,
            )
            found._siblings = self._siblings
            self._siblings[language] = found
        return found

    def _(self, message: str, **values: Any) -> str:
        """``message`` in the pages' language, its ``%(name)s`` placeholders filled (as the
        templates' newstyle gettext fills them)."""
        return self._links._(message, **values)

    # --- the interface ----------------------------------------------------------------------

    def resource_iris(self) -> list[str]:
        """Every IRI that has a resource page (sorted): the IRIs under the site's namespace that
        are a subject or an object in the graph, except those whose document is another page
        (the root, ``def``, ``shapes``) or a download file."""
        return sorted(self._index.pages)

    def picture(self, page: str, kind: str) -> bytes | None:
        """The ``kind`` picture of the page at ``page`` (``/index``, ``/def`` or a resource's
        path) as an SVG file, or None if that page has no such picture."""
        return self._painter.file(page, kind)

    def prefetch_pictures(self, pages: Iterable[str] | None = None) -> None:
        """Starts drawing the Graphviz pictures of ``pages`` (paths: ``/index``, ``/def``, a
        resource's; every page if None) on the other cores, in the order the pages will be
        rendered: for a static site, which renders every page."""
        if pages is None:
            paths = sorted(urls.path_of(iri) or "" for iri in self._index.pages)
            pages = ["/def", *paths, "/index"]
        self._painter.prefetch(pages)

    @property
    def graphviz(self) -> Graphviz:
        """The Graphviz the pictures are drawn with (``available`` tells if it is installed)."""
        return self._painter.graphviz

    def resource(self, iri: str) -> str:
        """The page of ``iri``, at ``urls.document(urls.path_of(iri), "html")``.

        Hash IRIs and the root land on the page that holds them (``def#Treaty`` on the
        ontology page). Raises :class:`KeyError` for an IRI the graph does not mention, so
        that a server answers 404 (with :meth:`not_found`) instead of an empty page.
        """
        path = urls.path_of(iri)
        if path is None:
            raise KeyError(iri)
        special = {"/": self.index, "/def": self.ontology, "/shapes": self.shapes}
        if path in special:
            return special[path]()
        kept = self._changes.by_path.get(path)
        if kept is not None and "#" not in iri:
            return self.changeset(kept.version)
        base = iri.split("#", 1)[0]
        if base not in self._index.pages:
            raise KeyError(iri)
        node = URIRef(base)
        doc = self._links.page(path)
        view = resource_view(self._links, doc, node)
        return self._render(
            "resource.html",
            doc,
            view.heading.text,
            _context(view),
            alternates=alternates(doc, path),
            jsonld=script_json(self._schema.embedding(node)),
            pictures=self._painter.pictures(path),
        )

    def index(self) -> str:
        """``/index.html``: the treaty with its articles, obligations and timeline, and the
        downloads."""
        doc = self._links.page("/")
        view = home_view(self._links, doc)
        dataset = self._index.dataset
        title = view.dataset_title.text if view.dataset_title else "treatykg"
        jsonld = script_json(self._schema.embedding(dataset)) if dataset is not None else None
        return self._render(
            "index.html",
            doc,
            title,
            _context(view),
            jsonld=jsonld,
            pictures=self._painter.pictures("/index"),
        )

    def changeset(self, version: str) -> str:
        """The page of the changeset that leads to ``version`` (``/dataset/changes/0.2.0.html``):
        what was removed and added, resource by resource. :class:`KeyError` if the release
        keeps no such changeset."""
        kept = self._changes.by_version[version]
        doc = self._links.page(kept.path)
        view = changeset_view(self._links, doc, kept)
        return self._render(
            "changeset.html",
            doc,
            self._("Changes in version %(version)s", version=version),
            _context(view),
        )

    def changes(self) -> str:
        """``/dataset/changes.html``: every changeset the release keeps, newest first.
        :class:`KeyError` if it keeps none."""
        if not self._changes:
            raise KeyError(INDEX_PATH)
        doc = self._links.page(INDEX_PATH)
        view = changes_view(self._links, doc)
        return self._render("changes.html", doc, self._("Changes between versions"), _context(view))

    def ontology(self) -> str:
        """``/def.html``: the vocabulary, each term with the element id of its local name."""
        doc = self._links.page("/def")
        view = ontology_view(self._links, doc)
        title = view.heading.text if view.heading else self._("treatykg ontology")
        return self._render(
            "ontology.html",
            doc,
            title,
            _context(view),
            alternates=self._links.file_alternates(doc, ("ontology.ttl", "ontology.jsonld")),
            pictures=self._painter.pictures("/def"),
        )

    def shapes(self) -> str:
        """``/shapes.html``: the SHACL shapes with their targets, messages and severities."""
        doc = self._links.page("/shapes")
        view = shapes_view(self._links, doc, self._shapes)
        return self._render(
            "shapes.html",
            doc,
            self._("SHACL shapes"),
            _context(view),
            alternates=self._links.file_alternates(doc, ("shapes.ttl", "shapes.jsonld")),
        )

    def queries(self) -> str:
        """``/queries.html``: every bundled query, with a form that runs it on the endpoint."""
        doc = self._links.page("/queries")
        view = queries_view(self._links, doc, self._queries)
        return self._render("queries.html", doc, self._("Queries"), _context(view))

    def results(
        self, query: str | None, results: Mapping[str, Any] | None, error: str | None
    ) -> str:
        """The page at ``/sparql`` for browsers: the query in a form, then its results (SPARQL
        1.1 JSON results, parsed) or the error; the form alone when there is no query."""
        view = results_view(self._links, query, results, error)
        title = self._("SPARQL query results") if query is not None else self._("SPARQL endpoint")
        return self._render("results.html", self._links.endpoint_doc, title, _context(view))

    def not_found(self, path: str) -> str:
        """A friendly 404 page for ``path`` (shown escaped), with links that work from it."""
        doc = path if path.startswith("/") else "/" + path
        wanted = doc.removesuffix(".html")
        close = []
        if len(wanted) <= _MAX_GUESSED_PATH:  # difflib is quadratic: no guesses for huge paths
            known = self._index.guesses(wanted)
            close = difflib.get_close_matches(wanted, known, n=5, cutoff=0.75)
        view = NotFoundView(
            path=path,
            suggestions=[self._links.link(doc, URIRef(urls.iri_of(found))) for found in close],
            links=self._links.site_links(doc),
        )
        return self._render(
            "not_found.html", doc, self._("Not found"), _context(view), translated=False
        )

    # --- rendering --------------------------------------------------------------------------

    def _render(
        self,
        template: str,
        doc: str,
        title: str,
        context: Mapping[str, Any],
        *,
        alternates: Sequence[Alternate] = (),
        jsonld: Markup | None = None,
        pictures: Mapping[str, Picture] | None = None,
        translated: bool = True,
    ) -> str:
        """The page ``template`` at ``doc``; ``translated`` False for a page that exists in
        no other language (a 404 names the path asked for)."""
        return self._env.get_template(template).render(
            pictures=pictures or {},
            title=title,
            language=self.language,
            languages=self._languages(doc) if translated else [],
            nav=self._nav(doc),
            footer=replace(self._footer, dataset=self._links.dataset_href(doc)),
            alternates=alternates,
            jsonld=jsonld,
            **context,
        )

    def _nav(self, doc: str) -> list[Value]:
        """The site's navigation, as links from ``doc``."""
        _, page = self._, self._links.page
        nav = [
            Value(_("Home"), href=urls.relative(doc, page("/"))),
            Value(_("Ontology"), href=urls.relative(doc, page("/def"))),
            Value(_("Shapes"), href=urls.relative(doc, page("/shapes"))),
            Value(_("Queries"), href=urls.relative(doc, page("/queries"))),
        ]
        endpoint = self._links.endpoint_href(doc)
        if endpoint is not None:
            nav.append(Value("SPARQL", href=endpoint))
        dataset = self._links.dataset_href(doc)
        if dataset is not None:
            nav.append(Value(_("Dataset"), href=dataset))
        nav.append(Value(_("Downloads"), href=urls.relative(doc, page("/")) + "#downloads"))
        return nav

    def _languages(self, doc: str) -> list[LanguageLink]:
        """The page at ``doc`` in every language, linked from it: its own path with another
        language tag. None for a page that has one path (the endpoint's) or none (a 404)."""
        if not doc.endswith(".html"):
            return []
        bare, _ = split_language(doc.removesuffix(".html"))
        found = []
        for code in LANGUAGES:
            href = urls.relative(doc, f"{tagged(bare, code)}.html")
            found.append(LanguageLink(code, ENDONYMS[code], href, code == self.language))
        return found

    def _footer_view(self) -> Footer:
        ix, links = self._index, self._links
        dataset = ix.dataset
        licence = ix.value(dataset, DCTERMS.license)
        licence_value = None
        if isinstance(licence, URIRef):
            label = ix.label(licence)
            licence_value = Value(
                label[0] if label else str(licence), href=external(str(licence)), external=True
            )
        return Footer(
            licence=licence_value,
            rights=links.text(dataset, DCTERMS.rights),
            version=links.text(dataset, DCAT.version) or links.text(dataset, OWL.versionInfo),
        )
