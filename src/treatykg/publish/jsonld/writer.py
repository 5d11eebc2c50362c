"""The framed view's JSON text, written directly from the subgraph's triples.

:class:`FramedWriter` embeds and compacts as pyld's ``frame`` and ``compact`` do, for the
frames and contexts treatykg writes, and produces the same canonical JSON bytes in one walk
of the tree (the tests compare both byte for byte). Anything it does not model raises
:class:`~treatykg.publish.jsonld.compaction.UnsupportedError`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import RDF, XSD, Literal, URIRef

from treatykg.publish.jsonld.compaction import (
    INTEGER_RANGES,
    NODE,
    PLAIN,
    Compactor,
    UnsupportedError,
)
from treatykg.rdf import terms
from treatykg.rdf.serialize import integer_number

Columns = tuple[list[str], list[str], list[str]]
"""Subjects, predicates and objects of the subgraph's triples, each in N-Triples form."""

_XSD_INTEGER_SUFFIX = f'"^^<{XSD}integer>'


def restored_integer(value: str, datatype: str) -> str:
    """``"23"^^xsd:integer`` as ``"23"^^xsd:positiveInteger`` (``datatype``) if it is in that
    type's range; any other value as it is (see
    :func:`treatykg.publish.jsonld.framing.framed`)."""
    if not value.endswith(_XSD_INTEGER_SUFFIX):
        return value
    lexical = value[1 : -len(_XSD_INTEGER_SUFFIX)]
    low, high = INTEGER_RANGES[datatype]
    number = int(lexical)
    if (low is not None and number < low) or (high is not None and number > high):
        return value
    return terms.literal_term(lexical, datatype=datatype)


def article_head(number: Any) -> tuple[int, str]:
    """The leading part of an article's sort key; the canonical JSON breaks ties. A number
    in an array of one (the ``@set`` term's form) sorts as the number itself."""
    if isinstance(number, list) and len(number) == 1:
        number = number[0]
    if isinstance(number, str) and number.isdigit():
        return (int(number), "")
    return (2**63, str(number))


# --- the framed tree, written directly -----------------------------------------------------------

_encode = json.encoder.encode_basestring  # what json.dumps(str, ensure_ascii=False) writes
_RDF_TYPE = f"<{RDF.type}>"
_LIST_TERMS = frozenset({f"<{RDF.first}>", f"<{RDF.rest}>"})
_RDF_NIL = f"<{RDF.nil}>"
# rdflib writes these as JSON numbers and booleans (rdflib's toPython), the rest as strings.
_NATIVE_TYPES = frozenset({f"{XSD}boolean", f"{XSD}integer", f"{XSD}double"})


SortKey = tuple[str, str]
Entry = tuple[str, SortKey, int, Any, Any, bool]
"""One value of a node: its key; its sort key (how
:func:`treatykg.rdf.serialize.canonical_tree` orders an array: node objects by id, then other
values by their JSON; language-map values by language and text); how it is written; what is
written; its Python value (what an article's number is compared by), its language or the
frame of a reverse node; whether its key is always an array."""

# How a value is written: its text as it is; an embedded node; a node the frame embeds (by a
# reverse property); a small object (value object, {"id": …}) given as its members' texts;
# a string in a language map.
_TEXT, _EMBEDDED, _FRAMED, _OBJECT, _IN_MAP = range(5)
# How a literal of a property is written, by the literal's suffix (@lang, ^^<datatype>, none).
_AS_STRING, _AS_NATIVE, _AS_OBJECT, _AS_INTEGER = range(5, 9)


@dataclass(frozen=True)
class Frame:
    """A frame (:data:`treatykg.publish.jsonld.framing.FRAME`), expanded: the types it
    matches, and its reverse properties."""

    types: frozenset[str]
    reverse: tuple[tuple[str, Frame], ...]

    @classmethod
    def parse(cls, frame: Mapping[str, Any], compactor: Compactor, top: bool) -> Frame:
        types: set[str] = set()
        reverse = []
        for key, value in frame.items():
            if key == compactor.alias_type and top:
                for name in value if isinstance(value, list) else [value]:
                    types.add(f"<{compactor.expand(name)}>")
                continue
            term = compactor.terms.get(key)
            if term is None or not term.reverse or not isinstance(value, dict):
                raise UnsupportedError(f"frame key {key!r}")
            reverse.append((f"<{term.iri}>", cls.parse(value, compactor, top=False)))
        return cls(frozenset(types), tuple(reverse))


