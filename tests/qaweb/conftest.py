"""One QA web app for the whole folder: a database filled by the real post-call pipeline from
synthesised calls, the app served on 127.0.0.1 by werkzeug, and one headless Chromium.

Calls (all routed through the signed webhooks, their recordings fetched from the Twilio stand-in
and analysed by the job runner on the built-in model):

- ``CAzh0001``: a polite Mandarin agent (ZH_GOOD); assigned to reviewer rita
- ``CAen0001``: an English agent who says a taboo (EN_BAD), locale en-US; assigned to rita
- ``CAzh0002``: the Mandarin call again, from another number; assigned to nobody

Accounts: rita and rex (reviewers), sam (supervisor), ada (admin); passwords in PASSWORDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from fake_twilio import FakeTwilioRest, ServerThread
from ivr.app import create_app
from qa.jobs import JobRunner
from qa.store import ReviewStore, UserStore
from qa.web.accounts import hash_password
from qa_calls import EN_BAD, ZH_GOOD, render_call
from qa_testing import ACCOUNT_SID, AUTH_TOKEN, post_recording, qa_settings, routed_call, services
from qaweb_testing import PASSWORDS, ROLES, Client
from twilio_testing import TwilioClient

CALLS = {"CAzh0001": ("zh_good", "+8613800138000", "rita"), "CAen0001": ("en_bad", "+8613911112222", "rita"),
         "CAzh0002": ("zh_good", "+8613722223333", None)}


@dataclass
class QaSite:
    url: str
    app: object
    store: object
    shots: Path
    calls: dict


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[QaSite]:
    root = tmp_path_factory.mktemp("qaweb")
    wavs = {"zh_good": render_call(ZH_GOOD, root / "zh_good.wav"), "en_bad": render_call(EN_BAD, root / "en_bad.wav")}
    fake = FakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN)
    with ServerThread(fake.wsgi) as twilio_server:
        settings = qa_settings(root)
        app = create_app(settings)
        # the test server speaks plain HTTP on 127.0.0.1; production (an https public_url) keeps Secure cookies
        app.config["SESSION_COOKIE_SECURE"] = False
        hotline = app.extensions["hotline"]
        store = hotline.store
        twilio = TwilioClient(app.test_client())
        for sid, (wav, number, _) in CALLS.items():
            routed_call(twilio, sid, ["2", "1"], queue_time_s=8, number=number)
            if wav == "en_bad":
                record = store.get_call(sid)
                store.save_step(sid, state={**record.state, "locale": "en-US"},
                                expected_version=record.state_version, events=[])
            post_recording(twilio, fake, twilio_server.url, sid, "RE" + sid[2:], root / f"{wav}.wav")
        runner = JobRunner.from_settings(settings, services(settings, store))
        assert [j.status for j in runner.drain()] == ["done"] * len(CALLS)
    users = UserStore(store)
    for name, role in ROLES.items():
        users.add(name, hash_password(PASSWORDS[name]), role)
    reviews = ReviewStore(store)
    for sid, (_, _, reviewer) in CALLS.items():
        if reviewer:
            reviews.act(sid, "assign", by="sam", assignee_id=users.by_name(reviewer).id)
    shots = root / "screenshots"
    shots.mkdir()
    with ServerThread(app) as server:
        yield QaSite(server.url, app, store, shots, {sid: wavs[w] for sid, (w, _, _) in CALLS.items()})
    hotline.service.close()


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
    made: dict[str, Client] = {}

    def get(name: str) -> Client:
        if name not in made:
            made[name] = Client(site.app, name)
        return made[name]
    return get
