"""The browser security headers of every response the app makes.

One ``after_request`` hook (:func:`init_app`, registered by ``create_app``) sets:

``Content-Security-Policy``  :data:`POLICY`: everything from this origin only, no inline
                             script or style (every script and style sheet is a file under
                             ``/assets/``), no plugins, no framing, no ``<base>``, forms
                             posted only here.
``X-Content-Type-Options``   ``nosniff``: a download is never run as a script.
``Referrer-Policy``          ``strict-origin-when-cross-origin``: a link out of the site tells
                             the other site the origin only, never the query in the URL.

One page relaxes the policy: ``/ontology`` as written by pyLODE (an artefact of the build,
``ontology.html``) carries its style sheet in a ``<style>`` element and its icons as
``data:`` images. Its policy allows exactly the hashes of the ``<style>`` elements of
the served file (computed from the artefact, never from a response body, so nothing a
request puts into a page can gain a hash) and ``img-src data:``; scripts stay forbidden
(pyLODE's only ``<script>`` is a JSON-LD data block, which is never run). Every other page,
the ontology's own fallback list included, gets :data:`POLICY` unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request

from conflictkg.pipeline.artefacts import DOCS_FILE
from conflictkg.web.state import state

DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}

REFERRER_POLICY = "strict-origin-when-cross-origin"


def policy(directives: dict[str, str]) -> str:
    """The header value of ``directives``, in their order."""
    return "; ".join(f"{name} {value}" for name, value in directives.items())


POLICY = policy(DIRECTIVES)
"""The Content-Security-Policy of every response but pyLODE's ontology page."""

DOCS_PATH = "/ontology"

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def style_hashes(html: str) -> list[str]:
    """The CSP source expressions (``'sha256-…'``) of the ``<style>`` elements of ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in _STYLE.findall(html)
    ]


@lru_cache(maxsize=4)
def _docs_policy(path: Path, mtime_ns: int) -> str:
    """The policy of the pyLODE page at ``path`` (cached per file version)."""
    hashes = style_hashes(path.read_text(encoding="utf-8"))
    return policy(
        DIRECTIVES | {"style-src": " ".join(["'self'", *hashes]), "img-src": "'self' data:"}
    )


def docs_policy() -> str | None:
    """The policy of the served pyLODE page, or None when the build has none."""
    build_dir = state().build_dir
    page = build_dir / DOCS_FILE if build_dir is not None else None
    if page is None or not page.is_file():
        return None
    return _docs_policy(page, page.stat().st_mtime_ns)


def _policy_for(response: Response) -> str:
    if request.path == DOCS_PATH and response.mimetype == "text/html":
        return docs_policy() or POLICY
    return POLICY


def init_app(app: Flask) -> None:
    """Set the security headers on every response of ``app``."""

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = _policy_for(response)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        return response
