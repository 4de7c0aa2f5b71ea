"""Settings: defaults -> hotline.toml -> HOTLINE_* variables, every problem reported at once."""

from __future__ import annotations

import pytest

from ivr.config import ConfigError, load_settings

TOKEN = {"HOTLINE_TWILIO_AUTH_TOKEN": "secret"}


def test_defaults_need_only_a_token(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env=TOKEN)
    assert settings.default_locale == "zh-CN"
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.voices["en-US"] == "Polly.Joanna"


def test_file_then_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "hotline.toml"
    config.write_text(
        'public_url = "https://ivr.example.com"\ngather_timeout = 8\n'
        'database_url = "postgresql+psycopg://u@db/hotline"\n[voices]\n"zh-CN" = "Polly.Zhiyu-Neural"\n'
    )
    settings = load_settings(env={**TOKEN, "HOTLINE_GATHER_TIMEOUT": "9", "HOTLINE_VOICE_EN_US": "Polly.Matthew"})
    assert settings.public_url == "https://ivr.example.com"
    assert settings.gather_timeout == 9
    assert settings.voices == {"zh-CN": "Polly.Zhiyu-Neural", "en-US": "Polly.Matthew"}
    assert settings.resolved_database_url == "postgresql+psycopg://u@db/hotline"


def test_every_problem_is_listed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_settings(env={
            "HOTLINE_PUBLIC_URL": "hotline.example.com",
            "HOTLINE_DEFAULT_LOCALE": "fr-FR",
            "HOTLINE_TASKROUTER_WORKFLOW_SID": "XX123",
            "HOTLINE_FLOW_FILE": str(tmp_path / "missing.yaml"),
        })
    text = str(info.value)
    for fragment in ("public_url", "default_locale", "taskrouter_workflow_sid", "flow_file"):
        assert fragment in text
    assert len(info.value.problems) == 4


def test_the_web_app_needs_a_token_other_commands_do_not(tmp_path, monkeypatch):
    from ivr.app import create_app
    from ivr.config import webhook_problems

    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={"HOTLINE_INSTANCE_PATH": str(tmp_path / "i")})
    assert webhook_problems(settings) and "twilio_auth_token" in webhook_problems(settings)[0]
    with pytest.raises(ConfigError, match="hotline serve --dev"):
        create_app(settings)


def test_bad_types_and_unknown_keys(tmp_path):
    config = tmp_path / "h.toml"
    config.write_text('gather_timeout = "soon"\ncolour = "red"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(config, env={**TOKEN, "HOTLINE_PORT": "eighty", "HOTLINE_DISABLE_SIGNATURE_CHECK": "maybe"})
    problems = "\n".join(info.value.problems)
    assert "unknown setting 'colour'" in problems
    assert "gather_timeout" in problems and "HOTLINE_PORT" in problems and "true/false" in problems


def test_invalid_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("public_url = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, env=TOKEN)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env=TOKEN)


def test_development_switch_drops_the_token_requirement(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={"HOTLINE_DISABLE_SIGNATURE_CHECK": "true"})
    assert settings.disable_signature_check
    assert "SIGNATURE CHECKS ARE DISABLED" in caplog.text
