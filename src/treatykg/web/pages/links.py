"""How a page shows an RDF term: a :class:`Value` (a link or a literal) that templates print.

Every view shows terms the same way, so the choices live here once: a node is named by its
best label (English first), else by a file name, a path or a qname; our IRIs link to their
pages *relatively* (:func:`treatykg.web.urls.href`), so the same HTML works on ``treatykg
serve``, in a static site under any sub-path and from disk; other IRIs are linked only if
they are http(s), so that a ``javascript:`` IRI in the data is shown, never linked; a link
to our IRI that has no page (it would 404) is no link at all. Long lists stop at
:data:`MAX_LISTED` with a pointer to the SPARQL query that lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Generic, TypeVar
from urllib.parse import urlencode

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from treatykg.namespaces import BASE, qname
from treatykg.rdf.formats import BY_SUFFIX
from treatykg.web import languages, urls
from treatykg.web.changelog import INDEX_PATH, ChangeLog
from treatykg.web.pages.graph_index import SPECIAL_PATHS, GraphIndex
from treatykg.web.pages.i18n import date_text, translations

#: Long lists (incoming links of a hub, values of one property) stop after this many entries,
#: with a line that says how many more there are and where to ask for all of them.
MAX_LISTED = 200

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
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
    #: For a date: its ISO form (a ``<time datetime>``), while ``text`` is written as the
    #: page's language writes dates.
    time: str | None = None
    #: Whether ``text`` is data in another language than the page's, the page's language
    #: having none: shown with its language tag, so that the fallback is visible.
    fallback: bool = False


@dataclass(slots=True)
class Listing(Generic[_T]):
    """A list cut at :data:`MAX_LISTED`, with how many were left out and where to get them."""

    items: list[_T]
    more: int = 0
    more_link: Value | None = None


@dataclass(frozen=True, slots=True)
class Alternate:
    """A ``<link rel=alternate>`` of a page: another document with the same content."""

    type: str
    href: str
    label: str


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """Where a page links for the site's main pages (relative to the page)."""

    index: str
    ontology: str
    shapes: str
    queries: str
    dataset: str | None
    downloads: str
    #: The list of every version's changes, in a release that keeps a changeset.
    changes: str | None = None


def local_name(iri: str) -> str:
    """The part after ``#`` (or the last ``/``): the element id of a term on its page."""
    if "#" in iri:
        return iri.rsplit("#", 1)[1]
    return iri.rstrip("/").rsplit("/", 1)[-1]


def external(iri: str) -> str | None:
    """``iri`` if a page may link to it: only http(s), so that an IRI such as
    ``javascript:…`` in the data (autoescaping does not stop that) is shown, never linked."""
    return iri if re.match(r"^https?://[^\s]+$", iri, re.IGNORECASE) else None


def literal(value: Literal, language: str | None = None) -> Value:
    """A literal as a page shows it: its text, with its language or datatype as a tag; an
    ``xsd:date`` on a page in ``language`` written as that language writes dates."""
    if language is not None and value.datatype == XSD.date:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:  # not a valid date: shown as written, with its datatype
            pass
        else:
            return Value(date_text(day, language), time=str(value))
    fallback = language is not None and bool(value.language) and value.language != language
    tag = None
    if value.language:
        tag = "@" + value.language
    elif value.datatype is not None and value.datatype not in (XSD.string, RDF.langString):
        tag = qname(value.datatype)
    return Value(str(value), lang=value.language or None, tag=tag, fallback=fallback)


