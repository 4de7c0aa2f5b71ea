"""Downloading recordings from a local stand-in that speaks Twilio's media wire format, and checks auth."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from fake_twilio import FakeTwilioRest, ServerThread
from qa.errors import FetchError, StorageError
from qa.fetch import FetchConfig, fetch_recording, media_url

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-for-recordings"


def _dual_wav(path, seconds: float = 1.0) -> bytes:
    t = np.arange(int(8000 * seconds)) / 8000
    sf.write(str(path), np.stack([0.3 * np.sin(2 * np.pi * 300 * t), 0.2 * np.sin(2 * np.pi * 500 * t)], axis=1),
             8000, subtype="PCM_16")
    return path.read_bytes()


@pytest.fixture
def twilio(tmp_path):
    fake = FakeTwilioRest(ACCOUNT, TOKEN)
    fake.recordings["RE1"] = _dual_wav(tmp_path / "src.wav")
    with ServerThread(fake.wsgi) as server:
        yield fake, server.url


def test_media_url_asks_for_the_wav_with_both_channels():
    url = media_url("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE2")
    assert url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE2.wav?RequestedChannels=2"


def test_download_uses_basic_auth_and_keeps_both_channels(twilio, tmp_path):
    fake, base = twilio
    dest = fetch_recording(fake.recording_url(base, "RE1"), tmp_path / "out" / "RE1.wav",
                           FetchConfig(ACCOUNT, TOKEN))
    data, rate = sf.read(str(dest), always_2d=True)
    assert (rate, data.shape[1]) == (8000, 2)
    assert dest.read_bytes() == fake.recordings["RE1"]
    path, query, authorised = fake.media_requests[-1]
    assert path.endswith("/Recordings/RE1.wav") and "RequestedChannels=2" in query and authorised


def test_wrong_credentials_fail_at_once_without_retries(twilio, tmp_path):
    fake, base = twilio
    with pytest.raises(FetchError, match="HTTP 401.*twilio_auth_token") as info:
        fetch_recording(fake.recording_url(base, "RE1"), tmp_path / "RE1.wav",
                        FetchConfig(ACCOUNT, "wrong", backoff=0.01))
    assert not info.value.retryable
    assert len(fake.media_requests) == 1
    assert not (tmp_path / "RE1.wav").exists()


def test_server_errors_are_retried_with_backoff_then_succeed(twilio, tmp_path):
    fake, base = twilio
    fake.fail_next = [500, 503]
    dest = fetch_recording(fake.recording_url(base, "RE1"), tmp_path / "RE1.wav",
                           FetchConfig(ACCOUNT, TOKEN, attempts=3, backoff=0.01))
    assert dest.read_bytes() == fake.recordings["RE1"]
    assert len(fake.media_requests) == 3


def test_persistent_errors_give_one_retryable_error_and_no_file(twilio, tmp_path):
    fake, base = twilio
    fake.fail_next = [500, 500, 500]
    with pytest.raises(FetchError, match="HTTP 500") as info:
        fetch_recording(fake.recording_url(base, "RE1"), tmp_path / "RE1.wav",
                        FetchConfig(ACCOUNT, TOKEN, attempts=3, backoff=0.01))
    assert info.value.retryable and info.value.status == 500
    assert list(tmp_path.glob("*RE1*")) == []  # no half file, no temp file left


def test_unknown_recording_is_a_404_after_retries(twilio, tmp_path):
    fake, base = twilio
    with pytest.raises(FetchError, match="HTTP 404.*20404"):
        fetch_recording(fake.recording_url(base, "RE404"), tmp_path / "x.wav",
                        FetchConfig(ACCOUNT, TOKEN, attempts=2, backoff=0.01))
    assert len(fake.media_requests) == 2


def test_a_stalled_server_times_out(twilio, tmp_path):
    fake, base = twilio
    fake.delay_s = 1.0
    with pytest.raises(FetchError, match="timed out") as info:
        fetch_recording(fake.recording_url(base, "RE1"), tmp_path / "x.wav",
                        FetchConfig(ACCOUNT, TOKEN, timeout=0.2, attempts=1))
    assert info.value.retryable


def test_local_files_are_copied_and_missing_ones_refused(tmp_path):
    src = tmp_path / "call.wav"
    _dual_wav(src)
    dest = fetch_recording(str(src), tmp_path / "store" / "RE9.wav")
    assert dest.read_bytes() == src.read_bytes()
    with pytest.raises(FetchError, match="does not exist") as info:
        fetch_recording(str(tmp_path / "nope.wav"), tmp_path / "store" / "RE8.wav")
    assert not info.value.retryable


def test_a_full_disk_is_a_storage_error_and_leaves_nothing(tmp_path):
    import os

    src = tmp_path / "call.wav"
    _dual_wav(src)
    dest = tmp_path / "store" / "RE7.wav"
    dest.parent.mkdir()
    # the download's temporary file lands on /dev/full: the kernel answers ENOSPC like a full disk
    (dest.parent / f".{dest.name}.{os.getpid()}.part").symlink_to("/dev/full")
    with pytest.raises(StorageError, match="disk full"):
        fetch_recording(str(src), dest)
    assert list(dest.parent.iterdir()) == []
