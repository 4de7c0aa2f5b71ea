"""Readiness: ``GET /readyz`` answers 200 when this process can take calls, 503 naming what is not.

``/healthz`` (liveness, in :mod:`ivr.app`) says the process runs and its database answers;
``/readyz`` is what a load balancer or Kubernetes asks before sending traffic. Its checks:

- ``database``: the store answers and has this version's schema;
- ``broker``: the Celery broker answers (only when ``qa_jobs = celery``; otherwise not listed);
- ``speech_model``: the Vosk model is loaded (``speech_navigation = off``, or ``auto`` without a model,
  is reported but ready: calls then use the keypad).

Each check runs on its own thread with a deadline, so a database that hangs gives a 503 in about
``timeout_s`` seconds, not a hung probe. The body::

    {"status": "ready", "checks": {"database": {"ok": true, "detail": "schema 3"}, ...}}
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from typing import Callable

from flask import Flask, jsonify


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""


def readiness(results: dict[str, Check]) -> tuple[int, dict]:
    """(HTTP status, JSON body) from the checks' results: 200 when every one is ok, else 503."""
    ready = all(c.ok for c in results.values())
    return (200 if ready else 503), {"status": "ready" if ready else "unavailable",
                                     "checks": {name: asdict(c) for name, c in results.items()}}


def check_database(store) -> Check:
    from qa.store import SCHEMA_VERSION, StoreError

    try:
        store.check_schema()
    except StoreError as exc:
        return Check(False, str(exc))
    return Check(True, f"schema {SCHEMA_VERSION}")


def check_broker(url: str, timeout_s: float) -> Check:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=timeout_s, transport_options={"socket_timeout": timeout_s}) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout_s)
    except Exception as exc:  # noqa: BLE001 - kombu and its transports raise many kinds
        return Check(False, f"broker {_safe(url)} unreachable: {exc}")
    return Check(True, _safe(url))


def check_speech_model(settings, model) -> Check:
    if settings.speech_navigation == "off":
        return Check(True, "speech navigation off (keypad only)")
    if model is None:
        return Check(True, "no model loaded (speech_navigation = auto): keypad only")
    return Check(True, str(getattr(model, "name", "loaded")))


def _safe(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def run_checks(checks: dict[str, Callable[[], Check]], timeout_s: float, pool: ThreadPoolExecutor) -> dict[str, Check]:
    """Run every check at once; one that does not answer within ``timeout_s`` failed."""
    futures = {name: pool.submit(fn) for name, fn in checks.items()}
    results = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=timeout_s)
        except FutureTimeout:
            results[name] = Check(False, f"no answer within {timeout_s:g} s")
        except Exception as exc:  # noqa: BLE001 - a check that crashes is a failed check, with its reason
            results[name] = Check(False, f"{exc.__class__.__name__}: {exc}")
    return results


def init_app(app: Flask, hotline, *, timeout_s: float = 2.0) -> None:
    """Register ``GET /readyz`` for ``hotline`` (an :class:`ivr.app.Hotline`)."""
    pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="readyz")
    settings = hotline.settings
    checks: dict[str, Callable[[], Check]] = {"database": lambda: check_database(hotline.store)}
    if settings.qa_jobs == "celery":
        checks["broker"] = lambda: check_broker(settings.qa_broker_url, timeout_s)
    checks["speech_model"] = lambda: check_speech_model(settings, hotline.speech_model)

    @app.get("/readyz")
    def readyz():
        status, body = readiness(run_checks(checks, timeout_s, pool))
        return jsonify(body), status
