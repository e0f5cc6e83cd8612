"""What the running app holds, typed: one :class:`AppState` per app, read with
:func:`state` inside a request (or :func:`state_of` for an app at hand)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from conflictkg.project import Project
    from conflictkg.store.backend import QueryBackend
    from conflictkg.web.cache import ResultCache, RunawayRecord
    from conflictkg.web.deadline import RunningQueries
    from conflictkg.web.downloads import Downloads
    from conflictkg.web.service_description import DatasetSizes

EXTENSION = "conflictkg"


@dataclass
class AppState:
    """Everything ``create_app`` prepared before the server forks."""

    backend: QueryBackend
    source: str
    """What is served, for /health: a file, or ``backend``."""
    sizes: DatasetSizes
    downloads: Downloads
    running: RunningQueries
    """The queries being waited for, so that the worker's memory guard can stop them."""
    runaways: RunawayRecord
    view_cache: ResultCache
    """Answers by parsed request (any method)."""
    fast_cache: ResultCache | None
    """Answers by raw GET, for the WSGI fast path (None: off)."""
    on_abandon: Callable[[], object] | None
    project: Project | None
    """Where the pages find the seed texts and the example queries (None: none here)."""
    build_dir: Path | None
    """The build whose files are served (downloads, VoID, the ontology's documentation)."""


def state() -> AppState:
    """The state of the app handling the current request."""
    return state_of(current_app)


def state_of(app: Flask) -> AppState:
    found: AppState = app.extensions[EXTENSION]
    return found
