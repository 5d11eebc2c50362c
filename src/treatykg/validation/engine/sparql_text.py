"""SHACL-SPARQL text as the Store must run it: prefixes, literals as written, and joinability.

Why apart: SPARQL-based targets (``targets.py``) and SPARQL constraints (``sparql.py``) both
read a query from the shapes graph, and before the engine runs one it must know that the query
means on the Store what it means to pySHACL: with the declared prefixes (:func:`prologue`),
seeing literals as written (:func:`as_run`), with ``$this`` joined in rather than pre-bound
(:func:`joinable`), parsed by Oxigraph (:func:`parses`). Whatever fails goes to pySHACL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.sparql.guard import MAX_QUERY_BYTES
from treatykg.validation.engine.findings import UnsupportedError
from treatykg.validation.engine.originals import ORIGINAL_DATATYPE
from treatykg.validation.engine.queries import Functions, on_stack
from treatykg.validation.engine.shapes import Shapes

_OWL_IMPORTS = URIRef("http://www.w3.org/2002/07/owl#imports")


def prologue(s: Shapes, node: Node) -> str:
    """PREFIX declarations for a SPARQL-based target or constraint (``sh:prefixes``),
    with those of the ontologies they import (``owl:imports``), as SHACL says."""
    lines = []
    pending, seen = list(s.g.objects(node, SH.prefixes)), set()
    while pending:
        ontology = pending.pop()
        if ontology in seen:
            continue
        seen.add(ontology)
        pending += s.g.objects(ontology, _OWL_IMPORTS)
        for declaration in s.g.objects(ontology, SH.declare):
            prefix = s.one(declaration, SH.prefix)
            namespace = s.one(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise UnsupportedError("sh:declare without sh:prefix and sh:namespace")
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    if len({line.split(":", 1)[0] for line in set(lines)}) != len(set(lines)):
        raise UnsupportedError("one prefix declared for two namespaces")
    return "\n".join(sorted(set(lines)))


def as_run(s: Shapes, text: str) -> str:
    """A SHACL-SPARQL query as it must run on the Store: DATATYPE() sees literals as written."""
    if s.originals.cased_languages and re.search(r"\bLANG\s*\(", text, re.IGNORECASE):
        raise UnsupportedError("LANG() on data with capitals in language tags")
    if not s.originals:
        return text
    if s.originals.lexical_changed or s.originals.ambiguous():
        raise UnsupportedError("the data has typed literals that a pyoxigraph Store rewrites")
    return re.sub(r"\bDATATYPE\s*\(", f"{ORIGINAL_DATATYPE}(", text, flags=re.IGNORECASE)


#: Tokens of a SPARQL query, once strings, IRIs and comments are taken out (see tokens).
_TOKEN = re.compile(
    r"[{}()]|[?$][A-Za-z_0-9]+|[A-Za-z_][A-Za-z_0-9.-]*(?::[A-Za-z_0-9.-]*)?|:[A-Za-z_0-9.-]*|\S"
)
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
#: Keywords whose part of a query is evaluated apart from the pre-bound $this in SHACL's
#: definition of pre-binding (SHACL 5.3.1 lists them as unsupported with pre-binding), or
#: whose meaning changes once the focus nodes are joined in (LIMIT applies to all of them).
_APART = {"MINUS", "VALUES", "SERVICE", "SELECT", "GRAPH", "LIMIT", "OFFSET"}
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


def tokens(text: str) -> list[str]:
    """The query's tokens, with every string, IRI and comment as one placeholder token."""

    def placeholder(match: re.Match[str]) -> str:
        first = match.group(0)[0]
        return " " if first == "#" else " _IRI_ " if first == "<" else " _STRING_ "

    return _TOKEN.findall(_STRING.sub(placeholder, text))


@dataclass
class Frame:
    """A group ``{...}`` of a SPARQL query, as :func:`joinable` reads it."""

    kind: str  # "top" (the WHERE group), "exists" (of FILTER (NOT) EXISTS) or "group"
    parentheses: int = 0
    #: A triple pattern of this group itself has ``$this``: every solution binds it.
    binds_this: bool = False


