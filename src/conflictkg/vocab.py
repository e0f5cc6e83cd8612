"""Namespaces and the project's own terms, minted in one place.

Terms of the ``ckg:`` namespace are a ``DefinedNamespace`` so that a typo is an error;
``tests/test_vocab.py`` keeps this list equal to the terms the ontology declares.
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace
from rdflib.term import URIRef

BASE_IRI = "https://w3id.org/conflictkg/"
ONTOLOGY_IRI = URIRef(BASE_IRI + "ontology")
SHAPES_IRI = URIRef(BASE_IRI + "shapes")
ONTOLOGY_GRAPH = URIRef(BASE_IRI + "graph/ontology")

CKR = Namespace(BASE_IRI + "id/")
CKS = Namespace(BASE_IRI + "shapes#")
GRAPH = Namespace(BASE_IRI + "graph/")
OA = Namespace("http://www.w3.org/ns/oa#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
WD = Namespace("http://www.wikidata.org/entity/")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")


class CKG(DefinedNamespace):
    """The conflictkg ontology (``https://w3id.org/conflictkg/ontology#``)."""

    _NS = Namespace(BASE_IRI + "ontology#")
    _fail = True

    # classes
    Actor: URIRef
    Person: URIRef
    Organization: URIRef
    Government: URIRef
    GovernmentAgency: URIRef
    MediaOrganization: URIRef
    MonitoringGroup: URIRef
    InternationalOrganization: URIRef
    PoliticalParty: URIRef
    ArmedGroup: URIRef
    MilitaryUnit: URIRef
    PopulationGroup: URIRef
    Location: URIRef
    Country: URIRef
    City: URIRef
    District: URIRef
    River: URIRef
    Border: URIRef
    MilitaryBase: URIRef
    Region: URIRef
    Building: URIRef
    MilitaryBaseGroup: URIRef
    Event: URIRef
    ArmedConflict: URIRef
    Invasion: URIRef
    Withdrawal: URIRef
    TroopPresence: URIRef
    Deployment: URIRef
    MilitaryOperation: URIRef
    Offensive: URIRef
    Airstrike: URIRef
    Takeover: URIRef
    Negotiation: URIRef
    Investigation: URIRef
    Displacement: URIRef
    Destruction: URIRef
    Rescue: URIRef
    AirCampaign: URIRef
    Repression: URIRef
    WeaponSystem: URIRef
    Distance: URIRef
    Claim: URIRef
    Report: URIRef
    CasualtyReport: URIRef
    TroopStrengthReport: URIRef
    Allegation: URIRef
    Denial: URIRef
    Testimony: URIRef
    EditorialClaim: URIRef
    AuthorJudgement: URIRef
    AuthorStatement: URIRef
    OutsideKnowledge: URIRef
    Article: URIRef
    TextSpan: URIRef

    # annotation property
    requiresAccount: URIRef

    # object properties
    attestedBy: URIRef
    inArticle: URIRef
    memberOf: URIRef
    headOf: URIRef
    commanded: URIRef
    subordinateTo: URIRef
    affiliatedWith: URIRef
    country: URIRef
    locatedIn: URIRef
    near: URIRef
    onRiver: URIRef
    ownedBy: URIRef
    strongholdOf: URIRef
    hasInfluenceIn: URIRef
    fromPlace: URIRef
    toPlace: URIRef
    location: URIRef
    participant: URIRef
    conductedBy: URIRef
    ledBy: URIRef
    supportedBy: URIRef
    heldResponsible: URIRef
    target: URIRef
    partOfEvent: URIRef
    concerns: URIRef
    causedBy: URIRef
    startsAfter: URIRef
    usesWeapon: URIRef
    operatedBy: URIRef
    status: URIRef
    claimant: URIRef
    relayedBy: URIRef
    disputedBy: URIRef
    disputes: URIRef
    madeAfter: URIRef
    sourceGrade: URIRef
    assertionGraph: URIRef
    about: URIRef
    aboutEvent: URIRef
    aboutPlace: URIRef
    aboutForce: URIRef
    outcome: URIRef
    victimCategory: URIRef
    countQualifier: URIRef
    figureKind: URIRef
    includedIn: URIRef

    # datatype properties
    startDate: URIRef
    endDate: URIRef
    dateExpression: URIRef
    datePrecision: URIRef
    startNotBefore: URIRef
    startNotAfter: URIRef
    endNotBefore: URIRef
    endNotAfter: URIRef
    durationExpression: URIRef
    purpose: URIRef
    minimumCount: URIRef
    maximumCount: URIRef
    countText: URIRef
    statement: URIRef
    directQuote: URIRef
    anonymous: URIRef
    positionTitle: URIRef
    sizeRankInCountry: URIRef
    storeys: URIRef
    approximateMiles: URIRef
    distanceText: URIRef
    seedFile: URIRef
    sha256: URIRef

    # concept schemes and concepts
    OutcomeScheme: URIRef
    Killed: URIRef
    Injured: URIRef
    Displaced: URIRef
    Destroyed: URIRef
    Casualties: URIRef
    Remaining: URIRef
    VictimCategoryScheme: URIRef
    Civilians: URIRef
    WomenAndChildren: URIRef
    People: URIRef
    Families: URIRef
    FamilyMembers: URIRef
    Residents: URIRef
    Buildings: URIRef
    ResidentialBuildings: URIRef
    CountQualifierScheme: URIRef
    AtLeast: URIRef
    MoreThan: URIRef
    Estimated: URIRef
    Exact: URIRef
    VagueQuantity: URIRef
    FigureKindScheme: URIRef
    OfficialFigure: URIRef
    ActualFigure: URIRef
    PeakFigure: URIRef
    ProjectedFigure: URIRef
    EventStatusScheme: URIRef
    Occurred: URIRef
    Ongoing: URIRef
    Proposed: URIRef
    Anticipated: URIRef
    SourceGradeScheme: URIRef
    NamedOfficialSource: URIRef
    AnonymousOfficialSource: URIRef
    EyewitnessSource: URIRef
    AnonymousLocalSource: URIRef
    MonitoringGroupSource: URIRef
    InternationalBodySource: URIRef
    NewsMediaSource: URIRef
    AuthorOnlySource: URIRef


PREFIXES: dict[str, str] = {
    "ckg": str(CKG._NS),
    "ckr": str(CKR),
    "cks": str(CKS),
    "oa": str(OA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "geo": str(GEO),
    "wgs": str(WGS),
    "wd": str(WD),
    "void": str(VOID),
    "sh": str(SH),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}
