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
        #: What the Store makes of each literal at risk seen so far (itself if unchanged).
        self._stored_of: dict[ox.Literal, ox.Literal] = {}
        #: Stored forms that some changed literal reads as.
        self._changed: set[str] = set()
        #: Literals at risk seen unchanged, and not (yet) read as by a changed one.
        self._unchanged: set[str] = set()
        #: Unchanged literals seen before a changed one came to read the same: their
        #: statements are still to be recorded (:meth:`record_late`).
        self.late: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.by_triple)

    @staticmethod
    def at_risk(literal: ox.Literal) -> bool:
        return literal.datatype.value in NATIVE_DATATYPES

    def record(self, quads: Iterable[ox.Quad | ox.Triple]) -> None:
        """Remember the originals of the literals in ``quads`` that a Store would change.

        May be called once per block of quads (a build records file after file): each
        distinct literal at risk goes through a scratch Store once, the first time it comes;
        what the Store gives back is what every query will see. If an unchanged literal came
        in an earlier block than a changed one that now reads the same, :attr:`late` names
        it, and :meth:`record_late` finds its statements.
        """
        at_risk = [
            (quad, quad.object)
            for quad in quads
            if isinstance(quad.object, ox.Literal) and self.at_risk(quad.object)
        ]
        new = sorted({literal for _quad, literal in at_risk} - self._stored_of.keys(), key=str)
        scratch = ox.Store()
        predicate = ox.NamedNode("urn:treatykg:literal")
        scratch.extend(
            ox.Quad(ox.NamedNode(f"urn:treatykg:{i}"), predicate, literal)
            for i, literal in enumerate(new)
        )
        self._stored_of.update((literal, literal) for literal in new)
        for stored_quad in scratch:
            original = new[int(stored_quad.subject.value.rsplit(":", 1)[1])]
            kept = stored_quad.object
            if isinstance(kept, ox.Literal) and kept != original:
                self._stored_of[original] = kept
                if str(kept) in self._unchanged and str(kept) not in self._changed:
                    self.late.add(str(kept))
                self._changed.add(str(kept))
        for quad, literal in at_risk:
            # Unchanged literals are recorded too when a changed one now reads the same:
            # "1"^^xsd:integer and "1"^^xsd:positiveInteger become one term in the Store.
            stored = self._stored_of[literal]
            if str(stored) not in self._changed:
                self._unchanged.add(str(literal))
                continue
            self._add(str(quad.subject), str(quad.predicate), literal, stored)

    def record_late(self, lines: Iterable[bytes]) -> None:
        """Record the statements of the :attr:`late` literals, from the N-Triples ``lines`` of
        every statement recorded (only needed when :attr:`late` names some)."""
        if not self.late:
            return
        by_text = {str(literal): literal for literal in self._stored_of}
        endings = [(f" {text} .".encode(), by_text[text]) for text in sorted(self.late)]
        for line in lines:
            for ending, literal in endings:
                # Subject and predicate are single terms without spaces; quotes inside a
                # literal are escaped, so the ending cannot start inside another literal.
                head = line[: -len(ending)]
                if line.endswith(ending) and head.count(b" ") == 1:
                    subject, predicate = head.decode().split(" ")
                    self._add(subject, predicate, literal, literal)
        self.late = set()

    def _add(self, subject: str, predicate: str, literal: ox.Literal, stored: ox.Literal) -> None:
        if stored.value != literal.value:
            self.lexical_changed = True
        key = (subject, predicate, str(stored))
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
