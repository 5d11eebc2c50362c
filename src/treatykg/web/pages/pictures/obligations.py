"""The obligations picture of a treaty's or an article's page: who owes what to whom.

The table beside it lists the directed obligations row by row; the picture is for seeing the
pattern at a glance: which party owes the other what, which duties wait on a condition, which
come in reciprocal pairs, and which norm an event invoked.

How it is drawn (Graphviz ``dot``, left to right, so that it grows down and not across):

* **three columns**: the parties on the two sides (with two parties one on each side; with
  more they alternate, sorted by name) and between them **one box per norm**, stacked by
  article. Each directed obligation is an arrow from its bearer into the box and out of it to
  its beneficiary, so the box is the arrow's label: "Art. 4 · ⇄ reciprocal" and the action,
  clipped at :data:`ACTION_CHARS` (the whole text is its tooltip, and the table's). However
  many obligations there are, the picture grows taller, never wider: the 14 obligations of
  the 2024 treaty are 7 boxes, not 14 parallel arrows with 14 labels;
* **a reciprocal pair** runs through one box both ways, so each side of the box has an arrow
  in and an arrow out (⇄), and the box says "⇄ reciprocal" in words;
* **a conditional obligation** has dashed arrows and a dashed box ending "(if …)"; each of its
  conditions is a folded note "if …" just above the box (read first, as the text puts it),
  joined by a dashed line and linking to the condition's page;
* **an event that invoked a norm** (``tkg:invokes``) is a dotted box below the norm's box,
  "invoked Art. 4", with a dotted arrow up to it that links to the claim saying so, if there
  is one; the official acknowledgements of that event follow below it, dated.

Every box, note and arrow links to its page (party, norm, condition, obligation, event).
Layout and meaning are kept apart: invisible edges put each party on its side and the boxes
between them, and the drawn arrows (``constraint=false``) keep their true direction, so the
``<title>`` ``dot`` gives an arrow reads bearer → box → beneficiary. A borderless cluster per
box keeps its notes and events next to it, and the boxes in the order they are written, by
article (between two parties no other order has fewer crossings, so ``dot`` keeps it).
Everything is sorted (articles by number, then :func:`~treatykg.rdf.terms.term_key`), so the
same graph gives the same DOT text and the same SVG bytes. The picture's own words are in the
page's language (:meth:`~.links.Links._`), its dates written as that language writes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from treatykg.namespaces import ELI, TKG
from treatykg.rdf.terms import term_key
from treatykg.web.pages.links import Links, literal
from treatykg.web.pages.pictures.graphviz import DotGraph, quote, quote_lines, quote_tip
from treatykg.web.pages.pictures.picture import Sketch
from treatykg.web.pages.treaty import article_order

#: A picture shows at most this many obligations (the first by article); the table lists all.
MAX_OBLIGATIONS = 60
#: An action is clipped to this many characters in its box.
ACTION_CHARS = 80
#: A condition's or an event's name is clipped to this many characters in its box.
NAME_CHARS = 64
#: Characters per line in a box: narrow, so that three columns fit a phone.
WRAP = 22
#: Characters per line of a party's name, to keep the side columns narrow.
PARTY_WRAP = 16
#: Official acknowledgements shown below an invoking event, at most.
MAX_ACKNOWLEDGEMENTS = 4

#: Left to right, so that the boxes stack down the middle column.
_GRAPH = {"rankdir": "LR", "ranksep": "0.4", "nodesep": "0.25"}
_PARTY = {"style": '"filled,bold"', "fillcolor": '"#e6e6e6"', "penwidth": "2"}
_NORM = {"style": '"rounded,filled"'}
_CONDITIONAL = {"style": '"rounded,filled,dashed"'}
_CONDITION = {"shape": "note", "style": '"filled,dashed"', "fontsize": "13"}
_EVENT = {"style": '"rounded,filled,dotted"', "penwidth": "1.8", "fontsize": "13"}
#: The words after which an action already says it is a prohibition.
_NEGATIONS = ("not", "never", "refrain", "no")


@dataclass(frozen=True, slots=True)
class _Obligation:
    """One directed obligation as the picture shows it."""

    node: Node
    norm: Node | None
    article: str
    bearers: tuple[Node, ...]
    beneficiaries: tuple[Node, ...]
    action: str
    prohibition: bool
    conditions: tuple[Node, ...]


@dataclass(slots=True)
class _Box:
    """A box between the parties: a norm and the obligations derived from it (or one
    obligation without a norm), and the name ``dot`` knows it by once drawn."""

    norm: Node | None
    rows: list[_Obligation] = field(default_factory=list)
    name: str = ""


def obligations_sketch(
    links: Links, doc: str, obligations: Iterable[Node], name: str, prefix: str
) -> Sketch | None:
    """The picture of ``obligations`` as the page ``doc`` shows it, or None if there are none."""
    rows = _rows(links, set(obligations))
    if not rows:
        return None
    total = len(rows)
    rows = rows[:MAX_OBLIGATIONS]
    title = links._("Directed obligations of %(name)s", name=name)
    drawer = _Drawer(links, doc, DotGraph(name=title, prefix=prefix, attributes=dict(_GRAPH)))
    drawer.draw(rows)
    cap = ""
    if len(rows) < total:
        cap = " " + links._(
            "It shows the first %(shown)d of %(total)d, by article; the table lists all.",
            shown=len(rows),
            total=total,
        )
    return Sketch(
        kind="obligations",
        title=title,
        desc=_desc(links, rows, drawer) + cap,
        caption=links._(
            "Each arrow is a directed obligation, from the party that owes it to the party"
            " owed, through the box of the norm that says what is owed (⇄ when the norm is"
            " reciprocal). A dashed arrow holds only under the condition in the folded note"
            " above its box; a dotted arrow comes from an event that invoked the norm. Every"
            " box and arrow links to its page."
        )
        + cap,
        dot=drawer.graph.source(),
    )


def _rows(links: Links, obligations: set[Node]) -> list[_Obligation]:
    """The obligations with what the picture needs of each, by article, norm and bearer."""
    ix = links.index
    rows = []
    for node in obligations:
        norm = ix.value(node, TKG.derivedFrom)
        article = ix.value(norm, TKG.expressedBy) if norm is not None else None
        number = ix.value(article, ELI.number) if article is not None else None
        action = ix.best_literal(node, TKG.action) or ix.best_literal(norm, TKG.action)
        rows.append(
            _Obligation(
                node=node,
                norm=norm,
                article=str(number) if number is not None else "",
                bearers=tuple(ix.values(node, TKG.bearer)),
                beneficiaries=tuple(ix.values(node, TKG.beneficiary)),
                action=" ".join(str(action).split()) if action is not None else "",
                prohibition=TKG.Prohibition in ix.values(node, TKG.deonticType),
                conditions=tuple(ix.values(node, TKG.condition)),
            )
        )
    rows.sort(
        key=lambda r: (
            article_order(Literal(r.article)),
            term_key(r.norm) if r.norm is not None else (),
            [links.name(b) for b in r.bearers],
            term_key(r.node),
        )
    )
    return rows


def _href(links: Links, doc: str, node: Node | None) -> str | None:
    """The relative link to ``node``'s page, if it is an IRI with one."""
    return links.href(doc, str(node)) if isinstance(node, URIRef) else None


