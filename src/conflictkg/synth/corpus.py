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
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline import entailment, rdfio
from conflictkg.pipeline.accounts import ASSERTION_SUFFIX
from conflictkg.pipeline.progress import Progress
from conflictkg.project import Project, ontology_files
from conflictkg.synth import templates
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
    weapons: list[tuple[str, str]]

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

    def write(self, v: SimpleNamespace, paragraph: templates.Paragraph) -> None:
        """Write a paragraph of :mod:`templates`: its templates filled from ``v``, each
        sentence closed as a span (kept in ``v`` when the sentence names where)."""
        for item in paragraph:
            if isinstance(item, str):
                self.w.add(item.format(v=v))
                continue
            start = self.w.length
            for piece in item.pieces:
                if isinstance(piece, str):
                    self.w.add(piece.format(v=v))
                else:
                    self.mention(attrgetter(piece.resource)(v), piece.words.format(v=v))
            span = self.close(start, *(attrgetter(path)(v) for path in item.also))
            if item.span is not None:
                setattr(v, item.span, span)

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

    def casualties(
        self,
        report: URIRef,
        event: URIRef,
        place: URIRef,
        outcome: URIRef,
        victims: URIRef,
        figure: tuple[str, int, int | None, URIRef],
        when: tuple[dt.date, dt.date, str, str] | None = None,
    ) -> None:
        """What a casualty report is about: the event, the place, what befell whom, the
        figure (words, low, high, qualifier) and, when the text gives it, the date."""
        g = self.g
        g.add((report, CKG.aboutEvent, event))
        g.add((report, CKG.aboutPlace, place))
        g.add((report, CKG.outcome, outcome))
        g.add((report, CKG.victimCategory, victims))
        self.figure(report, *figure)
        if when is not None:
            self.dated(report, *when)

    # -- the article -----------------------------------------------------------------------

    def build(self) -> tuple[str, Graph]:
        """Write the article and its triples: the cast, each paragraph of the text (spans
        recorded as the words are written), then the resources, events, claims and reports
        the text supports. ``v`` holds what one step makes and a later one uses (the cast,
        the numbers drawn, the spans); a name used by one step alone stays local to it. The
        steps draw from the article's random generator in this order, so the corpus is the
        same for the same seed."""
        v = SimpleNamespace()
        self._cast(v)
        self._title_and_byline(v)
        self._paragraph_1(v)
        self._paragraph_2(v)
        self._paragraph_3(v)
        self._paragraph_4(v)
        self._paragraph_5(v)
        self._paragraph_6(v)
        self._paragraph_7(v)
        self._paragraph_8(v)
        self._paragraph_9(v)
        self._paragraph_10(v)
        self._resources(v)
        self._actors(v)
        self._places(v)
        self._events(v)
        self._claims(v)
        self._narration(v)
        self._attestations(v)
        return v.text, self.g

    def _cast(self, v: SimpleNamespace) -> None:
        rng, world = self.rng, self.world
        v.home, v.host = rng.sample(world.nations, 2)
        v.city, v.other_city = rng.sample(v.host.cities, 2)
        v.district_name = rng.choice(["eastern", "western", "northern", "southern"])
        v.author = rng.choice(world.authors)
        v.publisher = rng.choice(world.publishers)
        v.relay, v.local_media = rng.sample(world.media, 2)
        v.monitor = rng.choice(world.monitors)
        v.group_name = rng.choice(world.armed_groups)
        weapon_slug, v.weapon_words = rng.choice(v.home.weapons)
        v.other_weapon = next(x for x in v.home.weapons if x[0] != weapon_slug)

        v.published = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(365 * 8))
        v.title = (
            f"{v.home.place.name} in talks with {v.host.place.name} on lasting troop "
            f"presence after {v.city.name} offensive"
        )

        # resources shared with other articles: fixed IRIs
        v.gov_home = CKR[f"org/government-of-{v.home.slug}"]
        v.gov_host = CKR[f"org/government-of-{v.host.slug}"]
        v.ministry = CKR[f"org/{v.home.slug}-defense-ministry"]
        v.forces_home = CKR[f"unit/{v.home.slug}-armed-forces"]
        v.forces_host = CKR[f"unit/{v.host.slug}-government-forces"]
        v.division = CKR[f"unit/{slugify(v.home.division)}"]
        v.minister = CKR["person/" + slugify(v.home.minister)]
        v.leader = CKR["person/" + slugify(v.host.leader)]
        v.author_iri = CKR["person/" + slugify(v.author)]
        v.publisher_iri = CKR["org/" + slugify(v.publisher)]
        v.relay_iri = CKR["org/" + slugify(v.relay)]
        v.local_iri = CKR["org/" + slugify(v.local_media)]
        v.monitor_iri = CKR["org/" + slugify(v.monitor)]
        v.group = CKR["group/" + slugify(v.group_name)]
        v.weapon = CKR[f"weapon/{v.home.slug}-{weapon_slug}"]
        v.weapon2 = CKR[f"weapon/{v.home.slug}-{v.other_weapon[0]}"]
        v.article_slug = slugify(v.title) + f"-{self.index:04d}"
        v.article = CKR["article/" + v.article_slug]
        self.article, self.article_slug = v.article, v.article_slug

        # resources of this article only
        v.district = Place(
            self.unique("place", f"{v.district_name}-{v.city.slug}").split("/")[-1],
            f"{v.district_name} {v.city.name}",
            Decimal(f"{float(v.city.lat) + rng.uniform(-0.05, 0.05):.4f}"),
            Decimal(f"{float(v.city.long) + rng.uniform(-0.05, 0.05):.4f}"),
            CKG.District,
            parent=v.city,
        )
        v.official = self.unique("person", f"{v.home.slug}-official")
        v.sources = self.unique("group", f"local-sources-in-{v.city.slug}")
        v.survivors = self.unique("group", f"survivors-in-{v.district.slug}")

    def _title_and_byline(self, v: SimpleNamespace) -> None:
        v.published_words = f"{v.published.day} {_MONTHS[v.published.month - 1]} {v.published.year}"
        self.write(v, templates.TITLE_AND_BYLINE)

    def _paragraph_1(self, v: SimpleNamespace) -> None:
        # ---- paragraph 1: the talks
        v.negotiation = self.unique("event", f"{v.home.slug}-{v.host.slug}-troop-talks")
        v.presence = self.unique("event", f"{v.home.slug}-troop-presence-in-{v.host.slug}")
        self.write(v, templates.PARAGRAPHS[0])

    def _paragraph_2(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 2: history
        v.invasion_year = v.published.year - rng.randint(9, 14)
        v.withdrawal_year = v.invasion_year + rng.randint(4, 6)
        v.invasion = self.unique(
            "event", f"{v.invasion_year}-{v.home.slug}-invasion-of-{v.host.slug}"
        )
        v.withdrawal = self.unique(
            "event", f"{v.withdrawal_year}-{v.home.slug}-withdrawal-from-{v.host.slug}"
        )
        v.toll = rng.choice(
            [
                ("hundreds of thousands", 200000, 999999, CKG.VagueQuantity),
                ("over a million", 1000001, None, CKG.MoreThan),
            ]
        )
        v.years_since = v.published.year - v.invasion_year
        self.write(v, templates.PARAGRAPHS[1])

    def _paragraph_3(self, v: SimpleNamespace) -> None:
        # ---- paragraph 3: the minister
        self.write(v, templates.PARAGRAPHS[2])

    def _paragraph_4(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 4: troop numbers
        v.operation_name = f"Operation {rng.choice(['Steadfast', 'Enduring', 'Northern', 'Iron'])} "
        v.operation_name += rng.choice(["Resolve", "Shield", "Guardian", "Dawn"])
        v.operation_year = v.withdrawal_year + rng.randint(1, 2)
        v.operation = self.unique("event", slugify(v.operation_name) + f"-{v.host.slug}")
        v.official_n = rng.randrange(2000, 9000, 500)
        v.actual_n = v.official_n + rng.randrange(1000, 4000, 500)
        v.official_words = _thousands(v.official_n)
        v.actual_words = f"well over {_thousands(v.actual_n)}"
        v.actual_low = v.actual_n + 1
        self.write(v, templates.PARAGRAPHS[3])

    def _paragraph_5(self, v: SimpleNamespace) -> None:
        # ---- paragraph 5: the official's quote
        v.projected_words = "several thousand"
        self.write(v, templates.PARAGRAPHS[4])

    def _paragraph_6(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 6: the offensive
        v.offensive = self.unique("event", f"{v.city.slug}-offensive")
        v.takeover = self.unique("event", f"{slugify(v.group_name)}-takeover-of-{v.city.slug}")
        v.seized = dt.date(v.published.year - rng.randint(1, 3), rng.randint(1, 12), 1)
        v.seized_words = f"{_MONTHS[v.seized.month - 1]} {v.seized.year}"
        v.siege_months = rng.randint(3, 9)
        v.city_rank = rng.choice(_ORDINALS)
        self.write(v, templates.PARAGRAPHS[5])

    def _paragraph_7(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 7: the latest strike
        v.strike_day = v.published - dt.timedelta(days=rng.randint(1, 6))
        v.weekday = _WEEKDAYS[v.strike_day.weekday()]
        v.strike = self.unique("event", f"{v.strike_day.isoformat()}-{v.district.slug}-airstrike")
        v.killed = rng.randint(5, 60)
        self.write(v, templates.PARAGRAPHS[6])

    def _paragraph_8(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 8: the investigation, the allegation and the denial
        v.earlier = v.published - dt.timedelta(days=rng.randint(20, 120))
        v.earlier_words = f"{_MONTHS[v.earlier.month - 1]} {v.earlier.day}"
        v.strike2 = self.unique("event", f"{v.earlier.isoformat()}-{v.other_city.slug}-airstrike")
        v.investigation = self.unique(
            "event", f"investigation-of-{v.earlier.isoformat()}-{v.other_city.slug}-airstrike"
        )
        v.estimated = rng.randint(40, 300)
        self.write(v, templates.PARAGRAPHS[7])

    def _paragraph_9(self, v: SimpleNamespace) -> None:
        rng = self.rng
        # ---- paragraph 9: testimony and displacement
        v.first_month = (
            dt.date(v.published.year, v.published.month, 1) - dt.timedelta(days=45)
        ).replace(day=1)
        v.second_month = (v.first_month + dt.timedelta(days=31)).replace(day=1)
        v.months_words = (
            f"{_MONTHS[v.first_month.month - 1]} and {_MONTHS[v.second_month.month - 1]}"
        )
        v.displacement = self.unique("event", f"{v.first_month:%Y-%m}-{v.city.slug}-displacement")
        v.displaced = rng.randrange(2000, 40000, 100)
        v.displaced_words = f"more than {_thousands(v.displaced)}"
        v.displaced_low = v.displaced + 1
        v.unit_words = rng.choice([("families", CKG.Families), ("residents", CKG.Residents)])
        self.write(v, templates.PARAGRAPHS[8])

    def _paragraph_10(self, v: SimpleNamespace) -> None:
        # ---- paragraph 10: editorial judgement and closing
        self.write(v, templates.PARAGRAPHS[9])

    def _resources(self, v: SimpleNamespace) -> None:
        w, g = self.w, self.g
        # ================================================================ triples
        v.text = w.text
        g.add((v.article, RDF.type, CKG.Article))
        g.add((v.article, RDFS.label, Literal(v.title, lang="en")))
        g.add((v.article, DCTERMS.title, Literal(v.title, lang="en")))
        g.add((v.article, DCTERMS.creator, v.author_iri))
        g.add((v.article, DCTERMS.publisher, v.publisher_iri))
        g.add((v.article, DCTERMS.date, Literal(v.published.isoformat(), datatype=XSD.date)))
        g.add((v.article, DCTERMS.language, Literal("en")))
        g.add((v.article, CKG.seedFile, Literal(self.stem + ".txt")))
        g.add((v.article, CKG.sha256, Literal(hashlib.sha256(v.text.encode("utf-8")).hexdigest())))

    def _actors(self, v: SimpleNamespace) -> None:
        g = self.g
        # actors
        self.thing(v.author_iri, CKG.Person, v.author)
        self.thing(v.publisher_iri, CKG.MediaOrganization, v.publisher)
        self.thing(v.relay_iri, CKG.MediaOrganization, v.relay)
        self.thing(v.local_iri, CKG.MediaOrganization, v.local_media)
        self.thing(v.monitor_iri, CKG.MonitoringGroup, v.monitor)
        self.thing(v.gov_home, CKG.Government, f"government of {v.home.place.name}")
        g.add((v.gov_home, CKG.country, v.home.place.iri))
        self.thing(v.gov_host, CKG.Government, f"government of {v.host.place.name}")
        g.add((v.gov_host, CKG.country, v.host.place.iri))
        self.thing(v.ministry, CKG.GovernmentAgency, f"{v.home.adjective} defense ministry")
        g.add((v.ministry, CKG.country, v.home.place.iri))
        self.thing(v.forces_home, CKG.MilitaryUnit, f"{v.home.adjective} armed forces")
        g.add((v.forces_home, CKG.country, v.home.place.iri))
        g.add((v.forces_home, CKG.subordinateTo, v.ministry))
        self.thing(v.forces_host, CKG.MilitaryUnit, f"{v.host.adjective} government forces")
        g.add((v.forces_host, CKG.country, v.host.place.iri))
        g.add((v.forces_host, CKG.subordinateTo, v.gov_host))
        self.thing(v.division, CKG.MilitaryUnit, v.home.division)
        g.add((v.division, CKG.country, v.home.place.iri))
        g.add((v.division, CKG.subordinateTo, v.forces_home))
        self.thing(v.minister, CKG.Person, v.home.minister)
        g.add((v.minister, CKG.positionTitle, Literal("Defense Minister")))
        g.add((v.minister, CKG.memberOf, v.gov_home))
        g.add((v.minister, CKG.commanded, v.division))
        self.thing(v.leader, CKG.Person, v.host.leader)
        g.add((v.leader, CKG.positionTitle, Literal("Prime Minister")))
        g.add((v.leader, CKG.headOf, v.gov_host))
        self.thing(v.group, CKG.ArmedGroup, v.group_name)
        self.thing(v.official, CKG.Person, f"{v.home.adjective} official")
        g.add((v.official, CKG.anonymous, Literal(True)))
        g.add((v.official, CKG.memberOf, v.gov_home))
        self.thing(v.sources, CKG.PopulationGroup, f"local sources in {v.city.name}")
        g.add((v.sources, CKG.anonymous, Literal(True)))
        self.thing(
            v.survivors, CKG.PopulationGroup, f"survivors in {v.district_name} {v.city.name}"
        )
        g.add((v.survivors, CKG.anonymous, Literal(True)))
        for iri, words in ((v.weapon, v.weapon_words), (v.weapon2, v.other_weapon[1])):
            self.thing(iri, CKG.WeaponSystem, f"{v.home.adjective} {words}")
            g.add((iri, CKG.operatedBy, v.forces_home))

    def _places(self, v: SimpleNamespace) -> None:
        g = self.g
        # places
        for place in (v.home.place, v.host.place, v.city, v.other_city, v.district):
            self.place(place)
        g.add(
            (
                v.district.iri,
                SKOS.altLabel,
                Literal(f"{v.district_name} part of {v.city.name}", lang="en"),
            )
        )

    def _events(self, v: SimpleNamespace) -> None:
        """The events of :data:`templates.EVENTS`, each with its links, status and dates."""
        for event in templates.EVENTS:
            iri = attrgetter(event.iri)(v)
            self.thing(iri, CKG[event.cls], event.label.format(v=v))
            for prop, path in event.links:
                self.g.add((iri, CKG[prop], attrgetter(path)(v)))
            self.g.add((iri, CKG.status, CKG[event.status]))
            if event.when:
                self.dated(iri, *_when(v, event.when))

    def _claims(self, v: SimpleNamespace) -> None:
        """The claims and reports of :data:`templates.CLAIMS`, each kept in ``v``."""
        tail = _Tails(v)
        for c in templates.CLAIMS:
            iri = self.claim(
                [CKG[name] for name in c.classes],
                c.slug.format(v=v, tail=tail),
                c.label.format(v=v),
                c.statement.format(v=v),
                _value(v, c.claimant),
                _value(v, c.span),
                direct=c.direct,
                relayed=None if c.relayed is None else _value(v, c.relayed),
            )
            setattr(v, c.name, iri)
            for prop, value in c.links:
                self.g.add((iri, CKG[prop], _value(v, value)))
            figure = None
            if c.figure is not None:
                words, low, high, qualifier = c.figure
                figure = (words.format(v=v), _value(v, low), _value(v, high), _value(v, qualifier))
            if c.casualties is not None:
                if figure is None:
                    raise ValueError(
                        f"synth/templates.py: {c.name}: a casualty report needs a figure"
                    )
                k = c.casualties
                self.casualties(
                    iri,
                    _value(v, k.event),
                    _value(v, k.place),
                    _value(v, k.outcome),
                    _value(v, k.victims),
                    figure,
                    _when(v, c.when) if c.when else None,
                )
            elif figure is not None:
                self.figure(iri, *figure)

    def _narration(self, v: SimpleNamespace) -> None:
        g = self.g
        # the statements about the world the text makes in the author's voice: one account
        narration = self.claim(
            [CKG.AuthorStatement],
            f"{v.article_slug}-narration",
            f"the author's account of the events of \u201c{_shorten(v.title)}\u201d",
            "What the article states about the events in its own voice.",
            v.author_iri,
            v.talks_span,
        )
        g.add((narration, CKG.assertionGraph, URIRef(f"{narration}{ASSERTION_SUFFIX}")))
        grades: dict[object, URIRef] = {
            v.author_iri: CKG.AuthorOnlySource,
            v.official: CKG.AnonymousOfficialSource,
            v.ministry: CKG.NamedOfficialSource,
            v.sources: CKG.AnonymousLocalSource,
            v.survivors: CKG.EyewitnessSource,
            v.monitor_iri: CKG.MonitoringGroupSource,
        }
        for graded, who in list(g.subject_objects(CKG.claimant)):
            g.add((graded, CKG.sourceGrade, grades[who]))

    def _attestations(self, v: SimpleNamespace) -> None:
        g = self.g
        # every described resource cites the span that first mentions it
        for resource, span in self.attested.items():
            g.add((resource, CKG.attestedBy, self.span_iri(span)))
        for start, end in sorted(set(self.spans)):
            self.add_span(v.text, start, end)
        self.check(v.text)

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


def _value(v: SimpleNamespace, spec: str | int | None) -> Any:
    """A value of a template row: a number or nothing as it is, ``ckg:Name`` a term of the
    ontology, else a path in ``v`` whose digit segments index tuples (``"toll.1"``)."""
    if not isinstance(spec, str):
        return spec
    if spec.startswith("ckg:"):
        return CKG[spec.removeprefix("ckg:")]
    value: Any = v
    for part in spec.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


class _Tails:
    """``{tail.x}`` in a slug template: the last path segment of the IRI ``v.x``."""

    def __init__(self, v: SimpleNamespace) -> None:
        self.v = v

    def __getattr__(self, name: str) -> str:
        return str(getattr(self.v, name)).split("/")[-1]


def _when(v: SimpleNamespace, when: tuple[str, ...]) -> tuple[dt.date, dt.date, str, str]:
    """Start, end, words and precision of an event's date, from a row's ``when`` (the kinds
    of :data:`templates.WHEN_KINDS`)."""
    kind, *paths = when
    values = [attrgetter(path)(v) for path in paths]
    if kind == "year":
        year = values[0]
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), "year"
    if kind == "day":
        return values[0], values[0], values[1], "day"
    if kind == "month":
        first, last, words = values
        return first, _month_end(last.year, last.month), words, "month"
    raise ValueError(f"synth/templates.py: unknown kind of date {kind!r} (not in WHEN_KINDS)")


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
    triples = 0
    accounts = Accounts(_ontology(ontology))
    with Progress(articles) as progress:
        for done, (stem, text, graph) in enumerate(generate(articles, seed), start=1):
            # newline="" keeps the text byte-for-byte as the offsets were computed
            with open(target / "seeds" / f"{stem}.txt", "w", encoding="utf-8", newline="") as f:
                f.write(text)
            trig = accounts.trig(graph)
            (target / "triples" / f"{stem}.trig").write_text(trig, encoding="utf-8")
            triples += len(graph)
            progress.advance("synth", done, articles)
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
    try:
        triples = write_corpus(Path(args.target), args.articles, args.seed, source.ontology)
    except OSError as error:  # a folder that cannot be made or written, a full disk
        where = error.filename or args.target
        raise ConflictKGError(f"{where}: cannot write the corpus: {error.strerror}") from None
    print(
        f"wrote {args.articles} synthetic articles ({triples} triples) to {args.target} "
        f"in {time.monotonic() - started:.1f}s (seed {args.seed}, ontology from "
        f"{source.ontology})"
    )
    return 0
