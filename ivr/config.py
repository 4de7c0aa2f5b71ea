"""Settings: defaults -> ``hotline.toml`` -> ``HOTLINE_*`` environment variables.

Everything is validated once, at start-up; every problem is collected and reported
together in one :class:`ConfigError`, so an operator fixes the file in one pass.

Environment variables are the upper-cased field names with the ``HOTLINE_`` prefix
(``HOTLINE_PUBLIC_URL``, ``HOTLINE_DATABASE_URL`` ...). Per-locale voices are set with
``HOTLINE_VOICE_ZH_CN`` / ``HOTLINE_VOICE_EN_US`` or a ``[voices]`` table in the file.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlparse

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FLOW = PROJECT_ROOT / "flows" / "950618.yaml"
LOCALES = ("zh-CN", "en-US")


class ConfigError(ValueError):
    """One or more settings are invalid; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Validated settings for one hotline process."""

    #: public base URL Twilio calls (``https://hotline.example.com``); used for
    #: signature validation and absolute action URLs
    public_url: str = "http://127.0.0.1:5000"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    #: TaskRouter workflow; empty means plain ``<Enqueue>queue</Enqueue>``
    taskrouter_workflow_sid: str = ""
    #: seconds a TaskRouter task may wait before it times out
    task_timeout: int = 600
    #: SQLAlchemy URL; empty means ``sqlite:///<instance_path>/hotline.sqlite3``
    database_url: str = ""
    instance_path: str = str(PROJECT_ROOT / "instance")
    flow_file: str = str(DEFAULT_FLOW)
    default_locale: str = "zh-CN"
    voices: dict[str, str] = field(
        default_factory=lambda: {"zh-CN": "Polly.Zhiyu", "en-US": "Polly.Joanna"}
    )
    #: Vosk model name or path (used by speech navigation and transcription)
    asr_model: str = ""
    models_dir: str = str(PROJECT_ROOT / "instance" / "models")
    #: demo order backend database (self-service); empty means inside instance_path
    orders_database_url: str = ""
    #: seconds before an order lookup is abandoned and the caller routed to an agent
    order_backend_timeout: float = 3.0
    #: speech navigation over Media Streams + Vosk: auto (on when the model loads), on, off
    speech_navigation: str = "auto"
    #: below this recogniser confidence an utterance counts as a no-match
    speech_min_confidence: float = 0.35
    #: record both channels of every call for QA (<Start><Recording>)
    record_calls: bool = True
    #: Twilio REST API base (a local stand-in in tests and the simulator)
    twilio_api_base_url: str = "https://api.twilio.com"
    #: routing rules (YAML); empty means the shipped ivr/routing.yaml
    routing_rules: str = ""
    #: caller profiles database (demo backend); empty means SQLite inside instance_path
    profiles_database_url: str = ""
    #: development only: accept unsigned webhooks (loudly logged)
    disable_signature_check: bool = False
    #: seconds Twilio waits for a keypress
    gather_timeout: int = 6
    #: post-call QA: Vosk model for recordings ("" = the built-in command model, which spots phrases)
    qa_asr_model: str = ""
    #: auto (spotting on hotline's command models, full transcripts on any other), transcript, spotting
    qa_mode: str = "auto"
    #: where post-call jobs run: local (worker processes on this machine, jobs in the database),
    #: celery (Celery workers fed through qa_broker_url), off (recordings are only recorded)
    qa_jobs: str = "local"
    #: local worker processes started by `hotline serve` / `hotline worker`
    qa_workers: int = 1
    qa_broker_url: str = "redis://127.0.0.1:6379/0"
    #: channel order of the dual recording (Twilio: inbound = caller first, outbound second)
    qa_channels: str = "caller,agent"
    #: QA rules (YAML); empty means the shipped qa/rules.yaml
    qa_rules: str = ""
    #: tries of a post-call job before it is marked failed
    qa_max_attempts: int = 3
    #: seconds before the first retry of a failed job (doubled after each)
    qa_retry_s: float = 30.0
    #: seconds a worker holds a job without a heartbeat; a dead worker's job is taken over after it
    qa_job_lease_s: int = 120
    #: tone or silence over personal data in the redacted audio
    qa_redaction: str = "tone"
    #: silences at least this long count as non-talk time
    qa_non_talk_s: float = 3.0
    #: the hotline's local time zone: "明天" / "by end of day" promises fall due in it
    qa_timezone: str = "Asia/Shanghai"
    #: seconds per recording download request
    qa_download_timeout: float = 30.0
    #: downloaded and redacted recordings; empty means <instance_path>/recordings
    recordings_dir: str = ""
    #: the QA web app's review form (YAML, hotline.qa.scorecard/1); empty means the shipped one
    qa_scorecard: str = ""
    #: minutes of inactivity before a QA web app session ends
    qa_session_minutes: int = 30
    #: seconds the dashboard's figures for a period are reused (refreshes, several supervisors); 0 = off
    qa_dashboard_cache_seconds: int = 60
    #: bearer token a Prometheus scraper sends to GET /metrics; empty means /metrics is off
    metrics_token: str = ""
    #: text (human-readable) or json (one object per line, with call_sid; no caller numbers or transcripts)
    log_format: str = "text"
    #: where `hotline analytics alerts --post` sends spike alerts (signed JSON POST); empty means nowhere
    alerts_url: str = ""
    #: HMAC-SHA256 key of the alerts POST's X-Hotline-Signature (required with alerts_url)
    alerts_secret: str = ""
    host: str = "127.0.0.1"
    port: int = 5000

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.instance_path) / 'hotline.sqlite3'}"

    @property
    def resolved_recordings_dir(self) -> Path:
        return Path(self.recordings_dir) if self.recordings_dir else Path(self.instance_path) / "recordings"

    @property
    def intent_model_path(self) -> Path:
        """Where the trained intent classifier is cached (trained once, then loaded in well under a second)."""
        return Path(self.models_dir) / "intents.joblib"

    @property
    def resolved_profiles_database_url(self) -> str:
        if self.profiles_database_url:
            return self.profiles_database_url
        return f"sqlite:///{Path(self.instance_path) / 'profiles.sqlite3'}"

    @property
    def resolved_orders_database_url(self) -> str:
        if self.orders_database_url:
            return self.orders_database_url
        return f"sqlite:///{Path(self.instance_path) / 'orders.sqlite3'}"


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, kind: type, value: Any, problems: list[str]) -> Any:
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _BOOL_TRUE:
                return True
            if text in _BOOL_FALSE:
                return False
            raise ValueError(f"expected true/false, got {value!r}")
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(value)
        if kind is float:
            return float(value)
        if kind is str:
            if not isinstance(value, (str, int, float)):
                raise ValueError(f"expected a string, got {type(value).__name__}")
            return str(value)
        if kind is dict:
            if not isinstance(value, Mapping):
                raise ValueError(f"expected a table, got {type(value).__name__}")
            return {str(k): str(v) for k, v in value.items()}
    except ValueError as exc:
        problems.append(f"{name}: {exc}")
        return None
    return value


_KINDS = {"str": str, "int": int, "float": float, "bool": bool}


def _field_kind(f) -> type:
    type_name = f.type if isinstance(f.type, str) else f.type.__name__
    if type_name.startswith("dict"):
        return dict
    return _KINDS[type_name]


def load_settings(
    config_path: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from defaults, a TOML file, the environment and overrides.

    ``config_path`` defaults to ``$HOTLINE_CONFIG`` or ``./hotline.toml`` when that exists.
    Raises :class:`ConfigError` listing every invalid or unknown setting.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(Settings)}

    path = config_path or env.get("HOTLINE_CONFIG")
    if path is None and Path("hotline.toml").is_file():
        path = "hotline.toml"
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError([f"config file {path} does not exist"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
        for key, value in data.items():
            if key not in known:
                problems.append(f"{path}: unknown setting {key!r}")
                continue
            values[key] = _coerce(f"{path}: {key}", _field_kind(known[key]), value, problems)

    voices = dict(values.get("voices") or Settings().voices)
    for key, value in env.items():
        if not key.startswith("HOTLINE_") or key == "HOTLINE_CONFIG":
            continue
        name = key[len("HOTLINE_"):].lower()
        if name.startswith("voice_"):
            lang, _, region = name[len("voice_"):].partition("_")
            voices[f"{lang}-{region.upper()}"] = value
            continue
        if name in known:
            values[name] = _coerce(key, _field_kind(known[name]), value, problems)
        # other HOTLINE_* variables belong to tests or tools (e.g. HOTLINE_TEST_*)
    values["voices"] = voices

    for key, value in (overrides or {}).items():
        if key not in known:
            problems.append(f"unknown setting {key!r}")
            continue
        values[key] = _coerce(key, _field_kind(known[key]), value, problems)

    if problems:
        raise ConfigError(problems)
    settings = replace(Settings(), **{k: v for k, v in values.items() if v is not None})
    problems.extend(validate(settings))
    if problems:
        raise ConfigError(problems)
    if settings.disable_signature_check:
        log.warning(
            "SIGNATURE CHECKS ARE DISABLED (disable_signature_check=true): any client can "
            "drive this IVR. Never run like this outside development."
        )
    return settings


def validate(settings: Settings) -> list[str]:
    """Return one message per invalid setting."""
    problems = []
    url = urlparse(settings.public_url)
    if url.scheme not in ("http", "https") or not url.netloc:
        problems.append(
            f"public_url: {settings.public_url!r} is not an absolute http(s) URL "
            "(e.g. https://hotline.example.com)"
        )
    if settings.twilio_account_sid and not settings.twilio_account_sid.startswith("AC"):
        problems.append("twilio_account_sid: must start with 'AC'")
    if settings.taskrouter_workflow_sid and not settings.taskrouter_workflow_sid.startswith("WW"):
        problems.append("taskrouter_workflow_sid: must start with 'WW'")
    if settings.default_locale not in LOCALES:
        problems.append(f"default_locale: {settings.default_locale!r} is not one of {', '.join(LOCALES)}")
    for locale in settings.voices:
        if locale not in LOCALES:
            problems.append(f"voices: unknown locale {locale!r} (known: {', '.join(LOCALES)})")
    if not Path(settings.flow_file).is_file():
        problems.append(f"flow_file: {settings.flow_file} does not exist")
    if settings.speech_navigation not in ("auto", "on", "off"):
        problems.append(f"speech_navigation: {settings.speech_navigation!r} is not one of auto, on, off")
    if not 0.0 <= settings.speech_min_confidence <= 1.0:
        problems.append("speech_min_confidence: must be between 0 and 1")
    if not 1 <= settings.gather_timeout <= 60:
        problems.append("gather_timeout: must be between 1 and 60 seconds")
    if settings.task_timeout <= 0:
        problems.append("task_timeout: must be positive")
    if settings.order_backend_timeout <= 0:
        problems.append("order_backend_timeout: must be positive")
    if not 0 < settings.port < 65536:
        problems.append("port: must be between 1 and 65535")
    problems.extend(_qa_problems(settings))
    problems.extend(_operations_problems(settings))
    if settings.database_url and "://" not in settings.database_url:
        problems.append(f"database_url: {settings.database_url!r} is not a SQLAlchemy URL")
    return problems


def _qa_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.qa_mode not in ("auto", "transcript", "spotting"):
        problems.append(f"qa_mode: {settings.qa_mode!r} is not one of auto, transcript, spotting")
    if settings.qa_jobs not in ("local", "celery", "off"):
        problems.append(f"qa_jobs: {settings.qa_jobs!r} is not one of local, celery, off")
    if not 0 <= settings.qa_workers <= 64:
        problems.append("qa_workers: must be between 0 and 64")
    if settings.qa_jobs == "celery" and not settings.qa_broker_url.startswith(("redis://", "rediss://", "amqp://")):
        problems.append(f"qa_broker_url: {settings.qa_broker_url!r} is not a redis:// or amqp:// URL")
    names = sorted(n.strip().lower() for n in settings.qa_channels.split(","))
    if names != ["agent", "caller"]:
        problems.append(f"qa_channels: {settings.qa_channels!r} must be 'caller,agent' or 'agent,caller'")
    if settings.qa_rules and not Path(settings.qa_rules).is_file():
        problems.append(f"qa_rules: {settings.qa_rules} does not exist")
    if not 1 <= settings.qa_max_attempts <= 20:
        problems.append("qa_max_attempts: must be between 1 and 20")
    if settings.qa_job_lease_s < 2:
        problems.append("qa_job_lease_s: must be at least 2 seconds")
    if settings.qa_retry_s < 0:
        problems.append("qa_retry_s: must be >= 0")
    if settings.qa_redaction not in ("tone", "silence"):
        problems.append(f"qa_redaction: {settings.qa_redaction!r} is not one of tone, silence")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.qa_timezone)
    except (ValueError, KeyError, OSError):
        problems.append(f"qa_timezone: {settings.qa_timezone!r} is not a known time zone (e.g. Asia/Shanghai)")
    if settings.qa_non_talk_s <= 0:
        problems.append("qa_non_talk_s: must be positive")
    if settings.qa_download_timeout <= 0:
        problems.append("qa_download_timeout: must be positive")
    if settings.qa_scorecard and not Path(settings.qa_scorecard).is_file():
        problems.append(f"qa_scorecard: {settings.qa_scorecard} does not exist")
    if not 1 <= settings.qa_session_minutes <= 24 * 60:
        problems.append("qa_session_minutes: must be between 1 and 1440")
    if not 0 <= settings.qa_dashboard_cache_seconds <= 3600:
        problems.append("qa_dashboard_cache_seconds: must be between 0 and 3600")
    return problems


def _operations_problems(settings: Settings) -> list[str]:
    problems = []
    token = settings.metrics_token
    if token and (len(token) < 16 or any(ch.isspace() for ch in token)):
        problems.append("metrics_token: must be at least 16 characters without spaces (e.g. `openssl rand -hex 16`)")
    if settings.log_format not in ("text", "json"):
        problems.append(f"log_format: {settings.log_format!r} is not one of text, json")
    if settings.alerts_url:
        url = urlparse(settings.alerts_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(f"alerts_url: {settings.alerts_url!r} is not an absolute http(s) URL")
        if not settings.alerts_secret:
            problems.append("alerts_secret: required when alerts_url is set (alerts are signed with it)")
    return problems


def webhook_problems(settings: Settings) -> list[str]:
    """What the web app additionally needs: a token to check Twilio's signatures (other commands do not)."""
    if not settings.twilio_auth_token and not settings.disable_signature_check:
        return [
            "twilio_auth_token: required to validate X-Twilio-Signature "
            "(set HOTLINE_TWILIO_AUTH_TOKEN, or run 'hotline serve --dev' / disable_signature_check=true for development)"
        ]
    return []
