"""Download a call recording from Twilio (or take a local file) to the recordings directory.

Twilio serves a recording's media at its ``RecordingUrl`` plus an extension (``.wav``), behind
HTTP Basic auth with the account SID and auth token when media auth is enforced; a dual-channel
file is asked for with ``RequestedChannels=2`` (conference recordings download mono otherwise).
Transient failures (time-outs, connection errors, 5xx, 429 and a 404 that can mean "not ready
yet") are retried here with exponential backoff; wrong credentials (401/403) are not.
The file is written to a temporary name and renamed, so a half download is never analysed.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

import requests

from qa.errors import FetchError, StorageError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({404, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class FetchConfig:
    account_sid: str = ""
    auth_token: str = ""
    #: seconds per request (connect and read)
    timeout: float = 30.0
    #: tries per fetch (the job itself is retried later as a whole)
    attempts: int = 3
    #: seconds before the second try; doubled after each failure
    backoff: float = 1.0


def media_url(recording_url: str) -> str:
    """The WAV media URL of a recording resource URL (``…/Recordings/RE…`` -> ``….wav?RequestedChannels=2``)."""
    parts = urlparse(recording_url)
    path = parts.path
    if not path.endswith((".wav", ".mp3")):
        path += ".wav"
    query = parts.query + ("&" if parts.query else "") + urlencode({"RequestedChannels": 2})
    return urlunparse(parts._replace(path=path, query=query))


def _is_local(source: str) -> bool:
    scheme = urlparse(source).scheme
    return scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter is not a scheme


def fetch_recording(source: str, dest: Path, config: FetchConfig = FetchConfig(), *,
                    session: requests.Session | None = None) -> Path:
    """Put the recording at ``source`` (Twilio URL, ``file://`` URL or path) at ``dest``; returns ``dest``.

    Raises :class:`FetchError` (``retryable`` tells whether a later try may work) or
    :class:`StorageError` when the disk refuses the file.
    """
    dest = Path(dest)
    _mkdir(dest.parent)
    if _is_local(source):
        path = Path(urlparse(source).path if source.startswith("file:") else source)
        if not path.is_file():
            raise FetchError(f"recording file {path} does not exist", retryable=False)
        if path.resolve() != dest.resolve():
            _write_atomically(dest, lambda fh: _copy_file(path, fh))
        return dest
    url = media_url(source)
    http = session or requests.Session()
    auth = (config.account_sid, config.auth_token) if config.account_sid else None
    delay = config.backoff
    last: FetchError | None = None
    for attempt in range(1, config.attempts + 1):
        try:
            response = http.get(url, auth=auth, timeout=config.timeout, stream=True)
        except requests.Timeout:
            last = FetchError(f"download of {_safe(url)} timed out after {config.timeout:g} s")
        except requests.RequestException as exc:
            last = FetchError(f"download of {_safe(url)} failed: {exc.__class__.__name__}: {exc}")
        else:
            with response:
                if response.status_code == 200:
                    try:
                        _write_atomically(dest, lambda fh: _copy_body(response, fh))
                    except requests.RequestException as exc:
                        last = FetchError(f"download of {_safe(url)} broke off: {exc}")
                    else:
                        return dest
                else:
                    last = _status_error(url, response)
                    if not last.retryable:
                        raise last
        if attempt < config.attempts:
            log.info("recording download try %d failed (%s); again in %.1f s", attempt, last, delay)
            time.sleep(delay)
            delay *= 2
    assert last is not None
    raise last


def _copy_file(path: Path, fh) -> None:
    with path.open("rb") as src:
        shutil.copyfileobj(src, fh)


def _copy_body(response: requests.Response, fh) -> None:
    for chunk in response.iter_content(chunk_size=1 << 16):
        fh.write(chunk)


def _status_error(url: str, response: requests.Response) -> FetchError:
    status = response.status_code
    detail = ""
    try:
        body = response.json()  # Twilio's error body: {"code": 20404, "message": ...}
        detail = f" (Twilio {body.get('code')}: {body.get('message')})"
    except ValueError:
        pass
    if status in (401, 403):
        return FetchError(f"download of {_safe(url)} refused: HTTP {status}{detail}; check twilio_account_sid "
                          "and twilio_auth_token", retryable=False, status=status)
    return FetchError(f"download of {_safe(url)} failed: HTTP {status}{detail}",
                      retryable=status in RETRY_STATUSES, status=status)


def _safe(url: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(netloc=parts.hostname or "", query=""))


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror or exc}") from exc


def _write_atomically(dest: Path, write) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with tmp.open("wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise StorageError(f"cannot write {dest}: {reason}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
