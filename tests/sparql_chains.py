"""Every recursive production of the SPARQL grammar (1.1, and the 1.2 additions Oxigraph
parses), as a chain of ``n`` levels in its shortest spelling, and queries mixing them.

A production is a way for a query to be deep: each level of it is a level of recursion in
pyoxigraph's parser, its algebra tree, its optimiser, its evaluation or the freeing of its
result. Chains are spelt as densely as the grammar allows (``!`` is one byte a level, a
collection item 1.5 bytes), because the stack a query needs per byte of its text is what
``treatykg.sparql.execute`` sizes its thread by. Used by ``tests/sparql/test_deep_queries.py``
and its driver ``tests/deep_driver.py``.

``afford`` is the deepest chain of the production that pyoxigraph answers in about a tenth of
a second on the bundled data: pyoxigraph's optimiser takes time that grows as the cube or
more of the number of triple patterns, path steps or reifiers in a group (250 items of a
collection: 8 s, and 64 KiB of them would take days), and its parser the square of the
number of ``+`` or ``*`` (64 KiB of ``1+1+…``: 34 s). Deeper chains are run only where they
are refused before any work (over the size cap), and otherwise judged by extrapolation: the
stack each level takes was measured the same at every depth.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

#: Every query declares the empty prefix, so that ``:`` is a one-byte IRI.
PROLOGUE = "PREFIX:<x:>"
#: The largest query treatykg takes (treatykg.sparql.guard.MAX_QUERY_BYTES).
CAP = 64 * 1024

EXPR, PATH, GROUP, QUERY = "expression", "path", "group", "query"
#: The innermost text of each context.
LEAF = {EXPR: "1", PATH: "a", GROUP: ""}


@dataclass(frozen=True)
class Production:
    """``build(inner, n, fresh)``: ``n`` levels of the production around (or beside) ``inner``,
    a text of the same ``context``; ``fresh()`` gives a new variable name. For ``QUERY``
    productions ``inner`` is a group's content and the result a whole query."""

    name: str
    context: str
    build: Callable[[str, int, Callable[[], str]], str]
    afford: int
    #: Whether each level nests { }, ( ) or [ ] (capped at 100 levels by treatykg.sparql.guard).
    brackets: bool = False


def _p(name: str, context: str, afford: int, build: Callable, brackets: bool = False) -> Production:
    return Production(name, context, build, afford, brackets)


def _then(group: str) -> str:
    """The group, ready for a triple pattern to follow (a ``.`` after anything but nothing:
    one is allowed after a filter or a group as well as after a triple pattern)."""
    return group + "." if group and not group.endswith(".") else group


def _fresh_names(n: int, fresh: Callable[[], str]) -> list[str]:
    return [fresh() for _ in range(n)]


def _bound(expression: str, n: int, fresh: Callable[[], str]) -> str:
    """``(expression AS ?v0)(expression AS ?v1)…``, n of them."""
    return "".join(f"({expression}AS?{name})" for name in _fresh_names(n, fresh))


def _select(projection: str, group: str) -> str:
    return "SELECT" + projection + "{" + group + "}"


