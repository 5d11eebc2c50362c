"""JSON-LD 1.1 compaction as pyld does it, for the contexts :mod:`.context` writes.

The framed view (:mod:`.writer`) compacts a million values; pyld's compaction walks each
one in Python with the general algorithm. :class:`Compactor` is the same algorithm (IRI
compaction, term selection, value compaction) restricted to what
:func:`treatykg.publish.jsonld.context.build_context` writes, with its results cached. A
context it does not model gives None (:meth:`Compactor.parse`), and input it does not model
raises :class:`UnsupportedError`: the caller then frames with pyld itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import XSD

# The derived integer types a Store reads back as xsd:integer, with their value ranges.
INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    f"{XSD}{name}": bounds
    for name, bounds in {
        "nonNegativeInteger": (0, None),
        "positiveInteger": (1, None),
        "nonPositiveInteger": (None, 0),
        "negativeInteger": (None, -1),
        "long": (-(2**63), 2**63 - 1),
        "int": (-(2**31), 2**31 - 1),
        "short": (-(2**15), 2**15 - 1),
        "byte": (-(2**7), 2**7 - 1),
        "unsignedLong": (0, 2**64 - 1),
        "unsignedInt": (0, 2**32 - 1),
        "unsignedShort": (0, 2**16 - 1),
        "unsignedByte": (0, 2**8 - 1),
    }.items()
}


class UnsupportedError(Exception):
    """Input or context the direct writer does not model: frame with pyld instead."""


_KEYWORDS = frozenset(
    {
        *("@base", "@container", "@context", "@direction", "@graph", "@id", "@import"),
        *("@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix"),
        *("@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version"),
        "@vocab",
    }
)
_GEN_DELIM = re.compile(r".*[:/?#\[\]@]$")

# Kinds of value, for term selection: a node, or a literal (plain, tagged or typed).
NODE = ("@node", "")
PLAIN = ("@plain", "")


@dataclass(frozen=True)
class Term:
    """A term definition, as pyld's active context holds it (only what build_context uses)."""

    iri: str
    type: str | None = None
    container: frozenset[str] = frozenset()
    reverse: bool = False
    prefix: bool = False