def _clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _lines(*parts: str, width: int = WRAP) -> str:
    """A DOT label of ``parts``, each wrapped at ``width`` and starting a line of its own."""
    return "\\n".join(quote_lines(part, width)[1:-1] for part in parts if part).join('""')


def _reciprocal(links: Links, norm: Node | None) -> bool:
    value = links.index.value(norm, TKG.reciprocal)
    return isinstance(value, Literal) and value.toPython() is True


def _names(links: Links, nodes: Iterable[Node]) -> str:
    return ", ".join(links.name(n) for n in nodes) or links._("no one")


def _action(links: Links, text: str, prohibition: bool) -> str:
    """The action, said as a prohibition when it is one and does not already say so (in
    English, the language the data states actions in)."""
    first = text.split(" ", 1)[0].casefold() if text else ""
    if prohibition and text and first not in _NEGATIONS:
        return links._("must not: %(action)s", action=text)
    return text


def _if(links: Links, conditions: Iterable[str], joined: str) -> str:
    """``if a; or if b`` (``joined`` ``or``) or ``if a; and if b`` (``and``)."""
    parts = []
    for n, condition in enumerate(conditions):
        if n == 0:
            parts.append(links._("if %(condition)s", condition=condition))
        elif joined == "or":
            parts.append(links._("or if %(condition)s", condition=condition))
        else:
            parts.append(links._("and if %(condition)s", condition=condition))
    return "; ".join(parts)


def _day(links: Links, value: Node | None) -> str | None:
    """A date as the page's language writes it (another value as published), or None."""
    if value is None:
        return None
    return literal(value, links.language).text if isinstance(value, Literal) else str(value)