def joinable(text: str) -> None:
    """Refuse a SPARQL constraint whose ``$this`` cannot be joined in instead of pre-bound.

    The engine joins the focus nodes in at the top of the WHERE clause; SHACL pre-binds
    ``$this`` everywhere in the query. The two agree for ``$this`` at the top level of the
    WHERE group or in FILTER (NOT) EXISTS below it (EXISTS substitutes the solution's
    bindings), and in a triple pattern of any group (a join on ``?this``). In a nested group
    (a UNION branch, OPTIONAL), an expression or EXISTS on ``$this`` agrees only when a
    triple pattern of that same group binds ``$this`` (then every solution of the group has
    it bound); otherwise ``$this`` is unbound there, where pre-binding gives the focus node.
    Sub-selects, MINUS, VALUES and the like (SHACL forbids some with pre-binding) and queries
    that aggregate across focus nodes disagree too. All of these go to pySHACL, which
    pre-binds, or refuses what SHACL forbids.
    """
    found = tokens(text)
    upper = [t.upper() for t in found]
    if "WHERE" not in upper:
        raise UnsupportedError("a SPARQL constraint without WHERE")
    start = upper.index("WHERE")
    if upper[start + 1 : start + 2] != ["{"]:
        raise UnsupportedError("a SPARQL constraint whose WHERE clause is not plain")
    stack: list[Frame] = []
    needs: list[Frame | None] = []  # for each $this in an expression: its innermost group
    previous = ""
    end = len(found)
    for i in range(start + 1, len(found)):
        token, word = found[i], upper[i]
        if word in _APART:
            raise UnsupportedError(f"{word} in a SPARQL constraint")
        if token == "{":
            kind = "top" if not stack else "exists" if previous == "EXISTS" else "group"
            stack.append(Frame(kind))
        elif token == "}":
            stack.pop()
            if not stack:
                end = i
                break
        elif token == "(":
            stack[-1].parentheses += 1
        elif token == ")":
            stack[-1].parentheses -= 1
        elif token in ("?this", "$this"):
            if previous == "AS":
                raise UnsupportedError("$this bound by the query")
            frame = stack[-1]
            if frame.kind != "exists" and frame.parentheses == 0:
                frame.binds_this = True  # a triple pattern
            else:
                groups = [f for f in stack if f.kind == "group"]
                needs.append(groups[-1] if groups else None)
        previous = word
    if any(group is not None and not group.binds_this for group in needs):
        raise UnsupportedError("$this in an expression of a nested group that does not bind it")
    modifiers = found[end + 1 :]
    if "GROUP" in (m.upper() for m in modifiers):
        if "?this" not in modifiers and "$this" not in modifiers:
            raise UnsupportedError("a SPARQL constraint that groups across focus nodes")
    elif _AGGREGATES & set(upper):
        raise UnsupportedError("a SPARQL constraint that aggregates across focus nodes")
    for i, word in enumerate(upper[:-1]):
        # A call of a function named by an IRI: SHACL-AF functions are pySHACL's to run;
        # Oxigraph would make the call an error, and the FILTER silently false.
        called = found[i] == "_IRI_" or (":" in word and not word.startswith("XSD:"))
        if upper[i + 1] == "(" and called:
            raise UnsupportedError(f"a call of the function {found[i]} in a SPARQL constraint")


def parses(query: str, s: Shapes) -> None:
    """Refuse a query Oxigraph does not parse, or larger than ``treatykg query`` takes
    (:data:`~treatykg.sparql.guard.MAX_QUERY_BYTES`, for which ``queries.on_stack`` is sized):
    pySHACL (rdflib's parser) then decides, and says what is wrong if it cannot parse it either.
    Parsed on an empty Store, which answers at once, on a thread with a stack for the query.
    (Nesting is not capped as ``treatykg query`` caps it: the stack holds any nesting, and
    rdflib's parser gives up on 300 nested parentheses that Oxigraph takes.)
    """
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > MAX_QUERY_BYTES:
        raise UnsupportedError(
            f"a SPARQL constraint of {size / 1024:.0f} KiB, over the engine's "
            f"{MAX_QUERY_BYTES // 1024} KiB"
        )

    functions: Functions = {ORIGINAL_DATATYPE: s.originals.datatype_function}

    def parse() -> None:
        s.empty.query(query, custom_functions=functions)

    try:
        on_stack(query, parse)
    except SyntaxError as error:
        message = " ".join(str(error).split(" expected one of")[0].split())
        raise UnsupportedError(f"SPARQL that Oxigraph does not parse: {message}") from None
