"""Fixtures of the endpoint tests: a live server over tests/web/data, and fresh apps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from conflictkg.web.app import create_app
from tests.support.liveserver import SAMPLE, LiveServer


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``conflictkg serve --dataset tests/web/data/sample.trig`` with two workers."""
    log = tmp_path_factory.mktemp("live") / "serve.log"
    server = LiveServer(
        ["serve", "--dataset", str(SAMPLE), "--workers", "2", "--timeout", "3"], log
    )
    yield server
    server.stop()


@pytest.fixture
def app() -> Flask:
    """A fresh app over the sample dataset, for every test."""
    return create_app({"DATASET": SAMPLE, "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