class _Drawer:
    """Writes the parties, boxes, conditions and events of one picture into a DotGraph."""

    def __init__(self, links: Links, doc: str, graph: DotGraph) -> None:
        self.links = links
        self.doc = doc
        self.graph = graph
        self.parties: dict[Node, str] = {}
        self.left: set[Node] = set()
        self.boxes: list[_Box] = []
        self.conditions: dict[Node, str] = {}
        self.events: dict[Node, str] = {}
        #: (event, norm, acknowledgements) in the order drawn, for the description.
        self.invoked: list[tuple[Node, Node, list[Node]]] = []
        #: The nodes in the middle column beside the box being drawn.
        self._column: list[str] = []
        self._placed: set[str] = set()

    def draw(self, rows: list[_Obligation]) -> None:
        """The parties, then each norm's box in a borderless cluster with its notes and
        events, all in one rank (the middle column)."""
        links, graph = self.links, self.graph
        found = {p for r in rows for p in (*r.bearers, *r.beneficiaries)}
        parties = sorted(
            found, key=lambda p: (links.name(p).casefold(), links.name(p), term_key(p))
        )
        for i, party in enumerate(parties):
            self.parties[party] = graph.node(
                "party " + str(party),
                links.name(party),
                href=_href(links, self.doc, party),
                label=_lines(links.name(party), width=PARTY_WRAP),
                lang=_fallback(links, party),
                **_PARTY,
            )
            if i % 2 == 0:
                self.left.add(party)
        by_norm: dict[Node, _Box] = {}
        for row in rows:
            if row.norm is None:
                self.boxes.append(_Box(None, [row]))
            elif row.norm not in by_norm:
                by_norm[row.norm] = _Box(row.norm, [row])
                self.boxes.append(by_norm[row.norm])
            else:
                by_norm[row.norm].rows.append(row)
        for n, box in enumerate(self.boxes, 1):
            group = f"{graph.prefix}-g{n}"
            graph.raw(f"subgraph {quote('cluster_' + group)} {{")
            graph.raw(f'id={quote(group)} peripheries=0 label=""')
            self._column = []
            self._box(box)
            if len(self._column) > 1:
                graph.raw("{rank=same; " + "; ".join(quote_tip(m) for m in self._column) + "}")
            graph.raw("}")

    def _place(self, name: str) -> None:
        """Puts the node ``name`` in the cluster being written, unless it is in one already
        (an event that is also another's acknowledgement, say)."""
        if name not in self._placed:
            self._placed.add(name)
            self._column.append(name)

    def _box(self, box: _Box) -> None:
        """The box of a norm, an arrow in and out of it for each of its obligations, its
        conditions above it and the events that invoked it below it."""
        links, graph, _ = self.links, self.graph, self.links._
        first = box.rows[0]
        # a norm without an article number is a provision's whose article is unknown
        if first.article:
            article = _("Art. %(number)s", number=first.article)
        else:
            article = _("Article unknown")
        action = self._box_action(box)
        conditions = list(dict.fromkeys(c for r in box.rows for c in r.conditions))
        head = article
        if _reciprocal(links, box.norm):
            head = _("%(article)s · ⇄ reciprocal", article=article)
        whole = _("%(head)s: %(action)s", head=head, action=action)
        if conditions:
            whole += f" ({_if(links, (self._text(c) for c in conditions), 'or')})"
        target = box.norm if box.norm is not None else first.node
        box.name = graph.node(
            "box " + str(target),
            whole,
            href=_href(links, self.doc, target),
            label=_lines(head, _clip(action, ACTION_CHARS), _("(if …)") if conditions else ""),
            **(_CONDITIONAL if conditions else _NORM),
        )
        self._place(box.name)
        for row in box.rows:
            self._arrows(box.name, row)
        for condition in conditions:
            self._condition(box.name, condition)
        if box.norm is not None:
            for event in links.index.subjects(TKG.invokes, box.norm):
                self._event(event, box, article)

    def _box_action(self, box: _Box) -> str:
        """What the box says is owed: the norm's action, else its obligations' (if they all
        say the same), else the norm's name."""
        ix = self.links.index
        prohibition = all(r.prohibition for r in box.rows)
        if box.norm is not None:
            action = ix.best_literal(box.norm, TKG.action)
            if action is not None:
                return _action(self.links, " ".join(str(action).split()), prohibition)
        actions = {r.action for r in box.rows}
        if len(actions) == 1 and "" not in actions:
            return _action(self.links, actions.pop(), prohibition)
        return self.links.name(box.norm if box.norm is not None else box.rows[0].node)

    def _arrows(self, box: str, row: _Obligation) -> None:
        """The arrow of one obligation: bearer → box → beneficiary, dashed if conditional,
        both halves linking to the obligation."""
        links, graph = self.links, self.graph
        href = _href(links, self.doc, row.node)
        says = links._(
            "%(bearers)s → %(beneficiaries)s: %(action)s",
            bearers=_names(links, row.bearers),
            beneficiaries=_names(links, row.beneficiaries),
            action=_action(links, row.action, row.prohibition) or links.name(row.node),
        )
        if row.conditions:
            says += f" ({_if(links, (self._text(c) for c in row.conditions), 'and')})"
        style = {"style": "dashed"} if row.conditions else {}
        for bearer in row.bearers:
            self._layout(bearer, box)
            graph.edge(
                self.parties[bearer],
                box,
                "",
                href=href,
                tooltip=quote_tip(says),
                constraint="false",
                **style,
            )
        for beneficiary in row.beneficiaries:
            self._layout(beneficiary, box)
            graph.edge(
                box,
                self.parties[beneficiary],
                "",
                href=href,
                tooltip=quote_tip(says),
                constraint="false",
                **style,
            )

    def _layout(self, party: Node, box: str) -> None:
        """An invisible edge that puts ``party`` on its side of ``box`` (``dot`` writes no SVG
        element for it)."""
        name = self.parties[party]
        if party in self.left:
            self.graph.edge(name, box, "", style="invis")
        else:
            self.graph.edge(box, name, "", style="invis")

    def _text(self, condition: Node) -> str:
        """A condition's label, else its English (or any) wording, else its short name."""
        ix = self.links.index
        if ix.label(condition, self.links.language) is not None:
            return self.links.name(condition)
        wording = ix.best_literal(condition, TKG.wording, self.links.language)
        if wording is not None:
            return " ".join(str(wording).split())
        return self.links.name(condition)

    def _condition(self, box: str, condition: Node) -> None:
        """The note of ``condition`` above ``box`` (drawn once) and a dashed line to it."""
        graph = self.graph
        text = self.links._("if %(condition)s", condition=self._text(condition))
        href = _href(self.links, self.doc, condition)
        note = self.conditions.get(condition)
        if note is None:
            note = graph.node(
                "condition " + str(condition),
                text,
                href=href,
                label=_lines(_clip(text, NAME_CHARS)),
                **_CONDITION,
            )
            self.conditions[condition] = note
            self._place(note)
        graph.edge(box, note, "", href=href, tooltip=quote_tip(text), dir="none", style="dashed")

    def _event(self, event: Node, box: _Box, article: str) -> None:
        """An event that invoked the box's norm, below the box with a dotted arrow up to it,
        and the official acknowledgements of the event below it, by date."""
        links, ix, graph, _ = self.links, self.links.index, self.graph, self.links._
        assert box.norm is not None
        label = links.name(event)
        drawn = self.events.get(event)
        name = drawn or graph.node(
            "event " + str(event),
            label,
            href=_href(links, self.doc, event),
            label=_lines(_clip(label, NAME_CHARS), _("invoked %(article)s", article=article)),
            **_EVENT,
        )
        claim = self._claim(event, box.norm)
        norm = links.name(box.norm)
        if claim is not None:
            said = _(
                "%(event)s invoked %(norm)s (per %(claim)s)",
                event=label,
                norm=norm,
                claim=links.name(claim),
            )
        else:
            said = _("%(event)s invoked %(norm)s", event=label, norm=norm)
        graph.edge(
            name,
            box.name,
            "",
            href=_href(links, self.doc, claim),
            tooltip=quote_tip(said),
            style="dotted",
            penwidth="1.8",
        )
        if drawn is not None:
            return  # below the box of another norm it invoked, with its acknowledgements
        self.events[event] = name
        self._place(name)
        acknowledgements = self._acknowledgements(event)
        for ack in acknowledgements:
            day = _day(links, ix.value(ack, TKG.date))
            text = links.name(ack)
            href = _href(links, self.doc, ack)
            head = _("acknowledged:") if day is None else _("%(date)s acknowledged:", date=day)
            ack_name = graph.node(
                "event " + str(ack),
                f"{day} {text}" if day is not None else text,
                href=href,
                label=_lines(head, _clip(text, NAME_CHARS)),
                **_EVENT,
            )
            self._place(ack_name)
            graph.edge(
                ack_name,
                name,
                "",
                href=href,
                tooltip=quote_tip(_("%(name)s acknowledges %(event)s", name=text, event=label)),
                style="dotted",
            )
        self.invoked.append((event, box.norm, acknowledgements))

    def _claim(self, event: Node, norm: Node) -> Node | None:
        """The claim that says ``event`` invoked ``norm``, if the data has one."""
        ix = self.links.index
        for claim in ix.subjects(TKG.claimSubject, event):
            if ix.value(claim, TKG.claimProperty) == TKG.invokes and norm in ix.values(
                claim, TKG.claimValue
            ):
                return claim
        return None

    def _acknowledgements(self, event: Node) -> list[Node]:
        """The official acknowledgements about ``event``, by date."""
        ix = self.links.index
        found = [
            e for e in ix.subjects(TKG.about, event) if ix.is_a(e, TKG.OfficialAcknowledgement)
        ]
        found.sort(key=lambda e: (str(ix.value(e, TKG.date) or ""), term_key(e)))
        return found[:MAX_ACKNOWLEDGEMENTS]


