"""Synthetic corpora for scale tests: invented articles and their triples, per the modelling guide.

``conflictkg synth TARGET --articles N --seed S`` writes a project folder (``seeds/``,
``triples/``, a copy of ``ontology/``) whose articles are generated text about fictional
places, people and events; every triple is anchored to a span of that text with code-point
offsets computed while the text is written, so the corpus passes the build's quote checks
and SHACL shapes like a curated article. The output depends only on N and the seed.

Accounts (docs/modelling.md): each article is written as TriG. Its statements about the
world (the properties the ontology marks ``ckg:requiresAccount``; dates only on events) go
into the account graph of one ``ckg:AuthorStatement`` by the article's author, the
"narration"; every claim is graded (``ckg:sourceGrade``) by who makes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import entailment, rdfio
from conflictkg.pipeline.accounts import ASSERTION_SUFFIX
from conflictkg.project import Project, ontology_files
from conflictkg.vocab import CKG, CKR, GEO, GRAPH, OA, PREFIXES, WGS

# Characters of context kept on each side of a span (oa:prefix / oa:suffix).
CONTEXT = 24

_ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "kh", "sh", "th"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o"]
# Non-ASCII letters make code-point offsets differ from UTF-8 byte offsets, as in real text.
_ACCENTED = {"a": "á", "e": "é", "i": "ï", "o": "ö", "u": "ū"}
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_ORDINALS = ["second", "third", "fourth", "fifth"]
_WEAPONS = [
    ("warplanes", "warplanes"),
    ("attack-helicopters", "attack helicopters"),
    ("heavy-artillery", "heavy artillery"),
    ("surveillance-drones", "surveillance drones"),
    ("rocket-launchers", "rocket launchers"),
]


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` (accents dropped), as the guide's slugs are."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


# --------------------------------------------------------------------------- the shared world


@dataclass
class Place:
    slug: str
    name: str
    lat: Decimal
    long: Decimal
    kind: URIRef
    parent: Place | None = None

    @property
    def iri(self) -> URIRef:
        return CKR["place/" + self.slug]


@dataclass
class Nation:
    """A fictional state with its cities, government, ministry, forces and office holders."""

    place: Place
    adjective: str
    cities: list[Place]
    leader: str
    minister: str
    division: str
    weapons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.place.slug


@dataclass
class World:
    """Entities shared by many articles, so the graph is connected across named graphs."""

    nations: list[Nation]
    armed_groups: list[str]
    media: list[str]
    monitors: list[str]
    publishers: list[str]
    authors: list[str]


class _Names:
    """Invented names, unique across the corpus so that slugs never collide."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def word(self, syllables: int, accent: float = 0.0) -> str:
        while True:
            parts = []
            for _ in range(syllables):
                vowel = self.rng.choice(_VOWELS)
                if self.rng.random() < accent:
                    vowel = _ACCENTED[vowel]
                parts.append(self.rng.choice(_ONSETS) + vowel)
            word = "".join(parts)
            word = word[0].upper() + word[1:]
            if slugify(word) not in self.used:
                self.used.add(slugify(word))
                return word

    def person(self) -> str:
        return f"{self.word(2)} {self.word(3, accent=0.15)}"


def _coordinate(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.4f}")


def make_world(rng: random.Random, nations: int = 12) -> World:
    names = _Names(rng)
    result = []
    for _ in range(nations):
        stem = names.word(2)
        name = stem + rng.choice(["ia", "ara", "ostan", "ene"])
        adjective = name[:-1] + "an" if name.endswith("a") else name + "i"
        lat, long = _coordinate(rng, -35, 55), _coordinate(rng, -15, 115)
        country = Place(slugify(name), name, lat, long, CKG.Country)
        cities = []
        for _ in range(5):
            city = names.word(rng.choice([2, 3]), accent=0.3)
            cities.append(
                Place(
                    slugify(city),
                    city,
                    Decimal(f"{float(lat) + rng.uniform(-3, 3):.4f}"),
                    Decimal(f"{float(long) + rng.uniform(-3, 3):.4f}"),
                    CKG.City,
                    parent=country,
                )
            )
        number = rng.randint(1, 12)
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number, "th")
        result.append(
            Nation(
                country,
                adjective,
                cities,
                leader=names.person(),
                minister=names.person(),
                division=f"{number}{suffix} {names.word(2)} Division",
                weapons=rng.sample(_WEAPONS, 3),
            )
        )
    return World(
        nations=result,
        armed_groups=[
            f"{names.word(2)} {rng.choice(['Front', 'Brigades', 'Movement'])}" for _ in range(8)
        ],
        media=[f"{names.word(2)} {rng.choice(['News', 'Press', 'Daily'])}" for _ in range(6)],
        monitors=[f"{names.word(2)} Casualty Count" for _ in range(4)],
        publishers=[f"{names.word(2)} Review" for _ in range(3)],
        authors=[names.person() for _ in range(10)],
    )


# --------------------------------------------------------------------------- one article


