"""Requests-like calls answered by a Flask app in this process, so that a protocol test
reads like a live one (``http.get(http.base + "/sparql", params=…, headers=…)``) and runs
in milliseconds through Flask's test client."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from werkzeug.datastructures import Headers


class Reply:
    """What a test reads of an answer, with the names ``requests`` gives them."""

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class InProcess:
    """An app's test client behind the ``requests`` calls the live tests make."""

    base = "http://localhost"

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None = None,
        data: dict[str, str] | bytes | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """``timeout`` is accepted for the live tests' sake and means nothing here."""
        reply = self.client.open(
            url.removeprefix(self.base),
            method=method,
            query_string=params,
            data=data,
            headers=headers,
        )
        return Reply(reply.status_code, reply.headers, reply.get_data())

    def get(self, url: str, **options: Any) -> Reply:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> Reply:
        return self.request("POST", url, **options)

    def options(self, url: str, **options: Any) -> Reply:
        return self.request("OPTIONS", url, **options)
