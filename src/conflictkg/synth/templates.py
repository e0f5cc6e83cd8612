"""The synthetic article's templates as data, read by the small functions of ``corpus.py``.

A row names the values the cast drew (attribute paths of the article's namespace ``v``,
such as ``"host.place.iri"``) rather than holding code, so a new event or a change of
wording is an edit of a table. Labels are ``str.format`` templates over ``v``. The order of
the rows is the order the triples are written in, and nothing here draws a random number,
so the corpus for a seed does not depend on these tables' layout.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventTemplate:
    """One event of the article: its IRI (a path in ``v``), its ``ckg:`` class, its label,
    the links it has (``ckg:`` property, path in ``v``) in order, its ``ckg:`` status, and
    when it happened (see :data:`WHEN_KINDS`), if the article says."""

    iri: str
    cls: str
    label: str
    links: tuple[tuple[str, str], ...]
    status: str
    when: tuple[str, ...] = ()


WHEN_KINDS = ("year", "day", "month")
"""``("year", year)``: the whole year; ``("day", day, words)``: one day;
``("month", first day, day in the last month, words)``: whole months."""

EVENTS: tuple[EventTemplate, ...] = (
    EventTemplate(
        "negotiation",
        "Negotiation",
        "{v.home.place.name}–{v.host.place.name} talks on a lasting troop presence",
        (
            ("ledBy", "minister"),
            ("participant", "gov_home"),
            ("participant", "gov_host"),
            ("concerns", "presence"),
            ("location", "host.place.iri"),
        ),
        "Ongoing",
    ),
    EventTemplate(
        "presence",
        "TroopPresence",
        "proposed permanent {v.home.adjective} troop presence in {v.host.place.name}",
        (("conductedBy", "forces_home"), ("location", "host.place.iri")),
        "Proposed",
    ),
    EventTemplate(
        "invasion",
        "Invasion",
        "{v.invasion_year} {v.home.adjective} invasion of {v.host.place.name}",
        (
            ("conductedBy", "forces_home"),
            ("target", "host.place.iri"),
            ("location", "host.place.iri"),
        ),
        "Occurred",
        ("year", "invasion_year"),
    ),
    EventTemplate(
        "withdrawal",
        "Withdrawal",
        "{v.withdrawal_year} withdrawal of {v.home.adjective} forces from {v.host.place.name}",
        (("conductedBy", "forces_home"), ("location", "host.place.iri")),
        "Occurred",
        ("year", "withdrawal_year"),
    ),
    EventTemplate(
        "operation",
        "MilitaryOperation",
        "{v.operation_name}",
        (("conductedBy", "forces_home"), ("location", "host.place.iri")),
        "Ongoing",
        ("year", "operation_year"),
    ),
    EventTemplate(
        "offensive",
        "Offensive",
        "offensive against {v.city.name}",
        (
            ("conductedBy", "forces_host"),
            ("supportedBy", "forces_home"),
            ("target", "city.iri"),
            ("location", "city.iri"),
            ("usesWeapon", "weapon"),
            ("usesWeapon", "weapon2"),
        ),
        "Ongoing",
    ),
    EventTemplate(
        "takeover",
        "Takeover",
        "takeover of {v.city.name} by {v.group_name}",
        (("conductedBy", "group"), ("target", "city.iri"), ("location", "city.iri")),
        "Occurred",
        ("month", "seized", "seized", "seized_words"),
    ),
    EventTemplate(
        "strike",
        "Airstrike",
        "{v.strike_day} airstrike in {v.district_name} {v.city.name}",
        (
            ("conductedBy", "forces_home"),
            ("location", "district.iri"),
            ("usesWeapon", "weapon"),
            ("partOfEvent", "offensive"),
        ),
        "Occurred",
        ("day", "strike_day", "weekday"),
    ),
    EventTemplate(
        "strike2",
        "Airstrike",
        "{v.earlier} airstrike in {v.other_city.name}",
        (("conductedBy", "forces_home"), ("location", "other_city.iri")),
        "Occurred",
        ("day", "earlier", "earlier_words"),
    ),
    EventTemplate(
        "investigation",
        "Investigation",
        "investigation of the {v.earlier} airstrike in {v.other_city.name}",
        (("conductedBy", "ministry"), ("concerns", "strike2")),
        "Ongoing",
    ),
    EventTemplate(
        "displacement",
        "Displacement",
        "displacement from {v.city.name}",
        (("location", "city.iri"), ("causedBy", "offensive")),
        "Occurred",
        ("month", "first_month", "second_month", "months_words"),
    ),
)
"""The events of every article, in the order their triples are written."""


@dataclass(frozen=True)
class Mention:
    """Words (a template) that name a resource (a path in ``v``); the sentence they stand in
    attests it."""

    resource: str
    words: str


@dataclass(frozen=True)
class Sentence:
    """A run of text that becomes one text span: templates and mentions in order. ``span``
    names the attribute of ``v`` that keeps the span for a claim made later; ``also`` lists
    resources (paths in ``v``) the span attests without naming them."""

    pieces: tuple[str | Mention, ...]
    span: str | None = None
    also: tuple[str, ...] = ()


Paragraph = tuple[str | Sentence, ...]
"""Sentences, and text between them that no span covers (spaces, breaks, punctuation)."""

TITLE_AND_BYLINE: Paragraph = (
    "\n\n# ",
    Sentence(("{v.title}",), also=("article", "home.place.iri")),
    "\n\n",
    Sentence((Mention("author_iri", "{v.author}"),)),
    "  \n{v.published_words}\n\n",
)

PARAGRAPHS: tuple[Paragraph, ...] = (
    # 1: the talks
    (
        Sentence(
            (
                "The ",
                Mention("gov_home", "{v.home.adjective} government"),
                " and the government of Prime Minister ",
                Mention("leader", "{v.host.leader}"),
                " are engaged in ",
                Mention("negotiation", "negotiations"),
                " over a proposal that would maintain a ",
                Mention("presence", "permanent {v.home.adjective} troop presence"),
                " in ",
                Mention("host.place.iri", "{v.host.place.name}"),
                ", according to officials cited by ",
                Mention("relay_iri", "{v.relay}"),
                ".",
            ),
            span="talks_span",
            also=("gov_host",),
        ),
        "\n\n",
    ),
    # 2: history
    (
        Sentence(
            (
                "The talks come {v.years_since} years after ",
                Mention("forces_home", "{v.home.adjective} forces"),
                " ",
                Mention("invasion", "invaded the country"),
                " in {v.invasion_year} and unleashed a war that cost {v.toll[0]} lives.",
            ),
            span="history_span",
        ),
        " ",
        Sentence(
            (
                "They formally ",
                Mention("withdrawal", "withdrew"),
                " in {v.withdrawal_year}, but the military presence never fully ended.",
            )
        ),
        "\n\n",
    ),
    # 3: the minister
    (
        Sentence(
            (
                "Defense Minister ",
                Mention("minister", "{v.home.minister}"),
                ", who commanded the ",
                Mention("division", "{v.home.division}"),
                " during the invasion, is leading the talks with ",
                "{v.host.adjective} officials, according to the {v.relay} report.",
            ),
            also=("ministry",),
        ),
        "\n\n",
    ),
    # 4: troop numbers
    (
        Sentence(
            (
                "Under the so-called ",
                Mention("operation", "{v.operation_name}"),
                " launched in {v.operation_year}, the troops have risen officially to "
                "{v.official_words}",
            ),
            span="official_span",
        ),
        ", ",
        Sentence(
            (
                "while the real number of troops is {v.actual_words} as the {v.home.adjective} "
                "defense ministry uses temporary deployments.",
            ),
            span="actual_span",
        ),
        "\n\n",
    ),
    # 5: the official's quote
    (
        Sentence(
            (
                "“There is a general understanding on both sides that a continued presence "
                "would be in the long-term interests of each,” ",
                Mention("official", "a {v.home.adjective} official"),
                " told {v.relay}.",
            )
        ),
        " ",
        Sentence(
            (
                "The official said the number of troops that would remain would be "
                "“{v.projected_words}.”",
            ),
            span="projected_span",
        ),
        "\n\n",
    ),
    # 6: the offensive
    (
        Sentence(
            (
                "The discussions are unfolding under the shadow of the "
                "{v.siege_months}-month-long ",
                Mention("offensive", "{v.home.adjective}-backed offensive"),
                " by ",
                Mention("forces_host", "{v.host.adjective} government forces"),
                " against ",
                Mention("city.iri", "{v.city.name}"),
                ", {v.host.place.name}’s {v.city_rank}-largest city, which ",
                Mention("group", "{v.group_name}"),
                " ",
                Mention("takeover", "seized"),
                " in {v.seized_words}.",
            )
        ),
        " ",
        Sentence(
            (
                "{v.home.adjective} ",
                Mention("weapon", "{v.weapon_words}"),
                " and ",
                Mention("weapon2", "{v.other_weapon[1]}"),
                " have played a decisive role in the siege.",
            )
        ),
        "\n\n",
    ),
    # 7: the latest strike
    (
        Sentence(
            (
                "In the latest atrocity, a ",
                Mention("strike", "strike by {v.home.adjective} {v.weapon_words}"),
                " killed at least {v.killed} civilians in ",
                Mention("district.iri", "{v.district_name} {v.city.name}"),
                " on {v.weekday}.",
            ),
            span="strike_span",
        ),
        " ",
        Sentence(
            (
                "The ",
                Mention("local_iri", "{v.local_media}"),
                " web site, quoting ",
                Mention("sources", "local sources"),
                ", reported that women and children were among the dead.",
            )
        ),
        "\n\n",
    ),
    # 8: the investigation, the allegation and the denial
    (
        Sentence(
            (
                "The {v.home.adjective} ",
                Mention("ministry", "defense ministry"),
                " routinely denies responsibility for civilian deaths.",
            )
        ),
        " ",
        Sentence(
            (
                "It has been compelled, however, to open an ",
                Mention("investigation", "investigation"),
                " into a {v.earlier_words} ",
                Mention("strike2", "attack"),
                " in ",
                Mention("other_city.iri", "{v.other_city.name}"),
                " that killed an estimated {v.estimated} people, according to ",
                Mention("monitor_iri", "{v.monitor}"),
                ".",
            ),
            span="estimate_span",
        ),
        " ",
        Sentence(
            ("{v.monitor} holds {v.home.adjective} forces responsible for the deaths.",),
            span="allegation_span",
        ),
        " A ministry spokesman replied: “",
        Sentence(
            ("Our forces take every precaution to avoid harm to civilians.",), span="denial_span"
        ),
        "”\n\n",
    ),
    # 9: testimony and displacement
    (
        Sentence(
            (
                Mention("survivors", "Survivors"),
                " in {v.district_name} {v.city.name} told {v.local_media}: “The planes came at "
                "night and the whole street was gone.”",
            ),
            span="testimony_span",
        ),
        " ",
        Sentence(
            (
                "According to the same monitor, {v.displaced_words} {v.unit_words[0]} ",
                Mention("displacement", "fled"),
                " {v.city.name} in {v.months_words}.",
            ),
            span="displaced_span",
        ),
        "\n\n",
    ),
    # 10: editorial judgement and closing
    (
        Sentence(
            (
                "The plan for a lasting presence has nothing to do with fighting {v.group_name}; "
                "it aims to secure {v.home.adjective} dominance over the region.",
            ),
            span="editorial_span",
        ),
        "\n\nPublished by ",
        Sentence((Mention("publisher_iri", "{v.publisher}"),)),
        "\n",
    ),
)
"""The body of every article, paragraph by paragraph, after the title and byline."""


@dataclass(frozen=True)
class Casualties:
    """What a casualty report is about: event and place (paths in ``v``), outcome and
    victims (values, see :data:`CLAIMS`)."""

    event: str
    place: str
    outcome: str
    victims: str


@dataclass(frozen=True)
class ClaimTemplate:
    """One claim or report of the article. ``name`` keeps its IRI in ``v`` (for a later
    claim to point at); ``slug`` may use ``{tail.x}``, the last segment of the IRI ``v.x``;
    ``span`` names the span (kept by a :class:`Sentence`) that attests it; ``figure`` is a
    report's number: words (a template), low, high, qualifier; ``when`` the date a casualty
    report gives (see :data:`WHEN_KINDS`)."""

    name: str
    classes: tuple[str, ...]
    slug: str
    label: str
    statement: str
    claimant: str
    span: str
    direct: bool | None = None
    relayed: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    figure: tuple[str, str | int, str | int | None, str] | None = None
    casualties: Casualties | None = None
    when: tuple[str, ...] = ()


_TROOPS = "{v.home.slug}-troops-in-{v.host.slug}"
_STRENGTH = "{v.home.adjective} troop strength in {v.host.place.name}"
_NUMBER = "number of {v.home.adjective} troops in {v.host.place.name}"
_TROOP_LINKS = (
    ("aboutForce", "forces_home"),
    ("aboutPlace", "host.place.iri"),
)

CLAIMS: tuple[ClaimTemplate, ...] = (
    ClaimTemplate(
        "talks_claim",
        ("Claim",),
        "{tail.negotiation}-reported",
        "report of the talks on a {v.home.adjective} troop presence",
        "The {v.home.adjective} and {v.host.adjective} governments are "
        "negotiating a permanent troop presence.",
        "official",
        "talks_span",
        relayed="relay_iri",
        links=(("aboutEvent", "negotiation"),),
    ),
    # a figure the author gives without a source is an editorial claim (modelling guide)
    ClaimTemplate(
        "toll_claim",
        ("CasualtyReport", "AuthorStatement"),
        "{tail.invasion}-death-toll",
        "death toll of the {v.home.adjective} war in {v.host.place.name}",
        "The war that began with the {v.invasion_year} invasion cost {v.toll[0]} lives.",
        "author_iri",
        "history_span",
        figure=("{v.toll[0]}", "toll.1", "toll.2", "toll.3"),
        casualties=Casualties("invasion", "host.place.iri", "ckg:Killed", "ckg:People"),
    ),
    ClaimTemplate(
        "official_claim",
        ("TroopStrengthReport",),
        _TROOPS + "-official-{v.published}",
        "official " + _STRENGTH,
        "The official " + _NUMBER + " is {v.official_words}.",
        "ministry",
        "official_span",
        links=(*_TROOP_LINKS, ("figureKind", "ckg:OfficialFigure"), ("aboutEvent", "operation")),
        figure=("{v.official_words}", "official_n", "official_n", "ckg:Exact"),
    ),
    ClaimTemplate(
        "actual_claim",
        ("TroopStrengthReport", "AuthorStatement"),
        _TROOPS + "-actual-{v.published}",
        "actual " + _STRENGTH,
        "The actual " + _NUMBER + " is {v.actual_words}.",
        "author_iri",
        "actual_span",
        links=(*_TROOP_LINKS, ("figureKind", "ckg:ActualFigure"), ("aboutEvent", "operation")),
        figure=("{v.actual_words}", "actual_low", None, "ckg:MoreThan"),
    ),
    ClaimTemplate(
        "projected_claim",
        ("TroopStrengthReport",),
        _TROOPS + "-projected-{v.published}",
        "projected " + _STRENGTH,
        "The projected " + _NUMBER + " is {v.projected_words}.",
        "official",
        "projected_span",
        direct=True,
        relayed="relay_iri",
        links=(*_TROOP_LINKS, ("figureKind", "ckg:ProjectedFigure")),
        figure=("{v.projected_words}", 3000, 9999, "ckg:VagueQuantity"),
    ),
    ClaimTemplate(
        "killed_claim",
        ("CasualtyReport",),
        "{tail.strike}-deaths",
        "civilians killed in the {v.strike_day} airstrike",
        "At least {v.killed} civilians were killed in the airstrike in {v.district_name} "
        "{v.city.name}.",
        "sources",
        "strike_span",
        relayed="local_iri",
        figure=("at least {v.killed}", "killed", None, "ckg:AtLeast"),
        casualties=Casualties("strike", "district.iri", "ckg:Killed", "ckg:Civilians"),
        when=("day", "strike_day", "weekday"),
    ),
    ClaimTemplate(
        "estimate_claim",
        ("CasualtyReport",),
        "{tail.strike2}-deaths",
        "people killed in the {v.earlier} airstrike",
        "An estimated {v.estimated} people were killed in the airstrike in {v.other_city.name}.",
        "monitor_iri",
        "estimate_span",
        figure=("an estimated {v.estimated}", "estimated", "estimated", "ckg:Estimated"),
        casualties=Casualties("strike2", "other_city.iri", "ckg:Killed", "ckg:People"),
        when=("day", "earlier", "earlier_words"),
    ),
    ClaimTemplate(
        "allegation_claim",
        ("Allegation",),
        "{tail.strike2}-responsibility",
        "{v.home.adjective} forces blamed for the {v.earlier} deaths",
        "{v.home.adjective} forces are responsible for the deaths in {v.other_city.name}.",
        "monitor_iri",
        "allegation_span",
        links=(("aboutEvent", "strike2"), ("disputedBy", "ministry")),
    ),
    ClaimTemplate(
        "denial_claim",
        ("Denial",),
        "{tail.strike2}-denial",
        "{v.home.adjective} defense ministry denies harming civilians",
        "The defense ministry says its forces avoid harm to civilians.",
        "ministry",
        "denial_span",
        direct=True,
        links=(("disputes", "allegation_claim"),),
    ),
    ClaimTemplate(
        "testimony_claim",
        ("Testimony",),
        "{tail.strike}-survivors",
        "survivors of the {v.strike_day} airstrike",
        "Survivors say the night strike destroyed their whole street.",
        "survivors",
        "testimony_span",
        direct=True,
        relayed="local_iri",
        links=(("aboutEvent", "strike"),),
    ),
    ClaimTemplate(
        "displaced_claim",
        ("CasualtyReport",),
        "{tail.displacement}-count",
        "{v.unit_words[0]} displaced from {v.city.name}",
        "More than {v.displaced:,} {v.unit_words[0]} fled {v.city.name} in {v.months_words}.",
        "monitor_iri",
        "displaced_span",
        figure=("{v.displaced_words}", "displaced_low", None, "ckg:MoreThan"),
        casualties=Casualties("displacement", "city.iri", "ckg:Displaced", "unit_words.1"),
        when=("month", "first_month", "second_month", "months_words"),
    ),
    ClaimTemplate(
        "editorial_claim",
        ("AuthorJudgement",),
        "{tail.presence}-purpose-{v.published}",
        "purpose of a lasting {v.home.adjective} presence",
        "The lasting presence serves {v.home.adjective} dominance, not the fight against "
        "{v.group_name}.",
        "author_iri",
        "editorial_span",
        links=(("aboutEvent", "presence"),),
    ),
)
"""The claims and reports of every article, in order. A value is a path in ``v`` (a
digit segment indexes a tuple), ``ckg:Name`` for a term of the ontology, or a number."""
