"""The web pages for people, as a Flask blueprint: ``init_app(app, data)`` attaches them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from conflictkg.pages.data import EXTENSION, PagesData
from conflictkg.pages.views import bp

__all__ = ["PagesData", "init_app"]


def init_app(app: Flask, data: PagesData | Callable[[], PagesData]) -> None:
    """Register the pages on ``app``; ``data`` (or a factory called on first use) says where
    the store, seeds, example queries and ontology are."""
    app.extensions[EXTENSION] = data
    app.register_blueprint(bp)


def render_error(error: HTTPException) -> tuple[str, int]:
    """An HTML error page with the error's own description, for requests that want HTML."""
    code = error.code or 500
    return (
        render_template(
            "pages/error.html",
            title=f"{code} {error.name}",
            message=error.description or error.name,
        ),
        code,
    )
