"""The QA export: a hotline.qa.export/1 document checked against its JSON schema, redaction, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import jsonschema
import pytest

from qa.analysis import (CallAnalysis, CallFacts, CategoryResult, EmotionPoint, FollowUpSpec, Match, PartyEmotion,
                         RulesOutcome, Turn, TurnEmotion, Word)
from qa.characteristics import compute_characteristics
from qa.export import EXPORT_SCHEMA, SCHEMA_FILE, calls_csv, export_call, export_schema
from qa.store import CallRecord, EventRecord

START = datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc)
MOBILE = "13800138000"


def at(seconds: int) -> datetime:
    return START.replace(second=seconds)


def call_record() -> dict:
    events = [
        ("call_started", "welcome", {"locale": "zh-CN", "caller": "+86" + MOBILE}),
        ("node_entered", "main_menu", {"type": "menu"}),
        ("speech", "main_menu", {"text": "我要投诉", "confidence": 0.41}),
        ("no_match", "main_menu", {"count": 1, "heard": "我要投诉"}),
        ("reprompt", "main_menu", {"reason": "no_match", "attempt": 2}),
        ("digits", "main_menu", {"digits": "3"}),
        ("digits", "verify", {"digits": MOBILE}),
        ("route", "agent", {"skill": "complaints", "intent": "complaint", "priority": 2,
                            "reasons": ["caller chose 3", "complaint words"]}),
        ("emotion", "agent", {"label": "tense"}),
        ("call_ended", "agent", {"status": "completed"}),
    ]
    return CallRecord(
        sid="CA100", caller="+86" + MOBILE, called="+861095061800", locale="zh-CN", started_at=START,
        ended_at=at(59), status="completed", outcome="routed", final_node="agent", skill="complaints",
        intent="complaint", priority=2, reasons=["caller chose 3", "complaint words"], duration_s=60, state={},
        state_version=3, events=[EventRecord(i, at(i), k, n, d) for i, (k, n, d) in enumerate(events, 1)],
    ).to_dict()


def words(text: str, start: int, step: int = 200) -> tuple[Word, ...]:
    return tuple(Word(w, start + i * step, start + (i + 1) * step, 0.9) for i, w in enumerate(text.split()))


PHONE_TEXT = "我 的 手机号 是 " + " ".join("一三八零零一三八零零零")


def analysis(*, mode: str = "transcript", pre_redacted: bool = False) -> CallAnalysis:
    phone_turn = Turn("caller", 22000, 27000, PHONE_TEXT, words=words(PHONE_TEXT, 22000, 300), confidence=0.8,
                      intent="complaint", intent_confidence=0.7, emotion=TurnEmotion("tense", 0.62))
    if pre_redacted:
        phone_turn = Turn(**{**phone_turn.__dict__, "redacted_text": "我 的 手机号 是 [已隐藏]"})
    turns = (
        Turn("ivr", 0, 8000, "欢迎致电九五零六一八"),
        Turn("agent", 12000, 14000, "您好 很高兴为您服务", words=words("您好 很高兴为您服务", 12000, 1000)),
        Turn("caller", 15000, 21000, "我 要 投诉 你们 的 服务 太 差 了"),
        Turn("agent", 20500, 23000, "非常抱歉"),   # cuts in on the caller: 500 ms
        phone_turn,
        Turn("agent", 28000, 33000, "我们会在二十四小时内给您回复"),
    )
    emotion = {"caller": PartyEmotion("caller", points=(EmotionPoint(15000, 17000, 0.7, "tense", True),
                                                        EmotionPoint(40000, 42000, 0.3, "calm")),
                                      label="tense", peak=0.7, mean=0.5, flagged_ms=2000),
               "agent": PartyEmotion("agent", points=(EmotionPoint(12000, 14000, 0.1, "calm"),), peak=0.1, mean=0.1)}
    facts = CallFacts(locale="zh-CN", skill="complaints", reprompts=1, repeat_caller=True)
    a = CallAnalysis("CA100", "RE100", mode, "vosk-model-cn-0.22", 60000, turns, emotion, facts, agent_start_ms=10000)
    return a.with_(characteristics=compute_characteristics(a, is_greeting=lambda t: "您好" in t))


def outcome() -> RulesOutcome:
    return RulesOutcome("qa-rules@1+abcdef12", categories=(
        CategoryResult("greeting", "info", 0.0, "politeness", "Agent greeted",
                       (Match("agent", 12000, 14000, "您好"),)),
        CategoryResult("caller_gave_number", "minor", -1.0, "risk", "Number said on the line",
                       (Match("caller", 22000, 27000, PHONE_TEXT),)),
        CategoryResult("long_silence", "minor", -2.0, "efficiency", "Silence",
                       (Match(None, 33000, 60000, "silence 27.0 s"),)),
    ), followups=(FollowUpSpec("promise", "我们会在二十四小时内给您回复", "agent", 28000, 86400, "promise"),))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = export_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("mode", ["transcript", "spotting"])
@pytest.mark.parametrize("redacted", [True, False])
def test_exports_validate_against_the_shipped_schema(validator, mode, redacted):
    doc = export_call(call_record(), analysis(mode=mode), outcome(), redacted=redacted)
    validator.validate(json.loads(json.dumps(doc, ensure_ascii=False)))
    bare = export_call(call_record(), analysis(mode=mode).with_(characteristics={}), None)
    validator.validate(bare)
    assert bare["Categories"] == {"MatchedCategories": [], "MatchedDetails": {}} and bare["Score"] is None


def test_the_schema_refuses_what_is_not_an_export(validator):
    doc = export_call(call_record(), analysis(), outcome())
    for broken in ({**doc, "Channel": "CHAT"}, {**doc, "Schema": "hotline.qa.export/2"},
                   {k: v for k, v in doc.items() if k != "Transcript"}, {**doc, "Surprise": 1}):
        assert not validator.is_valid(broken)
    assert export_schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_header_fields():
    doc = export_call(call_record(), analysis(), outcome())
    assert {k: doc[k] for k in ("Schema", "CallSid", "RecordingSid", "Channel", "LanguageCode", "AnalysisMode",
                                "Model", "RulesVersion", "Score")} == {
        "Schema": EXPORT_SCHEMA, "CallSid": "CA100", "RecordingSid": "RE100", "Channel": "VOICE",
        "LanguageCode": "zh-CN", "AnalysisMode": "transcript", "Model": "vosk-model-cn-0.22",
        "RulesVersion": "qa-rules@1+abcdef12", "Score": -3.0}
    assert doc["Participants"] == [{"ParticipantId": r, "ParticipantRole": r} for r in ("CUSTOMER", "AGENT", "IVR")]


def test_ivr_path_from_the_call_events():
    meta = export_call(call_record(), analysis(), None, redacted=False)["CustomerMetadata"]
    assert meta["Caller"] == "+86" + MOBILE and meta["Skill"] == "complaints" and meta["Priority"] == 2
    assert meta["RouteReasons"] == ["caller chose 3", "complaint words"]
    assert meta["Reprompts"] == 1 and meta["RepeatCaller"] is True and meta["DurationSeconds"] == 60
    assert [(s["Node"], s["Kind"], s["Detail"]) for s in meta["IvrPath"]] == [
        ("main_menu", "NODE", {"Type": "menu"}),
        ("main_menu", "SPEECH", {"Text": "我要投诉", "Confidence": 0.41}),
        ("main_menu", "NO_MATCH", {"Count": 1, "Heard": "我要投诉"}),
        ("main_menu", "REPROMPT", {"Reason": "no_match", "Attempt": 2}),
        ("main_menu", "DIGITS", {"Digits": "3"}),
        ("verify", "DIGITS", {"Digits": MOBILE}),
        ("agent", "ROUTE", {"Skill": "complaints", "Intent": "complaint", "Priority": 2,
                            "Reasons": ["caller chose 3", "complaint words"]}),
    ]
    assert meta["IvrPath"][0]["At"] == at(2).isoformat()


def test_redacted_export_masks_the_number_everywhere():
    doc = export_call(call_record(), analysis(), outcome())
    text = json.dumps(doc, ensure_ascii=False)
    assert MOBILE not in text and "一 三 八 零" not in text
    phone = doc["Transcript"][4]
    assert phone["Content"] == "我 的 手机号 是 [手机号]" and phone["Redaction"] is True
    assert [w["Content"] for w in phone["Words"]] == ["我", "的", "手机号", "是"] + ["[手机号]"] * 11
    # the words keep their times, one for one
    assert [w["BeginOffsetMillis"] for w in phone["Words"]] == [22000 + 300 * i for i in range(15)]
    assert doc["Transcript"][1]["Redaction"] is False
    assert doc["CustomerMetadata"]["Caller"] == "[PHONE]"
    assert doc["CustomerMetadata"]["IvrPath"][5]["Detail"] == {"Digits": "[PHONE]"}
    assert doc["CustomerMetadata"]["IvrPath"][4]["Detail"] == {"Digits": "3"}   # a menu key is no number
    poi = doc["Categories"]["MatchedDetails"]["caller_gave_number"]["PointsOfInterest"][0]
    assert poi["Text"] == "我 的 手机号 是 [手机号]"


def test_unredacted_export_keeps_the_words_as_heard():
    doc = export_call(call_record(), analysis(), outcome(), redacted=False)
    phone = doc["Transcript"][4]
    assert phone["Content"] == PHONE_TEXT and phone["Redaction"] is False
    assert [w["Content"] for w in phone["Words"]] == PHONE_TEXT.split()
    assert doc["Redacted"] is False


def test_the_pipelines_redacted_text_is_used_when_present():
    doc = export_call(call_record(), analysis(pre_redacted=True), None)
    assert doc["Transcript"][4]["Content"] == "我 的 手机号 是 [已隐藏]"


def test_transcript_items():
    items = export_call(call_record(), analysis(), None)["Transcript"]
    assert [(i["ParticipantId"], i["BeginOffsetMillis"], i["EndOffsetMillis"]) for i in items] == [
        ("IVR", 0, 8000), ("AGENT", 12000, 14000), ("CUSTOMER", 15000, 21000), ("AGENT", 20500, 23000),
        ("CUSTOMER", 22000, 27000), ("AGENT", 28000, 33000)]
    assert len({i["Id"] for i in items}) == 6
    assert items[4]["Intent"] == {"Name": "complaint", "Confidence": 0.7}
    assert items[4]["Emotion"] == {"Label": "tense", "Peak": 0.62} and items[0]["Emotion"] is None
    assert items[1]["Words"][0] == {"Content": "您好", "BeginOffsetMillis": 12000, "EndOffsetMillis": 13000,
                                    "Confidence": 0.9}


def test_categories():
    cats = export_call(call_record(), analysis(), outcome())["Categories"]
    assert cats["MatchedCategories"] == ["greeting", "caller_gave_number", "long_silence"]
    assert cats["MatchedDetails"]["greeting"] == {
        "PointsOfInterest": [{"BeginOffsetMillis": 12000, "EndOffsetMillis": 14000, "ParticipantId": "AGENT",
                              "Text": "您好"}],
        "Severity": "info", "Points": 0.0, "Dimension": "politeness", "Title": "Agent greeted"}
    assert cats["MatchedDetails"]["long_silence"]["PointsOfInterest"][0]["ParticipantId"] is None


def test_conversation_characteristics():
    cc = export_call(call_record(), analysis(), None)["ConversationCharacteristics"]
    assert cc["TotalConversationDurationMillis"] == 60000
    assert cc["AgentConversation"] == {"BeginOffsetMillis": 10000, "EndOffsetMillis": 60000}
    assert cc["TalkTime"]["DetailsByParticipant"] == {"CUSTOMER": {"TotalTimeMillis": 11000},
                                                      "AGENT": {"TotalTimeMillis": 9500},
                                                      "IVR": {"TotalTimeMillis": 8000}}
    assert cc["TalkTime"]["TotalTimeMillis"] == 28500
    # 10000-12000 is 2 s (under 3 s); after the last agent turn nobody talks for 27 s
    assert cc["NonTalkTime"] == {"TotalTimeMillis": 27000, "Instances": [
        {"BeginOffsetMillis": 33000, "EndOffsetMillis": 60000, "DurationMillis": 27000}]}
    assert cc["Interruptions"] == {"TotalCount": 2, "TotalTimeMillis": 1500, "InterruptionsByInterrupter": {
        "AGENT": [{"BeginOffsetMillis": 20500, "EndOffsetMillis": 21000, "DurationMillis": 500}],
        "CUSTOMER": [{"BeginOffsetMillis": 22000, "EndOffsetMillis": 23000, "DurationMillis": 1000}]}}
    speed = cc["TalkSpeed"]["DetailsByParticipant"]
    # 12 + 17 Han characters (the spoken digits count) in 11 s of talk
    assert speed["CUSTOMER"] == {"AverageCharactersPerMinute": round(29 / (11000 / 60000), 1)}
    assert cc["TimeToGreetingMillis"] == 2000
    assert cc["Emotion"]["OverallByParticipant"]["CUSTOMER"] == {"Label": "tense", "Peak": 0.7, "Mean": 0.5,
                                                                 "FlaggedMillis": 2000}
    quarters = cc["Emotion"]["EmotionByPeriod"]["QUARTER"]
    assert quarters["CUSTOMER"] == [
        {"BeginOffsetMillis": 10000, "EndOffsetMillis": 22500, "Score": 0.7},
        {"BeginOffsetMillis": 22500, "EndOffsetMillis": 35000, "Score": None},
        {"BeginOffsetMillis": 35000, "EndOffsetMillis": 47500, "Score": 0.3},
        {"BeginOffsetMillis": 47500, "EndOffsetMillis": 60000, "Score": None}]
    assert [q["Score"] for q in quarters["AGENT"]] == [0.1, None, None, None]


def test_spotting_speed_says_why_it_is_missing():
    speed = export_call(call_record(), analysis(mode="spotting"), None)["ConversationCharacteristics"]["TalkSpeed"]
    assert speed["DetailsByParticipant"]["AGENT"] == {"AverageCharactersPerMinute": None, "Reason": "spotting"}


def test_followups_from_the_store_or_from_the_rules():
    given = [{"kind": "promise", "text": "回电 " + MOBILE, "due_at": datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc),
              "status": "done"}]
    assert export_call(call_record(), analysis(), outcome(), given)["FollowUps"] == [
        {"Kind": "promise", "Text": "回电 [手机号]", "DueAt": "2026-12-05T09:30:00+00:00", "Status": "done"}]
    assert export_call(call_record(), analysis(), outcome())["FollowUps"] == [
        {"Kind": "promise", "Text": "我们会在二十四小时内给您回复", "DueAt": "2026-12-05T09:30:00+00:00", "Status": "open"}]


# ---- CSV ------------------------------------------------------------------------------

def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_guards_against_formulas_and_quotes_what_needs_it():
    rows = [{"sid": "CA1", "caller": "=HYPERLINK(\"http://x\")", "note": "+86 138", "who": "@admin",
             "dash": "-2+3", "score": -3.0, "text": "投诉，\"太差\"\n第二行", "reasons": ["a", "b"], "gone": None}]
    text = calls_csv(rows)
    assert text.endswith("\r\n")
    header, row = parse(text)
    assert header == ["sid", "caller", "note", "who", "dash", "score", "text", "reasons", "gone"]
    assert row == ["CA1", "'=HYPERLINK(\"http://x\")", "'+86 138", "'@admin", "'-2+3", "-3.0",
                   "投诉，\"太差\"\n第二行", "a; b", ""]
    # the same bytes back as UTF-8
    assert parse(text.encode("utf-8").decode("utf-8")) == [header, row]


def test_csv_columns_are_stable():
    rows = [{"b": 1, "a": 2}, {"c": {"k": "v"}, "a": 3, "when": START}]
    assert parse(calls_csv(rows)) == [["b", "a", "c", "when"], ["1", "2", "", ""],
                                      ["", "3", '{"k": "v"}', START.isoformat()]]
    assert parse(calls_csv(rows, columns=["a", "missing"])) == [["a", "missing"], ["2", ""], ["3", ""]]
    assert calls_csv([], columns=["sid"]) == "sid\r\n"


def test_csv_of_call_records():
    record = call_record()
    header, row = parse(calls_csv([record], columns=["sid", "started_at", "outcome", "reasons"]))
    assert row == ["CA100", START.isoformat(), "routed", "caller chose 3; complaint words"]


def test_the_documented_example_is_a_valid_export(validator):
    doc_text = (SCHEMA_FILE.parent / "EXPORT.md").read_text(encoding="utf-8")
    example = json.loads(doc_text.split("```json\n", 1)[1].split("```", 1)[0])
    validator.validate(example)
    # every top-level field of the schema is described in the document
    missing = [name for name in export_schema()["properties"] if f"`{name}`" not in doc_text]
    assert missing == []
