"""How ``conflictkg serve --store URL`` sets up the app (used by :mod:`conflictkg.serving.server`).

* Queries go to the remote store through :class:`~conflictkg.store.remote.
  RemoteBackend`; nothing is built. The store must answer at start-up (the app counts its
  graphs then) with a default graph that holds each triple once, else the command fails
  with an error naming ``--store`` and the URL. With ``--union-graph IRI`` (a store such
  as Virtuoso, whose default graph is not a plain graph; see :mod:`conflictkg.store.remote`)
  the union is read from that graph instead, and the named graphs from its catalogue.
* Downloads, VoID and the pages' ontology come from the local build (``output/current`` of
  the project, if one is found) when its graph sizes match the store's
  (:func:`~conflictkg.store.remote.difference`). Otherwise — no build, or one
  that is not what the store holds — the dataset files are dumped through the store once
  at start-up, and there is no VoID.
* The per-query limit (``--timeout``) applies as without a store; the store's HTTP client
  gives up ``STORE_TIMEOUT_MARGIN`` seconds later, so the endpoint's own limit answers
  first on /sparql and every other view is bounded too. A query abandoned at the limit
  does not recycle the worker: it only waits on a socket and holds no core here.
* The endpoint's limit on an answer (``--max-answer-mb``) applies as without a store; the
  store's own answer is read up to :func:`remote_answer_bytes` (128 MiB, or four times a
  larger limit), so a limit raised above the default is not undercut by the read.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from conflictkg.errors import ConflictKGError
from conflictkg.project import Project
from conflictkg.store.backend import QueryFailed
from conflictkg.store.remote import MAX_ANSWER_BYTES, RemoteBackend, difference
from conflictkg.web.app import DEFAULTS, create_app
from conflictkg.web.state import state_of

STORE_TIMEOUT_MARGIN = 2.0
# The store's answer read in its own format (SPARQL JSON by default) against the answer the
# endpoint writes from it: JSON repeats each variable's name and type on every row.
REMOTE_ANSWER_FACTOR = 4

log = logging.getLogger("conflictkg.serve")


def local_build(project: Project | None) -> Path | None:
    """The project's current build folder, if there is a project and it has a build."""
    if project is None:
        return None
    folder = project.output / "current"
    return folder if (folder / "dataset.trig").is_file() else None


def _project(args: argparse.Namespace) -> Project | None:
    """A ``--project`` that is not a project is an error; none found from the working
    directory is not."""
    return Project.at(args.project) if args.project is not None else Project.around()


def remote_answer_bytes(max_answer_bytes: int) -> int:
    """The most bytes read of the store's own answer to a query: its default, or room for
    an answer in the store's format (which may be several times the size of the one the
    endpoint writes) when ``--max-answer-mb`` allows larger answers."""
    return max(MAX_ANSWER_BYTES, REMOTE_ANSWER_FACTOR * max_answer_bytes)


def store_config(
    args: argparse.Namespace,
    timeout: float,
    max_answer_bytes: int = DEFAULTS["MAX_RESULT_BYTES"],
) -> dict[str, Any]:
    """The app settings for ``--store``: the backend, checked to answer, and the local build
    folder when it matches the store. They override the general settings (ON_ABANDON)."""
    if args.dataset is not None:
        raise ConflictKGError("--store and --dataset cannot be combined: serve one or the other")
    backend = RemoteBackend(
        args.store,
        timeout=timeout + STORE_TIMEOUT_MARGIN,
        max_answer_bytes=remote_answer_bytes(max_answer_bytes),
        union_graph=getattr(args, "union_graph", None),
    )
    try:
        backend.check()
    except ConflictKGError as error:
        backend.close()
        raise ConflictKGError(f"--store {args.store}: {error}") from None
    config: dict[str, Any] = {"BACKEND": backend, "ON_ABANDON": None}
    project = _project(args)
    if project is not None:
        config["PROJECT_ROOT"] = project.root
    folder = local_build(project)
    if folder is None:
        log.info("no local build: the dataset downloads are dumped through the store")
        return config
    mismatch = difference(backend, folder / "dataset.trig")
    if mismatch is not None:
        log.warning(
            "the local build %s is not what the store holds (%s): the dataset downloads are "
            "dumped through the store instead",
            folder,
            mismatch,
        )
        return config
    log.info("downloads, VoID and ontology from the local build %s", folder)
    config["BUILD_DIR"] = folder
    return config


def store_app(config: dict[str, Any], args: argparse.Namespace) -> Flask:
    """``create_app(config)``, with a store that fails at start-up as a ConflictKGError;
    the backend's connections are closed before the server forks its workers."""
    try:
        app = create_app(config)
    except QueryFailed as failed:
        raise ConflictKGError(f"--store {args.store}: {failed.message}") from None
    if state_of(app).sizes.default == 0:
        log.warning("the store at %s holds no triples; run `conflictkg load --store`", args.store)
    config["BACKEND"].close()
    return app