class _Writer:
    """Article text written piece by piece; ``mark`` records the code-point span it wrote."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)  # len() counts code points, the unit of oa:start/oa:end

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _previous_weekday(day: dt.date, back: int) -> dt.date:
    return day - dt.timedelta(days=back)


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _thousands(n: int) -> str:
    return f"{n:,}"


class _Article:
    """Builds one article's text and graph together, so every triple cites words it wrote."""

    def __init__(
        self, world: World, index: int, stem: str, rng: random.Random, used: set[str]
    ) -> None:
        self.world, self.index, self.stem, self.rng, self.used = world, index, stem, rng, used
        self.w = _Writer()
        self.g = Graph()
        self.spans: list[tuple[int, int]] = []
        self.attested: dict[URIRef, tuple[int, int]] = {}
        self.pending: list[URIRef] = []

    # -- helpers ---------------------------------------------------------------------------

    def unique(self, kind: str, slug: str) -> URIRef:
        """``ckr:{kind}/{slug}``, with a numeric suffix only when another article took it."""
        candidate, n = slug, 2
        while f"{kind}/{candidate}" in self.used:
            candidate, n = f"{slug}-{n}", n + 1
        self.used.add(f"{kind}/{candidate}")
        return CKR[f"{kind}/{candidate}"]

    def mention(self, resource: URIRef, text: str) -> None:
        """Write ``text``, naming ``resource``; the sentence being written will attest it."""
        self.w.add(text)
        self.pending.append(resource)

    def close(self, start: int, *also: URIRef) -> tuple[int, int]:
        """End the span begun at ``start``: it attests what was mentioned since, and ``also``.

        A resource is attested by the first sentence that names it, so the spans a
        resource cites are whole sentences, as a curator would select them.
        """
        span = (start, self.w.length)
        self.spans.append(span)
        for resource in (*self.pending, *also):
            self.attested.setdefault(resource, span)
        self.pending = []
        return span

    def attest(self, resource: URIRef, span: tuple[int, int]) -> None:
        self.spans.append(span)
        self.attested.setdefault(resource, span)

    def thing(self, iri: URIRef, cls: URIRef, label: str) -> URIRef:
        self.g.add((iri, RDF.type, cls))
        self.g.add((iri, RDFS.label, Literal(label, lang="en")))
        return iri

    def place(self, place: Place) -> URIRef:
        g = self.g
        self.thing(place.iri, place.kind, place.name)
        g.add((place.iri, WGS.lat, Literal(place.lat, datatype=XSD.decimal)))
        g.add((place.iri, WGS.long, Literal(place.long, datatype=XSD.decimal)))
        geometry = CKR["geometry/" + place.slug]
        g.add((place.iri, GEO.hasGeometry, geometry))
        g.add((geometry, RDF.type, GEO.Geometry))
        g.add((geometry, RDFS.label, Literal(f"point of {place.name}", lang="en")))
        g.add(
            (
                geometry,
                GEO.asWKT,
                Literal(f"POINT({place.long} {place.lat})", datatype=GEO.wktLiteral),
            )
        )
        if place.parent is not None:
            g.add((place.iri, CKG.locatedIn, place.parent.iri))
            self.place(place.parent)
        return place.iri

    def dated(self, iri: URIRef, start: dt.date, end: dt.date, words: str, precision: str) -> None:
        g = self.g
        g.add((iri, CKG.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        g.add((iri, CKG.endDate, Literal(end.isoformat(), datatype=XSD.date)))
        g.add((iri, CKG.dateExpression, Literal(words)))
        g.add((iri, CKG.datePrecision, Literal(precision)))

    def claim(
        self,
        classes: list[URIRef],
        slug: str,
        label: str,
        statement: str,
        claimant: URIRef,
        span: tuple[int, int],
        *,
        direct: bool | None = None,
        relayed: URIRef | None = None,
    ) -> URIRef:
        iri = self.unique("report" if _is_report(classes) else "claim", slug)
        for cls in classes:
            self.g.add((iri, RDF.type, cls))
        self.g.add((iri, RDFS.label, Literal(label, lang="en")))
        self.g.add((iri, CKG.statement, Literal(statement)))
        self.g.add((iri, CKG.claimant, claimant))
        if relayed is not None:
            self.g.add((iri, CKG.relayedBy, relayed))
        if direct is not None:
            self.g.add((iri, CKG.directQuote, Literal(direct)))
        self.attest(iri, span)
        return iri

    def figure(
        self, report: URIRef, words: str, low: int, high: int | None, qualifier: URIRef
    ) -> None:
        g = self.g
        g.add((report, CKG.countText, Literal(words)))
        g.add((report, CKG.minimumCount, Literal(low, datatype=XSD.nonNegativeInteger)))
        if high is not None:
            g.add((report, CKG.maximumCount, Literal(high, datatype=XSD.nonNegativeInteger)))
        g.add((report, CKG.countQualifier, qualifier))

    # -- the article -----------------------------------------------------------------------

    def build(self) -> tuple[str, Graph]:
        rng, world, w, g = self.rng, self.world, self.w, self.g
        home, host = rng.sample(world.nations, 2)
        city, other_city = rng.sample(host.cities, 2)
        district_name = rng.choice(["eastern", "western", "northern", "southern"])
        author = rng.choice(world.authors)
        publisher = rng.choice(world.publishers)
        relay, local_media = rng.sample(world.media, 2)
        monitor = rng.choice(world.monitors)
        group_name = rng.choice(world.armed_groups)
        weapon_slug, weapon_words = rng.choice(home.weapons)
        other_weapon = next(x for x in home.weapons if x[0] != weapon_slug)

        published = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(365 * 8))
        title = (
            f"{home.place.name} in talks with {host.place.name} on lasting troop "
            f"presence after {city.name} offensive"
        )

        # resources shared with other articles: fixed IRIs
        gov_home = CKR[f"org/government-of-{home.slug}"]
        gov_host = CKR[f"org/government-of-{host.slug}"]
        ministry = CKR[f"org/{home.slug}-defense-ministry"]
        forces_home = CKR[f"unit/{home.slug}-armed-forces"]
        forces_host = CKR[f"unit/{host.slug}-government-forces"]
        division = CKR[f"unit/{slugify(home.division)}"]
        minister = CKR["person/" + slugify(home.minister)]
        leader = CKR["person/" + slugify(host.leader)]
        author_iri = CKR["person/" + slugify(author)]
        publisher_iri = CKR["org/" + slugify(publisher)]
        relay_iri = CKR["org/" + slugify(relay)]
        local_iri = CKR["org/" + slugify(local_media)]
        monitor_iri = CKR["org/" + slugify(monitor)]
        group = CKR["group/" + slugify(group_name)]
        weapon = CKR[f"weapon/{home.slug}-{weapon_slug}"]
        weapon2 = CKR[f"weapon/{home.slug}-{other_weapon[0]}"]
        article_slug = slugify(title) + f"-{self.index:04d}"
        article = CKR["article/" + article_slug]
        self.article, self.article_slug = article, article_slug

        # resources of this article only
        district = Place(
            self.unique("place", f"{district_name}-{city.slug}").split("/")[-1],
            f"{district_name} {city.name}",
            Decimal(f"{float(city.lat) + rng.uniform(-0.05, 0.05):.4f}"),
            Decimal(f"{float(city.long) + rng.uniform(-0.05, 0.05):.4f}"),
            CKG.District,
            parent=city,
        )
        official = self.unique("person", f"{home.slug}-official")
        sources = self.unique("group", f"local-sources-in-{city.slug}")
        survivors = self.unique("group", f"survivors-in-{district.slug}")

        # ---- title and byline
        w.add("\n\n# ")
        start = w.length
        w.add(title)
        self.close(start, article, home.place.iri)
        w.add("\n\n")
        start = w.length
        self.mention(author_iri, author)
        self.close(start)
        w.add("  \n" + f"{published.day} {_MONTHS[published.month - 1]} {published.year}\n\n")

        # ---- paragraph 1: the talks
        negotiation = self.unique("event", f"{home.slug}-{host.slug}-troop-talks")
        presence = self.unique("event", f"{home.slug}-troop-presence-in-{host.slug}")
        start = w.length
        w.add("The ")
        self.mention(gov_home, f"{home.adjective} government")
        w.add(" and the government of Prime Minister ")
        self.mention(leader, host.leader)
        w.add(" are engaged in ")
        self.mention(negotiation, "negotiations")
        w.add(" over a proposal that would maintain a ")
        self.mention(presence, f"permanent {home.adjective} troop presence")
        w.add(" in ")
        self.mention(host.place.iri, host.place.name)
        w.add(", according to officials cited by ")
        self.mention(relay_iri, relay)
        w.add(".")
        talks_span = self.close(start, gov_host)
        w.add("\n\n")

        # ---- paragraph 2: history
        invasion_year = published.year - rng.randint(9, 14)
        withdrawal_year = invasion_year + rng.randint(4, 6)
        invasion = self.unique("event", f"{invasion_year}-{home.slug}-invasion-of-{host.slug}")
        withdrawal = self.unique(
            "event", f"{withdrawal_year}-{home.slug}-withdrawal-from-{host.slug}"
        )
        toll = rng.choice(
            [
                ("hundreds of thousands", 200000, 999999, CKG.VagueQuantity),
                ("over a million", 1000001, None, CKG.MoreThan),
            ]
        )
        start = w.length
        w.add(f"The talks come {published.year - invasion_year} years after ")
        self.mention(forces_home, f"{home.adjective} forces")
        w.add(" ")
        self.mention(invasion, "invaded the country")
        w.add(f" in {invasion_year} and unleashed a war that cost {toll[0]} lives.")
        history_span = self.close(start)
        w.add(" ")
        start = w.length
        w.add("They formally ")
        self.mention(withdrawal, "withdrew")
        w.add(f" in {withdrawal_year}, but the military presence never fully ended.")
        self.close(start)
        w.add("\n\n")

        # ---- paragraph 3: the minister
        start = w.length
        w.add("Defense Minister ")
        self.mention(minister, home.minister)
        w.add(", who commanded the ")
        self.mention(division, home.division)
        w.add(" during the invasion, is leading the talks with ")
        w.add(f"{host.adjective} officials, according to the {relay} report.")
        self.close(start, ministry)
        w.add("\n\n")

        # ---- paragraph 4: troop numbers
        operation_name = f"Operation {rng.choice(['Steadfast', 'Enduring', 'Northern', 'Iron'])} "
        operation_name += rng.choice(["Resolve", "Shield", "Guardian", "Dawn"])
        operation_year = withdrawal_year + rng.randint(1, 2)
        operation = self.unique("event", slugify(operation_name) + f"-{host.slug}")
        official_n = rng.randrange(2000, 9000, 500)
        actual_n = official_n + rng.randrange(1000, 4000, 500)
        official_words = _thousands(official_n)
        actual_words = f"well over {_thousands(actual_n)}"
        start = w.length
        w.add("Under the so-called ")
        self.mention(operation, operation_name)
        w.add(
            f" launched in {operation_year}, the troops have risen officially to {official_words}"
        )
        official_span = self.close(start)
        w.add(", ")
        start = w.length
        w.add(
            f"while the real number of troops is {actual_words} as the {home.adjective} "
            "defense ministry uses temporary deployments."
        )
        actual_span = self.close(start)
        w.add("\n\n")

        # ---- paragraph 5: the official's quote
        projected_words = "several thousand"
        start = w.length
        w.add(
            "“There is a general understanding on both sides that a continued presence "
            "would be in the long-term interests of each,” "
        )
        self.mention(official, f"a {home.adjective} official")
        w.add(f" told {relay}.")
        self.close(start)
        w.add(" ")
        start = w.length
        w.add(
            "The official said the number of troops that would remain would be "
            f"“{projected_words}.”"
        )
        projected_span = self.close(start)
        w.add("\n\n")

        # ---- paragraph 6: the offensive
        offensive = self.unique("event", f"{city.slug}-offensive")
        takeover = self.unique("event", f"{slugify(group_name)}-takeover-of-{city.slug}")
        seized = dt.date(published.year - rng.randint(1, 3), rng.randint(1, 12), 1)
        seized_words = f"{_MONTHS[seized.month - 1]} {seized.year}"
        start = w.length
        w.add(
            f"The discussions are unfolding under the shadow of the {rng.randint(3, 9)}-month-long "
        )
        self.mention(offensive, f"{home.adjective}-backed offensive")
        w.add(" by ")
        self.mention(forces_host, f"{host.adjective} government forces")
        w.add(" against ")
        self.mention(city.iri, city.name)
        w.add(f", {host.place.name}’s {rng.choice(_ORDINALS)}-largest city, which ")
        self.mention(group, group_name)
        w.add(" ")
        self.mention(takeover, "seized")
        w.add(f" in {seized_words}.")
        self.close(start)
        w.add(" ")
        start = w.length
        w.add(f"{home.adjective} ")
        self.mention(weapon, weapon_words)
        w.add(" and ")
        self.mention(weapon2, other_weapon[1])
        w.add(" have played a decisive role in the siege.")
        self.close(start)
        w.add("\n\n")

        # ---- paragraph 7: the latest strike
        strike_day = published - dt.timedelta(days=rng.randint(1, 6))
        weekday = _WEEKDAYS[strike_day.weekday()]
        strike = self.unique("event", f"{strike_day.isoformat()}-{district.slug}-airstrike")
        killed = rng.randint(5, 60)
        start = w.length
        w.add("In the latest atrocity, a ")
        self.mention(strike, f"strike by {home.adjective} {weapon_words}")
        w.add(f" killed at least {killed} civilians in ")
        self.mention(district.iri, f"{district_name} {city.name}")
        w.add(f" on {weekday}.")
        strike_span = self.close(start)
        w.add(" ")
        start = w.length
        w.add("The ")
        self.mention(local_iri, local_media)
        w.add(" web site, quoting ")
        self.mention(sources, "local sources")
        w.add(", reported that women and children were among the dead.")
        self.close(start)
        w.add("\n\n")

        # ---- paragraph 8: the investigation, the allegation and the denial
        earlier = published - dt.timedelta(days=rng.randint(20, 120))
        earlier_words = f"{_MONTHS[earlier.month - 1]} {earlier.day}"
        strike2 = self.unique("event", f"{earlier.isoformat()}-{other_city.slug}-airstrike")
        investigation = self.unique(
            "event", f"investigation-of-{earlier.isoformat()}-{other_city.slug}-airstrike"
        )
        estimated = rng.randint(40, 300)
        start = w.length
        w.add(f"The {home.adjective} ")
        self.mention(ministry, "defense ministry")
        w.add(" routinely denies responsibility for civilian deaths.")
        self.close(start)
        w.add(" ")
        start = w.length
        w.add("It has been compelled, however, to open an ")
        self.mention(investigation, "investigation")
        w.add(f" into a {earlier_words} ")
        self.mention(strike2, "attack")
        w.add(" in ")
        self.mention(other_city.iri, other_city.name)
        w.add(f" that killed an estimated {estimated} people, according to ")
        self.mention(monitor_iri, monitor)
        w.add(".")
        estimate_span = self.close(start)
        w.add(" ")
        start = w.length
        w.add(f"{monitor} holds {home.adjective} forces responsible for the deaths.")
        allegation_span = self.close(start)
        w.add(" A ministry spokesman replied: “")
        start = w.length
        w.add("Our forces take every precaution to avoid harm to civilians.")
        denial_span = self.close(start)
        w.add("”\n\n")

        # ---- paragraph 9: testimony and displacement
        first_month = (dt.date(published.year, published.month, 1) - dt.timedelta(days=45)).replace(
            day=1
        )
        second_month = (first_month + dt.timedelta(days=31)).replace(day=1)
        months_words = f"{_MONTHS[first_month.month - 1]} and {_MONTHS[second_month.month - 1]}"
        displacement = self.unique("event", f"{first_month:%Y-%m}-{city.slug}-displacement")
        displaced = rng.randrange(2000, 40000, 100)
        displaced_words = f"more than {_thousands(displaced)}"
        unit_words = rng.choice([("families", CKG.Families), ("residents", CKG.Residents)])
        start = w.length
        self.mention(survivors, "Survivors")
        w.add(
            f" in {district_name} {city.name} told {local_media}: “The planes came at night "
            "and the whole street was gone.”"
        )
        testimony_span = self.close(start)
        w.add(" ")
        start = w.length
        w.add(f"According to the same monitor, {displaced_words} {unit_words[0]} ")
        self.mention(displacement, "fled")
        w.add(f" {city.name} in {months_words}.")
        displaced_span = self.close(start)
        w.add("\n\n")

        # ---- paragraph 10: editorial judgement and closing
        start = w.length
        w.add(
            f"The plan for a lasting presence has nothing to do with fighting {group_name}; "
            f"it aims to secure {home.adjective} dominance over the region."
        )
        editorial_span = self.close(start)
        w.add("\n\nPublished by ")
        start = w.length
        self.mention(publisher_iri, publisher)
        self.close(start)
        w.add("\n")

        # ================================================================ triples
        text = w.text
        g.add((article, RDF.type, CKG.Article))
        g.add((article, RDFS.label, Literal(title, lang="en")))
        g.add((article, DCTERMS.title, Literal(title, lang="en")))
        g.add((article, DCTERMS.creator, author_iri))
        g.add((article, DCTERMS.publisher, publisher_iri))
        g.add((article, DCTERMS.date, Literal(published.isoformat(), datatype=XSD.date)))
        g.add((article, DCTERMS.language, Literal("en")))
        g.add((article, CKG.seedFile, Literal(self.stem + ".txt")))
        g.add((article, CKG.sha256, Literal(hashlib.sha256(text.encode("utf-8")).hexdigest())))

        # actors
        self.thing(author_iri, CKG.Person, author)
        self.thing(publisher_iri, CKG.MediaOrganization, publisher)
        self.thing(relay_iri, CKG.MediaOrganization, relay)
        self.thing(local_iri, CKG.MediaOrganization, local_media)
        self.thing(monitor_iri, CKG.MonitoringGroup, monitor)
        self.thing(gov_home, CKG.Government, f"government of {home.place.name}")
        g.add((gov_home, CKG.country, home.place.iri))
        self.thing(gov_host, CKG.Government, f"government of {host.place.name}")
        g.add((gov_host, CKG.country, host.place.iri))
        self.thing(ministry, CKG.GovernmentAgency, f"{home.adjective} defense ministry")
        g.add((ministry, CKG.country, home.place.iri))
        self.thing(forces_home, CKG.MilitaryUnit, f"{home.adjective} armed forces")
        g.add((forces_home, CKG.country, home.place.iri))
        g.add((forces_home, CKG.subordinateTo, ministry))
        self.thing(forces_host, CKG.MilitaryUnit, f"{host.adjective} government forces")
        g.add((forces_host, CKG.country, host.place.iri))
        g.add((forces_host, CKG.subordinateTo, gov_host))
        self.thing(division, CKG.MilitaryUnit, home.division)
        g.add((division, CKG.country, home.place.iri))
        g.add((division, CKG.subordinateTo, forces_home))
        self.thing(minister, CKG.Person, home.minister)
        g.add((minister, CKG.positionTitle, Literal("Defense Minister")))
        g.add((minister, CKG.memberOf, gov_home))
        g.add((minister, CKG.commanded, division))
        self.thing(leader, CKG.Person, host.leader)
        g.add((leader, CKG.positionTitle, Literal("Prime Minister")))
        g.add((leader, CKG.headOf, gov_host))
        self.thing(group, CKG.ArmedGroup, group_name)
        self.thing(official, CKG.Person, f"{home.adjective} official")
        g.add((official, CKG.anonymous, Literal(True)))
        g.add((official, CKG.memberOf, gov_home))
        self.thing(sources, CKG.PopulationGroup, f"local sources in {city.name}")
        g.add((sources, CKG.anonymous, Literal(True)))
        self.thing(survivors, CKG.PopulationGroup, f"survivors in {district_name} {city.name}")
        g.add((survivors, CKG.anonymous, Literal(True)))
        for iri, words in ((weapon, weapon_words), (weapon2, other_weapon[1])):
            self.thing(iri, CKG.WeaponSystem, f"{home.adjective} {words}")
            g.add((iri, CKG.operatedBy, forces_home))

        # places
        for place in (home.place, host.place, city, other_city, district):
            self.place(place)
        g.add(
            (
                district.iri,
                SKOS.altLabel,
                Literal(f"{district_name} part of {city.name}", lang="en"),
            )
        )

        # events
        self.thing(
            negotiation,
            CKG.Negotiation,
            f"{home.place.name}–{host.place.name} talks on a lasting troop presence",
        )
        g.add((negotiation, CKG.ledBy, minister))
        g.add((negotiation, CKG.participant, gov_home))
        g.add((negotiation, CKG.participant, gov_host))
        g.add((negotiation, CKG.concerns, presence))
        g.add((negotiation, CKG.location, host.place.iri))
        g.add((negotiation, CKG.status, CKG.Ongoing))
        self.thing(
            presence,
            CKG.TroopPresence,
            f"proposed permanent {home.adjective} troop presence in {host.place.name}",
        )
        g.add((presence, CKG.conductedBy, forces_home))
        g.add((presence, CKG.location, host.place.iri))
        g.add((presence, CKG.status, CKG.Proposed))
        self.thing(
            invasion,
            CKG.Invasion,
            f"{invasion_year} {home.adjective} invasion of {host.place.name}",
        )
        g.add((invasion, CKG.conductedBy, forces_home))
        g.add((invasion, CKG.target, host.place.iri))
        g.add((invasion, CKG.location, host.place.iri))
        g.add((invasion, CKG.status, CKG.Occurred))
        self.dated(
            invasion,
            dt.date(invasion_year, 1, 1),
            dt.date(invasion_year, 12, 31),
            str(invasion_year),
            "year",
        )
        self.thing(
            withdrawal,
            CKG.Withdrawal,
            f"{withdrawal_year} withdrawal of {home.adjective} forces from {host.place.name}",
        )
        g.add((withdrawal, CKG.conductedBy, forces_home))
        g.add((withdrawal, CKG.location, host.place.iri))
        g.add((withdrawal, CKG.status, CKG.Occurred))
        self.dated(
            withdrawal,
            dt.date(withdrawal_year, 1, 1),
            dt.date(withdrawal_year, 12, 31),
            str(withdrawal_year),
            "year",
        )
        self.thing(operation, CKG.MilitaryOperation, operation_name)
        g.add((operation, CKG.conductedBy, forces_home))
        g.add((operation, CKG.location, host.place.iri))
        g.add((operation, CKG.status, CKG.Ongoing))
        self.dated(
            operation,
            dt.date(operation_year, 1, 1),
            dt.date(operation_year, 12, 31),
            str(operation_year),
            "year",
        )
        self.thing(offensive, CKG.Offensive, f"offensive against {city.name}")
        g.add((offensive, CKG.conductedBy, forces_host))
        g.add((offensive, CKG.supportedBy, forces_home))
        g.add((offensive, CKG.target, city.iri))
        g.add((offensive, CKG.location, city.iri))
        g.add((offensive, CKG.usesWeapon, weapon))
        g.add((offensive, CKG.usesWeapon, weapon2))
        g.add((offensive, CKG.status, CKG.Ongoing))
        self.thing(takeover, CKG.Takeover, f"takeover of {city.name} by {group_name}")
        g.add((takeover, CKG.conductedBy, group))
        g.add((takeover, CKG.target, city.iri))
        g.add((takeover, CKG.location, city.iri))
        g.add((takeover, CKG.status, CKG.Occurred))
        self.dated(takeover, seized, _month_end(seized.year, seized.month), seized_words, "month")
        self.thing(
            strike,
            CKG.Airstrike,
            f"{strike_day.isoformat()} airstrike in {district_name} {city.name}",
        )
        g.add((strike, CKG.conductedBy, forces_home))
        g.add((strike, CKG.location, district.iri))
        g.add((strike, CKG.usesWeapon, weapon))
        g.add((strike, CKG.partOfEvent, offensive))
        g.add((strike, CKG.status, CKG.Occurred))
        self.dated(strike, strike_day, strike_day, weekday, "day")
        self.thing(strike2, CKG.Airstrike, f"{earlier.isoformat()} airstrike in {other_city.name}")
        g.add((strike2, CKG.conductedBy, forces_home))
        g.add((strike2, CKG.location, other_city.iri))
        g.add((strike2, CKG.status, CKG.Occurred))
        self.dated(strike2, earlier, earlier, earlier_words, "day")
        self.thing(
            investigation,
            CKG.Investigation,
            f"investigation of the {earlier.isoformat()} airstrike in {other_city.name}",
        )
        g.add((investigation, CKG.conductedBy, ministry))
        g.add((investigation, CKG.concerns, strike2))
        g.add((investigation, CKG.status, CKG.Ongoing))
        self.thing(displacement, CKG.Displacement, f"displacement from {city.name}")
        g.add((displacement, CKG.location, city.iri))
        g.add((displacement, CKG.causedBy, offensive))
        g.add((displacement, CKG.status, CKG.Occurred))
        self.dated(
            displacement,
            first_month,
            _month_end(second_month.year, second_month.month),
            months_words,
            "month",
        )

        # claims and reports
        talks = self.claim(
            [CKG.Claim],
            f"{negotiation.split('/')[-1]}-reported",
            f"report of the talks on a {home.adjective} troop presence",
            f"The {home.adjective} and {host.adjective} governments are "
            "negotiating a permanent troop presence.",
            official,
            talks_span,
            relayed=relay_iri,
        )
        g.add((talks, CKG.aboutEvent, negotiation))
        # a figure the author gives without a source is an editorial claim (modelling guide)
        toll_report = self.claim(
            [CKG.CasualtyReport, CKG.AuthorStatement],
            f"{invasion.split('/')[-1]}-death-toll",
            f"death toll of the {home.adjective} war in {host.place.name}",
            f"The war that began with the {invasion_year} invasion cost {toll[0]} lives.",
            author_iri,
            history_span,
        )
        g.add((toll_report, CKG.aboutEvent, invasion))
        g.add((toll_report, CKG.aboutPlace, host.place.iri))
        g.add((toll_report, CKG.outcome, CKG.Killed))
        g.add((toll_report, CKG.victimCategory, CKG.People))
        self.figure(toll_report, toll[0], toll[1], toll[2], toll[3])
        for slug, kind, words, span, low, high, qualifier, claimant in (
            (
                "official",
                CKG.OfficialFigure,
                official_words,
                official_span,
                official_n,
                official_n,
                CKG.Exact,
                ministry,
            ),
            (
                "actual",
                CKG.ActualFigure,
                actual_words,
                actual_span,
                actual_n + 1,
                None,
                CKG.MoreThan,
                author_iri,
            ),
            (
                "projected",
                CKG.ProjectedFigure,
                projected_words,
                projected_span,
                3000,
                9999,
                CKG.VagueQuantity,
                official,
            ),
        ):
            classes = [CKG.TroopStrengthReport]
            if claimant == author_iri:
                classes.append(CKG.AuthorStatement)
            report = self.claim(
                classes,
                f"{home.slug}-troops-in-{host.slug}-{slug}-{published.isoformat()}",
                f"{slug} {home.adjective} troop strength in {host.place.name}",
                f"The {slug} number of {home.adjective} troops in {host.place.name} is {words}.",
                claimant,
                span,
                relayed=relay_iri if claimant == official else None,
                direct=True if claimant == official else None,
            )
            g.add((report, CKG.aboutForce, forces_home))
            g.add((report, CKG.aboutPlace, host.place.iri))
            g.add((report, CKG.figureKind, kind))
            self.figure(report, words, low, high, qualifier)
            if slug != "projected":
                g.add((report, CKG.aboutEvent, operation))

        killed_report = self.claim(
            [CKG.CasualtyReport],
            f"{strike.split('/')[-1]}-deaths",
            f"civilians killed in the {strike_day.isoformat()} airstrike",
            f"At least {killed} civilians were killed in the airstrike in {district_name} "
            f"{city.name}.",
            sources,
            strike_span,
            relayed=local_iri,
        )
        g.add((killed_report, CKG.aboutEvent, strike))
        g.add((killed_report, CKG.aboutPlace, district.iri))
        g.add((killed_report, CKG.outcome, CKG.Killed))
        g.add((killed_report, CKG.victimCategory, CKG.Civilians))
        self.figure(killed_report, f"at least {killed}", killed, None, CKG.AtLeast)
        self.dated(killed_report, strike_day, strike_day, weekday, "day")

        estimate = self.claim(
            [CKG.CasualtyReport],
            f"{strike2.split('/')[-1]}-deaths",
            f"people killed in the {earlier.isoformat()} airstrike",
            f"An estimated {estimated} people were killed in the airstrike in {other_city.name}.",
            monitor_iri,
            estimate_span,
        )
        g.add((estimate, CKG.aboutEvent, strike2))
        g.add((estimate, CKG.aboutPlace, other_city.iri))
        g.add((estimate, CKG.outcome, CKG.Killed))
        g.add((estimate, CKG.victimCategory, CKG.People))
        self.figure(estimate, f"an estimated {estimated}", estimated, estimated, CKG.Estimated)
        self.dated(estimate, earlier, earlier, earlier_words, "day")
        allegation = self.claim(
            [CKG.Allegation],
            f"{strike2.split('/')[-1]}-responsibility",
            f"{home.adjective} forces blamed for the {earlier.isoformat()} deaths",
            f"{home.adjective} forces are responsible for the deaths in {other_city.name}.",
            monitor_iri,
            allegation_span,
        )
        g.add((allegation, CKG.aboutEvent, strike2))
        g.add((allegation, CKG.disputedBy, ministry))
        denial = self.claim(
            [CKG.Denial],
            f"{strike2.split('/')[-1]}-denial",
            f"{home.adjective} defense ministry denies harming civilians",
            "The defense ministry says its forces avoid harm to civilians.",
            ministry,
            denial_span,
            direct=True,
        )
        g.add((denial, CKG.disputes, allegation))
        testimony = self.claim(
            [CKG.Testimony],
            f"{strike.split('/')[-1]}-survivors",
            f"survivors of the {strike_day.isoformat()} airstrike",
            "Survivors say the night strike destroyed their whole street.",
            survivors,
            testimony_span,
            direct=True,
            relayed=local_iri,
        )
        g.add((testimony, CKG.aboutEvent, strike))
        displaced_report = self.claim(
            [CKG.CasualtyReport],
            f"{displacement.split('/')[-1]}-count",
            f"{unit_words[0]} displaced from {city.name}",
            f"More than {_thousands(displaced)} {unit_words[0]} fled {city.name} in "
            f"{months_words}.",
            monitor_iri,
            displaced_span,
        )
        g.add((displaced_report, CKG.aboutEvent, displacement))
        g.add((displaced_report, CKG.aboutPlace, city.iri))
        g.add((displaced_report, CKG.outcome, CKG.Displaced))
        g.add((displaced_report, CKG.victimCategory, unit_words[1]))
        self.figure(displaced_report, displaced_words, displaced + 1, None, CKG.MoreThan)
        self.dated(
            displaced_report,
            first_month,
            _month_end(second_month.year, second_month.month),
            months_words,
            "month",
        )
        editorial = self.claim(
            [CKG.AuthorJudgement],
            f"{presence.split('/')[-1]}-purpose-{published.isoformat()}",
            f"purpose of a lasting {home.adjective} presence",
            f"The lasting presence serves {home.adjective} dominance, not the fight against "
            f"{group_name}.",
            author_iri,
            editorial_span,
        )
        g.add((editorial, CKG.aboutEvent, presence))
        # the statements about the world the text makes in the author's voice: one account
        narration = self.claim(
            [CKG.AuthorStatement],
            f"{article_slug}-narration",
            f"the author's account of the events of \u201c{_shorten(title)}\u201d",
            "What the article states about the events in its own voice.",
            author_iri,
            talks_span,
        )
        g.add((narration, CKG.assertionGraph, URIRef(f"{narration}{ASSERTION_SUFFIX}")))
        grades: dict[object, URIRef] = {
            author_iri: CKG.AuthorOnlySource,
            official: CKG.AnonymousOfficialSource,
            ministry: CKG.NamedOfficialSource,
            sources: CKG.AnonymousLocalSource,
            survivors: CKG.EyewitnessSource,
            monitor_iri: CKG.MonitoringGroupSource,
        }
        for graded, who in list(g.subject_objects(CKG.claimant)):
            g.add((graded, CKG.sourceGrade, grades[who]))

        # every described resource cites the span that first mentions it
        for resource, span in self.attested.items():
            g.add((resource, CKG.attestedBy, self.span_iri(span)))
        for start, end in sorted(set(self.spans)):
            self.add_span(text, start, end)
        self.check(text)
        return text, g

    def span_iri(self, span: tuple[int, int]) -> URIRef:
        return CKR[f"article/{self.article_slug}/span/{span[0]}-{span[1]}"]

    def add_span(self, text: str, start: int, end: int) -> None:
        g, iri = self.g, self.span_iri((start, end))
        exact = text[start:end]
        g.add((iri, RDF.type, CKG.TextSpan))
        g.add((iri, RDFS.label, Literal(_shorten(exact), lang="en")))
        g.add((iri, OA.exact, Literal(exact)))
        g.add((iri, OA.start, Literal(start, datatype=XSD.nonNegativeInteger)))
        g.add((iri, OA.end, Literal(end, datatype=XSD.nonNegativeInteger)))
        g.add((iri, CKG.inArticle, self.article))

    def check(self, text: str) -> None:
        """Fail loudly on a generator bug rather than write a corpus the build would reject."""
        unattested = {
            s
            for s in self.g.subjects(RDF.type, None)
            if (s, CKG.attestedBy, None) not in self.g
            and (s, RDF.type, CKG.TextSpan) not in self.g
            and (s, RDF.type, GEO.Geometry) not in self.g
        }
        if unattested:
            raise AssertionError(f"unattested resources: {sorted(str(u) for u in unattested)}")
        for span in self.g.subjects(RDF.type, CKG.TextSpan):
            start = int(str(self.g.value(span, OA.start)))
            end = int(str(self.g.value(span, OA.end)))
            if text[start:end] != str(self.g.value(span, OA.exact)):
                raise AssertionError(f"offsets of {span} do not match its text")


def _is_report(classes: list[URIRef]) -> bool:
    return any(c in (CKG.CasualtyReport, CKG.TroopStrengthReport) for c in classes)


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- the corpus


def generate(articles: int, seed: int) -> Iterator[tuple[str, str, Graph]]:
    """Yield ``(stem, text, graph)`` for each invented article, deterministically for ``seed``."""
    rng = random.Random(seed)
    world = make_world(rng)
    used: set[str] = set()
    width = max(3, len(str(articles - 1)))
    for index in range(articles):
        # the stem's hash part depends on the seed and index, as the real ones name a source
        digest = hashlib.sha256(f"synthetic:{seed}:{index}".encode()).hexdigest()[:16]
        stem = f"{index:0{width}d}_{digest}"
        article_rng = random.Random(f"{seed}:{index}")
        text, graph = _Article(world, index, stem, article_rng, used).build()
        yield stem, text, graph


def serialize(graph: Graph) -> str:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph.serialize(format="turtle")


class Accounts:
    """Which triples of a generated article are statements about the world (ontology)."""

    def __init__(self, ontology: Graph) -> None:
        self.predicates = {
            p
            for p, v in ontology.subject_objects(CKG.requiresAccount)
            if isinstance(v, Literal) and v.toPython() is True
        }
        superclasses = entailment.Rules(ontology).superclasses
        self.events = {c for c, parents in superclasses.items() if CKG.Event in parents}
        self.events.add(CKG.Event)

    def trig(self, graph: Graph) -> str:
        """The article as TriG: its statements about the world in its author's account graph.

        Dates stay in the backbone on claims (a report's period), move on events.
        """
        names = list(graph.objects(None, CKG.assertionGraph))
        assert len(names) == 1, "one account per synthetic article"
        backbone, account = Graph(), Graph()
        for s, p, o in graph:
            world = p in self.predicates and (
                p not in _DATES or any(c in self.events for c in graph.objects(s, RDF.type))
            )
            (account if world else backbone).add((s, p, o))
        body = [line for line in serialize(account).splitlines() if not line.startswith("@")]
        block = "\n".join("    " + line if line else "" for line in body).strip("\n")
        return f"{serialize(backbone)}\n{names[0].n3()} {{\n{block}\n}}\n"


_DATES = (CKG.startDate, CKG.endDate, CKG.dateExpression, CKG.datePrecision)


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width = total, label, width
        self.started = self.last = time.monotonic()
        self.enabled = total >= 20

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        filled = self.width * done // max(self.total, 1)
        elapsed = now - self.started
        eta = elapsed / done * (self.total - done) if done else 0.0
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{done}/{self.total}  {elapsed:5.1f}s  eta {eta:5.1f}s"
        )
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _source_project(args: argparse.Namespace) -> Project:
    explicit = getattr(args, "project", None)
    if explicit is not None:
        return Project.find(explicit)
    try:
        return Project.find()
    except ConflictKGError:
        # run from elsewhere: the checkout this package is installed from
        return Project.find(Path(__file__).resolve().parent)


