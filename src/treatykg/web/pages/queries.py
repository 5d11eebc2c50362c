"""The views of the SPARQL pages: the bundled queries, each with a form that runs it on the
endpoint, and the endpoint's own page, a form with the results of the query as a table.

The forms offer the formats of :mod:`treatykg.rdf.formats` that suit the query's form: the
SPARQL results formats for SELECT and ASK, the documents' RDF formats for CONSTRUCT and
DESCRIBE. Only the menu's order and the name of the HTML table are this page's own.

Each query's title and question are in the page's language: the header's own translation
(:mod:`treatykg.sparql.catalogue`), else the English, marked as such.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from treatykg.errors import TreatykgError
from treatykg.namespaces import qname
from treatykg.rdf.formats import BY_KEY, DOCUMENT_FORMATS, Format
from treatykg.sparql import guard
from treatykg.sparql.catalogue import Query, bind
from treatykg.web import urls
from treatykg.web.languages import DEFAULT
from treatykg.web.pages.home import MAX_TREATIES, home_treaties
from treatykg.web.pages.links import Links, Value, external

#: Result rows shown in the HTML table of the endpoint; the other formats give every row.
MAX_RESULT_ROWS = 1000

#: Names the menu gives formats where the format table's label would not do (in English;
#: :func:`format_groups` gives them in a page's language).
_MENU_LABELS = {"html": "HTML table"}

#: A menu: each option's ``format`` value, with what the menu shows.
Menu = tuple[tuple[str, str], ...]


def _parameter(fmt: Format) -> str:
    """The ``format`` value that asks the endpoint for ``fmt``: our key where the endpoint
    takes it (``turtle``, ``csv``), else the first name it takes (``json``, ``xml``)."""
    return fmt.key if fmt.key in fmt.names else fmt.names[0]


def _menu(formats: Sequence[Format]) -> Menu:
    return tuple((_parameter(f), _MENU_LABELS.get(f.key, f.label)) for f in formats)


#: ``format`` values of the query forms for SELECT and ASK, with what the menu shows: the
#: HTML table first, then the SPARQL results formats, the most used first.
RESULT_FORMATS: Menu = _menu(
    [BY_KEY[key] for key in ("html", "sparql-json", "csv", "tsv", "sparql-xml")]
)
#: ``format`` values of the query forms for CONSTRUCT and DESCRIBE: a document's RDF formats.
GRAPH_FORMATS: Menu = _menu([f for f in DOCUMENT_FORMATS if f.kind != "page"])

#: The query the endpoint's form starts with.
_STARTER_QUERY = """PREFIX tkg: <https://w3id.org/treatykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?treaty ?name WHERE {
  ?treaty a/rdfs:subClassOf* tkg:Treaty ;
          rdfs:label ?name .
  FILTER(lang(?name) = "en")
}
ORDER BY ?treaty
"""

#: The parameter by which a query takes the treaty it asks about: the queries page offers a
#: choice of the corpus's treaties for it.
TREATY_PARAMETER = "treaty"

#: Groups of format options, each with its heading ("" for none).
FormatGroups = list[tuple[str, list[tuple[str, str]]]]


@dataclass(slots=True)
class QueryView:
    #: The element id of the query's section.
    id: str
    name: str
    title: str
    question: str
    parameters: str
    columns: str
    text: str
    #: Lines of the text area.
    rows: int
    formats: FormatGroups
    #: Why the endpoint refuses the query as it stands, if it does.
    refused: str | None
    #: For a query that takes a treaty (:data:`TREATY_PARAMETER`), on a page with an
    #: endpoint: the choices of its treaty menu, each a name, the name's language when it is
    #: not the page's, and the query's text for it.
    treaties: list[tuple[str, str | None, str]] = field(default_factory=list)
    #: The language of ``title`` and of ``question`` where it is not the page's: ``en`` when
    #: the query's header has no translation into it (a query of someone else's; the bundled
    #: ones have all), None otherwise.
    title_lang: str | None = None
    question_lang: str | None = None


@dataclass(slots=True)
class QueriesView:
    queries: list[QueryView]
    #: Where the forms send the queries, or None without an endpoint.
    action: str | None
    #: When the treaties' menus list only the first treaties: how many of how many.
    treaties_cut: tuple[int, int] | None = None


@dataclass(slots=True)
class ResultsView:
    query: str | None
    text: str
    error: str | None
    action: str
    formats: FormatGroups
    queries_href: str
    boolean: bool | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value | None]] = field(default_factory=list)
    total: int = 0
    more: int = 0
    #: The whole result as CSV, when the table shows only part of it.
    csv_href: str | None = None


def format_groups(form: str | None, links: Links | None = None) -> FormatGroups:
    """The format options for a query of ``form``, or for any query (``None``), named in the
    language of ``links``' pages (English without)."""
    results = list(RESULT_FORMATS)
    if links is not None:
        # the formats' own names (CSV, Turtle) are the same in every language; the table's not
        results = [
            (code, links._("HTML table") if name == _MENU_LABELS["html"] else name)
            for code, name in results
        ]
    if form in ("construct", "describe"):
        return [("", list(GRAPH_FORMATS))]
    if form in ("select", "ask"):
        return [("", results)]
    if links is None:
        return [("SELECT and ASK", results), ("CONSTRUCT and DESCRIBE", list(GRAPH_FORMATS))]
    return [
        (links._("SELECT and ASK"), results),
        (links._("CONSTRUCT and DESCRIBE"), list(GRAPH_FORMATS)),
    ]


