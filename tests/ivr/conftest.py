"""Fixtures for the IVR: an app on a temporary SQLite database and a client that signs like Twilio."""

from __future__ import annotations

import pytest

from ivr.app import create_app
from twilio_testing import TwilioClient, make_settings


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["hotline"].service.close()


@pytest.fixture
def twilio(app) -> TwilioClient:
    return TwilioClient(app.test_client())


@pytest.fixture
def store(app):
    return app.extensions["hotline"].store
