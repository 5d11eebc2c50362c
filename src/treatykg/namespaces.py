"""The namespaces treatykg uses, and one place that binds them.

Every namespace a module needs is defined here, once. Our own vocabulary is
:class:`TKG`, a closed :class:`~rdflib.namespace.DefinedNamespace`: a misspelt term
(``TKG.bearerr``) raises instead of minting an IRI nobody declared, and
``tests/test_namespaces.py`` checks it against ``ontology/`` both ways. Vocabularies rdflib
defines (RDF, RDFS, OWL, SKOS, DCTERMS, SH, VOID, FOAF, XSD) come from ``rdflib.namespace``.

rdflib binds 29 prefixes to every new graph by default (brick, csvw, ...), which then
leak into JSON-LD and some Turtle output. treatykg graphs are created without them and
get exactly :data:`PREFIXES` via :func:`bind_prefixes`, so output is stable and small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace, NamespaceManager

BASE = "https://w3id.org/treatykg/"


class TKG(DefinedNamespace):
    """treatykg's vocabulary (``ontology/*.ttl``): classes, properties and SKOS concepts."""

    _NS = Namespace(f"{BASE}def#")
    _fail = True

    # classes
    Agent: URIRef  # agent
    Article: URIRef  # article
    Authorisation: URIRef  # authorisation to sign
    BilateralTreaty: URIRef  # bilateral treaty
    Claim: URIRef  # claim
    Condition: URIRef  # condition
    Conflict: URIRef  # armed conflict
    DirectedObligation: URIRef  # directed obligation
    EntryIntoForce: URIRef  # entry into force
    Event: URIRef  # event
    ExchangeOfInstruments: URIRef  # exchange of instruments of ratification
    LanguageVersion: URIRef  # language version
    LegalInstrument: URIRef  # legal instrument
    Norm: URIRef  # norm
    Office: URIRef  # office
    OfficialAcknowledgement: URIRef  # official acknowledgement
    Organisation: URIRef  # organisation
    Person: URIRef  # person
    Place: URIRef  # place
    Preamble: URIRef  # preamble
    Provision: URIRef  # provision
    Publication: URIRef  # publication
    Quotation: URIRef  # quotation
    Ratification: URIRef  # ratification
    RatificationStep: URIRef  # ratification step
    Signing: URIRef  # signing
    Source: URIRef  # source
    State: URIRef  # state
    StateVisit: URIRef  # state visit
    Statement: URIRef  # public statement
    Tenure: URIRef  # tenure
    Termination: URIRef  # termination
    Treaty: URIRef  # treaty
    TreatyDivision: URIRef  # treaty division
    TroopDeployment: URIRef  # troop deployment
    # properties
    about: URIRef  # about
    action: URIRef  # required action
    actor: URIRef  # actor
    articleCount: URIRef  # article count
    assertedBy: URIRef  # asserted by
    assertedOn: URIRef  # asserted on
    attestedFrom: URIRef  # attested from
    attestedUntil: URIRef  # attested until
    bearer: URIRef  # bearer
    beneficiary: URIRef  # beneficiary
    cites: URIRef  # cites
    claimProperty: URIRef  # claim property
    claimSubject: URIRef  # claim subject
    claimText: URIRef  # claim text
    claimValue: URIRef  # claimed value
    concerns: URIRef  # concerns
    condition: URIRef  # condition
    contentConfidence: URIRef  # content confidence
    contentStatus: URIRef  # content status
    context: URIRef  # context
    date: URIRef  # date
    deonticType: URIRef  # deontic type
    derivedFrom: URIRef  # derived from
    endDate: URIRef  # end date
    expressedBy: URIRef  # expressed by
    forParty: URIRef  # for party
    holder: URIRef  # holder
    inArticle: URIRef  # in article
    indefiniteDuration: URIRef  # indefinite duration
    invokes: URIRef  # invokes
    isAuthentic: URIRef  # is authentic
    legalBasis: URIRef  # legal basis
    locatedIn: URIRef  # located in
    lowerBound: URIRef  # lower bound
    normType: URIRef  # norm type
    notAfter: URIRef  # not after
    notBefore: URIRef  # not before
    numberConfidence: URIRef  # number confidence
    numberStatedIn: URIRef  # number stated in
    numberingBasis: URIRef  # numbering basis
    office: URIRef  # office
    officeOf: URIRef  # office of
    organisationKind: URIRef  # kind of organisation
    partOf: URIRef  # part of
    partOfEvent: URIRef  # part of event
    participant: URIRef  # participant
    party: URIRef  # party
    personnelCount: URIRef  # personnel count
    place: URIRef  # place
    publishedText: URIRef  # published text
    pursuantTo: URIRef  # pursuant to
    qualifierEndDate: URIRef  # end date qualifier
    qualifierPlace: URIRef  # place qualifier
    qualifierStartDate: URIRef  # start date qualifier
    rank: URIRef  # rank
    rankReason: URIRef  # reason for rank
    reciprocal: URIRef  # reciprocal
    replacedBy: URIRef  # redirected to
    replaces: URIRef  # replaces
    signatory: URIRef  # signatory
    speaker: URIRef  # speaker
    startDate: URIRef  # start date
    text: URIRef  # text
    topic: URIRef  # topic
    upperBound: URIRef  # upper bound
    url: URIRef  # URL
    wording: URIRef  # wording
    # concepts
    Confidences: URIRef  # confidence levels
    ConstitutiveRule: URIRef  # constitutive rule
    ContentKnown: URIRef  # content known
    ContentStatuses: URIRef  # content statuses
    ContentUnknown: URIRef  # content unknown
    DefenceCooperation: URIRef  # defence cooperation
    DeprecatedRank: URIRef  # deprecated
    DialogueAndSummits: URIRef  # dialogue and summit talks
    DurationAndTermination: URIRef  # duration and termination
    EconomicCooperation: URIRef  # trade, economic and investment cooperation
    EmergencyCooperation: URIRef  # prevention and relief of emergencies
    Encyclopedia: URIRef  # encyclopedia
    EntryIntoForceAndRatification: URIRef  # ratification and entry into force
    FoodAndEnergySecurity: URIRef  # food and energy security
    GovernmentBody: URIRef  # government body
    InformationSecurity: URIRef  # international information security
    IntelligenceService: URIRef  # intelligence service
    InternationalOrder: URIRef  # international order and strategic stability
    InternationalOrganisation: URIRef  # international organisation
    InternationalOrganisationsCooperation: URIRef  # cooperation in international organisations
    InterregionalCooperation: URIRef  # interregional and border cooperation
    LawEnforcementAndInformationSecurity: URIRef  # law enforcement and information security
    LawEnforcementCooperation: URIRef  # cooperation between law-enforcement agencies
    LegislativeChamber: URIRef  # legislative chamber
    MediaAndDisinformation: URIRef  # media cooperation against disinformation
    MutualMilitaryAssistance: URIRef  # mutual military assistance
    NewsMedia: URIRef  # news media
    NonHostility: URIRef  # non-hostility towards the other party
    NormTypes: URIRef  # norm types
    NormalRank: URIRef  # normal
    NumberInferred: URIRef  # number inferred from order
    NumberStated: URIRef  # number stated in a source
    NumberUnknown: URIRef  # article unknown
    NumberingBases: URIRef  # numbering bases
    Obligation: URIRef  # obligation
    OrganisationKinds: URIRef  # kinds of organisation
    ParliamentaryCommittee: URIRef  # parliamentary committee
    PartyBody: URIRef  # party body
    Permission: URIRef  # permission
    PreferredRank: URIRef  # preferred
    Prohibition: URIRef  # prohibition
    Proliferation: URIRef  # proliferation of weapons of mass destruction
    Ranks: URIRef  # claim ranks
    ResearchOrganisation: URIRef  # research or analysis publisher
    Sanctions: URIRef  # unilateral coercive measures (sanctions)
    ScienceAndTechnology: URIRef  # science and technology
    SecurityConsultation: URIRef  # security consultations
    SingleSource: URIRef  # single source
    SocialAndCulturalCooperation: URIRef  # social, cultural and environmental cooperation
    StrategicPartnership: URIRef  # strategic partnership
    Terrorism: URIRef  # terrorism and extremism
    Topics: URIRef  # treaty topics
    TransnationalCrime: URIRef  # transnational crime and illicit flows
    TransnationalThreats: URIRef  # terrorism, organised crime and proliferation
    Verified: URIRef  # verified


