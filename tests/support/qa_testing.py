"""Helpers for QA end-to-end tests: a call driven through the signed webhooks, its recording served by
the Twilio stand-in, and the post-call services the workers would build."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from fake_twilio import FakeTwilioRest
from twilio_testing import AUTH_TOKEN, ROOT, Caller, TwilioClient, make_settings

ACCOUNT_SID = "AC" + "0" * 32


def qa_settings(tmp_path: Path, **overrides):
    values = {"qa_retry_s": 0, "qa_job_lease_s": 5, "qa_workers": 0, **overrides}
    return make_settings(tmp_path, **values)


def worker_env(settings, **extra: str) -> dict[str, str]:
    """Environment for a `hotline worker` subprocess with the same settings as the test's app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update({
        "HOTLINE_DATABASE_URL": settings.resolved_database_url, "HOTLINE_INSTANCE_PATH": settings.instance_path,
        "HOTLINE_FLOW_FILE": settings.flow_file, "HOTLINE_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "HOTLINE_TWILIO_AUTH_TOKEN": settings.twilio_auth_token, "HOTLINE_QA_RETRY_S": str(settings.qa_retry_s),
        "HOTLINE_QA_JOB_LEASE_S": str(settings.qa_job_lease_s), "HOTLINE_QA_JOBS": settings.qa_jobs,
        "HOTLINE_QA_BROKER_URL": settings.qa_broker_url, "HOTLINE_QA_ASR_MODEL": settings.qa_asr_model,
        "PYTHONPATH": str(ROOT), **extra,
    })
    return env


def services(settings, store):
    """The services a worker builds, with quick download retries for tests."""
    from qa.jobs.services import build_services

    built = build_services(settings, store)
    built.fetch = replace(built.fetch, backoff=0.01, timeout=5.0)
    return built


def routed_call(twilio: TwilioClient, sid: str, keys: list[str], *, queue_time_s: int | None = None,
                number: str = "+8613800138000") -> Caller:
    """A caller who presses ``keys``, is routed, (optionally) waits ``queue_time_s`` and is bridged, then hangs up."""
    caller = Caller(twilio, sid, number=number)
    caller.dial()
    for key in keys:
        caller.press(key)
    if queue_time_s is not None:
        twilio.post("/twilio/enqueue", caller._params(QueueResult="bridged", QueueTime=str(queue_time_s),
                                                      QueueSid="QU" + "1" * 32))
    caller.hang_up()
    return caller


def post_recording(twilio: TwilioClient, fake: FakeTwilioRest, base_url: str, call_sid: str, recording_sid: str,
                   wav: Path | None = None, status: str = "completed", channels: str = "2"):
    """Serve ``wav`` as the recording's media and post Twilio's recording status callback."""
    if wav is not None:
        fake.recordings[recording_sid] = Path(wav).read_bytes()
    return twilio.post("/twilio/recording", {
        "AccountSid": ACCOUNT_SID, "CallSid": call_sid, "RecordingSid": recording_sid,
        "RecordingUrl": fake.recording_url(base_url, recording_sid), "RecordingStatus": status,
        "RecordingDuration": "30", "RecordingChannels": channels, "RecordingSource": "StartCallRecordingTwiML"})


__all__ = ["ACCOUNT_SID", "AUTH_TOKEN", "post_recording", "qa_settings", "routed_call", "services", "worker_env"]
