"""The layout of the timeline picture of the index and of each treaty's page.

Why by hand: a timeline is simple enough to lay out directly (no crossing to minimise), and
doing it here keeps it cheap and its bytes deterministic. This module only computes positions
as plain numbers and strings; ``templates/pictures/timeline.svg`` writes the SVG with
autoescaping, so labels from the data never reach the picture unescaped.

What the picture shows, and the device for each thing the issue asks:

* **one row per event**, its name beside its mark, the row linking to the event's page, so
  the picture reads like the table beside it, from the top down;
* **lanes**: ratification steps (``tkg:RatificationStep`` or ``tkg:Ratification`` with
  ``tkg:forParty``) in one lane per party, headed by the span from the first step to the last
  ("how long the ratification took on each side"); every other event in a lane of its own;
* **a broken axis**: dates are grouped into stretches separated by gaps of more than
  :data:`GAP_DAYS`; each stretch gets a width that follows the number of events in it (not its
  length in days) and a break mark ``//`` separates them, so the 2022 invasion does not
  squash the 2024–2025 story;
* **intervals as intervals**: ``startDate``..``endDate`` and ``notBefore``..``notAfter`` are
  bars; an event known by one bound only is a dashed bar running to the far end of the axis
  on its unknown side, with a solid cap at the known bound, and its label says "not after …";
* **disputed dates**: a date that a claim of deprecated rank gives instead of the event's date
  is a hollow dashed mark in the event's row, and the label names who gives it.

Shapes and line styles carry the meaning, never colour alone, so the picture survives
greyscale; every id starts with the page's prefix, so a page may hold other pictures.

Its words are in the page's language (:meth:`~.links.Links._`), and so are its dates: in full
as :func:`~.i18n.date_text` writes them, and short (the axis, the labels) as
:class:`_Dates` does: the English forms by hand ("19 Jun 2024", "18–19 Jun 2024", the ones
the picture always had: CLDR's British English writes "Sept" and spaces a range's dash), the
others as CLDR writes them for the language ("19 juin 2024", "2024년 6월 18일~19일").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_interval, format_skeleton
from rdflib.term import Node

from treatykg.namespaces import TKG
from treatykg.rdf.terms import term_key
from treatykg.web.languages import DEFAULT
from treatykg.web.pages.i18n import date_text
from treatykg.web.pages.links import Links
from treatykg.web.pages.pictures.graphviz import FONTS

#: A gap between consecutive dates longer than this breaks the axis.
GAP_DAYS = 90
#: The natural width of the picture in CSS pixels (and viewBox units); a narrower frame
#: shrinks it until its text is :data:`MIN_FONT` pixels, and then scrolls.
WIDTH = 800
#: The font size at the natural width.
FONT = 15
#: The smallest font size the picture is shrunk to before its frame scrolls instead.
MIN_FONT = 11
#: A character's width as a share of the font size, for fitting labels (sans-serif).
_CHAR = 0.56
_MARGIN = 12.0
_BREAK = 22.0
_AXIS = 46.0
_ROW = 24.0
_LANE_HEAD = 26.0
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(slots=True)
class Mark:
    """A shape in an event's row: ``dot``, ``square``, ``diamond`` (by lane), ``bar`` (an
    interval), ``open`` (an interval with one bound; ``open_side`` is the unknown one) or
    ``disputed`` (a date of deprecated rank)."""

    shape: str
    x: float
    width: float = 0.0
    open_side: str = ""


@dataclass(slots=True)
class Row:
    """One event: its marks, its label and where the row links."""

    id: str
    href: str | None
    #: The accessible name: the event's label and its time.
    title: str
    y: float
    marks: list[Mark]
    #: The label beside the mark: the event's name (cut to fit) and what follows it, its
    #: time and disputes in the picture's language; ``lang`` is the name's language when the
    #: data has none in the picture's, so that its text says so.
    name: str
    tail: str
    label_x: float
    anchor: str
    #: A white box (x, width) behind the label where it lies over the row's own bar.
    backdrop: tuple[float, float] | None = None
    lang: str | None = None


@dataclass(slots=True)
class Lane:
    name: str
    y: float
    height: float
    #: The span from the lane's first event to its last, with its length in words.
    span: tuple[float, float, str] | None = None


@dataclass(slots=True)
class Segment:
    x0: float
    x1: float


@dataclass(slots=True)
class Tick:
    """A month written above the axis, with a grid line down the picture."""

    x: float
    text: str
    anchor: str


@dataclass(slots=True)
class Timeline:
    id: str
    title: str
    desc: str
    width: int
    height: float
    font: int
    fonts: str
    #: The narrowest the picture is shown before its frame scrolls.
    min_width: float
    axis_y: float
    lanes: list[Lane]
    segments: list[Segment]
    breaks: list[float]
    ticks: list[Tick]
    rows: list[Row]


@dataclass(slots=True)
class _Event:
    node: Node
    name: str
    #: Its time in words, in the page's language, its dates in full.
    when: str
    lane: str
    lo: date | None
    hi: date | None
    #: ``point``, ``interval``, ``before`` (only notAfter), ``after`` (only notBefore, or a
    #: start date without an end: ``started`` is then True)
    kind: str
    disputed: list[tuple[date, str]] = field(default_factory=list)
    started: bool = False
    #: The language of ``name`` when it is not the picture's (see :meth:`Links.name_language`).
    lang: str | None = None

    @property
    def first(self) -> date:
        found = self.lo or self.hi
        assert found is not None
        return found


def _date(node: Node | None) -> date | None:
    if node is None:
        return None
    try:
        return date.fromisoformat(str(node)[:10])
    except ValueError:
        return None


class _Dates:
    """How the picture writes dates in ``language``: in full (:func:`~.i18n.date_text`) and
    short, for the axis and the labels. English keeps the picture's own short forms (see
    the module's docstring); every other language gets CLDR's (through Babel)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.english = language == DEFAULT

    def day(self, d: date) -> str:
        """``19 June 2024``."""
        return date_text(d, self.language)

    def short(self, d: date) -> str:
        """``19 Jun 2024``."""
        if self.english:
            return _short(d)
        return format_skeleton("yMMMd", d, locale=self.language)

    def day_month(self, d: date) -> str:
        """``19 Jun``."""
        if self.english:
            return f"{d.day} {_MONTHS[d.month - 1][:3]}"
        return format_skeleton("MMMd", d, locale=self.language)

    def month(self, d: date, year: bool) -> str:
        """``Jun``, or with ``year`` ``Jan 2025``: a tick at the first of a month."""
        if self.english:
            return _MONTHS[d.month - 1][:3] + (f" {d.year}" if year else "")
        return format_skeleton("yMMM" if year else "MMM", d, locale=self.language)

    def years(self, lo: date, hi: date) -> str:
        """``2022``, ``2022–2024``: the years of a stretch too narrow for dates."""
        if self.english:
            return str(lo.year) if lo.year == hi.year else f"{lo.year}–{hi.year}"
        first, last = date(lo.year, 1, 1), date(hi.year, 1, 1)
        if first == last:
            return format_skeleton("y", first, locale=self.language)
        return format_interval(first, last, "y", locale=self.language)

    def range(self, lo: date, hi: date) -> str:
        """``18–19 Jun 2024``, ``1 Jan – 31 Dec 2022``: a range in as few words as it takes."""
        if self.english:
            return _range(lo, hi)
        return format_interval(lo, hi, "yMMMd", locale=self.language)


