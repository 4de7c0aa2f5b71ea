"""Prometheus metrics of the IVR, served on ``GET /metrics`` behind a bearer token.

What is measured (names as exported):

- ``hotline_webhook_seconds{endpoint}`` histogram: time to answer each Twilio webhook;
- ``hotline_webhook_fail_safe_total{endpoint}``: webhooks answered with the apology/queue (or a
  503 to a status callback) because the database failed;
- ``hotline_media_streams_active`` gauge: live Media Streams (WebSockets) open now;
- ``hotline_asr_real_time_factor`` histogram: per media stream, seconds spent handling its audio
  (decode, voice activity, Vosk, live emotion) per second of audio; above 1 the live path falls behind;
- ``hotline_speech_attempts_total{node}`` / ``hotline_speech_no_match_total{node}``: utterances
  heard at a menu node and those that matched nothing (the no-match rate is their ratio);
- ``hotline_routes_total{skill}``: calls routed to each skill queue (after the router's rules);
- ``hotline_jobs{status}`` gauge (from the job table at scrape time, cached, with a deadline),
  ``hotline_job_seconds{kind,result}``, ``hotline_job_failures_total{kind,permanent}`` and
  ``hotline_job_real_time_factor{kind}`` (from the workers, see :mod:`qa.metrics`).

Under gunicorn every worker is a process with its own numbers: set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder before starting it, and the scrape adds up all processes (prometheus_client's
multiprocess collector); see README "Operations". Scrapes never touch the call path: counters are
updated in memory, the only database read is the job count above, off the request thread.
"""

from __future__ import annotations

import hmac
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from typing import Iterable

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ivr.events import CallEvent, Route
from ivr.logs import bind_call, unbind
from qa.metrics import RTF_BUCKETS, multiprocess_dir

#: seconds; Twilio gives up on a webhook after 15 s
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
#: a Media Streams ``media`` message carries 20 ms of 8 kHz mu-law (160 bytes)
FRAME_S = 0.02
EXTENSION = "hotline_metrics"


@dataclass(frozen=True)
class StepCounts:
    """What one call step adds to the speech and routing counters (pure: from the step's events and actions)."""

    speech_attempts: Tally = field(default_factory=Tally)
    speech_no_match: Tally = field(default_factory=Tally)
    routes: Tally = field(default_factory=Tally)


def count_step(events: Iterable[CallEvent], actions: Iterable[object]) -> StepCounts:
    """Count utterances per node, those that ended in a no-match at the same node, and routes per skill.

    The engine records ``speech`` (with the text heard; empty means silence, a no-input, unless it is
    marked ``unclear``: speech outside the node's words) and, when nothing matched, ``no_match`` at the
    same node before the call moves anywhere.
    """
    counts = StepCounts()
    spoken_at = None
    for event in events:
        if event.kind == "speech":
            detail = event.detail or {}
            spoken_at = event.node if (detail.get("text") or detail.get("unclear")) else None
            if spoken_at is not None:
                counts.speech_attempts[event.node] += 1
        elif event.kind == "no_match" and spoken_at == event.node:
            counts.speech_no_match[event.node] += 1
            spoken_at = None
        elif event.kind in ("node_entered", "option", "route"):
            spoken_at = None
    for action in actions:
        if isinstance(action, Route):
            counts.routes[action.skill] += 1
    return counts


