"""The formats the SPARQL endpoint answers in, as the one format table gives them.

SELECT and ASK are answered in the SPARQL results formats; CONSTRUCT, DESCRIBE and the
service description in RDF graph formats; a browser may have HTML. A client chooses by
``Accept`` or by a ``format=`` (or ``output=``) name, and the service description lists each
format by its W3C IRI. Media types, pyoxigraph formats, names and IRIs all come from
:mod:`treatykg.rdf.formats`; what this module adds is the endpoint's choice among them and its
order of preference: the first is the default, and breaks ties between equally wanted types.
"""

from __future__ import annotations

from collections.abc import Iterable

from treatykg.rdf import formats
from treatykg.rdf.formats import Format

#: The namespace of W3C's format IRIs, which ``sd:resultFormat`` names.
W3C_FORMATS = formats.W3C_FORMATS

_HTML = formats.by_key("html")
HTML = _HTML.media_type
JSON_RESULTS = formats.by_key("sparql-json").media_type

#: The formats of SELECT and ASK answers, the default (SPARQL JSON) first.
RESULT_FORMATS: tuple[Format, ...] = formats.results_formats()
#: The formats of CONSTRUCT and DESCRIBE answers and of the service description, the
#: default (Turtle) first; N-Triples comes before JSON-LD when a client wants both alike.
GRAPH_FORMATS: tuple[Format, ...] = formats.SPARQL_GRAPH_FORMATS

#: Result media types of SELECT and ASK, default first, with pyoxigraph's format for each
#: (a format's other media types, such as ``application/json``, after every main one).
RESULT_TYPES: dict[str, str] = {
    **{f.media_type: f.results for f in RESULT_FORMATS if f.results},
    **{alias: f.results for f in RESULT_FORMATS if f.results for alias in f.aliases},
}
#: Media types of CONSTRUCT and DESCRIBE graphs (and of the service description), default first.
GRAPH_TYPES: dict[str, str] = {f.media_type: f.parser for f in GRAPH_FORMATS if f.parser}
#: The W3C format IRI (its local name) of each media type, for ``sd:resultFormat``.
FORMAT_IRIS: dict[str, str] = {
    f.media_type: f.w3c for f in (*RESULT_FORMATS, *GRAPH_FORMATS) if f.w3c
}


def _by_name(offered: Iterable[Format]) -> dict[str, str]:
    return {name: f.media_type for f in offered for name in f.names}


_RESULT_NAMES = _by_name((*RESULT_FORMATS, _HTML))
_GRAPH_NAMES = _by_name((*GRAPH_FORMATS, _HTML))
#: ``format=`` (or ``output=``) names: the media type for results, then the one for graphs.
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    name: (_RESULT_NAMES.get(name), _GRAPH_NAMES.get(name))
    for name in {**_RESULT_NAMES, **_GRAPH_NAMES}
}
