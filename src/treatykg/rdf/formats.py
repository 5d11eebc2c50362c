"""Every file and media format treatykg reads, writes or serves, in one table.

Loading picks a parser by suffix, publishing names release files by suffix and media type,
documents and the server answer with a content type, the endpoint negotiates result and graph
formats and describes them with W3C format IRIs, the static site writes Apache rules, VoID
states each distribution's media type and EU file type. They all read :data:`FORMATS`, so
adding a format, or changing how one is served, is one row here.

The table is data only (no rdflib, no pyoxigraph import): ``parser`` and ``results`` name
members of ``pyoxigraph.RdfFormat`` and ``pyoxigraph.QueryResultsFormat``, and ``writer``
names the function of :mod:`treatykg.rdf.serialize` that writes the format canonically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["graph", "dataset", "results", "page", "picture", "table", "text", "json"]

#: W3C's IRIs for formats (https://www.w3.org/ns/formats/), used by SPARQL service descriptions.
W3C_FORMATS = "http://www.w3.org/ns/formats/"
#: IANA's media type registry; DCAT's ``dcat:mediaType`` values are IRIs under it.
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
#: The EU file-type authority list, which DCAT-AP expects in ``dcterms:format``.
EU_FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """One format: how it is named, recognised, parsed, written and served."""

    #: Our name for it, as ``--format`` and the serializers know it.
    key: str
    #: What people call it, as menus and pages show it.
    label: str
    #: The file suffix, with its dot.
    suffix: str
    #: The media type, without parameters.
    media_type: str
    #: graph (triples), dataset (quads), results (SPARQL SELECT/ASK), page, picture, table,
    #: text, json.
    kind: Kind
    #: Served with ``; charset=utf-8`` (text formats whose media type has no fixed encoding).
    charset: bool = False
    #: The member of ``pyoxigraph.RdfFormat`` that parses and writes it (RDF formats).
    parser: str | None = None
    #: The member of ``pyoxigraph.QueryResultsFormat`` (SPARQL results formats).
    results: str | None = None
    #: The function of :mod:`treatykg.rdf.serialize` that writes it canonically.
    writer: str | None = None
    #: The local name of its W3C format IRI (:data:`W3C_FORMATS`).
    w3c: str | None = None
    #: Its code in the EU file-type authority list (:data:`EU_FILE_TYPES`).
    eu_file_type: str | None = None
    #: Values of the endpoint's ``format=``/``output=`` parameter that ask for it.
    names: tuple[str, ...] = ()
    #: Other media types a client may send in Accept for it.
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header it is served with."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def extension(self) -> str:
        """The suffix without its dot, as document URLs use it (``/id/state/prk.ttl``)."""
        return self.suffix.removeprefix(".")

    @property
    def named_graphs(self) -> bool:
        """Whether the format can carry named graphs."""
        return self.kind == "dataset"


#: Every format, in a fixed order: the RDF formats (documents' order of preference first),
#: then the SPARQL results formats (the endpoint's default first), then the other files.
FORMATS: tuple[Format, ...] = (
    Format("html", "HTML", ".html", "text/html", "page", charset=True, names=("html",)),
    Format(
        "turtle",
        "Turtle",
        ".ttl",
        "text/turtle",
        "graph",
        charset=True,
        parser="TURTLE",
        writer="turtle",
        w3c="Turtle",
        eu_file_type="RDF_TURTLE",
        names=("turtle", "ttl", "n3"),
    ),
    Format(
        "jsonld",
        "JSON-LD",
        ".jsonld",
        "application/ld+json",
        "dataset",
        parser="JSON_LD",
        writer="jsonld",
        w3c="JSON-LD",
        eu_file_type="JSON_LD",
        names=("json", "jsonld", "json-ld"),
    ),
    Format(
        "ntriples",
        "N-Triples",
        ".nt",
        "application/n-triples",
        "graph",
        parser="N_TRIPLES",
        writer="ntriples",
        w3c="N-Triples",
        eu_file_type="RDF_N_TRIPLES",
        names=("ntriples", "n-triples", "nt"),
    ),
    Format(
        "trig",
        "TriG",
        ".trig",
        "application/trig",
        "dataset",
        parser="TRIG",
        writer="trig",
        w3c="TriG",
        eu_file_type="RDF_TRIG",
    ),
    Format(
        "nquads",
        "N-Quads",
        ".nq",
        "application/n-quads",
        "dataset",
        parser="N_QUADS",
        writer="nquads",
        w3c="N-Quads",
        eu_file_type="RDF_N_QUADS",
    ),
    Format(
        "rdfxml",
        "RDF/XML",
        ".rdf",
        "application/rdf+xml",
        "graph",
        parser="RDF_XML",
        w3c="RDF_XML",
        names=("xml", "rdfxml", "rdf+xml", "rdf"),
    ),
    Format(
        "sparql-json",
        "JSON",
        ".srj",
        "application/sparql-results+json",
        "results",
        results="JSON",
        w3c="SPARQL_Results_JSON",
        names=("json",),
        aliases=("application/json",),
    ),
    Format(
        "sparql-xml",
        "XML",
        ".srx",
        "application/sparql-results+xml",
        "results",
        results="XML",
        w3c="SPARQL_Results_XML",
        names=("xml",),
    ),
    Format(
        "csv",
        "CSV",
        ".csv",
        "text/csv",
        "results",
        charset=True,
        results="CSV",
        w3c="SPARQL_Results_CSV",
        names=("csv",),
    ),
    Format(
        "tsv",
        "TSV",
        ".tsv",
        "text/tab-separated-values",
        "results",
        charset=True,
        results="TSV",
        w3c="SPARQL_Results_TSV",
        names=("tsv",),
    ),
    Format("json", "JSON", ".json", "application/json", "json", eu_file_type="JSON"),
    Format("svg", "SVG", ".svg", "image/svg+xml", "picture"),
    Format("quickstatements", "QuickStatements", ".qs", "text/plain", "text", charset=True),
    # A release's changesets (treatykg diff, treatykg build --previous): RDF Patch, as Apache
    # Jena's RDF Delta names its media type (not registered at IANA), and SPARQL 1.1 Update.
    Format("rdf-patch", "RDF Patch", ".rdfp", "application/rdf-patch", "text", charset=True),
    Format(
        "sparql-update", "SPARQL Update", ".ru", "application/sparql-update", "text", charset=True
    ),
)

BY_KEY: dict[str, Format] = {f.key: f for f in FORMATS}
#: The format of each suffix. ``.tsv`` is the SPARQL TSV results format and every other
#: tab-separated table treatykg writes (SSSOM, Mix'n'match): they share one media type.
BY_SUFFIX: dict[str, Format] = {f.suffix: f for f in FORMATS}


def by_key(key: str) -> Format:
    """The format called ``key`` (KeyError for an unknown one: a programming error)."""
    return BY_KEY[key]


def rdf_formats() -> tuple[Format, ...]:
    """The RDF formats (graphs and datasets), in table order."""
    return tuple(f for f in FORMATS if f.kind in ("graph", "dataset"))


def results_formats() -> tuple[Format, ...]:
    """The SPARQL results formats, the endpoint's default first."""
    return tuple(f for f in FORMATS if f.kind == "results")


#: The formats ``treatykg`` loads, in the order its messages list them. RDF/XML is not among
#: them on purpose (:mod:`treatykg.rdf.load` says why and what to do), so a data folder's
#: ``.rdf`` files are not silently mixed in.
READABLE: tuple[Format, ...] = tuple(
    BY_KEY[key] for key in ("turtle", "trig", "ntriples", "nquads", "jsonld")
)


def readable_suffixes() -> tuple[str, ...]:
    """The suffixes of :data:`READABLE`, in its order."""
    return tuple(f.suffix for f in READABLE)


#: The formats of a resource's documents, in the server's order of preference when a client
#: has none among them: HTML first, so that a browser always gets a page.
DOCUMENT_FORMATS: tuple[Format, ...] = tuple(
    BY_KEY[key] for key in ("html", "turtle", "jsonld", "ntriples")
)

#: The formats of SPARQL CONSTRUCT and DESCRIBE answers, in the endpoint's order of preference
#: (N-Triples before JSON-LD: that decides ties in an Accept header).
SPARQL_GRAPH_FORMATS: tuple[Format, ...] = tuple(
    BY_KEY[key] for key in ("turtle", "ntriples", "jsonld", "rdfxml")
)
