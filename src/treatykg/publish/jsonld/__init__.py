"""JSON-LD for a release: the context, generated from the ontology, and the framed treaty view.

Three jobs, one module each:

* :mod:`.context` makes the JSON-LD context (``context.jsonld``, and the one every JSON-LD
  file of a release embeds) from the ontology;
* :mod:`.compaction` compacts IRIs and values against such a context as pyld does, fast;
* :mod:`.framing` defines the framed view (``treatykg.framed.jsonld``: treaties embedding their
  articles, norms and obligations) and reads its triples from the published Store, a batch of
  treaties at a time, and :mod:`.writer` writes its JSON text directly, byte for byte what
  pyld's framing gives.

The JSON-LD dumps of whole graphs are written by :mod:`treatykg.rdf.serialize`.
"""

from __future__ import annotations

from treatykg.publish.jsonld.context import (
    CONTEXT_PREFIXES,
    CONTEXT_URL,
    REVERSE_TERMS,
    STANDARD_TERMS,
    build_context,
    context_document,
    tkg_properties,
)
from treatykg.publish.jsonld.framing import (
    FRAME,
    framed,
    framed_by_pyld,
    framed_subgraph,
    refuse_to_load,
    write_framed,
)

__all__ = [
    "CONTEXT_PREFIXES",
    "CONTEXT_URL",
    "FRAME",
    "REVERSE_TERMS",
    "STANDARD_TERMS",
    "build_context",
    "context_document",
    "framed",
    "framed_by_pyld",
    "framed_subgraph",
    "refuse_to_load",
    "tkg_properties",
    "write_framed",
]