class Metrics:
    """The IVR's metrics in one registry (one per app, so tests and apps never share numbers)."""

    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.webhook_seconds = Histogram("hotline_webhook_seconds", "Time to answer a Twilio webhook",
                                         ["endpoint"], buckets=WEBHOOK_BUCKETS, registry=r)
        self.fail_safe = Counter("hotline_webhook_fail_safe", "Webhooks answered without the database (it failed)",
                                 ["endpoint"], registry=r)
        self.media_streams = Gauge("hotline_media_streams_active", "Media Streams open now", registry=r,
                                   multiprocess_mode="livesum")
        self.asr_rtf = Histogram("hotline_asr_real_time_factor",
                                 "Seconds handling a media stream's audio per second of audio (live path)",
                                 buckets=RTF_BUCKETS, registry=r)
        self.speech_attempts = Counter("hotline_speech_attempts", "Utterances heard at a menu node", ["node"],
                                       registry=r)
        self.speech_no_match = Counter("hotline_speech_no_match", "Utterances that matched nothing at a node",
                                       ["node"], registry=r)
        self.routes = Counter("hotline_routes", "Calls routed to a skill queue", ["skill"], registry=r)
        self._collectors: list = []

    def add_collector(self, collector) -> None:
        """A collector read at scrape time (e.g. the job queue's depth)."""
        self._collectors.append(collector)
        self.registry.register(collector)

    def observe_step(self, events: Iterable[CallEvent], actions: Iterable[object]) -> None:
        """A :data:`ivr.calls.StepObserver`: count a stored call step."""
        counts = count_step(events, actions)
        for node, n in counts.speech_attempts.items():
            self.speech_attempts.labels(node).inc(n)
        for node, n in counts.speech_no_match.items():
            self.speech_no_match.labels(node).inc(n)
        for skill, n in counts.routes.items():
            self.routes.labels(skill).inc(n)

    def exposition(self) -> bytes:
        """The text format of every metric; all processes' numbers in multiprocess mode."""
        if not multiprocess_dir():
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in self._collectors:
            registry.register(collector)
        return generate_latest(registry)


def of(app: Flask | None = None) -> Metrics | None:
    """The app's metrics (None when the app has none)."""
    return (app or current_app).extensions.get(EXTENSION)


def count_fail_safe() -> None:
    """A webhook served the caller without the database; call inside the request."""
    metrics = of()
    if metrics is not None:
        metrics.fail_safe.labels((request.endpoint or "?").removeprefix("twilio.")).inc()


def bearer_ok(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant-time compare)."""
    scheme, _, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class StreamMeter:
    """One media stream: the active-streams gauge, its real-time factor, and its call SID in the logs."""

    def __init__(self, metrics: Metrics | None):
        self.metrics = metrics
        self.busy_s = 0.0
        self.frames = 0
        self._token = None
        if metrics is not None:
            metrics.media_streams.inc()

    @staticmethod
    def clock() -> float:
        return time.perf_counter()

    def message(self, text: str, started: float, call_sid: str) -> None:
        """``text`` was handled from ``started`` (:meth:`clock`) until now."""
        if '"media"' in text:  # a media frame ("mediaFormat" of the start message does not match)
            self.frames += 1
            self.busy_s += time.perf_counter() - started
        if self._token is None and call_sid:
            self._token = bind_call(call_sid)

    def close(self) -> None:
        if self.metrics is not None:
            self.metrics.media_streams.dec()
            if self.frames * FRAME_S >= 1.0:
                self.metrics.asr_rtf.observe(self.busy_s / (self.frames * FRAME_S))
        if self._token is not None:
            unbind(self._token)
            self._token = None


def stream_meter() -> StreamMeter:
    return StreamMeter(of())


def init_app(app: Flask, metrics: Metrics, token: str) -> None:
    """Time the Twilio webhooks and serve ``GET /metrics`` to a scraper with ``Authorization: Bearer <token>``.

    Without a token ``/metrics`` answers 404: metrics are off rather than open.
    """
    app.extensions[EXTENSION] = metrics

    @app.before_request
    def _start_timer():
        g.hotline_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("hotline_started", None)
        endpoint = request.endpoint or ""
        # webhooks only; the media WebSocket's "request" lasts the whole call
        if started is not None and endpoint.startswith("twilio.") and not request.path.endswith("/media"):
            metrics.webhook_seconds.labels(endpoint.removeprefix("twilio.")).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics_endpoint():
        if not token:
            return Response("metrics are off: set metrics_token (HOTLINE_METRICS_TOKEN)\n", status=404,
                            mimetype="text/plain")
        if not bearer_ok(request.headers.get("Authorization"), token):
            return Response("a valid bearer token is required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="hotline metrics"'})
        return Response(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
