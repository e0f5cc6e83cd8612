"""``/health`` for monitors, and a placeholder home page until the pages blueprint replaces it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template

from conflictkg.web.downloads import Downloads

health_bp = Blueprint("health", __name__)
placeholder_bp = Blueprint("placeholder", __name__)


@health_bp.route("/health")
def health() -> Response:
    sizes = current_app.extensions["conflictkg.dataset_sizes"]
    return jsonify(
        status="ok",
        source=current_app.extensions["conflictkg.source"],
        triples=sizes.default,
        graphs=len(sizes.named),
    )


@placeholder_bp.route("/")
def index() -> str:
    downloads: Downloads = current_app.extensions["conflictkg.downloads"]
    return render_template("index.html", downloads=downloads.listing())
