"""Fixtures of the endpoint tests: a live server over tests/endpoint/data, and fresh apps."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from liveserver import SAMPLE, LiveServer  # noqa: E402  (tests/endpoint is not a package)

from conflictkg.endpoint.app import create_app  # noqa: E402


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``conflictkg serve --dataset tests/endpoint/data/sample.trig`` with two workers."""
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