def write_corpus(target: Path, articles: int, seed: int, ontology: Path | None) -> int:
    """Write the corpus into ``target`` (new or empty); return the number of triples."""
    if articles < 1:
        raise ConflictKGError(f"--articles must be at least 1 (got {articles})")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConflictKGError(f"{target}: exists and is not an empty folder; choose a new one")
    (target / "seeds").mkdir(parents=True, exist_ok=True)
    (target / "triples").mkdir(exist_ok=True)
    if ontology is not None and ontology.is_dir():
        shutil.copytree(ontology, target / "ontology")
    else:
        (target / "ontology").mkdir()
    progress = Progress(articles, "synth")
    triples = 0
    accounts = Accounts(_ontology(ontology))
    for done, (stem, text, graph) in enumerate(generate(articles, seed), start=1):
        # newline="" keeps the text byte-for-byte as the offsets were computed
        with open(target / "seeds" / f"{stem}.txt", "w", encoding="utf-8", newline="") as f:
            f.write(text)
        (target / "triples" / f"{stem}.trig").write_text(accounts.trig(graph), encoding="utf-8")
        triples += len(graph)
        progress.update(done)
    return triples


def _ontology(folder: Path | None) -> Graph:
    """The ontology of ``folder``, else of the checkout this package is installed from."""
    if folder is None or not folder.is_dir():
        folder = Project.find(Path(__file__).resolve().parent).ontology
    graph = Graph()
    for path in ontology_files(folder):
        rdfio.parse_file(path, graph)
    return graph


def graph_iri(stem: str) -> URIRef:
    """The named graph of the article whose triples file has this stem."""
    return GRAPH[stem]


def command(args: argparse.Namespace) -> int:
    source = _source_project(args)
    started = time.monotonic()
    triples = write_corpus(Path(args.target), args.articles, args.seed, source.ontology)
    print(
        f"wrote {args.articles} synthetic articles ({triples} triples) to {args.target} "
        f"in {time.monotonic() - started:.1f}s (seed {args.seed}, ontology from "
        f"{source.ontology})"
    )
    return 0
