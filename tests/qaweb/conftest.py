"""One QA web app for the browser tests: a database filled by the real post-call pipeline from
synthesised calls (see qaweb_testing.analysed_app), the app served on 127.0.0.1 by werkzeug, and
one headless Chromium. The synthesised recordings are rendered once per run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from fake_twilio import ServerThread
from qa_calls import EN_BAD, ZH_GOOD, render_call
from qaweb_testing import analysed_app, clients


@dataclass
class QaSite:
    url: str
    app: object
    store: object
    shots: Path


@pytest.fixture(scope="session")
def call_wavs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("wavs")
    for name, lines in (("zh_good", ZH_GOOD), ("en_bad", EN_BAD)):
        render_call(lines, root / f"{name}.wav")
    return {"zh_good": root / "zh_good.wav", "en_bad": root / "en_bad.wav"}


@pytest.fixture(scope="session")
def site(tmp_path_factory, call_wavs) -> Iterator[QaSite]:
    root = tmp_path_factory.mktemp("qaweb")
    app = analysed_app(root, call_wavs)
    # the test server speaks plain HTTP on 127.0.0.1; production (an https public_url) keeps Secure cookies
    app.config["SESSION_COOKIE_SECURE"] = False
    shots = root / "screenshots"
    shots.mkdir()
    with ServerThread(app) as server:
        yield QaSite(server.url, app, app.extensions["hotline"].store, shots)
    app.extensions["hotline"].service.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def client_as(site):
    return clients(site.app)
