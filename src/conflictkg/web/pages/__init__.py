"""The web pages for people, as a Flask blueprint: ``init_app(app)`` attaches them."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from conflictkg.errors import ConflictKGError
from conflictkg.project import Project
from conflictkg.web.pages.data import EXTENSION, PagesData
from conflictkg.web.pages.resource import resource_extras
from conflictkg.web.pages.views import bp, ontology_docs

__all__ = ["PagesData", "init_app", "ontology_docs"]

log = logging.getLogger(__name__)


def init_app(app: Flask, data: PagesData | Callable[[], PagesData] | None = None) -> None:
    """Register the pages on ``app``.

    ``data`` (or a factory called on first use) says where the store, seeds, example
    queries and ontology are; by default they come from the endpoint's backend and build
    folder and from the project (``PROJECT_ROOT`` in the config, else found from the working
    directory).
    """
    app.extensions[EXTENSION] = data if data is not None else (lambda: _from_endpoint(app))
    # The endpoint's resource page and /ontology call these when the pages are present.
    app.extensions["conflictkg.ontology_docs"] = ontology_docs
    app.jinja_env.globals["resource_extras"] = resource_extras
    app.register_blueprint(bp)


def _from_endpoint(app: Flask) -> PagesData:
    store = app.extensions["conflictkg.backend"]
    project: Project | None
    try:
        project = Project.find(app.config.get("PROJECT_ROOT"))
    except ConflictKGError:
        project = None  # a served file without a project: no seed texts, no examples
    build_dir = app.config.get("BUILD_DIR")
    ontology = Path(build_dir) / "ontology.ttl" if build_dir else None
    if build_dir:
        cache = Path(build_dir).parent / "cache"
    elif project is not None:
        cache = project.output / "cache"
    else:
        cache = Path(tempfile.gettempdir()) / "conflictkg-cache"
    offered = app.extensions.get("conflictkg.downloads")
    downloads = [(name, kind) for name, kind, _ in offered.listing()] if offered else []
    return PagesData(
        store=store,
        downloads=downloads,
        seeds=project.seeds if project else None,
        queries=project.queries if project else None,
        ontology_files=[ontology] if ontology is not None and ontology.is_file() else [],
        cache_dir=cache,
    )
