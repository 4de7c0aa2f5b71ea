"""Helpers for the QA web app tests: the test accounts and a Flask test client that logs in and
sends CSRF tokens like the browser does."""

from __future__ import annotations

import re

PASSWORDS = {"rita": "rita-pass-123", "rex": "rex-pass-1234", "sam": "sam-pass-1234", "ada": "ada-pass-1234",
             "locky": "locky-pass-12"}
ROLES = {"rita": "reviewer", "rex": "reviewer", "sam": "supervisor", "ada": "admin", "locky": "reviewer"}


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