def _event(links: Links, dates: _Dates, node: Node) -> _Event | None:
    ix = links.index
    _, day = links._, dates.day
    point = _date(ix.value(node, TKG.date))
    start, end = _date(ix.value(node, TKG.startDate)), _date(ix.value(node, TKG.endDate))
    after, before = _date(ix.value(node, TKG.notBefore)), _date(ix.value(node, TKG.notAfter))
    lo: date | None
    hi: date | None
    started = False
    if point is not None:
        lo, hi, kind, when = point, point, "point", day(point)
    elif start is not None and end is not None and end >= start:
        lo, hi, kind = start, end, "interval"
        when = _("%(start)s – %(end)s", start=day(start), end=day(end))
    elif start is not None:
        lo, hi, kind, when = start, None, "after", _("from %(date)s", date=day(start))
        started = True
    elif after is not None and before is not None and before >= after:
        lo, hi, kind = after, before, "interval"
        when = _("between %(earliest)s and %(latest)s", earliest=day(after), latest=day(before))
    elif after is not None:
        lo, hi, kind, when = after, None, "after", _("not before %(date)s", date=day(after))
    elif before is not None:
        lo, hi, kind, when = None, before, "before", _("not after %(date)s", date=day(before))
    else:
        return None
    party = ix.value(node, TKG.forParty)
    ratification = ix.is_a(node, TKG.RatificationStep) or ix.is_a(node, TKG.Ratification)
    lane = links.name(party) if ratification and party is not None else ""
    event = _Event(node, links.name(node), when, lane, lo, hi, kind, started=started)
    event.lang = links.name_language(node)
    if point is not None:
        by_date: dict[date, set[str]] = {}
        for claim in ix.subjects(TKG.claimSubject, node):
            if ix.value(claim, TKG.claimProperty) != TKG.date:
                continue
            if ix.value(claim, TKG.rank) != TKG.DeprecatedRank:
                continue
            other = _date(ix.value(claim, TKG.claimValue))
            if other is None or other == point:
                continue
            who = ix.values(claim, TKG.assertedBy) or ix.values(claim, TKG.source)
            by_date.setdefault(other, set()).update(links.name(w) for w in who)
        event.disputed = [(d, ", ".join(sorted(w))) for d, w in sorted(by_date.items())]
    return event


