"""Which format to answer in: the ``format`` parameter, else the Accept header — the same
rule on every route that offers more than one format (/sparql, /id/…, /ontology,
/graph/…, VoID)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, request

from conflictkg.web.errors import error_response
from conflictkg.web.mediatypes import ALL_TYPES, MediaType, negotiate


def choose(formats: Sequence[str], offered: Sequence[MediaType], what: str) -> MediaType | Response:
    """The media type to answer in, or the 406 response that says why there is none
    (:func:`choose_type` for the current request)."""
    chosen = choose_type(formats, offered, what, request.headers.get("Accept"))
    if isinstance(chosen, str):
        return error_response(406, chosen)
    return chosen


def choose_type(
    formats: Sequence[str], offered: Sequence[MediaType], what: str, accept: str | None
) -> MediaType | str:
    """The media type to answer in, or the message of the 406 that says why there is none.

    A ``format`` value naming a known format (``csv``, or a media type) decides; one
    naming a format this kind of result cannot take is a 406. Values we do not know
    (clients add their own, such as ``n3``) are ignored in favour of the Accept header.
    """
    for value in formats:
        known = [t for t in ALL_TYPES if t.known_as(value)]
        if not known:
            continue
        chosen = next((t for t in offered if t in known), None)
        if chosen is None:
            names = ", ".join(t.name for t in offered)
            return f"format={value!r} is not available for {what}; use one of: {names}"
        return chosen
    chosen = negotiate(accept, offered)
    if chosen is None:
        types = ", ".join(t.media_type for t in offered)
        return f"no acceptable media type for {what}; available: {types}"
    return chosen
