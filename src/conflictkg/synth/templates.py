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
