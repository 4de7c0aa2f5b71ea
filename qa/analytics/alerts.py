"""Spike alerts: find them in the store, and send them as a signed JSON POST.

The POST body is the JSON of :func:`payload` (schema ``hotline.analytics.alerts/1``). It is
signed with HMAC-SHA256 over ``"<timestamp>.<body>"`` using the shared ``alerts_secret``:

    X-Hotline-Timestamp: 1765000000
    X-Hotline-Signature: sha256=<hex digest>

A receiver recomputes the digest with :func:`signature` (or any HMAC library), compares in
constant time and rejects old timestamps, so a captured alert cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any, Iterable

from qa.analytics.counts import hourly_counts, hour_start
from qa.analytics.spikes import SeriesTest, SpikeReport, SpikeSettings, baseline_hours, detect

SCHEMA = "hotline.analytics.alerts/1"
SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"


class AlertDeliveryError(RuntimeError):
    """The alerts could not be delivered; the message says where and why in one line."""


def find_alerts(store, at: datetime, settings: SpikeSettings = SpikeSettings(), *, by_region: bool = True) -> SpikeReport:
    """Test the hour containing ``at`` (every intent, QA category and caller term; per region too)."""
    return scan_alerts(store, [at], settings, by_region=by_region)[0]


def scan_alerts(store, hours: Iterable[datetime], settings: SpikeSettings = SpikeSettings(), *,
                by_region: bool = True) -> list[SpikeReport]:
    """Test each hour containing one of ``hours`` (one report per hour, in time order), reading the
    counts of all of them and their baselines at once."""
    tested = sorted({hour_start(h) for h in hours})
    wanted = {b for h in tested for b in (h, *baseline_hours(h, settings.weeks))}
    counts = hourly_counts(store, wanted, by_region=by_region)
    return [detect(counts, hour, settings) for hour in tested]


def alert_dict(test: SeriesTest) -> dict[str, Any]:
    return {"kind": test.key.kind, "name": test.key.name, "region": test.key.region,
            "hour": test.hour.isoformat(), "count": test.count, "baseline": list(test.baseline),
            "baseline_mean": round(test.baseline_mean, 3),
            "ratio": round(test.ratio, 2) if test.ratio is not None else None,
            "p_value": test.p_value, "q_value": test.q_value}


def payload(report: SpikeReport) -> dict[str, Any]:
    """What ``hotline analytics alerts --json`` prints and the POST carries."""
    s = report.settings
    return {"schema": SCHEMA, "hour": report.hour.isoformat(), "series_tested": len(report.tests),
            "test": {"method": "exact conditional Poisson (binomial) test, Benjamini-Hochberg across series",
                     "weeks": s.weeks, "alpha": s.alpha, "min_count": s.min_count, "min_ratio": s.min_ratio},
            "alerts": [alert_dict(t) for t in report.alerts]}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``timestamp + "." + body`` with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(url: str, secret: str, document: dict[str, Any], *, timeout: float = 10.0, now: float | None = None) -> int:
    """POST ``document`` as signed JSON; returns the HTTP status (2xx). Raises :class:`AlertDeliveryError`."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time() if now is None else now))
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body), "User-Agent": "hotline-alerts/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise AlertDeliveryError(f"alerts URL {url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AlertDeliveryError(f"could not post alerts to {url}: {reason}") from exc
