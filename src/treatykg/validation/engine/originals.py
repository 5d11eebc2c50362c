"""The literals as written, behind the ones a pyoxigraph Store keeps.

Why: a Store normalizes typed literals (``"23"^^xsd:positiveInteger`` reads back as
``"23"^^xsd:integer``, ``"01"^^xsd:integer`` as ``"1"``), while SHACL, and pySHACL, see each
literal as written. Every constraint family that reports a value, counts values or reads a
datatype asks :class:`Originals` what the Store changed, so that the engine's results stay
pySHACL's.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib.namespace import XSD

from treatykg.validation.engine.findings import DataTerm

_XSD = str(XSD)
#: Datatypes a pyoxigraph Store does not keep: it stores xsd:positiveInteger and the other
#: types derived from xsd:integer as xsd:integer, and xsd:dateTimeStamp as xsd:dateTime.
LOSSY_DATATYPES = frozenset(
    _XSD + name
    for name in [
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "dateTimeStamp",
    ]
)
#: Datatypes whose lexical form a pyoxigraph Store may rewrite ("01" -> "1").
NATIVE_DATATYPES = (
    frozenset(
        _XSD + name
        for name in [
            "boolean",
            "decimal",
            "integer",
            "float",
            "double",
            "date",
            "dateTime",
            "time",
            "gYear",
            "gYearMonth",
            "gMonth",
            "gDay",
            "gMonthDay",
            "duration",
            "dayTimeDuration",
            "yearMonthDuration",
        ]
    )
    | LOSSY_DATATYPES
)

#: The function that SHACL-SPARQL queries call instead of DATATYPE() when literals changed.
ORIGINAL_DATATYPE = ox.NamedNode("urn:treatykg:original-datatype")


class Originals:
    """What a pyoxigraph Store changed in the literals it was given, to undo it.

    The engine looks the original up: by (subject, predicate, stored literal) for values,
    and by stored literal for ``DATATYPE()`` in SHACL-SPARQL queries.
    """

    def __init__(self) -> None:
        self.by_triple: dict[tuple[str, str, str], list[ox.Literal]] = {}
        self.by_literal: dict[str, set[ox.Literal]] = {}
        #: Some literal's lexical form changed (not only its datatype).
        self.lexical_changed = False
        #: Some language tag had capitals, which a pyoxigraph term keeps in lower case: the
        #: same term in RDF 1.1, but ``LANG()`` answers differently than on the data as read.
        self.cased_languages = False
        #: The data had "x" and "x"^^xsd:string, two terms to rdflib (and pySHACL), which a
        #: Store makes one: any shape may count them, so pySHACL validates every shape.
        self.merged_strings = False
        self._merged: dict[tuple[str, str], int] | None = None

    def __bool__(self) -> bool:
        return bool(self.by_triple)

    @staticmethod
    def at_risk(literal: ox.Literal) -> bool:
        return literal.datatype.value in NATIVE_DATATYPES

    def record(self, quads: Iterable[ox.Quad]) -> None:
        """Remember the originals of the literals in ``quads`` that a Store would change.

        Each distinct literal at risk goes through a scratch Store once; what the Store gives
        back is what every query will see.
        """
        at_risk = [
            (quad, quad.object)
            for quad in quads
            if isinstance(quad.object, ox.Literal) and self.at_risk(quad.object)
        ]
        distinct = sorted({literal for _quad, literal in at_risk}, key=str)
        scratch = ox.Store()
        predicate = ox.NamedNode("urn:treatykg:literal")
        scratch.extend(
            ox.Quad(ox.NamedNode(f"urn:treatykg:{i}"), predicate, literal)
            for i, literal in enumerate(distinct)
        )
        stored_of: dict[ox.Literal, ox.Literal] = {}
        for stored_quad in scratch:
            original = distinct[int(stored_quad.subject.value.rsplit(":", 1)[1])]
            kept = stored_quad.object
            if isinstance(kept, ox.Literal) and kept != original:
                stored_of[original] = kept
        changed = {str(stored) for stored in stored_of.values()}
        for quad, literal in at_risk:
            # Unchanged literals are recorded too when a changed one now reads the same:
            # "1"^^xsd:integer and "1"^^xsd:positiveInteger become one term in the Store.
            stored = stored_of.get(literal, literal)
            if str(stored) not in changed:
                continue
            if stored.value != literal.value:
                self.lexical_changed = True
            key = (str(quad.subject), str(quad.predicate), str(stored))
            found = self.by_triple.setdefault(key, [])
            if literal not in found:
                found.append(literal)
            self.by_literal.setdefault(str(stored), set()).add(literal)
        self._merged = None

    def merged(self) -> dict[tuple[str, str], int]:
        """(subject, predicate) -> how many values the Store merged away (for counts)."""
        if self._merged is None:
            extra: dict[tuple[str, str], int] = {}
            for (subject, predicate, _stored), found in self.by_triple.items():
                if len(found) > 1:
                    key = (subject, predicate)
                    extra[key] = extra.get(key, 0) + len(found) - 1
            self._merged = extra
        return self._merged

    def restore(self, subject: DataTerm, predicate: str | None, value: DataTerm) -> list[DataTerm]:
        """The literals as written behind a stored value (the value itself if unchanged), for
        the value of ``subject`` by ``predicate`` (``<iri>``; None: not a predicate)."""
        if not self or not isinstance(value, ox.Literal) or predicate is None:
            return [value]
        return list(self.by_triple.get((str(subject), predicate, str(value)), [value]))

    def datatype_function(self, term: object) -> ox.NamedNode | None:
        """``DATATYPE()`` of the literal as written, for SHACL-SPARQL queries."""
        if not isinstance(term, ox.Literal):
            return None
        found = self.by_literal.get(str(term))
        if found is None:
            return term.datatype
        (original,) = {o.datatype for o in found} or {term.datatype}
        return original

    def ambiguous(self) -> bool:
        """Some stored literal stands for literals of different datatypes."""
        return any(len({o.datatype for o in found}) > 1 for found in self.by_literal.values())
