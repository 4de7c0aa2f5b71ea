"""Turn search on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm/ILIKE): Mandarin words of two and
more characters, English in any case, redacted search that cannot find a phone number, filters,
highlights, paging."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from qa.analysis import CallAnalysis, CallFacts, CategoryResult, PartyEmotion, RulesOutcome, Turn
from qa.store import AnalysisStore, CallStore, normalise, search_turns
from qa.store.models import Call
from qa.store.search import highlights

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
PHONE_ZH = "一三八零零一三八零零零"


def put(store: CallStore, sid: str, started: datetime, turns: list[Turn], *, locale="zh-CN", skill=None,
        intent=None, outcome="routed", emotions=("calm", "calm"), categories=(), duration_ms=60_000) -> None:
    store.start_call(sid, caller="+8613800138000", called="+86950618", locale=locale, state={"node": "main"},
                     events=[])
    with store.engine.begin() as conn:
        conn.execute(sa.update(Call).where(Call.sid == sid).values(started_at=started, skill=skill, intent=intent,
                                                                   outcome=outcome))
    analysis = CallAnalysis(sid, f"RE{sid}", "transcript", "vosk", duration_ms, tuple(turns),
                            emotion={"caller": PartyEmotion("caller", label=emotions[0]),
                                     "agent": PartyEmotion("agent", label=emotions[1])},
                            facts=CallFacts(locale=locale, skill=skill, intent=intent, outcome=outcome))
    rules = RulesOutcome("qa@1+aaaaaaaa", tuple(CategoryResult(c, "major", -10, "risk", c) for c in categories))
    AnalysisStore(store).save_analysis(sid, analysis, rules)


def turn(party: str, start_s: int, text: str, redacted: str | None = "same") -> Turn:
    return Turn(party, start_s * 1000, start_s * 1000 + 3000, text,
                redacted_text=text if redacted == "same" else redacted)


@pytest.fixture
def calls(store):
    put(store, "CA-zh1", T0, [
        turn("caller", 1, f"我要 退货 ，我的手机号是{PHONE_ZH}", f"我要 退货 ，我的手机号是[手机号]"),
        turn("agent", 5, "您好 很 高兴 为您服务"),
    ], skill="returns", intent="returns", emotions=("agitated", "calm"), categories=("complaint",), duration_ms=95_000)
    put(store, "CA-en1", T0 + timedelta(hours=1), [
        turn("caller", 1, "I want a REFUND now, call me on 138 0013 8000", "I want a REFUND now, call me on [PHONE]"),
        turn("agent", 6, "Thank you for calling, how can I help you? Refund: 100% of it"),
    ], locale="en-US", skill="orders", intent="refund", outcome="self_served", emotions=("tense", "tense"))
    put(store, "CA-zh2", T0 + timedelta(days=1), [
        turn("caller", 2, "退货的流程是什么"),
        turn("agent", 4, "非常抱歉给您带来不便", redacted=None),  # redaction never ran on this one
    ], skill="returns", intent="returns", emotions=("calm", "agitated"))
    return store


def found(page) -> list[tuple[str, str]]:
    return [(h.call_sid, h.party) for h in page.hits]


def test_normalise_folds_case_width_and_mandarin_spaces():
    assert normalise("很 高兴  为您 服务") == "很高兴为您服务"
    assert normalise("  Hello \t World ") == "hello world"
    assert normalise("１３８ＡＢ") == "138ab"
    assert normalise("退货 order now") == "退货 order now"
    assert highlights("您好 很 高兴", "很高兴") == [(3, 7)]
    assert highlights("Refund? REFUND!", "refund") == [(0, 6), (8, 14)]


def test_mandarin_two_character_word(calls):
    page = search_turns(calls, "退货")
    assert page.total == 2 and found(page) == [("CA-zh2", "caller"), ("CA-zh1", "caller")]  # newest call first
    hit = page.hits[1]
    assert hit.text[slice(*hit.highlights[0])] == "退货" and hit.highlights == [(3, 5)]
    assert (hit.seq, hit.start_ms, hit.end_ms) == (1, 1000, 4000) and hit.started_at == T0


def test_mandarin_longer_words_ignore_the_spaces_between_words(calls):
    for query in ("很高兴为您", "很 高兴", "高兴为您服务"):
        page = search_turns(calls, query)
        assert found(page) == [("CA-zh1", "agent")], query
    hit = search_turns(calls, "很高兴").hits[0]
    assert hit.text == "您好 很 高兴 为您服务" and hit.text[slice(*hit.highlights[0])] == "很 高兴"
    assert search_turns(calls, "退货的流程").total == 1
    assert search_turns(calls, "高兴为我").total == 0


def test_english_is_case_insensitive(calls):
    page = search_turns(calls, "refund")
    assert found(page) == [("CA-en1", "caller"), ("CA-en1", "agent")]
    caller, agent = page.hits
    assert caller.text[slice(*caller.highlights[0])] == "REFUND"
    assert agent.highlights == [(43, 49)]
    assert search_turns(calls, "HOW CAN I HELP").total == 1
    short = search_turns(calls, "Ca")  # short English queries too: "call me", "calling", "can"
    assert short.total == 2 and short.hits[1].highlights == [(14, 16), (27, 29)]


def test_redacted_search_cannot_find_a_phone_number(calls):
    for number in ("138 0013 8000", "13800138000", PHONE_ZH, "一三八零"):
        assert search_turns(calls, number).total == 0, number
    assert found(search_turns(calls, PHONE_ZH, redacted=False)) == [("CA-zh1", "caller")]
    assert found(search_turns(calls, "138 0013", redacted=False)) == [("CA-en1", "caller")]
    hit = search_turns(calls, "手机号").hits[0]
    assert hit.text == "我要 退货 ，我的手机号是[手机号]"  # the reviewer sees the redacted text
    assert search_turns(calls, "手机号", redacted=False).hits[0].text.endswith(PHONE_ZH)
    # a turn redaction never ran on stays out of redacted search
    assert search_turns(calls, "非常抱歉").total == 0 and search_turns(calls, "非常抱歉", redacted=False).total == 1


def test_query_syntax_is_only_text(calls):
    for query in ('refund" OR "thank', "refund*", "NEAR(refund thank)", "refund AND thank", "'; DROP TABLE turns; --",
                  "_", "%%"):
        assert search_turns(calls, query).total == 0, query
    assert found(search_turns(calls, "100%")) == [("CA-en1", "agent")]
    assert found(search_turns(calls, "%")) == [("CA-en1", "agent")]
    assert found(search_turns(calls, "refund:")) == [("CA-en1", "agent")]


def test_filters(calls):
    assert found(search_turns(calls, "退货", party="agent")) == []
    assert found(search_turns(calls, "退货", category="complaint")) == [("CA-zh1", "caller")]
    assert found(search_turns(calls, "退货", since=T0 + timedelta(hours=2))) == [("CA-zh2", "caller")]
    assert found(search_turns(calls, "退货", until=T0 + timedelta(hours=2))) == [("CA-zh1", "caller")]
    assert found(search_turns(calls, "you", skill="orders", intent="refund", outcome="self_served")) == [
        ("CA-en1", "agent")]
    assert search_turns(calls, "you", outcome="routed").total == 0
    assert found(search_turns(calls, "退货", emotion_label="agitated")) == [("CA-zh2", "caller"), ("CA-zh1", "caller")]
    assert found(search_turns(calls, "退货", emotion_label="agitated", emotion_party="caller")) == [("CA-zh1", "caller")]
    assert found(search_turns(calls, "退货", min_duration_ms=90_000)) == [("CA-zh1", "caller")]
    assert found(search_turns(calls, "退货", max_duration_ms=60_000)) == [("CA-zh2", "caller")]
    assert search_turns(calls, "refund", language="zh-CN").total == 0
    with pytest.raises(ValueError, match="emotion_party"):
        search_turns(calls, "退货", emotion_label="calm", emotion_party="ivr")


def test_paging_keeps_the_total(store):
    for n in range(7):
        put(store, f"CA{n}", T0 + timedelta(minutes=n), [turn("caller", 1, f"第{n}次 我要投诉"), turn("agent", 5, "好的")])
    first = search_turns(store, "投诉", limit=3)
    rest = search_turns(store, "投诉", limit=3, offset=3)
    last = search_turns(store, "投诉", limit=3, offset=6)
    assert (first.total, rest.total, last.total) == (7, 7, 7)
    assert [h.call_sid for h in first.hits + rest.hits + last.hits] == [f"CA{n}" for n in range(6, -1, -1)]
    with pytest.raises(ValueError, match="empty"):
        search_turns(store, "   ")
    with pytest.raises(ValueError, match="limit"):
        search_turns(store, "投诉", limit=0)


def test_the_index_follows_a_reanalysis(store):
    put(store, "CA1", T0, [turn("caller", 1, "我想查询订单状态")])
    assert search_turns(store, "订单状态").total == 1
    put(store, "CA1", T0, [turn("caller", 1, "我想修改收货地址")])  # analysed again: turns replaced
    assert search_turns(store, "订单状态").total == 0
    assert search_turns(store, "收货地址").total == 1


def test_search_without_the_sqlite_index_still_finds_everything(calls):
    if calls.engine.dialect.name != "sqlite":
        assert search_turns(calls, "很高兴为您").total == 1
        return
    with calls.engine.begin() as conn:  # an SQLite built without FTS5: migration 0002 leaves it out
        for trigger in ("turns_fts_insert", "turns_fts_delete", "turns_fts_update"):
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
        conn.exec_driver_sql("DROP TABLE turns_fts")
    assert found(search_turns(calls, "很高兴为您")) == [("CA-zh1", "agent")]
    assert found(search_turns(calls, "REFUND")) == [("CA-en1", "caller"), ("CA-en1", "agent")]


def test_only_given_calls_and_the_calls_saying_a_text(calls):
    from qa.store import CallFilters, ReviewStore
    from qa.store.search import calls_saying

    assert found(search_turns(calls, "退货", call_sids=["CA-zh1"])) == [("CA-zh1", "caller")]
    assert search_turns(calls, "退货", call_sids=[]).total == 0
    with calls.session() as s:
        ids = set(s.scalars(calls_saying(s, "REFUND")))
        phone = set(s.scalars(calls_saying(s, "138 0013 8000", redacted=False)))
        assert set(s.scalars(calls_saying(s, "138 0013 8000"))) == set()  # redacted: a number finds nothing
        sids = dict(s.execute(sa.select(Call.id, Call.sid)).all())
    assert {sids[i] for i in ids} == {"CA-en1"} and {sids[i] for i in phone} == {"CA-en1"}
    # the review list filters by it, on either transcript, and counts calls (not lines)
    total, rows = ReviewStore(calls).list_calls(CallFilters(said="退货"))
    assert total == 2 and [r.sid for r in rows] == ["CA-zh2", "CA-zh1"]
    assert ReviewStore(calls).list_calls(CallFilters(said="138 0013 8000", redacted=False))[0] == 1
    with pytest.raises(ValueError, match="empty"):
        ReviewStore(calls).list_calls(CallFilters(said="  "))
