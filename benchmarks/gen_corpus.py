"""Generate a synthetic treatykg corpus: N imaginary bilateral treaties in our model.

Usage::

    python benchmarks/gen_corpus.py --treaties N --seed S --out DIR [--inject]

Writes ``DIR/shared.ttl`` (the news agency, its register and an observer state, used by every
treaty) and ``DIR/treaty-0001.ttl`` ... ``DIR/treaty-NNNN.ttl``, one file per treaty with its
two states, persons, offices, tenures, place, preamble, articles 1..k, language versions, norms
and directed obligations, signing and entry into force, a preferred and a deprecated
signing-date claim, a quotation and a source. Then it prints the number of triples.

Every IRI is under ``https://w3id.org/treatykg/`` and carries the synthetic marker ``syn`` in
its slug (``eli/treaty/2091/syn0001``, ``id/state/syn-0001-a``), so synthetic data can never be
mistaken for real data. The output is deterministic: the same N and seed give byte-identical
files, and its size grows linearly with N.

With ``--inject``, a few treaties get deliberate defects, and ``DIR/injected.tsv`` lists the
violations they produce, one ``focus node<TAB>source shape<TAB>constraint component`` per
line (sorted, with a header line): exactly the results the validation report should hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASE = "https://w3id.org/treatykg/"
ID = BASE + "id/"
SH = "http://www.w3.org/ns/shacl#"
TKGSH = BASE + "shapes#"

PREFIXES = {
    "dcterms": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "tkg": "https://w3id.org/treatykg/def#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LANGUAGE_AUTHORITY = "http://publications.europa.eu/resource/authority/language/"

AGENCY = ID + "org/syn-news-agency"
REGISTER = ID + "source/syn-agency-register"
OBSERVER = ID + "state/syn-observer"

# Syllables for imaginary state names (Latin and Cyrillic spellings, Korean in Hangul).
SYLLABLES = [
    ("ka", "ка", "카"),
    ("lo", "ло", "로"),
    ("mi", "ми", "미"),
    ("ra", "ра", "라"),
    ("ten", "тен", "텐"),
    ("vo", "во", "보"),
    ("su", "су", "수"),
    ("dar", "дар", "다르"),
    ("nel", "нель", "넬"),
    ("pa", "па", "파"),
    ("zi", "зи", "지"),
    ("bor", "бор", "보르"),
]
GIVEN = ["Alda", "Boris", "Cira", "Dmitri", "Elin", "Faro", "Gala", "Hugo", "Ines", "Jarek"]
FAMILY = ["Arven", "Belov", "Corin", "Darrow", "Estel", "Fenwick", "Garin", "Holm", "Ivers"]
TOPICS = ["tkg:StrategicPartnership", "tkg:MutualMilitaryAssistance", "tkg:InternationalOrder"]

Node = dict[str, list[str]]  # predicate (Turtle term) -> objects (Turtle terms)
Nodes = dict[str, Node]  # subject IRI -> its statements

# The kinds of defect --inject can add. Each takes the treaty's nodes and its context and returns
# the (focus node, source shape, constraint component) results it must produce.
Injector = Callable[[Nodes, "Treaty"], list[tuple[str, str, str]]]


def iri(value: str) -> str:
    return f"<{value}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^{datatype}'
    return f'"{escaped}"'


def date(day: dt.date) -> str:
    return lit(day.isoformat(), datatype="xsd:date")


def labels(en: str, fr: str, **more: str) -> list[str]:
    return [lit(en, "en"), lit(fr, "fr")] + [lit(text, lang) for lang, text in more.items()]


class Treaty:
    """The identifiers and facts of one synthetic treaty, drawn from the random generator."""

    def __init__(self, number: int, rng: random.Random) -> None:
        self.n = number
        self.tag = f"syn-{number:04d}"
        self.signed = dt.date(rng.randint(2080, 2098), rng.randint(1, 12), rng.randint(1, 28))
        self.in_force = self.signed + dt.timedelta(days=rng.randint(10, 150))
        self.year = self.signed.year
        self.iri = f"{BASE}eli/treaty/{self.year}/syn{number:04d}"
        self.articles = rng.randint(3, 7)
        self.states = {side: f"{ID}state/{self.tag}-{side}" for side in "ab"}
        self.names: dict[str, tuple[str, str, str]] = {}
        for side in "ab":
            picked = rng.sample(SYLLABLES, 2)
            latin = "".join(s[0] for s in picked).capitalize() + "ia"
            self.names[side] = (
                f"{latin} {number}",
                "".join(s[1] for s in picked).capitalize() + f"ия {number}",
                "".join(s[2] for s in picked) + f"아 {number}",
            )
        self.persons = {side: f"{ID}person/{self.tag}-{side}-leader" for side in "ab"}
        self.person_names = {side: f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}" for side in "ab"}
        self.offices = {side: f"{ID}office/{self.tag}-{side}-head-of-state" for side in "ab"}
        self.tenures = {side: f"{ID}tenure/{self.tag}-{side}-leader-head" for side in "ab"}
        self.tenure_bounds = {
            side: (
                self.signed - dt.timedelta(days=rng.randint(0, 400)),
                self.signed + dt.timedelta(days=rng.randint(0, 300)),
            )
            for side in "ab"
        }
        self.place = f"{ID}place/{self.tag}-capital"
        self.source = f"{ID}source/{self.tag}-treaty-text"
        self.signing = f"{ID}event/{self.signed.isoformat()}-{self.tag}-signing"
        self.entry = f"{ID}event/{self.in_force.isoformat()}-{self.tag}-entry-into-force"
        self.known = [True, True] + [rng.random() < 0.6 for _ in range(self.articles - 2)]
        self.topics = [rng.choice(TOPICS) for _ in range(self.articles)]
        self.russian = rng.random() < 0.5
        self.korean_state = rng.random() < 0.5
        self.quote_lang = rng.choice(["en", "fr"])

    def article(self, number: int) -> str:
        return f"{self.iri}/art_{number}"

    @property
    def title(self) -> str:
        return f"Synthetic Treaty {self.n:04d}"

    @property
    def titre(self) -> str:
        return f"traité synthétique {self.n:04d}"


def shared_nodes() -> Nodes:
    """The resources every treaty uses: the publishing agency, its register, an observer."""
    return {
        AGENCY: {
            "a": ["tkg:Organisation"],
            "rdfs:label": labels("Synthetic News Agency", "agence de presse synthétique"),
            "tkg:organisationKind": ["tkg:NewsMedia"],
            "dcterms:source": [iri(REGISTER)],
        },
        REGISTER: {
            "a": ["tkg:Source"],
            "rdfs:label": labels("Synthetic agency register", "registre de l'agence synthétique"),
            "tkg:url": [iri("https://example.org/syn/agency-register")],
            "dcterms:title": [lit("Register of the Synthetic News Agency", "en")],
            "dcterms:publisher": [iri(AGENCY)],
            "dcterms:language": [lit("en", datatype="xsd:language")],
        },
        OBSERVER: {
            "a": ["tkg:State"],
            "rdfs:label": labels("Synthetic Observer State", "État observateur synthétique"),
            "dcterms:source": [iri(REGISTER)],
        },
    }


def treaty_nodes(t: Treaty) -> Nodes:
    """All resources of one treaty, each with labels @en and @fr and a source."""
    src = [iri(t.source)]
    nodes: Nodes = {}

    def add(subject: str, kind: str, en: str, fr: str, **props: list[str]) -> None:
        node: Node = {"a": [kind], "rdfs:label": labels(en, fr)}
        node.update(props)
        node["dcterms:source"] = list(src)
        nodes[subject] = node

    other = {"a": "b", "b": "a"}
    for side in "ab":
        en, ru, ko = t.names[side]
        add(t.states[side], "tkg:State", en, en.replace("ia ", "ie "))
        nodes[t.states[side]]["rdfs:label"].append(lit(ru, "ru"))
        if t.korean_state or side == "a":
            nodes[t.states[side]]["rdfs:label"].append(lit(ko, "ko"))
        name = t.person_names[side]
        add(t.persons[side], "tkg:Person", name, name)
        add(
            t.offices[side],
            "tkg:Office",
            f"Head of State of {en}",
            f"chef de l'État de {en}",
            **{"tkg:officeOf": [iri(t.states[side])]},
        )
        start, end = t.tenure_bounds[side]
        add(
            t.tenures[side],
            "tkg:Tenure",
            f"{name} as Head of State of {en}",
            f"{name}, chef de l'État de {en}",
            **{
                "tkg:holder": [iri(t.persons[side])],
                "tkg:office": [iri(t.offices[side])],
                "tkg:attestedFrom": [date(start)],
                "tkg:attestedUntil": [date(end)],
            },
        )
    name_a, name_b = t.names["a"][0], t.names["b"][0]
    add(
        t.place,
        "tkg:Place",
        f"Capital of {name_a}",
        f"capitale de {name_a}",
        **{"tkg:locatedIn": [iri(t.states["a"])]},
    )
    add(
        t.iri,
        "tkg:BilateralTreaty",
        t.title,
        t.titre,
        **{
            "tkg:party": [iri(t.states["a"]), iri(t.states["b"])],
            "tkg:articleCount": [lit(str(t.articles), datatype="xsd:positiveInteger")],
            "eli:date_document": [date(t.signed)],
            "eli:first_date_entry_in_force": [date(t.in_force)],
            "tkg:topic": [t.topics[0]],
            "tkg:indefiniteDuration": ["true"],
        },
    )
    add(
        f"{t.iri}/preamble",
        "tkg:Preamble",
        f"Preamble of {t.title}",
        f"préambule du {t.titre}",
        **{
            "eli:is_part_of": [iri(t.iri)],
            "tkg:contentStatus": ["tkg:ContentKnown"],
            "tkg:contentConfidence": ["tkg:Verified"],
            "dcterms:description": [lit(f"{name_a} and {name_b} recall their friendship.", "en")],
        },
    )
    for number in range(1, t.articles + 1):
        props: dict[str, list[str]] = {
            "eli:is_part_of": [iri(t.iri)],
            "eli:number": [lit(str(number))],
        }
        if t.known[number - 1]:
            props["tkg:contentStatus"] = ["tkg:ContentKnown"]
            props["tkg:contentConfidence"] = ["tkg:Verified"]
            props["tkg:numberingBasis"] = ["tkg:NumberStated"]
            props["tkg:numberStatedIn"] = [iri(t.source)]
            props["tkg:numberConfidence"] = ["tkg:SingleSource"]
            props["dcterms:description"] = [lit(f"Synthetic provision number {number}.", "en")]
            props["tkg:topic"] = [t.topics[number - 1]]
        else:
            props["tkg:contentStatus"] = ["tkg:ContentUnknown"]
        add(
            t.article(number),
            "tkg:Article",
            f"Article {number} of {t.title}",
            f"article {number} du {t.titre}",
            **props,
        )
    versions = [("eng", "ENG", "en", f"Treaty between {name_a} and {name_b}")]
    if t.russian:
        versions.append(
            ("rus", "RUS", "ru", f"Договор между {t.names['a'][1]} и {t.names['b'][1]}")
        )
    for code, upper, lang, title in versions:
        add(
            f"{t.iri}/{code}",
            "tkg:LanguageVersion",
            f"{t.title}, {code} text",
            f"{t.titre}, texte {code}",
            **{
                "eli:realizes": [iri(t.iri)],
                "eli:language": [iri(LANGUAGE_AUTHORITY + upper)],
                "eli:title": [lit(title, lang)],
                "tkg:isAuthentic": ["true"],
            },
        )
    # Article 1: a reciprocal obligation, one directed obligation per party.
    mutual = f"{ID}norm/{t.tag}-art-1"
    add(
        mutual,
        "tkg:Norm",
        f"Mutual assistance ({t.title}, article 1)",
        f"assistance mutuelle ({t.titre}, article 1)",
        **{
            "tkg:expressedBy": [iri(t.article(1))],
            "tkg:normType": ["tkg:Obligation"],
            "tkg:reciprocal": ["true"],
            "tkg:action": [lit("assist the other party", "en")],
        },
    )
    for side in "ab":
        bearer, beneficiary = t.names[side][0], t.names[other[side]][0]
        add(
            f"{ID}obligation/{t.tag}-art-1-{side}-to-{other[side]}",
            "tkg:DirectedObligation",
            f"{bearer} must assist {beneficiary}",
            f"{bearer} doit assister {beneficiary}",
            **{
                "tkg:derivedFrom": [iri(mutual)],
                "tkg:bearer": [iri(t.states[side])],
                "tkg:beneficiary": [iri(t.states[other[side]])],
                "tkg:deonticType": ["tkg:Obligation"],
                "tkg:action": [lit(f"assist {beneficiary}", "en")],
            },
        )
    # Article 2: a one-sided obligation of party A towards party B.
    one_sided = f"{ID}norm/{t.tag}-art-2"
    add(
        one_sided,
        "tkg:Norm",
        f"Consultation ({t.title}, article 2)",
        f"consultation ({t.titre}, article 2)",
        **{
            "tkg:expressedBy": [iri(t.article(2))],
            "tkg:normType": ["tkg:Obligation"],
            "tkg:reciprocal": ["false"],
            "tkg:action": [lit("inform the other party", "en")],
        },
    )
    add(
        f"{ID}obligation/{t.tag}-art-2-a-to-b",
        "tkg:DirectedObligation",
        f"{name_a} must inform {name_b}",
        f"{name_a} doit informer {name_b}",
        **{
            "tkg:derivedFrom": [iri(one_sided)],
            "tkg:bearer": [iri(t.states["a"])],
            "tkg:beneficiary": [iri(t.states["b"])],
            "tkg:deonticType": ["tkg:Obligation"],
            "tkg:action": [lit(f"inform {name_b}", "en")],
        },
    )
    add(
        t.signing,
        "tkg:Signing",
        f"Signing of {t.title}",
        f"signature du {t.titre}",
        **{
            "tkg:date": [date(t.signed)],
            "tkg:place": [iri(t.place)],
            "tkg:signatory": [iri(t.persons["a"]), iri(t.persons["b"])],
            "tkg:concerns": [iri(t.iri)],
        },
    )
    add(
        t.entry,
        "tkg:EntryIntoForce",
        f"Entry into force of {t.title}",
        f"entrée en vigueur du {t.titre}",
        **{"tkg:date": [date(t.in_force)], "tkg:concerns": [iri(t.iri)]},
    )
    day_before = t.signed - dt.timedelta(days=1)
    add(
        f"{ID}claim/{t.tag}-official-signing-date",
        "tkg:Claim",
        f"{name_a}: {t.title} was signed on {t.signed.isoformat()}",
        f"{name_a} : le {t.titre} a été signé le {t.signed.isoformat()}",
        **{
            "tkg:claimSubject": [iri(t.signing)],
            "tkg:claimProperty": ["tkg:date"],
            "tkg:claimValue": [date(t.signed)],
            "tkg:assertedBy": [iri(t.states["a"])],
            "tkg:assertedOn": [date(t.signed)],
            "tkg:rank": ["tkg:PreferredRank"],
            "tkg:claimText": [lit("The treaty was signed today.", "en")],
        },
    )
    add(
        f"{ID}claim/{t.tag}-agency-signing-date",
        "tkg:Claim",
        f"Synthetic News Agency: {t.title} was signed on {day_before.isoformat()}",
        f"agence synthétique : le {t.titre} a été signé le {day_before.isoformat()}",
        **{
            "tkg:claimSubject": [iri(t.signing)],
            "tkg:claimProperty": ["tkg:date"],
            "tkg:claimValue": [date(day_before)],
            "tkg:assertedBy": [iri(AGENCY)],
            "tkg:assertedOn": [date(day_before)],
            "tkg:rank": ["tkg:DeprecatedRank"],
            "tkg:claimText": [lit("The treaty is signed today.", "en")],
            "tkg:rankReason": [lit("Written the day before; the official text differs.", "en")],
        },
    )
    text = {"en": "This treaty opens a new era.", "fr": "Ce traité ouvre une ère nouvelle."}
    speaker = t.person_names["a"]
    add(
        f"{ID}quotation/{t.tag}-a-leader-on-treaty",
        "tkg:Quotation",
        f"{speaker} on {t.title}",
        f"{speaker} sur le {t.titre}",
        **{
            "tkg:text": [lit(text[t.quote_lang], t.quote_lang)],
            "tkg:speaker": [iri(t.persons["a"])],
            "tkg:about": [iri(t.iri)],
            "tkg:date": [date(t.signed)],
        },
    )
    nodes[t.source] = {
        "a": ["tkg:Source"],
        "rdfs:label": labels(f"Text of {t.title}", f"texte du {t.titre}"),
        "tkg:url": [iri(f"https://example.org/syn/{t.n:04d}/treaty-text")],
        "dcterms:title": [lit(f"Text of {t.title}", "en")],
        "dcterms:publisher": [iri(AGENCY)],
        "dcterms:language": [lit("en", datatype="xsd:language")],
        "dcterms:issued": [date(t.signed + dt.timedelta(days=1))],
    }
    return nodes


#################################################################
# Injected defects: each produces exactly the results it returns
#################################################################


def _result(focus: str, shape: str, component: str) -> tuple[str, str, str]:
    return (focus, TKGSH + shape, SH + component)


def missing_fr_label(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    node = nodes[t.persons["b"]]
    node["rdfs:label"] = [x for x in node["rdfs:label"] if not x.endswith("@fr")]
    return [_result(t.persons["b"], "Resource-label-fr", "QualifiedMinCountConstraintComponent")]


def second_en_label(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    nodes[t.place]["rdfs:label"].append(lit("Another capital", "en"))
    return [
        _result(t.place, "Resource-label-en", "QualifiedMaxCountConstraintComponent"),
        _result(t.place, "Resource-label", "UniqueLangConstraintComponent"),
    ]


def article_gap(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    del nodes[t.article(3)]  # articles 3.. carry no norms, so nothing else refers to it
    return [_result(t.iri, "ArticleCountRule", "SPARQLConstraintComponent")]


def signing_after_entry(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    early = t.signed - dt.timedelta(days=5)
    entry = nodes.pop(t.entry)
    entry["tkg:date"] = [date(early)]
    new_entry = f"{ID}event/{early.isoformat()}-{t.tag}-entry-into-force"
    nodes[new_entry] = entry
    nodes[t.iri]["eli:first_date_entry_in_force"] = [date(early)]
    return [
        _result(new_entry, "SigningBeforeEntryIntoForceRule", "SPARQLConstraintComponent"),
        _result(t.iri, "TreatySignedBeforeInForceRule", "LessThanOrEqualsConstraintComponent"),
    ]


def bearer_not_party(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}obligation/{t.tag}-art-2-a-to-b"
    nodes[focus]["tkg:bearer"] = [iri(OBSERVER)]
    return [_result(focus, "ObligationPartiesRule", "SPARQLConstraintComponent")]


def bad_wikidata_iri(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    nodes[t.states["b"]]["skos:exactMatch"] = [iri("https://www.wikidata.org/wiki/Q99999999")]
    return [_result(t.states["b"], "Resource-exactMatch", "PatternConstraintComponent")]


def missing_source(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    del nodes[t.offices["a"]]["dcterms:source"]
    return [_result(t.offices["a"], "DescribedResource-source", "MinCountConstraintComponent")]


def deprecated_without_reason(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}claim/{t.tag}-agency-signing-date"
    del nodes[focus]["tkg:rankReason"]
    return [_result(focus, "DeprecatedClaimReasonRule", "SPARQLConstraintComponent")]


def preferred_not_asserted(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}claim/{t.tag}-official-signing-date"
    nodes[focus]["tkg:claimValue"] = [date(t.signed + dt.timedelta(days=2))]
    return [_result(focus, "PreferredClaimAssertedRule", "SPARQLConstraintComponent")]


def article_out_of_range(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    number = t.articles + 1
    focus = t.article(number)
    nodes[focus] = {
        "a": ["tkg:Article"],
        "rdfs:label": labels(f"Article {number} of {t.title}", f"article {number} du {t.titre}"),
        "eli:is_part_of": [iri(t.iri)],
        "eli:number": [lit(str(number))],
        "tkg:contentStatus": ["tkg:ContentUnknown"],
        "dcterms:source": [iri(t.source)],
    }
    return [
        _result(focus, "ArticleNumberInRangeRule", "SPARQLConstraintComponent"),
        _result(t.iri, "ArticleCountRule", "SPARQLConstraintComponent"),
    ]


def deprecated_asserted(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}claim/{t.tag}-agency-signing-date"
    nodes[focus]["tkg:claimValue"] = [date(t.signed)]
    return [_result(focus, "DeprecatedClaimNotAssertedRule", "SPARQLConstraintComponent")]


def bearer_is_beneficiary(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}obligation/{t.tag}-art-2-a-to-b"
    nodes[focus]["tkg:beneficiary"] = [iri(t.states["a"])]
    return [_result(focus, "BearerNotBeneficiaryRule", "DisjointConstraintComponent")]


def property_outside_closed_shape(nodes: Nodes, t: Treaty) -> list[tuple[str, str, str]]:
    focus = f"{ID}norm/{t.tag}-art-1"
    nodes[focus]["tkg:rank"] = ["tkg:PreferredRank"]
    return [_result(focus, "NormShape", "ClosedConstraintComponent")]


INJECTORS: list[Injector] = [
    missing_fr_label,
    second_en_label,
    article_gap,
    signing_after_entry,
    bearer_not_party,
    bad_wikidata_iri,
    missing_source,
    deprecated_without_reason,
    preferred_not_asserted,
    article_out_of_range,
    deprecated_asserted,
    bearer_is_beneficiary,
    property_outside_closed_shape,
]

# Defects that change each other's results when they hit the same treaty (a gap and an extra
# article together keep the article count right).
CONFLICTS: list[set[Injector]] = [
    {article_gap, article_out_of_range},
    {bearer_not_party, bearer_is_beneficiary},
    {deprecated_asserted, deprecated_without_reason},
]


#################################################################
# Output
#################################################################


def turtle(nodes: Nodes, comment: str) -> str:
    """Nodes as Turtle text: sorted subjects, ``a`` first, then sorted predicates and objects."""
    lines = [f"# {comment}", "# Synthetic test data written by benchmarks/gen_corpus.py.", ""]
    lines += [f"PREFIX {p}: <{ns}>" for p, ns in sorted(PREFIXES.items())]
    for subject in sorted(nodes):
        node = nodes[subject]
        predicates = sorted(node, key=lambda p: (p != "a", p))
        lines.append("")
        lines.append(iri(subject))
        for index, predicate in enumerate(predicates):
            end = " ." if index == len(predicates) - 1 else " ;"
            objects = " , ".join(sorted(node[predicate]))
            lines.append(f"    {predicate} {objects}{end}")
    return "\n".join(lines) + "\n"


def generate(
    treaties: int, seed: int, out: Path, inject: bool = False
) -> list[tuple[str, str, str]]:
    """Write the corpus into ``out``; return the injected (focus, shape, component) results."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    injected: list[tuple[str, str, str]] = []
    # Injected treaties: one defect each, on distinct treaties when there are enough of them.
    targets: dict[int, list[Injector]] = {}
    if inject:
        numbers = list(range(1, treaties + 1))
        rng.shuffle(numbers)
        for injector in INJECTORS:
            # the least-loaded treaty without a conflicting defect (none: leave it out)
            fits = [
                n
                for n in numbers
                if not any({injector, other} in CONFLICTS for other in targets.get(n, []))
            ]
            if fits:
                chosen = min(fits, key=lambda n: len(targets.get(n, [])))
                targets.setdefault(chosen, []).append(injector)
    (out / "shared.ttl").write_text(
        turtle(shared_nodes(), "Shared agents and sources of the synthetic corpus."),
        encoding="utf-8",
    )
    for number in range(1, treaties + 1):
        t = Treaty(number, rng)
        nodes = treaty_nodes(t)
        for injector in targets.get(number, []):
            injected += injector(nodes, t)
        path = out / f"treaty-{number:04d}.ttl"
        path.write_text(turtle(nodes, f"Synthetic treaty {number:04d} (seed {seed})."), "utf-8")
    if inject:
        rows = ["focus_node\tsource_shape\tconstraint_component"]
        rows += ["\t".join(row) for row in sorted(set(injected))]
        (out / "injected.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return sorted(set(injected))


def count_triples_in(paths: list[Path]) -> int:
    """The number of triples in these Turtle files, parsed with pyoxigraph."""
    import pyoxigraph as ox

    total = 0
    for path in paths:
        with path.open("rb") as handle:
            total += sum(1 for _ in ox.parse(handle, format=ox.RdfFormat.TURTLE))
    return total


def count_triples(out: Path) -> int:
    """The number of triples in all Turtle files of ``out``."""
    return count_triples_in(sorted(out.glob("*.ttl")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--treaties", type=int, required=True, help="number of treaties (N)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--inject", action="store_true", help="add defects and write DIR/injected.tsv"
    )
    args = parser.parse_args(argv)
    if args.treaties < 1:
        parser.error("--treaties must be at least 1")
    started = time.perf_counter()
    injected = generate(args.treaties, args.seed, args.out, args.inject)
    generated = time.perf_counter() - started
    triples = count_triples(args.out)
    print(
        f"{args.treaties} treaties, {triples} triples in {args.out} "
        f"(generated in {generated:.2f} s)"
        + (f"; {len(injected)} injected violations" if args.inject else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
