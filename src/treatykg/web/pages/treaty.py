"""The view of a treaty: its parties, dates, signings, language versions, articles, the
provisions whose article is unknown, norms and directed obligations, as its own page shows
them, as far as its data gives them (a treaty whose sources give no article still has its
page); which treaties there are, in the index's order (:func:`treaties`); and which events
are on a treaty's timeline (:func:`treaty_events`). How well the sources attest a content or
an article number (``tkg:contentConfidence``, ``tkg:numberConfidence``) is shown beside it.

These are walks over the :class:`~.graph_index.GraphIndex`, not the bundled queries
(``queries/articles.rq``, ``obligations.rq``, ``signatories.rq``) that ask similar questions:
the queries need English labels, offices and exact types, while a page shows every part,
obligation and signatory of any treaty, labelled or not, sub-classes counted (the package's
docstring lists the differences).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from treatykg.namespaces import ELI, TKG
from treatykg.rdf.terms import term_key
from treatykg.web import languages
from treatykg.web.pages.links import Links, Value, literal, local_name


def _facts(links: Links) -> tuple[tuple[URIRef, str], ...]:
    """The dates and facts of a treaty, in the order shown, with their names in the pages'
    language (the page writes each name's first letter as a capital)."""
    return (
        (ELI.date_document, links._("signed")),
        (ELI.first_date_entry_in_force, links._("in force from")),
        (ELI.date_no_longer_in_force, links._("no longer in force from")),
        (TKG.indefiniteDuration, links._("of indefinite duration")),
        (TKG.articleCount, links._("number of articles")),
    )


@dataclass(slots=True)
class ConditionView:
    link: Value
    wording: list[Value]


@dataclass(slots=True)
class ObligationView:
    link: Value
    article: Value | None
    order: tuple[int, str]
    bearers: list[Value]
    beneficiaries: list[Value]
    type: list[Value]
    action: Value | None
    conditions: list[ConditionView]
    legal_basis: list[Value]


@dataclass(slots=True)
class NormView:
    link: Value
    type: list[Value]
    reciprocal: Value | None
    action: Value | None
    conditions: list[ConditionView]
    legal_basis: list[Value]
    wording: list[Value]
    obligations: list[ObligationView]


@dataclass(slots=True)
class SignatoryView:
    person: Value
    offices: list[Value]


@dataclass(slots=True)
class SigningView:
    link: Value
    date: Value | None
    places: list[Value]
    signatories: list[SignatoryView]
    #: Whether claims give the signing more than one date.
    contested: bool


@dataclass(slots=True)
class VersionView:
    link: Value
    language: list[str]
    titles: list[Value]
    authentic: Value | None


@dataclass(slots=True)
class DivisionView:
    number: str
    link: Value
    summary: Value | None
    status: Value | None
    #: False when the content is stated to be unknown.
    known: bool
    basis: list[Value]
    norms: list[Value]
    #: How well the sources attest the content, and the stated number (tkg:Confidences).
    confidence: list[Value]
    number_confidence: list[Value]
    #: A provision's article (tkg:inArticle), and the claims that give it one.
    articles: list[Value]
    article_claims: list[Value]


@dataclass(slots=True)
class TreatyView:
    """What a treaty's page shows besides what every resource's page shows (its names and
    description, its properties, the claims about it) and its timeline (:mod:`.events`)."""

    link: Value
    parties: list[Value]
    dates: list[tuple[str, Value]]
    signings: list[SigningView]
    versions: list[VersionView]
    replaces: list[Value]
    cites: list[Value]
    divisions: list[DivisionView]
    article_count: int
    #: The provisions whose article the sources do not establish (tkg:Provision).
    provisions: list[DivisionView]
    norms: list[NormView]
    obligations: list[ObligationView]


def article_order(number: Node | None) -> tuple[int, str]:
    """Sort key of an article number: numeric when it is one ("2" before "10")."""
    text = str(number) if number is not None else ""
    match = re.match(r"\d+", text)
    return (int(match.group()) if match else 1 << 30, text)


def treaties(links: Links) -> list[Node]:
    """Every treaty (an instance of ``tkg:Treaty`` or of a sub-class), with articles or
    without, in the order of the index (:func:`newest_first`)."""
    ix = links.index
    return newest_first((t, ix.value(t, ELI.date_document)) for t in ix.instances(TKG.Treaty))


def newest_first(signed: Iterable[tuple[Node, Node | None]]) -> list[Node]:
    """Treaties, each with its date of signature (``eli:date_document``) or None, in the
    order a reader of a corpus expects: the newest first, those without a date last, and in
    term order where the dates are equal or missing. (ISO dates sort as text; the sort is
    stable, so the term order holds among equals.) A build read from its store orders its
    first treaties with this too (:meth:`.StoreIndex.first_treaties`)."""
    by_term = sorted(signed, key=lambda pair: term_key(pair[0]))
    by_term.sort(key=lambda pair: str(pair[1]) if pair[1] is not None else "", reverse=True)
    return [treaty for treaty, _ in by_term]


def is_treaty(links: Links, node: Node) -> bool:
    """Whether ``node`` gets the treaty view: a treaty, or anything with an article as a part
    (data that forgot to type its treaty still shows its articles)."""
    ix = links.index
    return ix.is_a(node, TKG.Treaty) or has_articles(links, node)


def has_articles(links: Links, node: Node) -> bool:
    """Whether ``node`` has a part that is an article."""
    ix = links.index
    return any(ix.is_a(part, TKG.Article) for part in ix.subjects(ELI.is_part_of, node))


def treaty_events(links: Links, treaty: Node) -> list[Node]:
    """The events of a treaty's timeline, in term order: those that concern it
    (``tkg:concerns``), and those part of one that does or that one that does is part of
    (``tkg:partOfEvent``, one step either way: the state visit during which the treaty was
    signed). ``queries/timeline.rq`` asks the same with a treaty given;
    :func:`event_treaties` is the same relation read from the event's side."""
    ix = links.index
    direct = [e for e in ix.subjects(TKG.concerns, treaty) if ix.is_a(e, TKG.Event)]
    found = set(direct)
    for event in direct:
        found.update(ix.values(event, TKG.partOfEvent))
        found.update(ix.subjects(TKG.partOfEvent, event))
    return sorted((e for e in found if ix.is_a(e, TKG.Event)), key=term_key)


def event_treaties(links: Links, event: Node) -> list[Node]:
    """The treaties on whose timeline ``event`` is (:func:`treaty_events`), in term order:
    those it concerns, and those that an event it is part of, or one of its parts,
    concerns."""
    ix = links.index
    neighbours = [event, *ix.values(event, TKG.partOfEvent), *ix.subjects(TKG.partOfEvent, event)]
    return sorted({t for e in neighbours for t in ix.values(e, TKG.concerns)}, key=term_key)


def treaty_view(links: Links, doc: str, treaty: Node) -> TreatyView:
    """The treaty as ``doc`` shows it: the preamble and other parts first, then the articles
    by number, with the norms they state and the obligations derived from those."""
    ix = links.index
    parts = ix.subjects(ELI.is_part_of, treaty)
    articles = sorted(
        (p for p in parts if ix.is_a(p, TKG.Article)),
        key=lambda a: (article_order(ix.value(a, ELI.number)), term_key(a)),
    )
    provisions = sorted((p for p in parts if ix.is_a(p, TKG.Provision)), key=term_key)
    others = sorted(
        (p for p in parts if not ix.is_a(p, TKG.Article) and not ix.is_a(p, TKG.Provision)),
        key=term_key,
    )
    norms = [n for a in [*articles, *provisions] for n in ix.subjects(TKG.expressedBy, a)]
    obligations = treaty_obligations(links, treaty)
    dates = []
    for predicate, name in _facts(links):
        value = links.text(treaty, predicate)
        if value is not None:
            dates.append((name, value))
    return TreatyView(
        link=links.link(doc, treaty),
        parties=links.links(doc, ix.values(treaty, TKG.party)),
        dates=dates,
        signings=_signings(links, doc, treaty),
        versions=[
            VersionView(
                link=links.link(doc, version),
                language=[local_name(str(code)) for code in ix.values(version, ELI.language)],
                titles=[literal(t) for t in ix.literals(version, ELI.title)],
                authentic=links.text(version, TKG.isAuthentic),
            )
            for version in sorted(ix.subjects(ELI.realizes, treaty), key=term_key)
        ],
        replaces=links.links(doc, ix.values(treaty, TKG.replaces)),
        cites=links.links(doc, ix.values(treaty, TKG.cites)),
        divisions=[_division(links, doc, d) for d in others]
        + [_division(links, doc, a) for a in articles],
        article_count=len(articles),
        provisions=[_division(links, doc, p) for p in provisions],
        norms=norm_views(links, doc, norms),
        obligations=obligation_views(links, doc, obligations),
    )


def article_obligations(links: Links, article: Node) -> list[Node]:
    """The directed obligations derived from the norms the article states."""
    ix = links.index
    norms = ix.subjects(TKG.expressedBy, article)
    return [o for n in norms for o in ix.subjects(TKG.derivedFrom, n)]


def treaty_obligations(links: Links, treaty: Node) -> list[Node]:
    """The directed obligations derived from the norms of the treaty's articles and of its
    provisions whose article is unknown, in that order."""
    ix = links.index
    parts = ix.subjects(ELI.is_part_of, treaty)
    articles = [p for p in parts if ix.is_a(p, TKG.Article)]
    provisions = [p for p in parts if ix.is_a(p, TKG.Provision)]
    return [o for a in [*articles, *provisions] for o in article_obligations(links, a)]


def _signings(links: Links, doc: str, treaty: Node) -> list[SigningView]:
    ix = links.index
    signings = []
    for event in ix.subjects(TKG.concerns, treaty):
        if not ix.is_a(event, TKG.Signing):
            continue
        date = ix.value(event, TKG.date)
        signatories = [
            SignatoryView(
                person=links.link(doc, person),
                offices=_offices(links, doc, person, str(date) if date else None),
            )
            for person in ix.values(event, TKG.signatory)
        ]
        signatories.sort(key=lambda s: s.person.text.casefold())
        dated = {
            str(ix.value(c, TKG.claimValue))
            for c in ix.subjects(TKG.claimSubject, event)
            if ix.value(c, TKG.claimProperty) == TKG.date
        }
        signings.append(
            SigningView(
                link=links.link(doc, event),
                date=literal(date, links.language) if isinstance(date, Literal) else None,
                places=links.links(doc, ix.values(event, TKG.place)),
                signatories=signatories,
                contested=len(dated) > 1,
            )
        )
    # by the date as published (ISO), not as the page writes it
    signings.sort(key=lambda s: ((s.date.time or s.date.text) if s.date else "", s.link.href or ""))
    return signings


def _offices(links: Links, doc: str, person: Node, date: str | None) -> list[Value]:
    """Offices ``person`` held on ``date`` by a tenure whose attested (or stated) bounds
    include it."""
    ix = links.index
    offices = []
    for tenure in ix.subjects(TKG.holder, person):
        start = ix.value(tenure, TKG.startDate) or ix.value(tenure, TKG.attestedFrom)
        end = ix.value(tenure, TKG.endDate) or ix.value(tenure, TKG.attestedUntil)
        if date is not None and start is not None and str(start) > date:
            continue
        if date is not None and end is not None and str(end) < date:
            continue
        offices.extend(ix.values(tenure, TKG.office))
    return links.links(doc, set(offices))


def _division(links: Links, doc: str, part: Node) -> DivisionView:
    ix = links.index
    status = ix.value(part, TKG.contentStatus)
    number = str(ix.value(part, ELI.number) or "")
    if number:
        text = links._("Article %(number)s", number=number)
    elif ix.is_a(part, TKG.Provision):
        text = links.name(part)
    else:
        kinds = ix.values(part, RDF.type)
        text = links.name(kinds[0]).capitalize() if kinds else links.name(part)
    return DivisionView(
        number=number,
        link=Value(text, href=links.href(doc, str(part)), title=links.name(part)),
        summary=links.text(part, DCTERMS.description),
        status=links.link(doc, status) if status is not None else None,
        known=status != TKG.ContentUnknown,
        basis=links.links(doc, ix.values(part, TKG.numberingBasis)),
        norms=links.links(doc, ix.subjects(TKG.expressedBy, part)),
        confidence=links.links(doc, ix.values(part, TKG.contentConfidence)),
        number_confidence=links.links(doc, ix.values(part, TKG.numberConfidence)),
        articles=links.links(doc, ix.values(part, TKG.inArticle)),
        article_claims=[_article_claim(links, doc, c) for c in _article_claims(links, part)],
    )


def _article_claim(links: Links, doc: str, claim: Node) -> Value:
    """A claim that gives a provision an article, as "Article 20 (El País)", linking to the
    claim (whose page has its rank, words and source)."""
    ix = links.index
    article = ix.value(claim, TKG.claimValue)
    number = ix.value(article, ELI.number) if article is not None else None
    who = ix.value(claim, TKG.assertedBy)
    if number is not None:
        text = links._("Article %(number)s", number=str(number))
    else:
        text = links.name(article) if article else "?"
    if who is not None:
        text += f" ({links.name(who)})"
    return Value(text, href=links.href(doc, str(claim)), title=links.name(claim))


def _article_claims(links: Links, part: Node) -> list[Node]:
    """The claims that give a provision an article (tkg:Claim on tkg:inArticle), sorted."""
    ix = links.index
    return sorted(
        (
            claim
            for claim in ix.subjects(TKG.claimSubject, part)
            if ix.value(claim, TKG.claimProperty) == TKG.inArticle
        ),
        key=term_key,
    )


def norm_views(links: Links, doc: str, norms: Iterable[Node]) -> list[NormView]:
    """The norms (as an article states them), each with the obligations derived from it."""
    ix = links.index
    return [
        NormView(
            link=links.link(doc, norm),
            type=links.links(doc, ix.values(norm, TKG.normType)),
            reciprocal=links.text(norm, TKG.reciprocal),
            action=links.text(norm, TKG.action),
            conditions=_conditions(links, doc, norm),
            legal_basis=links.links(doc, ix.values(norm, TKG.legalBasis)),
            wording=[literal(w, links.language) for w in ix.literals(norm, TKG.wording)],
            obligations=obligation_views(links, doc, ix.subjects(TKG.derivedFrom, norm)),
        )
        for norm in sorted(norms, key=term_key)
    ]


def _conditions(links: Links, doc: str, node: Node) -> list[ConditionView]:
    ix = links.index
    return [
        ConditionView(
            link=links.link(doc, condition),
            wording=[literal(w, links.language) for w in _wording(links, condition)],
        )
        for condition in ix.values(node, TKG.condition)
    ]


def _wording(links: Links, node: Node) -> list[Literal]:
    """A condition's wording in one language, that of the page where the data has it, else
    English (shown with its tag), else whatever the sources quote: a condition is read inline,
    where one phrasing says it; a norm's wordings are quotations and are all shown."""
    found = links.index.literals(node, TKG.wording)
    for language in (links.language, languages.DEFAULT):
        chosen = [w for w in found if (w.language or languages.DEFAULT) == language]
        if chosen:
            return chosen
    return list(found)


def obligation_views(links: Links, doc: str, obligations: Iterable[Node]) -> list[ObligationView]:
    """Directed obligations, by article number, then bearers."""
    ix = links.index
    views = []
    for obligation in obligations:
        norm = ix.value(obligation, TKG.derivedFrom)
        article = ix.value(norm, TKG.expressedBy) if norm is not None else None
        number = ix.value(article, ELI.number) if article is not None else None
        if article is not None and number is not None:
            article_link: Value | None = Value(
                links._("Art. %(number)s", number=str(number)), href=links.href(doc, str(article))
            )
        else:
            article_link = links.link(doc, article) if article is not None else None
        views.append(
            ObligationView(
                link=links.link(doc, obligation),
                article=article_link,
                order=article_order(number),
                bearers=links.links(doc, ix.values(obligation, TKG.bearer)),
                beneficiaries=links.links(doc, ix.values(obligation, TKG.beneficiary)),
                type=links.links(doc, ix.values(obligation, TKG.deonticType)),
                action=links.text(obligation, TKG.action),
                conditions=_conditions(links, doc, obligation),
                legal_basis=links.links(doc, ix.values(obligation, TKG.legalBasis)),
            )
        )
    views.sort(key=lambda v: (v.order, [b.text for b in v.bearers], v.link.href or ""))
    return views