def queries_view(links: Links, doc: str, queries: Sequence[Query]) -> QueriesView:
    """The queries page at ``doc``: each query with a form for its own form's formats, and
    why the endpoint would refuse it, if it would; with an endpoint, a query that takes a
    treaty has a menu of treaties too (:func:`treaty_choices`)."""
    views = []
    action = links.endpoint_href(doc)
    # the treaties' menus list the first treaties of the index: one whole query per option
    treaties, total = home_treaties(links)
    treaties = treaties[:MAX_TREATIES]
    for item in queries:
        try:
            form: str | None = guard.form(item.text)
        except TreatykgError:
            form = "select"
        try:
            guard.check(item.text)
            refused = None
        except TreatykgError as error:
            refused = str(error)
        views.append(
            QueryView(
                id="q-" + re.sub(r"[^A-Za-z0-9_-]+", "-", item.name),
                name=item.name,
                title=item.title_in(links.language) or item.name,
                question=item.question_in(links.language),
                parameters="" if item.parameters.lower() == "none" else item.parameters,
                columns=item.columns,
                text=item.text,
                rows=min(max(item.text.count("\n") + 2, 4), 30),
                formats=format_groups(form, links),
                refused=refused,
                title_lang=_fallback(item.titles, item.title, links.language),
                question_lang=_fallback(item.questions, item.question, links.language),
                treaties=treaty_choices(links, item, treaties) if action is not None else [],
            )
        )
    cut = (len(treaties), total) if total > len(treaties) else None
    return QueriesView(views, action, cut)


def treaty_choices(
    links: Links, query: Query, treaties: Sequence[Node]
) -> list[tuple[str, str | None, str]]:
    """The menu of treaties of a query that takes one, as (name, its language if not the
    page's, text) triples: "every treaty"
    first when the query's own text leaves its treaty unbound, then each of ``treaties`` (the
    first the index lists, in its order), named in the page's language, with the query's text for it
    (:func:`~treatykg.sparql.catalogue.bind`, as ``treatykg query --param`` binds it).

    Why a menu whose values are whole queries: the page has no scripts (and its Content
    Security Policy allows none), so the choice cannot be written into the text area; and a
    ``treaty`` field beside ``query`` would be a parameter of ours that no other SPARQL
    endpoint takes. An option's value is the query itself, sent as ``query`` by a plain
    ``GET`` form to any endpoint. None for a query without the parameter, or one whose text
    cannot be bound."""
    if TREATY_PARAMETER not in query.parameter_names:
        return []
    choices: list[tuple[str, str | None, str]] = []
    if TREATY_PARAMETER in query.optional_parameters:  # its VALUES line holds UNDEF
        choices.append((links._("every treaty"), None, query.text))
    for treaty in treaties:
        try:
            text = bind(query, {TREATY_PARAMETER: str(treaty)})
        except TreatykgError:
            return []
        choices.append((links.name(treaty), links.name_language(treaty), text))
    return choices


def _fallback(texts: Mapping[str, str], english: str, language: str) -> str | None:
    """``en`` when a query's header gives a text in English but not in ``language``, so that
    the page shows the English with its language; None when the text is in ``language`` (the
    header's own translation, in the page's language) or there is none."""
    if language == DEFAULT or texts.get(language) or not english:
        return None
    return DEFAULT


def results_view(
    links: Links, query: str | None, results: Mapping[str, Any] | None, error: str | None
) -> ResultsView:
    """The endpoint's page: the form, then the results (SPARQL 1.1 JSON results, parsed, with
    ``total``, the count of all rows, when only a page's worth is sent) or the error."""
    doc = links.endpoint_doc
    view = ResultsView(
        query=query,
        text=query if query is not None else _STARTER_QUERY,
        error=error,
        action=links.endpoint_href(doc) or posixpath.basename(doc),
        formats=format_groups(None, links),
        queries_href=urls.relative(doc, links.page("/queries")),
    )
    if results is None or error is not None:
        return view
    if "boolean" in results:
        view.boolean = bool(results["boolean"])
        return view
    columns = list(results.get("head", {}).get("vars", []))
    bindings = results.get("results", {}).get("bindings", [])[:MAX_RESULT_ROWS]
    total = int(results.get("total", len(bindings)))
    view.columns = columns
    view.total = total
    view.more = max(total - len(bindings), 0)
    view.rows = [[_binding(links, doc, row.get(name)) for name in columns] for row in bindings]
    if view.more and query is not None:
        whole = urllib.parse.urlencode({"query": query, "format": "csv"})
        view.csv_href = f"{view.action}?{whole}"
    return view


def _binding(links: Links, doc: str, term: Mapping[str, Any] | None) -> Value | None:
    """One cell of a SPARQL JSON result: our IRIs link to their pages."""
    if term is None:
        return None
    kind = term.get("type")
    value = str(term.get("value", ""))
    if kind == "uri":
        if urls.path_of(value) is not None:
            return Value(links.short(URIRef(value)), href=links.href(doc, value), code=True)
        return Value(value, href=external(value), external=True, code=True)
    if kind in ("literal", "typed-literal"):
        lang = term.get("xml:lang")
        datatype = term.get("datatype")
        if lang:
            tag: str | None = "@" + lang
        elif datatype and datatype not in (str(XSD.string), str(RDF.langString)):
            tag = qname(datatype)
        else:
            tag = None
        return Value(value, lang=lang or None, tag=tag)
    if kind == "bnode":
        return Value("_:" + value, code=True)
    if kind == "triple":
        parts = term.get("value", {})
        inner = [_binding(links, doc, parts.get(k)) for k in ("subject", "predicate", "object")]
        return Value("<< " + " ".join(v.text for v in inner if v) + " >>", code=True)
    return Value(value)
