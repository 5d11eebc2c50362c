"""Node types as ``@type`` in pyoxigraph's JSON-LD, which writes them as ``rdf:type`` members.

One place for this rewrite, used wherever the project writes or serves JSON-LD: the dumps and
resource documents (:mod:`treatykg.rdf.serialize`), ``treatykg query --format json`` and the
SPARQL endpoint's CONSTRUCT and DESCRIBE answers. Only :mod:`re` is imported, so that the
endpoint's query workers load nothing more for it.
"""

from __future__ import annotations

import re

# pyoxigraph writes rdf:type as an ordinary member of a node: "…#type":[{"@id":"C"},…].
_MEMBER = b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#type":['
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_TYPE_IRI = rb'\{"@id":"(?!_:)[^"\\]*(?:\\.[^"\\]*)*"\}'
#: The member's values, when every one is an IRI (what ``@type`` can hold), up to its ``]``.
_IRIS = re.compile(rb"(" + _TYPE_IRI + rb"(?:," + _TYPE_IRI + rb")*)\]")
_TYPE_ID = re.compile(rb'\{"@id":(' + _STRING + rb")\}")


def types_as_keyword(text: bytes) -> bytes:
    """pyoxigraph's expanded JSON-LD (a node, or a whole document) with each node's types as
    ``"@type": [IRI, …]``.

    Why: pyoxigraph writes ``rdf:type`` as an ordinary property (``{"@id": C}`` values), which
    is the same RDF but not what JavaScript tools expect: compacted, it gives ``"rdf:type"``
    keys, and ``jsonld.frame`` by ``type`` silently matches nothing. Rewritten in the bytes,
    found by ``bytes.split`` (about a third of pyoxigraph's own time to write the JSON-LD;
    reading every node back with ``json`` costs twice that: ``benchmarks/bench_web_clients.py``).
    Safe on bytes: inside a JSON string every quote is escaped, so the member's opening
    ``"`` right after a ``{`` or ``,`` always starts a member's key. Types that ``@type``
    cannot hold (a literal, a blank node, which JSON-LD 1.1 deprecates there) leave the
    member as it is: the same RDF either way.
    """
    pieces = text.split(_MEMBER)
    out = [pieces[0]]
    for piece in pieces[1:]:
        found = _IRIS.match(piece) if out[-1][-1:] in (b"{", b",") else None
        if found is None:
            out.append(_MEMBER + piece)
        else:
            types = b",".join(_TYPE_ID.findall(found.group(1)))
            out.append(b'"@type":[' + types + b"]" + piece[found.end() :])
    return b"".join(out)
