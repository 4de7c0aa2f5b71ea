"""``hotline call``: the developer softphone, typed, on a machine without a sound device."""

from __future__ import annotations

from click.testing import CliRunner

from ivr.cli.call import call
from ivr.simulator.softphone import typed_turn


def test_what_a_typed_line_means():
    assert typed_turn("289123456789#").digits == "289123456789#"
    assert typed_turn("").kind == "silence" and typed_turn("/hangup").kind == "hangup"
    said = typed_turn("我要投诉")
    assert said.kind == "say" and said.speech.lang == "zh" and said.speech.text == "我要投诉"
    assert typed_turn("make a complaint").speech.lang == "en"


def test_a_typed_call_without_sound_device_reaches_the_queue_and_shows_what_was_heard():
    result = CliRunner().invoke(call, [], input="我要投诉\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("no sound device") and len([l for l in lines if "no sound device" in l]) == 1
    assert "hotline heard: '我要投诉'" in result.output
    assert "enqueue  <Enqueue> complaints" in result.output
    assert lines[-1] == "call ended: routed, queue complaints"