class FramedWriter:
    """Embeds and compacts the framed subgraph as pyld's ``frame`` does, and writes the
    canonical JSON text of the result straight into one list of strings.

    Embedding follows pyld's framing with ``@embed: @always``: every value that is a subject
    of the subgraph is embedded with all its values, except a node already on the path from
    the top (its parent excepted, as pyld checks), which stays a reference; the frame's
    reverse properties embed the nodes pointing at the node. Compaction follows
    :class:`Compactor`. The text is written in its final order and indentation as the tree
    is walked (the canonical order of every array is known before its elements are written:
    nodes by id, other values by their JSON), so each byte is written once; the text of a
    node that embeds nothing (a state's ``{id, label}``) is made once per indentation.
    """

    def __init__(self, compactor: Compactor, columns: Columns, view: Mapping[str, Any]) -> None:
        """``view`` is the JSON-LD frame, ``columns`` the triples it frames."""
        self.c = compactor
        self.frame = Frame.parse(view, compactor, top=True)
        subjects, predicates, objects = columns
        if (
            _RDF_NIL in objects
            or not _LIST_TERMS.isdisjoint(predicates)
            or "\n_:" in "\n" + "\n".join(subjects)
            or "\n_:" in "\n" + "\n".join(objects)
        ):
            raise UnsupportedError("blank nodes and RDF lists are framed by pyld")
        integer_types = compactor.integer_types
        #: subject → property → values (each once, rdf:type included)
        self.nodes: dict[str, dict[str, list[str]]] = {}
        nodes = self.nodes
        for s, p, o in zip(subjects, predicates, objects, strict=True):
            props = nodes.get(s)
            if props is None:
                props = nodes[s] = {}
            if p in integer_types:
                o = restored_integer(o, integer_types[p])
            values = props.get(p)
            if values is None:
                props[p] = [o]
            elif o not in values:
                values.append(o)
        for props in nodes.values():
            if any(not t.startswith("<") for t in props.get(_RDF_TYPE, ())):
                raise UnsupportedError("a literal rdf:type")
        #: reverse property → node → the nodes that have it as a value
        self.children: dict[str, dict[str, list[str]]] = {}
        pending = [self.frame]
        while pending:
            frame = pending.pop()
            for prop, subframe in frame.reverse:
                pending.append(subframe)
                if prop not in self.children:
                    index: dict[str, list[str]] = {}
                    for s, props in nodes.items():
                        for o in props.get(prop, ()):
                            if o.startswith("<"):
                                index.setdefault(o, []).append(s)
                    self.children[prop] = index
        self.ids: dict[str, str] = {}
        self.prepared: dict[str, list[Entry]] = {}
        self.leaves: dict[tuple[str, int], str] = {}
        self.prefixes: dict[tuple[str, int], tuple[str, str]] = {}
        self.closings: dict[int, str] = {}
        self.natives: dict[tuple[str, str], Any] = {}
        # Per property: how its node values and its literals (by suffix) are written.
        self.node_plans: dict[str, tuple[str, bool, bool, dict[str, Entry]]] = {}
        self.literal_plans: dict[str, dict[str, tuple[int, str, bool, Any]]] = {}

    def document(self, context: Mapping[str, Any]) -> bytes:
        """The framed document's bytes: ``canonical_json({"@context": …, "@graph": […]})``."""
        tops = self.matches()
        out = [document_start(context)]
        self.write_tops(tops, out, first=True)
        out.append(document_end(empty=not tops))
        return "".join(out).encode("utf-8")

    def matches(self) -> list[str]:
        """The nodes the frame matches (by type), in the document's order: by compacted id."""
        types = self.frame.types
        tops = [
            s for s, props in self.nodes.items() if not types.isdisjoint(props.get(_RDF_TYPE, ()))
        ]
        tops.sort(key=self.compact_id)
        return tops

    def write_tops(self, tops: list[str], out: list[str], first: bool) -> None:
        """Write ``tops`` (matches of the frame) as members of ``@graph``, each preceded by
        its separator; ``first`` if the first of them is the first of the document. The
        graph's treaties can so be written a batch at a time, each batch by its own writer."""
        for i, top in enumerate(tops):
            out.append(",\n    " if i or not first else "\n    ")
            self.node(top, out, [], self.frame, 4, top=True)

    def compact_id(self, subject: str) -> str:
        found = self.ids.get(subject)
        if found is None:
            found = self.ids[subject] = self.c.iri(subject[1:-1])
        return found

    def node(
        self,
        subject: str,
        out: list[str],
        stack: list[str],
        frame: Frame | None,
        indent: int,
        top: bool = False,
    ) -> None:
        """Write a node with all its values, compacted, placed at ``indent``.

        ``frame`` is None for a node embedded as the value of a property (pyld's implicit
        frame: no reverse properties); ``top`` for a match of the frame itself, whose
        ``articles`` go in number order.
        """
        entries = self.prepared.pop(subject, None) or self.members(subject, stack)
        if frame is not None:
            for prop, subframe in frame.reverse:
                children = self.children[prop].get(subject)
                if not children:
                    continue
                key = self.c.reverse_key(prop[1:-1])
                for child in dict.fromkeys(children):
                    if child == subject or child in stack:
                        raise UnsupportedError(f"{child} is its own ancestor")
                    sort_key = ("0", self.compact_id(child))
                    entries.append((key, sort_key, _FRAMED, child, subframe, True))
        entries.sort(key=_BY_KEY)
        stack.append(subject)
        out.append("{")
        prefixes = self.prefixes
        count = len(entries)
        start = 0
        while start < count:
            first = entries[start]
            key = first[0]
            end = start + 1
            while end < count and entries[end][0] == key:
                end += 1
            prefix = prefixes.get((key, indent)) or self._member_prefix(key, indent)
            out.append(prefix[1] if start else prefix[0])
            how = first[2]
            if how == _IN_MAP:
                self.language_map(entries, start, end, out, indent + 2)
            elif end - start == 1 and not first[5]:
                if how == _TEXT:
                    out.append(first[3])
                else:
                    self.write(first, out, stack, indent + 2)
            elif top and key == "articles":
                self.articles(entries[start:end], out, stack, indent + 2)
            else:
                self.array(entries, start, end, out, stack, indent + 2)
            start = end
        out.append(self.closings.get(indent) or self._closing(indent))
        stack.pop()

    def _closing(self, indent: int) -> str:
        found = self.closings[indent] = "\n" + " " * indent + "}"
        return found

    def _member_prefix(self, key: str, indent: int) -> tuple[str, str]:
        """What goes before a member ``key`` of an object at ``indent``: first, and after a
        comma. Keys and languages repeat in every node, so they are encoded once."""
        pad = "\n" + " " * (indent + 2)
        first = f"{pad}{_encode(key)}: "
        found = self.prefixes[(key, indent)] = (first, "," + first)
        return found

    def members(self, subject: str, stack: list[str]) -> list[Entry]:
        """The node's values: (key, sort key, how to write it, what, Python value, whether
        the key is always an array), keys not yet in order."""
        c = self.c
        nodes = self.nodes
        compact_id = self.compact_id(subject)
        entries: list[Entry] = [
            (c.alias_id, _ID_SORT, _TEXT, _encode(compact_id), compact_id, False)
        ]
        for prop, values in nodes[subject].items():
            if prop == _RDF_TYPE:
                for value in values:
                    name = c.vocab(value[1:-1])
                    text = _encode(name)
                    entries.append((c.alias_type, ("1", text), _TEXT, text, name, False))
                continue
            plans = None
            for value in values:
                if value[0] == "<":
                    node_plan = self.node_plans.get(prop) or self._node_plan(prop)
                    # pyld's check for circular embeds skips the top of its stack (the node
                    # itself, not yet on ``stack`` here): a node embeds itself once.
                    if value in nodes and value not in stack:
                        sort_key = ("0", self.compact_id(value))
                        entries.append(
                            (node_plan[0], sort_key, _EMBEDDED, value, None, node_plan[1])
                        )
                    else:
                        entries.append(node_plan[3].get(value) or self.reference(prop, value))
                    continue
                end = value.rindex('"')
                suffix = value[end + 1 :]
                if plans is None:
                    plans = self.literal_plans.get(prop)
                    if plans is None:
                        plans = self.literal_plans[prop] = {}
                plan = plans.get(suffix)
                if plan is None:
                    plan = plans[suffix] = self._literal_plan(prop, suffix)
                how, key, as_array, extra = plan
                if "\\" not in value:
                    lexical = value[1:end]
                    text = value[: end + 1]  # the JSON string: nothing to escape
                else:
                    lexical = terms.literal_parts(value)[0]
                    text = _encode(lexical)
                if how == _IN_MAP:
                    entries.append((key, (extra, text), _IN_MAP, text, extra, False))
                elif how == _AS_STRING:
                    entries.append((key, ("1", text), _TEXT, text, lexical, as_array))
                elif how == _AS_INTEGER:
                    number = integer_number(lexical)
                    if number is None:
                        entries.append((key, ("1", text), _TEXT, text, lexical, as_array))
                    else:
                        digits = str(number)
                        entries.append((key, ("1", digits), _TEXT, digits, number, as_array))
                else:
                    entries.append(self.literal(key, as_array, how, extra, lexical))
        return entries

    def write(self, entry: Entry, out: list[str], stack: list[str], indent: int) -> None:
        """Write one value placed at ``indent``."""
        how = entry[2]
        what = entry[3]
        if how == _TEXT:
            out.append(what)
        elif how == _EMBEDDED:
            found = self.leaves.get((what, indent))
            if found is not None:
                out.append(found)
                return
            props = self.nodes[what]
            if any(v in self.nodes for values in props.values() for v in values):
                self.node(what, out, stack, None, indent)
                return
            text: list[str] = []  # a node that embeds nothing: the same text everywhere
            self.node(what, text, stack, None, indent)
            found = self.leaves[(what, indent)] = "".join(text)
            out.append(found)
        elif how == _FRAMED:
            self.node(what, out, stack, entry[4], indent)
        elif how == _OBJECT:
            out.append(_small_object(what, indent))
        else:
            raise UnsupportedError("a language-map value and another under one key")

    def array(
        self,
        entries: list[Entry],
        start: int,
        end: int,
        out: list[str],
        stack: list[str],
        indent: int,
    ) -> None:
        """Write entries[start:end] (in their final order) as an array placed at ``indent``."""
        pad = "\n" + " " * (indent + 2)
        out.append("[")
        for i in range(start, end):
            out.append("," + pad if i > start else pad)
            entry = entries[i]
            if entry[2] == _TEXT:
                out.append(entry[3])
            else:
                self.write(entry, out, stack, indent + 2)
        out.append("\n" + " " * indent + "]")

    def articles(self, entries: list[Entry], out: list[str], stack: list[str], indent: int) -> None:
        """A treaty's articles in number order; articles with the same number in the order of
        their canonical JSON, as pyld's output sorted by
        :func:`treatykg.publish.jsonld.framing.framed_by_pyld` has them."""
        keyed = sorted(((article_head(self.number(e[3], stack)), e) for e in entries), key=_first)
        ordered: list[Entry | str] = []
        start = 0
        while start < len(keyed):
            end = start + 1
            while end < len(keyed) and keyed[end][0] == keyed[start][0]:
                end += 1
            if end - start == 1:
                ordered.append(keyed[start][1])
            else:  # rare: write them aside and compare their text at indentation 0
                texts: list[str] = []
                for _, entry in keyed[start:end]:
                    text: list[str] = []
                    self.write(entry, text, stack, indent + 2)
                    texts.append("".join(text))
                dedent = "\n" + " " * (indent + 2)
                in_order: list[str] = sorted(texts, key=lambda t: t.replace(dedent, "\n"))
                ordered += in_order
            start = end
        pad = "\n" + " " * (indent + 2)
        out.append("[")
        for i, item in enumerate(ordered):
            out.append("," + pad if i else pad)
            if isinstance(item, str):
                out.append(item)
            else:
                self.write(item, out, stack, indent + 2)
        out.append("\n" + " " * indent + "]")

    def number(self, article: str, stack: list[str]) -> Any:
        """The Python value of an article's ``number`` as pyld's output holds it (the
        article's members are kept for writing it)."""
        entries = self.prepared[article] = self.members(article, stack)
        numbers = sorted((e for e in entries if e[0] == "number"), key=_BY_KEY)
        if not numbers:
            return None
        values = []
        for _, _, how, _, value, _ in numbers:
            if how not in (_TEXT, _OBJECT) or (how == _OBJECT and "@value" not in value):
                raise UnsupportedError("an article number that is a node or a language map")
            values.append(value)
        return values if numbers[0][5] or len(values) > 1 else values[0]

    def language_map(
        self, entries: list[Entry], start: int, end: int, out: list[str], indent: int
    ) -> None:
        """Write entries[start:end], language-map values sorted by language and text, as a
        language map (``{"en": …, "fr": …}``) placed at ``indent``."""
        out.append("{")
        prefixes = self.prefixes
        i = start
        while i < end:
            language = entries[i][4]
            j = i + 1
            while j < end and entries[j][4] == language:
                j += 1
            prefix = prefixes.get((language, indent)) or self._member_prefix(language, indent)
            out.append(prefix[1] if i > start else prefix[0])
            if j - i == 1:
                out.append(entries[i][3])
            else:
                inner = "\n" + " " * (indent + 4)
                texts = [entries[k][3] for k in range(i, j)]
                out.append("[" + inner + ("," + inner).join(texts) + inner[:-2] + "]")
            i = j
        for k in range(start, end):
            if entries[k][2] != _IN_MAP:
                raise UnsupportedError("a language-map value and another under one key")
        out.append(self.closings.get(indent) or self._closing(indent))

    def reference(self, prop: str, value: str) -> Entry:
        """A node that is not embedded: its IRI under an ``@type: @id`` term, else
        ``{"id": IRI}``."""
        key, as_array, as_iri, references = self.node_plans.get(prop) or self._node_plan(prop)
        compact = self.compact_id(value)
        text = _encode(compact)
        entry: Entry
        if as_iri:
            entry = (key, ("1", text), _TEXT, text, compact, as_array)
        else:
            alias = self.c.alias_id
            entry = (key, ("0", compact), _OBJECT, {alias: text}, {alias: compact}, as_array)
        references[value] = entry
        return entry

    def _node_plan(self, prop: str) -> tuple[str, bool, bool, dict[str, Entry]]:
        """The key of the property's node values, whether it is always an array, whether a
        reference is written as a bare IRI (an ``@type: @id`` term), and the references
        written so far."""
        key, term = self.c.key(prop[1:-1], NODE)
        found = self.node_plans[prop] = (
            key,
            term is not None and "@set" in term.container,
            term is not None and term.type == "@id",
            {},
        )
        return found

    def _literal_plan(self, prop: str, suffix: str) -> tuple[int, str, bool, Any]:
        """How a literal of ``prop`` with this suffix is written: (how, key, always an array,
        the language map's key or the datatype)."""
        if suffix.startswith("@"):
            kind = ("@language", suffix[1:])
        elif suffix.startswith("^^<"):
            kind = ("@type", suffix[3:-1])
        else:
            kind = PLAIN
        key, term = self.c.key(prop[1:-1], kind)
        as_array = term is not None and "@set" in term.container
        if term is not None and "@language" in term.container:
            return _IN_MAP, key, as_array, kind[1] or self.c.alias_none
        if kind == PLAIN:
            return _AS_STRING, key, as_array, None
        native = kind[0] == "@type" and kind[1] in _NATIVE_TYPES
        if kind[0] == "@type" and term is not None and term.type == kind[1]:
            if kind[1] in INTEGER_RANGES:
                return _AS_INTEGER, key, as_array, kind[1]
            return (_AS_NATIVE if native else _AS_STRING), key, as_array, kind[1]
        return _AS_OBJECT, key, as_array, (kind, native)

    def literal(self, key: str, as_array: bool, how: int, extra: Any, lexical: str) -> Entry:
        """A literal written as a JSON number or boolean, or as a value object."""
        if how == _AS_NATIVE:
            value = self._native(lexical, extra)
            text = _scalar(value)
            return key, ("1", text), _TEXT, text, value, as_array
        (which, tag), native = extra
        value = self._native(lexical, tag) if native else lexical
        if which == "@type":
            obj = {self.c.alias_type: self.c.vocab(tag), "@value": value}
        else:
            obj = {"@language": tag, "@value": value}
        texts = {k: _scalar(v) for k, v in obj.items()}
        sort_key = ("1", json.dumps(obj, sort_keys=True, ensure_ascii=False))
        return key, sort_key, _OBJECT, texts, obj, as_array

    def _native(self, lexical: str, datatype: str) -> Any:
        """The JSON value rdflib writes for an xsd:boolean, xsd:integer or xsd:double."""
        found = self.natives.get((lexical, datatype))
        if found is None:
            found = Literal(lexical, datatype=URIRef(datatype), normalize=False).toPython()
            self.natives[(lexical, datatype)] = found
        return found


def document_start(context: Mapping[str, Any]) -> str:
    """The framed document's text up to its first treaty: the canonical JSON of
    ``{"@context": context, "@graph": [`` (keys sorted, two-space indent)."""
    context_text = json.dumps(dict(context), sort_keys=True, indent=2, ensure_ascii=False)
    return '{\n  "@context": ' + context_text.replace("\n", "\n  ") + ',\n  "@graph": ['


def document_end(empty: bool) -> str:
    """The framed document's text after its last treaty (``empty``: it has none)."""
    return ("]" if empty else "\n  ]") + "\n}\n"


_ID_SORT = ("0", "")
_BY_KEY = operator.itemgetter(0, 1)


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _encode(value)
    return json.dumps(value)


def _small_object(members: dict[str, str], indent: int) -> str:
    """A JSON object of scalar member texts, keys sorted, placed at ``indent``."""
    pad = "\n" + " " * (indent + 2)
    body = ("," + pad).join(f"{_encode(key)}: {members[key]}" for key in sorted(members))
    return "{" + pad + body + "\n" + " " * indent + "}"
