"""Helpers for the QA web app tests: a hotline app whose store was filled by the real post-call
pipeline, the test accounts, and a Flask test client that logs in and sends CSRF tokens like the
browser does.

Calls (routed through the signed webhooks, their recordings fetched from the Twilio stand-in and
analysed by the job runner on the built-in model):

- ``CAzh0001``: a polite Mandarin agent (ZH_GOOD); assigned to reviewer rita
- ``CAen0001``: an English agent who says a taboo (EN_BAD), locale en-US; assigned to rita
- ``CAzh0002``: the Mandarin call again, from another number; assigned to nobody

Accounts: rita, rex and locky (reviewers), sam (supervisor), ada (admin); passwords in PASSWORDS.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from fake_twilio import FakeTwilioRest, ServerThread
from qa_testing import ACCOUNT_SID, AUTH_TOKEN, post_recording, qa_settings, routed_call, services
from twilio_testing import TwilioClient

PASSWORDS = {"rita": "rita-pass-123", "rex": "rex-pass-1234", "sam": "sam-pass-1234", "ada": "ada-pass-1234",
             "locky": "locky-pass-12"}
ROLES = {"rita": "reviewer", "rex": "reviewer", "sam": "supervisor", "ada": "admin", "locky": "reviewer"}
#: sid -> (recording, caller number, assigned reviewer)
CALLS = {"CAzh0001": ("zh_good", "+8613800138000", "rita"), "CAen0001": ("en_bad", "+8613911112222", "rita"),
         "CAzh0002": ("zh_good", "+8613722223333", None)}


def analysed_app(root: Path, wavs: dict[str, Path], database_url: str | None = None):
    """A hotline app (instance under ``root``) whose store holds CALLS analysed, the accounts and
    the assignments; ``database_url`` defaults to SQLite in the instance folder."""
    from ivr.app import create_app
    from qa.jobs import JobRunner
    from qa.store import ReviewStore

    fake = FakeTwilioRest(ACCOUNT_SID, AUTH_TOKEN)
    overrides = {"database_url": database_url} if database_url else {}
    with ServerThread(fake.wsgi) as twilio_server:
        settings = qa_settings(root, **overrides)
        app = create_app(settings)
        store = app.extensions["hotline"].store
        twilio = TwilioClient(app.test_client())
        for sid, (wav, number, _) in CALLS.items():
            routed_call(twilio, sid, ["2", "1"], queue_time_s=8, number=number)
            if wav == "en_bad":  # the caller chose English: the call's locale, as the language event makes it
                record = store.get_call(sid)
                store.save_step(sid, state={**record.state, "locale": "en-US"},
                                expected_version=record.state_version, events=[])
            post_recording(twilio, fake, twilio_server.url, sid, "RE" + sid[2:], wavs[wav])
        runner = JobRunner.from_settings(settings, services(settings, store))
        assert [j.status for j in runner.drain()] == ["done"] * len(CALLS)
    users = add_accounts(store)
    reviews = ReviewStore(store)
    for sid, (_, _, reviewer) in CALLS.items():
        if reviewer:
            reviews.act(sid, "assign", by="sam", assignee_id=users.by_name(reviewer).id)
    return app


def add_accounts(store):
    """The test accounts (ROLES, PASSWORDS) in ``store``; returns its UserStore."""
    from qa.store import UserStore
    from qa.web.accounts import hash_password

    users = UserStore(store)
    for name, role in ROLES.items():
        users.add(name, hash_password(PASSWORDS[name]), role)
    return users


def seeded_app(root: Path, calls: list, database_url: str | None = None):
    """A hotline app (instance under ``root``) whose store holds ``calls`` (analytics_testing.SeedCall
    rows: a known history) and the test accounts; no post-call jobs run."""
    from analytics_testing import seed
    from ivr.app import create_app

    overrides = {"database_url": database_url} if database_url else {}
    app = create_app(qa_settings(root, qa_jobs="off", **overrides))
    store = app.extensions["hotline"].store
    seed(store, calls)
    add_accounts(store)
    return app


@contextmanager
def app_on(backend: str, root: Path, build: Callable[[str], object]) -> Iterator:
    """The app ``build(database_url)`` makes on a store backend ("sqlite" or "postgresql", see
    store_testing.backends), closed and its database dropped afterwards."""
    from store_testing import database_url

    with database_url(backend, root) as url:
        app = build(url)
        try:
            yield app
        finally:
            app.extensions["hotline"].service.close()
            app.extensions["hotline"].store.engine.dispose()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Client:
    """A Flask test client logged in as one of the accounts (for the plain HTTP tests)."""

    def __init__(self, app, name: str | None = None):
        self.http = app.test_client()
        if name:
            self.login(name)

    def login(self, name: str, password: str | None = None):
        token = csrf_token(self.http.get("/qa/login").text)
        return self.http.post("/qa/login", data={"name": name, "password": password or PASSWORDS[name],
                                                 "csrf_token": token})

    def token(self, path: str = "/qa/calls/") -> str:
        return csrf_token(self.http.get(path).text)

    def post(self, path: str, data: dict | None = None, *, token_from: str = "/qa/calls/"):
        return self.http.post(path, data={**(data or {}), "csrf_token": self.token(token_from)})


def clients(app) -> Callable[[str], Client]:
    """A function giving one logged-in :class:`Client` per account name, made on first use (a log-in
    hashes the password with scrypt: worth doing once)."""
    made: dict[str, Client] = {}

    def get(name: str) -> Client:
        if name not in made:
            made[name] = Client(app, name)
        return made[name]
    return get


# ---- in the browser (Playwright pages; ``site`` has ``url`` and ``shots``) ----

def login(page, site, name: str, password: str | None = None):
    page.goto(f"{site.url}/qa/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password or PASSWORDS[name])
    page.click("button[type=submit]")


def wait_until(page, expression: str, timeout: float = 10.0):
    """Poll ``expression`` in the page until it is truthy (Playwright's wait_for_function evaluates
    strings with eval, which the app's CSP rightly forbids)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


#: id(page) -> console errors of that page
CONSOLE: dict[int, list[str]] = {}


def watch(page):
    """Collect the page's console errors (a CSP refusal shows up there)."""
    CONSOLE[id(page)] = []
    page.on("console", lambda message: CONSOLE[id(page)].append(message.text) if message.type == "error" else None)
    return page


def shot(page, site, name: str) -> None:
    """Save the page (full length) and check the browser refused nothing under the CSP on it."""
    assert not [e for e in CONSOLE.get(id(page), []) if "Content Security Policy" in e], CONSOLE[id(page)]
    page.evaluate("window.scrollTo(0, 0)")  # sticky bars stay on top in a full-page capture
    page.screenshot(path=str(site.shots / f"{name}.png"), full_page=True)