def _desc(links: Links, rows: list[_Obligation], drawer: _Drawer) -> str:
    """The picture in words: the counts, who owes whom how many, and the invoking events."""
    _, ngettext = links._, links.ngettext
    parties = list(drawer.parties)
    articles = {r.article for r in rows if r.article}
    unplaced = {r.norm for r in rows if not r.article}
    counts = {
        "obligations": ngettext(
            "%(num)d directed obligation", "%(num)d directed obligations", len(rows)
        ),
        "parties": ngettext("%(num)d party", "%(num)d parties", len(parties)),
        "names": _and(links, [links.name(p) for p in parties]),
    }
    under = [ngettext("%(num)d article", "%(num)d articles", len(articles))] if articles else []
    if unplaced:
        under.append(
            ngettext(
                "%(num)d norm whose article is unknown",
                "%(num)d norms whose article is unknown",
                len(unplaced),
            )
        )
    if under:
        text = _(
            "%(obligations)s between %(parties)s (%(names)s), under %(under)s",
            under=_and(links, under),
            **counts,
        )
    else:
        text = _("%(obligations)s between %(parties)s (%(names)s)", **counts)
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        for bearer in row.bearers:
            for beneficiary in row.beneficiaries:
                key = (links.name(bearer), links.name(beneficiary))
                pairs[key] = pairs.get(key, 0) + 1
    owed = [
        ngettext(
            "%(bearer)s owes %(beneficiary)s %(num)d obligation",
            "%(bearer)s owes %(beneficiary)s %(num)d obligations",
            n,
            bearer=a,
            beneficiary=b,
        )
        for (a, b), n in sorted(pairs.items())
    ]
    if len(owed) > 6:
        more = len(owed) - 6
        owed = [
            *owed[:6],
            ngettext("%(num)d more pair of parties", "%(num)d more pairs of parties", more),
        ]
    if owed:
        text = _("%(summary)s: %(owed)s.", summary=text, owed=_and(links, owed))
    else:
        text += "."
    conditional = sum(1 for r in rows if r.conditions)
    if conditional:
        text += " " + ngettext("%(num)d is conditional.", "%(num)d are conditional.", conditional)
    else:
        text += " " + _("None is conditional.")
    reciprocal = [b for b in drawer.boxes if _reciprocal(links, b.norm)]
    if reciprocal:
        text += " " + ngettext(
            "%(num)d reciprocal norm gives %(given)d of them.",
            "%(num)d reciprocal norms give %(given)d of them.",
            len(reciprocal),
            given=sum(len(b.rows) for b in reciprocal),
        )
    for event, norm, acknowledgements in drawer.invoked:
        invoked = {"event": links.name(event), "norm": links.name(norm)}
        if acknowledgements:
            undated = _("undated")
            dated = [
                f"{links.name(a)} ({_day(links, links.index.value(a, TKG.date)) or undated})"
                for a in acknowledgements
            ]
            text += " " + _(
                "%(event)s invoked %(norm)s; acknowledged by %(acknowledgements)s.",
                acknowledgements=_and(links, dated),
                **invoked,
            )
        else:
            text += " " + _("%(event)s invoked %(norm)s.", **invoked)
    return text


def _and(links: Links, items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, in the page's language."""
    if len(items) <= 1:
        return "".join(items)
    return links._("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _fallback(links: Links, node: Node) -> str | None:
    """The language of ``node``'s name when the data has none in the page's language."""
    found = links.index.label(node, links.language)
    return found[1] if found and found[1] and found[1] != links.language else None


__all__ = ["ACTION_CHARS", "MAX_OBLIGATIONS", "obligations_sketch"]