class Links:
    """Values and links for the pages of one graph, and where its SPARQL endpoint is.

    ``endpoint`` is relative to the site root (``"sparql"``) or an absolute URL, or None for
    a static site without one. ``language`` is the pages' language: names are chosen in it
    first (then English), and links between pages stay in it. ``changes`` are the changesets
    the release keeps, which the pages of changed resources mention.
    """

    def __init__(
        self,
        index: GraphIndex,
        endpoint: str | None,
        language: str = languages.DEFAULT,
        changes: ChangeLog | None = None,
    ) -> None:
        self.index = index
        self.endpoint = endpoint
        self.language = language
        self.changes = changes if changes is not None else ChangeLog()
        #: The path of the endpoint's own page (its HTML form and results).
        self.endpoint_doc: str
        if endpoint is None or re.match(r"^[a-z][a-z0-9+.-]*:", endpoint, re.IGNORECASE):
            self.endpoint_doc = "/sparql"
        else:
            self.endpoint_doc = "/" + endpoint.lstrip("/")

    # --- the pages' own words ----------------------------------------------------------------

    def _(self, message: str, **values: object) -> str:
        """``message`` (the English of :mod:`.i18n`'s catalogues) in the pages' language, its
        ``%(name)s`` placeholders filled."""
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        """The form of ``singular``/``plural`` that ``count`` takes in the pages' language
        (Russian has three), ``%(num)d`` being the count."""
        text = translations(self.language).ngettext(singular, plural, count)
        return text % {"num": count, **values}

    # --- names ------------------------------------------------------------------------------

    def short(self, node: Node) -> str:
        """A compact name for a node without a label: a file name, a path, a qname, an IRI."""
        text = str(node)
        if text in self.index.files:
            return self.index.files[text].lstrip("/")
        name = qname(text)
        if not name.startswith("<"):
            return name
        if text.startswith(BASE):
            return text[len(BASE) :] or "treatykg"
        return text

    def name(self, node: Node) -> str:
        """The best label of ``node``, else its :meth:`short` name."""
        found = self.index.label(node, self.language)
        return found[0] if found else self.short(node)

    def name_language(self, node: Node) -> str | None:
        """The language of :meth:`name` when it is not the pages' (the data has no name in
        theirs, so another language's shows through), else None: the ``lang`` it needs."""
        found = self.index.label(node, self.language)
        return found[1] if found and found[1] and found[1] != self.language else None

    # --- links ------------------------------------------------------------------------------

    def href(self, doc: str, iri: str) -> str | None:
        """Where ``doc`` links for ``iri``: a download file itself, our page of it, the IRI
        itself if it is not ours, or None for one of ours that has no page (a link that
        would 404, such as an example IRI a shape names, or that is not http(s))."""
        files = self.index.files
        if iri in files:
            return urls.relative(doc, files[iri])
        path = urls.path_of(iri)
        if path is None:
            return external(iri)
        if path not in SPECIAL_PATHS and iri.split("#", 1)[0] not in self.index.pages:
            return None
        return urls.href(doc, iri, language=self.language)

    def page(self, path: str) -> str:
        """The path of the page at server path ``path`` (``/def``, ``/``) in the pages'
        language: ``/def.ko.html``, ``/index.ko.html``."""
        return urls.document(path, "html", self.language)

    def link(self, doc: str, node: Node) -> Value:
        """How a page shows ``node``: a link named by its label, or a literal."""
        if isinstance(node, Literal):
            return literal(node, self.language)
        if isinstance(node, BNode):
            members = self.index.union(node)
            if members:
                names = [self.name(m) for m in members]
                if len(names) == 1:
                    return Value(names[0])
                return Value(
                    self._("%(items)s or %(last)s", items=", ".join(names[:-1]), last=names[-1])
                )
            return Value(self._("(anonymous node)"), tag=self._("blank node"))
        text = str(node)
        label = self.index.label(node, self.language)
        ours = urls.path_of(text) is not None
        if label is not None:
            return Value(
                label[0], href=self.href(doc, text), lang=label[1] or None, external=not ours
            )
        return Value(self.short(node), href=self.href(doc, text), external=not ours, code=True)

    def links(self, doc: str, nodes: Iterable[Node]) -> list[Value]:
        """:meth:`link` of each node, sorted by text."""
        return sorted(
            (self.link(doc, node) for node in nodes),
            key=lambda value: (value.text.casefold(), value.text, value.href or ""),
        )

    def text(self, node: Node | None, predicate: URIRef) -> Value | None:
        """The literal of ``predicate`` in the pages' language (else English, else untagged,
        else any), as a Value."""
        best = self.index.best_literal(node, predicate, self.language)
        return literal(best, self.language) if best is not None else None

    def term_link(self, doc: str, term: Node) -> Value:
        """A class or property: its English label, linked to its definition."""
        value = self.link(doc, term)
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

    def term_ref(self, doc: str, node: Node) -> Value:
        """A term on the ontology page: ours by label, others by qname (``schema:Legislation``
        says more than "Legislation" where alignments are listed)."""
        if isinstance(node, URIRef) and urls.path_of(str(node)) is None:
            label = self.index.label(node, self.language)
            return Value(
                qname(node),
                href=external(str(node)),
                external=True,
                code=True,
                title=label[0] if label else None,
            )
        return self.term_link(doc, node)

    # --- the site ---------------------------------------------------------------------------

    def dataset_href(self, doc: str) -> str | None:
        """Where ``doc`` links for the dataset description, if there is one."""
        dataset = self.index.dataset
        return self.href(doc, str(dataset)) if dataset is not None else None

    def site_links(self, doc: str) -> SiteLinks:
        """Where ``doc`` links for the site's main pages."""
        return SiteLinks(
            index=urls.relative(doc, self.page("/")),
            ontology=urls.relative(doc, self.page("/def")),
            shapes=urls.relative(doc, self.page("/shapes")),
            queries=urls.relative(doc, self.page("/queries")),
            dataset=self.dataset_href(doc),
            downloads=urls.relative(doc, self.page("/")) + "#downloads",
            changes=urls.relative(doc, self.page(INDEX_PATH)) if self.changes else None,
        )

    def endpoint_href(self, doc: str) -> str | None:
        """Where ``doc`` sends queries, or None for a site without an endpoint."""
        if self.endpoint is None:
            return None
        if self.endpoint_doc == "/sparql" and self.endpoint not in ("sparql", "/sparql"):
            return self.endpoint  # an absolute URL
        return urls.relative(doc, self.endpoint_doc)

    def file_alternates(self, doc: str, names: Sequence[str]) -> list[Alternate]:
        """``<link rel=alternate>`` entries for the build files ``names`` the graph lists."""
        by_name = self.index.file_paths()
        return [
            Alternate(
                BY_SUFFIX[PurePosixPath(name).suffix].media_type,
                urls.relative(doc, by_name[name]),
                name,
            )
            for name in names
            if name in by_name
        ]

    def cut(self, items: list[_T], doc: str, node: Node, predicate: URIRef | None) -> Listing[_T]:
        """At most :data:`MAX_LISTED` items, and a link to a query that lists them all: the
        values of ``node``'s ``predicate``, or (``predicate`` None) what links to ``node``."""
        if len(items) <= MAX_LISTED:
            return Listing(items)
        more = len(items) - MAX_LISTED
        if predicate is None:
            text = f"SELECT ?subject ?property WHERE {{ ?subject ?property <{node}> }}"
        else:
            text = f"SELECT ?value WHERE {{ <{node}> <{predicate}> ?value }}"
        return Listing(items[:MAX_LISTED], more, self.more_link(doc, text))

    def more_link(self, doc: str, query: str) -> Value:
        """Where ``doc`` sends a reader for all of a list it cuts: the SPARQL ``query`` that
        lists them, on the endpoint, or (a static site) the queries page."""
        endpoint = self.endpoint_href(doc)
        if endpoint is not None:
            return Value(
                self._("ask the SPARQL endpoint for all of them"),
                href=endpoint + "?" + urlencode({"query": query, "format": "html"}),
            )
        return Value(
            self._("a SPARQL endpoint (treatykg serve) lists all of them; see the queries"),
            href=urls.relative(doc, self.page("/queries")),
        )