def _clusters(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The stretches of the axis: spans that overlap or lie within :data:`GAP_DAYS` of each
    other share one, so an interval is never cut by a break."""
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(spans):
        if merged and (lo - merged[-1][1]).days <= GAP_DAYS:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _fit(text: str, room: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` pixels."""
    most = max(4, int(room / (FONT * _CHAR)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _split(label: str, name: str) -> tuple[str, str]:
    """``label``, a cut of ``name`` and what follows it, as (name part, the rest): the name
    part may need a ``lang`` of its own."""
    if label.startswith(name):
        return name, label[len(name) :]
    return label, ""


def _short(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


def _range(lo: date, hi: date) -> str:
    """``18–19 Jun 2024``, ``1 Jan – 31 Dec 2022``: a range in as few words as it takes."""
    if lo.year != hi.year:
        return f"{_short(lo)} – {_short(hi)}"
    if lo.month != hi.month:
        return f"{lo.day} {_MONTHS[lo.month - 1][:3]} – {_short(hi)}"
    return f"{lo.day}–{_short(hi)}"


def _common(names: str) -> str:
    """What a list of asserters' names has in common, for a short label: the last words
    they share ("English Wikipedia, French Wikipedia" → "Wikipedia"), else the list."""
    parts = [n.split() for n in names.split(", ")]
    shared: list[str] = []
    while (
        all(len(p) > len(shared) for p in parts) and len({p[-1 - len(shared)] for p in parts}) == 1
    ):
        shared.insert(0, parts[0][-1 - len(shared)])
    return " ".join(shared) if shared and len(parts) > 1 else names


class _Axis:
    """Dates to x positions on the broken axis, whose ticks ``dates`` writes."""

    def __init__(self, events: list[_Event], dates: _Dates | None = None) -> None:
        self.dates = dates or _Dates(DEFAULT)
        spans: list[tuple[date, date]] = []
        weights: list[date] = []
        for e in events:
            bounds = [d for d in (e.lo, e.hi) if d is not None]
            spans.append((min(bounds), max(bounds)))
            weights.append(e.first)
            spans.extend((d, d) for d, _ in e.disputed)
        self.clusters = _clusters(spans)
        counts = [sum(1 for d in weights if lo <= d <= hi) + 1 for lo, hi in self.clusters]
        room = WIDTH - 2 * _MARGIN - _BREAK * (len(self.clusters) - 1)
        self.segments: list[Segment] = []
        x = _MARGIN
        for count in counts:
            width = room * count / sum(counts)
            self.segments.append(Segment(x, x + width))
            x += width + _BREAK

    def at(self, d: date) -> float:
        for (lo, hi), seg in zip(self.clusters, self.segments, strict=True):
            if lo <= d <= hi:
                pad = min(10.0, (seg.x1 - seg.x0) / 4)
                if hi == lo:
                    return (seg.x0 + seg.x1) / 2
                return seg.x0 + pad + (d - lo).days / (hi - lo).days * (seg.x1 - seg.x0 - 2 * pad)
        raise ValueError(d)

    def ticks(self) -> list[Tick]:
        """Each stretch's first date at its left end, then the first of each month within it
        and its last date at its right end, as many as fit without overlapping (the first
        two win); the year is written at a stretch's first tick and at each January."""
        dates = self.dates
        ticks: list[Tick] = []
        for (lo, hi), seg in zip(self.clusters, self.segments, strict=True):
            wanted: list[tuple[float, str, str]] = []
            start = dates.short(lo)
            if len(start) * FONT * _CHAR > seg.x1 - seg.x0 + _BREAK / 2:
                # Too narrow for dates: the year (or years) it covers, in its middle.
                ticks.append(Tick((seg.x0 + seg.x1) / 2, dates.years(lo, hi), "middle"))
                continue
            wanted.append((seg.x0, start, "start"))
            y, m = lo.year, lo.month
            while date(y, m, 1) <= hi:
                first = date(y, m, 1)
                if first > lo:
                    wanted.append((self.at(first), dates.month(first, m == 1), "start"))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            if hi != lo:
                text = dates.short(hi) if hi.year != lo.year else dates.day_month(hi)
                wanted.append((seg.x1, text, "end"))
            taken: list[tuple[float, float]] = []
            for x, text, anchor in wanted:
                size = len(text) * FONT * _CHAR
                a, b = (x, x + size) if anchor == "start" else (x - size, x)
                if b > seg.x1 + _BREAK / 2 or any(a < q + 8 and p < b + 8 for p, q in taken):
                    continue
                taken.append((a, b))
                ticks.append(Tick(x, text, anchor))
        return ticks


def timeline(
    links: Links,
    doc: str,
    nodes: Iterable[Node],
    name: str,
    prefix: str,
    *,
    title: str | None = None,
    group: Callable[[Node], tuple[int, str] | None] | None = None,
) -> Timeline | None:
    """The picture of the dated events among ``nodes`` as ``doc`` shows it, in the language
    of ``links``' pages, or None when none is dated. ``name`` says whose timeline it is (in
    the title, "Timeline of …", unless ``title`` is the whole title); ``prefix`` starts
    every id in the picture. ``group`` (a corpus's timeline) gives each event its treaty,
    as its rank in the list of treaties and its name, or None: each treaty's events then
    have a lane headed by its name, followed by its ratification lanes, so that an "entry
    into force of the treaty" says of which; the events of no treaty come last."""
    _ = links._
    dates = _Dates(links.language)
    found = (_event(links, dates, n) for n in sorted(set(nodes), key=term_key))
    events = [e for e in found if e]
    if not events:
        return None
    events.sort(key=lambda e: (e.first, e.hi or e.first, e.name, str(e.node)))
    axis = _Axis(events, dates)
    # A lane per treaty (``group``; one for all without it) and, after it, one per party
    # whose ratification steps of that treaty it holds.
    group_of = group or (lambda _node: None)
    placed = {e.node: group_of(e.node) for e in events}
    nameless = (1 << 30, "")  # the events of no treaty, last
    keys = sorted(
        {(placed[e.node] or nameless, e.lane) for e in events},
        key=lambda k: (k[0][0], k[0][1].casefold(), k[1] != "", k[1].casefold()),
    )
    parties = sorted({e.lane for e in events if e.lane}, key=str.casefold)
    shapes = {n: ("square", "diamond")[i % 2] for i, n in enumerate(parties)} | {"": "dot"}
    left, right = axis.segments[0].x0, axis.segments[-1].x1
    lanes: list[Lane] = []
    rows: list[Row] = []
    #: The parties whose ratification steps have a lane each.
    ratified: list[str] = []
    y = _AXIS
    for key in keys:
        (_rank, treaty), lane_name = key
        members = [e for e in events if (placed[e.node] or nameless, e.lane) == key]
        if lane_name:
            heading = _("Ratification: %(party)s", party=lane_name)
        elif group is None:
            heading = _("Events")
        else:
            # the heading is bold, about a tenth wider than _fit reckons
            heading = _fit(treaty, (WIDTH - 2 * _MARGIN) * 0.9) if treaty else _("Other events")
        lane = Lane(heading, y, 0.0)
        y += _LANE_HEAD
        for e in members:
            rows.append(_row(links, dates, doc, prefix, e, axis, shapes[lane_name], left, right, y))
            y += _ROW
        lane.height = y - lane.y + 6
        y += 6
        if lane_name:
            if lane_name not in ratified:
                ratified.append(lane_name)
            first, last = members[0].first, max(e.hi or e.first for e in members)
            days = (last - first).days
            text = links.ngettext(
                "%(start)s – %(end)s: %(num)d day",
                "%(start)s – %(end)s: %(num)d days",
                days,
                start=dates.day(first),
                end=dates.day(last),
            )
            if first == last:
                text = _("%(date)s: one step", date=dates.day(first))
            lane.span = (axis.at(first), axis.at(last), text)
        lanes.append(lane)
    lanes_text = links.ngettext("in %(num)d lane", "in %(num)d lanes", len(lanes))
    if ratified:
        lanes_text = _(
            "%(lanes)s (ratification steps of %(parties)s in a lane each)",
            lanes=lanes_text,
            parties=", ".join(ratified),
        )
    segments = len(axis.segments)
    return Timeline(
        id=prefix,
        title=title if title is not None else _("Timeline of %(name)s", name=name),
        desc=_(
            "%(events)s, %(lanes)s, %(axis)s.",
            events=links.ngettext(
                "%(num)d dated event, one per row", "%(num)d dated events, one per row", len(events)
            ),
            lanes=lanes_text,
            axis=links.ngettext(
                "on a time axis broken into %(num)d stretch",
                "on a time axis broken into %(num)d stretches",
                segments,
            ),
        )
        + " "
        + _(
            "Events known only within bounds are bars, dashed towards an unknown side; hollow"
            " dashed marks are dates that sources give but that are of deprecated rank."
        ),
        width=WIDTH,
        height=y + 4,
        font=FONT,
        fonts=FONTS,
        min_width=WIDTH * MIN_FONT / FONT,
        axis_y=_AXIS - 10,
        lanes=lanes,
        segments=axis.segments,
        breaks=[seg.x1 + _BREAK / 2 for seg in axis.segments[:-1]],
        ticks=axis.ticks(),
        rows=rows,
    )


def _row(
    links: Links,
    dates: _Dates,
    doc: str,
    prefix: str,
    e: _Event,
    axis: _Axis,
    shape: str,
    left: float,
    right: float,
    y: float,
) -> Row:
    """The row of ``e`` at height ``y``: its marks, then its label where there is room."""
    _ = links._
    marks: list[Mark] = []
    suffix = ""
    if e.kind == "point" and e.lo is not None:
        marks.append(Mark(shape, axis.at(e.lo)))
    elif e.kind == "interval" and e.lo is not None and e.hi is not None:
        x0, x1 = axis.at(e.lo), axis.at(e.hi)
        marks.append(Mark("bar", x0, max(x1 - x0, 3.0)))
        suffix = f" ({dates.range(e.lo, e.hi)})"
    elif e.kind == "before" and e.hi is not None:
        x = axis.at(e.hi)
        marks.append(Mark("open", left, x - left, "left"))
        suffix = " ({})".format(_("not after %(date)s", date=dates.short(e.hi)))
    elif e.lo is not None:
        x = axis.at(e.lo)
        marks.append(Mark("open", x, right - x, "right"))
        if e.started:
            bound = _("from %(date)s", date=dates.short(e.lo))
        else:
            bound = _("not before %(date)s", date=dates.short(e.lo))
        suffix = f" ({bound})"
    short = suffix
    for other, who in e.disputed:
        marks.append(Mark("disputed", axis.at(other)))
        day = dates.day_month(other)
        suffix += " · " + _("%(date)s per %(sources)s (deprecated)", date=day, sources=_common(who))
        short += " · " + _("%(date)s deprecated", date=day)
    lo = min(m.x for m in marks)
    hi = max(m.x + m.width for m in marks)
    if e.kind == "before":  # the label goes by the known bound, not the open end
        lo = hi
    if e.kind == "after":
        hi = lo
    room_right, room_left = right - hi - 12, lo - 12 - _MARGIN / 2
    need = len(e.name + suffix) * FONT * _CHAR
    if need <= room_right or (need > room_left and room_right >= room_left):
        label_x, anchor, room = hi + 12, "start", room_right
    else:
        label_x, anchor, room = lo - 12, "end", room_left
    # The dates and disputes matter more than the end of the name; the sources of a disputed
    # date less than its being disputed (the row's title and the claims give them all).
    name, tail = _split(_fit(e.name + short, room), e.name)
    for whole in (suffix, short):
        if room - len(whole) * FONT * _CHAR >= 16 * FONT * _CHAR:
            name, tail = _fit(e.name, room - len(whole) * FONT * _CHAR), whole
            break
    size = len(name + tail) * FONT * 0.5
    a, b = (label_x, label_x + size) if anchor == "start" else (label_x - size, label_x)
    # A label over the row's own bar (an open interval) gets a backdrop, to stay legible.
    covered = any(m.width and m.x < b and a < m.x + m.width for m in marks)
    return Row(
        id=f"{prefix}-{hashlib.sha256(str(e.node).encode()).hexdigest()[:10]}",
        href=links.href(doc, str(e.node)),
        title=_("%(event)s: %(time)s", event=e.name, time=e.when)
        + "".join(
            "; "
            + _(
                "%(date)s is of deprecated rank, given by %(sources)s",
                date=dates.day(d),
                sources=w,
            )
            for d, w in e.disputed
        ),
        y=y + _ROW / 2,
        marks=marks,
        name=name,
        tail=tail,
        label_x=label_x,
        anchor=anchor,
        backdrop=(a - 3, b - a + 6) if covered else None,
        lang=e.lang,
    )