PRODUCTIONS: tuple[Production, ...] = (
    # --- expressions: unary, every binary level, brackets, calls, lists ----------------------
    _p("not", EXPR, 70000, lambda e, n, f: "!" * n + e),
    _p("or", EXPR, 2500, lambda e, n, f: "1||" * n + e),
    _p("and", EXPR, 2500, lambda e, n, f: "1&&" * n + e),
    _p("add", EXPR, 2000, lambda e, n, f: "1+" * n + e),
    _p("subtract", EXPR, 40000, lambda e, n, f: "1-" * n + e),
    _p("multiply", EXPR, 2000, lambda e, n, f: "1*" * n + e),
    _p("divide", EXPR, 40000, lambda e, n, f: "1/" * n + e),
    _p("compare", EXPR, 100, lambda e, n, f: "1<(" * n + e + ")" * n, brackets=True),
    _p("brackets", EXPR, 100, lambda e, n, f: "(" * n + e + ")" * n, brackets=True),
    _p("negate", EXPR, 100, lambda e, n, f: "-(" * n + e + ")" * n, brackets=True),
    _p("call", EXPR, 100, lambda e, n, f: "STR(" * n + e + ")" * n, brackets=True),
    _p("if", EXPR, 100, lambda e, n, f: "IF(1," * n + e + ",1)" * n, brackets=True),
    _p("exists", EXPR, 50, lambda e, n, f: "EXISTS{FILTER(" * n + e + ")}" * n, brackets=True),
    _p("in", EXPR, 40000, lambda e, n, f: "1 IN(" + "1," * n + e + ")"),
    _p("not_in", EXPR, 40000, lambda e, n, f: "1 NOT IN(" + "1," * n + e + ")"),
    _p("coalesce", EXPR, 40000, lambda e, n, f: "COALESCE(" + "1," * n + e + ")"),
    _p("concat", EXPR, 30000, lambda e, n, f: "CONCAT(" + "''," * n + e + ")"),
    _p(
        "triple_term",
        EXPR,
        100,
        lambda e, n, f: "ISTRIPLE(" + "<<(?s?p" * n + "?o" + ")>>" * n + ")||" + e,
        brackets=True,
    ),
    # --- property paths -----------------------------------------------------------------------
    _p("sequence", PATH, 150, lambda p, n, f: "a/" * n + p),
    _p("alternative", PATH, 2000, lambda p, n, f: "a|" * n + p),
    _p("inverse", PATH, 150, lambda p, n, f: "^a/" * n + p),
    _p("zero_or_more", PATH, 150, lambda p, n, f: "a*/" * n + p),
    _p("one_or_more", PATH, 150, lambda p, n, f: "a+/" * n + p),
    _p("zero_or_one", PATH, 150, lambda p, n, f: "a?/" * n + p),
    _p("negated", PATH, 150, lambda p, n, f: "!a/" * n + p),
    _p("negated_set", PATH, 40000, lambda p, n, f: "!(" + "a|" * n + "a)/" + p),
    _p("path_brackets", PATH, 100, lambda p, n, f: "(" * n + p + ")" * n, brackets=True),
    _p("path_modified", PATH, 8, lambda p, n, f: "(" * n + p + ")*" * n, brackets=True),
    _p("path_inverted", PATH, 100, lambda p, n, f: "^(" * n + p + ")" * n, brackets=True),
    # --- group graph patterns -----------------------------------------------------------------
    _p("union", GROUP, 3000, lambda g, n, f: "{" + g + "}" + "UNION{}" * n),
    _p(
        "union_nested",
        GROUP,
        100,
        lambda g, n, f: "{" * n + "{" + g + "}" + "UNION{}}" * n,
        brackets=True,
    ),
    _p("optional", GROUP, 7000, lambda g, n, f: g + "OPTIONAL{}" * n),
    _p("optional_patterns", GROUP, 60, lambda g, n, f: g + "OPTIONAL{?s?p?o}" * n),
    _p("optional_nested", GROUP, 100, lambda g, n, f: "OPTIONAL{" * n + g + "}" * n, True),
    _p("minus", GROUP, 10000, lambda g, n, f: g + "MINUS{}" * n),
    _p("lateral", GROUP, 8000, lambda g, n, f: g + "LATERAL{}" * n),
    _p("graph", GROUP, 40, lambda g, n, f: g + "GRAPH?g{}" * n),
    _p("graph_nested", GROUP, 100, lambda g, n, f: "GRAPH?g{" * n + g + "}" * n, True),
    _p("values", GROUP, 40, lambda g, n, f: g + "VALUES?v{1}" * n),
    _p(
        "bind",
        GROUP,
        1500,
        lambda g, n, f: g + "".join(f"BIND(1AS?{v})" for v in _fresh_names(n, f)),
    ),
    _p("filter", GROUP, 2000, lambda g, n, f: g + "FILTER(1)" * n),
    _p("filter_exists", GROUP, 5000, lambda g, n, f: g + "FILTER EXISTS{}" * n),
    _p("exists_nested", GROUP, 100, lambda g, n, f: "FILTER EXISTS{" * n + g + "}" * n, True),
    _p(
        "not_exists_nested",
        GROUP,
        100,
        lambda g, n, f: "FILTER NOT EXISTS{" * n + g + "}" * n,
        brackets=True,
    ),
    _p("join", GROUP, 60, lambda g, n, f: "{" + g + "}" + "{?s?p?o}" * n),
    _p("groups_nested", GROUP, 100, lambda g, n, f: "{" * n + g + "}" * n, brackets=True),
    _p("subselect", GROUP, 2000, lambda g, n, f: g + "{SELECT*{}}" * n),
    _p(
        "subselect_nested",
        GROUP,
        100,
        lambda g, n, f: "{SELECT*{" * n + g + "}}" * n,
        brackets=True,
    ),
    _p("objects", GROUP, 60, lambda g, n, f: _then(g) + "?s?p?o" + ",1" * n),
    _p("predicates", GROUP, 60, lambda g, n, f: _then(g) + "?s?p?o" + ";?p?o" * n),
    _p("triples", GROUP, 60, lambda g, n, f: _then(g) + "?s?p?o." * n),
    _p(
        "collection",
        GROUP,
        40,
        lambda g, n, f: _then(g) + "?s?p(" + ":?c" * (n // 2) + ":" * (n % 2) + ")",
    ),
    _p(
        "collection_nested",
        GROUP,
        40,
        lambda g, n, f: _then(g) + "?s?p" + "(" * n + "1" + ")" * n,
        brackets=True,
    ),
    _p("blank_nodes", GROUP, 60, lambda g, n, f: _then(g) + "?s?p" + "[]," * n + "[]"),
    _p(
        "blank_nodes_nested",
        GROUP,
        40,
        lambda g, n, f: _then(g) + "?s?p" + "[?p" * n + " 1" + "]" * n,
        brackets=True,
    ),
    _p("reifiers", GROUP, 40, lambda g, n, f: _then(g) + "?s?p?o" + "~" * n),
    _p("annotations", GROUP, 25, lambda g, n, f: _then(g) + "?s?p?o" + "{|:?a|}" * n),
    _p(
        "annotations_nested",
        GROUP,
        25,
        lambda g, n, f: _then(g) + "?s?p?o" + "{|?p?o" * n + "|}" * n,
        brackets=True,
    ),
    _p("quoted", GROUP, 25, lambda g, n, f: _then(g) + "<<" * n + "?s?p?o" + ">>?p?o" * n),
    _p(
        "triple_terms",
        GROUP,
        100,
        lambda g, n, f: _then(g) + "?s?p" + "<<(?s?p" * n + "?o" + ")>>" * n,
        brackets=True,
    ),
    # --- solution modifiers and query forms (outermost: inner is a group's content) ---------
    _p("select_expressions", QUERY, 1500, lambda g, n, f: _select(_bound("1", n, f), g)),
    _p("aggregates", QUERY, 1000, lambda g, n, f: _select(_bound("COUNT(*)", n, f), g)),
    _p(
        "group_by",
        QUERY,
        1500,
        lambda g, n, f: _select("(1AS?z)", g) + "GROUP BY" + _bound("1", n, f),
    ),
    _p(
        "having",
        QUERY,
        3000,
        lambda g, n, f: _select("(1AS?z)", g) + "GROUP BY ?g HAVING" + "(1)" * n,
    ),
    _p("order_by", QUERY, 30000, lambda g, n, f: _select("*", g) + "ORDER BY" + " ?o" * n),
    _p("values_rows", QUERY, 40000, lambda g, n, f: _select("*", g) + "VALUES?v{" + "1 " * n + "}"),
    _p("construct", QUERY, 10000, lambda g, n, f: "CONSTRUCT{" + "?s?p?o." * n + "}{" + g + "}"),
    _p("describe", QUERY, 1000, lambda g, n, f: "DESCRIBE" + " :" * n + "{" + g + "}"),
)
BY_NAME = {production.name: production for production in PRODUCTIONS}
#: The stack each level of a chain took (bytes, pyoxigraph 0.5.13, x86-64), as
#: test_deep_queries.py measures it; where a chain overflowed the 8 MB of a main thread is
#: ``8 MiB // LEVEL_BYTES[name]`` levels (10,000 ``!``, 8,000 ``1+``): depths worth drawing.
#: Chains of brackets are left out (the nesting cap stops them long before), and flat lists.
LEVEL_BYTES = {
    "not": 896, "or": 885, "and": 895, "add": 1217, "subtract": 1217, "multiply": 1217,
    "divide": 1217, "sequence": 3222, "alternative": 770, "inverse": 3222,
    "zero_or_more": 3222, "one_or_more": 3222, "zero_or_one": 3222, "negated": 3222,
    "union": 1281, "optional": 1281, "optional_patterns": 2867, "minus": 3199,
    "lateral": 1281, "graph": 3277, "values": 3072, "bind": 3195, "filter": 897,
    "filter_exists": 896, "join": 3277, "subselect": 3199, "objects": 3277,
    "predicates": 3277, "triples": 3277, "collection": 6349, "blank_nodes": 3277,
    "reifiers": 3072, "annotations": 6302, "quoted": 3466, "select_expressions": 3195,
    "aggregates": 3203, "group_by": 3200, "having": 900, "describe": 3201,
}  # fmt: skip


def _adapt(text: str, source: str, target: str) -> str:
    """A text of context ``source`` made into one of context ``target``."""
    if source == target:
        return text
    if target == GROUP:
        return f"FILTER({text})" if source == EXPR else f"?s {text} ?o."
    if target == EXPR:  # from a group (a path goes through a group first)
        return "EXISTS{" + _adapt(text, source, GROUP) + "}"
    # a path: a group or an expression cannot be inside one, so they stand beside it
    raise ValueError("nothing but a path goes inside a path")


def query(parts: list[tuple[Production, int]]) -> str:
    """The query made of ``parts``, innermost first: each production's chain around what the
    earlier ones made (adapted to its context), inside ``ASK { }`` unless the last part is a
    query form or modifier (only the last may be). A path after an expression or a group
    stands beside it."""
    counter = itertools.count()

    def fresh() -> str:
        return f"v{next(counter)}"

    text, context = None, None
    for production, n in parts:
        if production.context == QUERY:
            if (production, n) != parts[-1]:
                raise ValueError("a query form or modifier comes last")
            group = "" if text is None else _adapt(text, context, GROUP)
            return PROLOGUE + production.build(group, n, fresh)
        if text is None:
            text, context = production.build(LEAF[production.context], n, fresh), production.context
        elif production.context == PATH and context != PATH:
            beside = _adapt(text, context, GROUP)
            text = _then(beside) + _adapt(production.build(LEAF[PATH], n, fresh), PATH, GROUP)
            context = GROUP
        else:
            text = production.build(_adapt(text, context, production.context), n, fresh)
            context = production.context
    group = "" if text is None else _adapt(text, context, GROUP)
    return PROLOGUE + "ASK{" + group + "}"


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def deepest(production: Production, fits: Callable[[str], bool]) -> int:
    """The largest ``n`` whose query (the production alone) ``fits`` (the largest that the
    guard takes: at most 64 KiB, and nested at most 100 deep); 0 if none does."""
    if not fits(query([(production, 1)])):
        return 0
    low, high = 1, 2
    while fits(query([(production, high)])):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        if fits(query([(production, middle)])):
            low = middle
        else:
            high = middle
    return low
