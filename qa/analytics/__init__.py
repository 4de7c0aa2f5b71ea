"""Analytics over the QA store: the supervisor's summary and voice-of-customer spike alerts.

Pure parts (:mod:`qa.analytics.spikes`: the statistical test) are apart from the store queries
(:mod:`qa.analytics.counts`, :mod:`qa.analytics.summary`); results are plain dataclasses that the
CLI (``hotline analytics``) prints and a web page can render.
"""

from qa.analytics.alerts import AlertDeliveryError, find_alerts, payload, post, scan_alerts, signature
from qa.analytics.counts import caller_terms, hour_start, hourly_counts
from qa.analytics.regions import region_name, region_of
from qa.analytics.spikes import SeriesKey, SeriesTest, SpikeReport, SpikeSettings, detect, poisson_rise_p
from qa.analytics.summary import Summary, summarize

__all__ = [
    "AlertDeliveryError",
    "SeriesKey",
    "SeriesTest",
    "SpikeReport",
    "SpikeSettings",
    "Summary",
    "caller_terms",
    "detect",
    "find_alerts",
    "hour_start",
    "hourly_counts",
    "payload",
    "poisson_rise_p",
    "post",
    "region_name",
    "region_of",
    "scan_alerts",
    "signature",
    "summarize",
]