class Compactor:
    """IRI compaction, term selection and value compaction of JSON-LD 1.1 (pyld's
    ``_compact_iri``, ``_select_term`` and ``_compact_value``), for contexts made of what
    :func:`~treatykg.publish.jsonld.context.build_context` writes: prefixes, keyword
    aliases, and terms with ``@id``, ``@type`` (``@id`` or a datatype), ``@container``
    (``@language``, ``@set``) and ``@reverse``. Results are cached: a corpus has few
    properties and value kinds, and each IRI is compacted once.
    """

    def __init__(self, terms: dict[str, Term]) -> None:
        self.terms = terms
        self.inverse = self._inverse_context()
        self.alias_id = self._keyword("@id")
        self.alias_type = self._keyword("@type")
        self.alias_none = self._keyword("@none")
        # Prefix candidates for compact IRIs, by their stem (up to their last / or #).
        self._candidates = [(t, d) for t, d in terms.items() if ":" not in t and d.iri]
        self._by_stem: dict[str, list[tuple[str, Term]]] = {}
        for term, definition in self._candidates:
            self._by_stem.setdefault(_stem(definition.iri), []).append((term, definition))
        self._prefixes = frozenset(t for t, d in terms.items() if d.prefix)
        self._pools: dict[str, list[tuple[str, Term]]] = {}
        self._cache: dict[tuple[str, tuple[str, str] | None, bool, bool], str] = {}
        self._keys: dict[tuple[str, tuple[str, str], bool], tuple[str, Term | None]] = {}
        #: property IRI → the derived integer datatype its (only) term declares
        self.integer_types: dict[str, str] = {}
        declared: dict[str, set[str | None]] = {}
        for definition in terms.values():
            if not definition.reverse and not definition.iri.startswith("@"):
                declared.setdefault(definition.iri, set()).add(definition.type)
        for prop, types in declared.items():
            if len(types) == 1 and (datatype := next(iter(types))) in INTEGER_RANGES:
                self.integer_types[f"<{prop}>"] = datatype

    # --- the context ------------------------------------------------------------------------

    @classmethod
    def parse(cls, context: Mapping[str, Any]) -> Compactor | None:
        """The compactor for ``context``; None if it uses anything not modelled here."""
        local = dict(context)
        if local.pop("@version", 1.1) != 1.1 or any(k.startswith("@") for k in local):
            return None
        terms: dict[str, Term] = {}
        defining: set[str] = set()

        def expand(value: str) -> str | None:
            if value in _KEYWORDS:
                return value
            if value.startswith("@") or ":" not in value:
                return None  # a relative IRI or a term used as an IRI: not written by us
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            if prefix in local:
                definition = define(prefix)
                if definition is not None and definition.prefix:
                    return definition.iri + suffix
            return value

        def define(term: str) -> Term | None:
            if term in terms:
                return terms[term]
            if term in defining:
                return None  # a cycle of prefixes: pyld refuses such a context
            defining.add(term)
            value = local[term]
            if isinstance(value, str):
                iri = expand(value)
                if iri is None:
                    return None
                is_prefix = ":" not in term and (
                    iri.startswith("_:") or bool(_GEN_DELIM.match(iri))
                )
                definition = Term(iri, prefix=is_prefix)
            elif isinstance(value, dict) and set(value) <= {
                "@id",
                "@type",
                "@container",
                "@reverse",
            }:
                definition_or_none = _expanded_term(value, expand)
                if definition_or_none is None:
                    return None
                definition = definition_or_none
            else:
                return None
            if ":" in term and term.split(":", 1)[0] in local and expand(term) != definition.iri:
                return None  # pyld refuses such a context
            terms[term] = definition
            return definition

        for term in local:
            if define(term) is None:
                return None
        return cls(terms)

    def _inverse_context(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        """pyld's inverse context: IRI → container → @language/@type → value → term."""
        inverse: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for term, definition in sorted(self.terms.items(), key=lambda kv: (len(kv[0]), kv[0])):
            if not definition.iri:
                continue
            container = "".join(sorted(definition.container)) or "@none"
            entry = inverse.setdefault(definition.iri, {}).setdefault(
                container, {"@language": {}, "@type": {}, "@any": {}}
            )
            entry["@any"].setdefault("@none", term)
            if definition.reverse:
                entry["@type"].setdefault("@reverse", term)
            elif definition.type is not None:
                entry["@type"].setdefault(definition.type, term)
            else:
                entry["@language"].setdefault("@none", term)
                entry["@type"].setdefault("@none", term)
        return inverse

    def _keyword(self, keyword: str) -> str:
        alias = self.inverse.get(keyword, {}).get("@none", {}).get("@type", {}).get("@none")
        return alias or keyword

    def expand(self, value: str) -> str:
        """A compact IRI of the frame (``tkg:Treaty``) as a full IRI."""
        prefix, _, suffix = value.partition(":")
        definition = self.terms.get(prefix)
        if suffix and definition is not None and definition.prefix:
            return definition.iri + suffix
        if value in self.terms:
            return self.terms[value].iri
        return value

    # --- IRIs and keys ----------------------------------------------------------------------

    def iri(self, iri: str) -> str:
        """A node IRI as written in ``id`` and ``@type: @id`` values (not vocabulary-relative)."""
        return self.compact_iri(iri, None, vocab=False)

    def vocab(self, iri: str) -> str:
        """A type or datatype IRI (vocabulary-relative, no value)."""
        return self.compact_iri(iri, None, vocab=True)

    def key(self, prop: str, kind: tuple[str, str]) -> tuple[str, Term | None]:
        """The key a value of ``kind`` of property ``prop`` is written under, and its term."""
        found = self._keys.get((prop, kind, False))
        if found is None:
            key = self.compact_iri(prop, kind, vocab=True)
            found = self._keys[(prop, kind, False)] = (key, self.terms.get(key))
        return found

    def reverse_key(self, prop: str) -> str:
        """The reverse term for node values of ``prop`` (a frame's reverse property)."""
        found = self._keys.get((prop, NODE, True))
        if found is None:
            key = self.compact_iri(prop, NODE, vocab=True, reverse=True)
            found = self._keys[(prop, NODE, True)] = (key, self.terms.get(key))
        term = found[1]
        if term is None or not term.reverse or "@set" not in term.container:
            raise UnsupportedError(f"no reverse term for {prop}")
        return found[0]

    def compact_iri(
        self, iri: str, kind: tuple[str, str] | None, *, vocab: bool, reverse: bool = False
    ) -> str:
        """pyld's ``_compact_iri`` (``kind`` None: no value; else the kind of the value)."""
        cache_key = (iri, kind, vocab, reverse)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._cache[cache_key] = self._compact_iri(iri, kind, vocab, reverse)
        return found

    def _compact_iri(
        self, iri: str, kind: tuple[str, str] | None, vocab: bool, reverse: bool
    ) -> str:
        if iri in _KEYWORDS:
            return self._keyword(iri)
        if vocab and iri in self.inverse:
            term = self._select_term(iri, kind, reverse)
            if term is not None:
                return term
        candidate = None
        for term, definition in self._prefix_candidates(iri):
            if definition.iri == iri:
                continue
            curie = f"{term}:{iri[len(definition.iri) :]}"
            other = self.terms.get(curie)
            usable = (definition.prefix and other is None) or (
                kind is None and other is not None and other.iri == iri
            )
            if usable and (candidate is None or (len(curie), curie) < (len(candidate), candidate)):
                candidate = curie
        if candidate is not None:
            return candidate
        head, colon, _ = iri.partition(":")
        if colon and head in self._prefixes:
            raise UnsupportedError(f"IRI confused with a prefix: {iri}")
        return iri

    def _prefix_candidates(self, iri: str) -> list[tuple[str, Term]]:
        """The terms whose IRI is a prefix of ``iri``.

        Such a term's stem (its IRI up to its last ``/`` or ``#``) is a prefix of ``iri``
        ending with ``/`` or ``#`` (or ""), that is a prefix of the stem of ``iri`` ending
        so. The terms of those stems (:meth:`_pool`, cached per stem: data IRIs share a few
        thousand) are the only ones checked.
        """
        return [(t, d) for t, d in self._pool(_stem(iri)) if iri.startswith(d.iri)]

    def _pool(self, stem: str) -> list[tuple[str, Term]]:
        found = self._pools.get(stem)
        if found is None:
            parent = self._pool(_stem(stem[:-1])) if stem else []
            found = self._pools[stem] = parent + self._by_stem.get(stem, [])
        return found

    def _select_term(self, iri: str, kind: tuple[str, str] | None, reverse: bool) -> str | None:
        containers: list[str] = []
        if kind == NODE:
            containers += ["@id", "@id@set", "@type", "@set@type"]
        if reverse:
            which, value = "@type", "@reverse"
            containers.append("@set")
        else:
            if kind is None or kind == NODE:
                which, value = "@type", "@id"
            elif kind[0] == "@language":
                containers += ["@language", "@language@set"]
                which, value = "@language", kind[1]
            elif kind[0] == "@type":
                which, value = "@type", kind[1]
            else:
                which, value = "@language", "@null"
            containers.append("@set")
        containers.append("@none")
        if kind is not None:
            containers += ["@index", "@index@set"]
        if kind == PLAIN:
            containers += ["@language", "@language@set"]
        prefs: list[str] = []
        if value in ("@id", "@reverse") and kind == NODE:
            if value == "@reverse":
                prefs.append("@reverse")
            prefs += ["@id", "@vocab"]  # no @type: @vocab terms here, so the order is moot
        else:
            prefs.append(value)
        prefs.append("@none")
        by_container = self.inverse[iri]
        for container in containers:
            entry = by_container.get(container)
            if entry is None:
                continue
            candidates = entry[which]
            for pref in prefs:
                if pref in candidates:
                    return candidates[pref]
        return None


def _expanded_term(value: dict[str, Any], expand: Any) -> Term | None:
    """An expanded term definition of the forms ``build_context`` writes, else None."""
    container = value.get("@container", [])
    containers = frozenset([container] if isinstance(container, str) else container)
    if not containers <= {"@language", "@set"}:
        return None
    if "@reverse" in value:
        if "@id" in value or "@type" in value or "@language" in containers:
            return None
        iri = expand(value["@reverse"])
        if iri is None or iri in _KEYWORDS:
            return None
        return Term(iri, container=containers, reverse=True)
    if not isinstance(value.get("@id"), str):
        return None
    iri = expand(value["@id"])
    if iri is None:
        return None
    type_: str | None = None
    if "@type" in value:
        if "@language" in containers or not isinstance(value["@type"], str):
            return None
        type_ = value["@type"] if value["@type"] == "@id" else expand(value["@type"])
        if type_ is None or (type_ in _KEYWORDS and type_ != "@id"):
            return None
    return Term(iri, type=type_, container=containers)


def _stem(iri: str) -> str:
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