TKGSH = Namespace(f"{BASE}shapes#")
ID = Namespace(f"{BASE}id/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
#: Wikidata's statement model (the RDF dump format): statements, values, qualifiers, references.
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
#: Open namespaces for vocabularies whose rdflib DefinedNamespace lacks terms we use
#: (DCAT 3's dcat:version) or that rdflib does not define.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: ADMS, for ``adms:versionNotes`` (what DCAT 3 and DCAT-AP use for a version's notes).
ADMS = Namespace("http://www.w3.org/ns/adms#")

#: The dataset's own IRIs: the corpus, its catalogue, publisher and Wikidata linkset.
DATASET = URIRef(f"{BASE}dataset")
ONTOLOGY = URIRef(f"{BASE}def")
SHAPES = URIRef(f"{BASE}shapes")

PREFIXES: dict[str, str] = {
    "tkg": str(TKG),
    "tkgsh": str(TKGSH),
    "id": str(ID),
    "eli": str(ELI),
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "org": "http://www.w3.org/ns/org#",
    "sem": str(SEM),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": str(WD),
    "wdt": str(WDT),
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
}


# A conservative subset of Turtle's PN_LOCAL: what we print must also be valid Turtle,
# so a local part with "/" or "#" falls back to the full <IRI> instead of a bogus pname.
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind exactly :data:`PREFIXES` on ``graph`` (replacing clashing bindings) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def new_graph() -> Graph:
    """An empty in-memory Graph carrying only treatykg's prefixes."""
    return bind_prefixes(Graph(bind_namespaces="none"))


def new_namespace_manager(graph: Graph) -> NamespaceManager:
    """A NamespaceManager for ``graph`` that starts empty instead of with rdflib's 29 prefixes."""
    return NamespaceManager(graph, bind_namespaces="none")


def qname(iri: str | URIRef, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``prefix:local`` for IRIs in a known namespace with a plain local part, else ``<iri>``.

    The longest matching namespace wins, so ``id:`` never shadows a more specific one.
    """
    text = str(iri)
    by_length = sorted(prefixes.items(), key=lambda item: len(item[1]), reverse=True)
    for prefix, namespace in by_length:
        if text.startswith(namespace):
            local = text[len(namespace) :]
            if local == "" or _LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
    return f"<{text}>"
