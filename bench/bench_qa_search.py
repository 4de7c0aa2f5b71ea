"""Turn search latency over many stored calls: SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)
side by side, on the same synthetic rows.

    python bench/bench_qa_search.py [--calls 10000] [--repeats 30] [--postgres-url URL]

Each backend gets ``--calls`` calls with 4 turns each (half Mandarin, half English; Mandarin
turns written with spaces between words, as Vosk does), inserted in bulk, then each query
kind runs ``--repeats`` times through :func:`qa.store.search_turns` (first page of 50 plus the
total). Prints median and p95 ms per query kind and the PG/SQLite ratio of the medians.
PostgreSQL comes from ``--postgres-url`` or HOTLINE_TEST_POSTGRES_URL (a scratch schema,
dropped afterwards); without one, SQLite only.

Not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qa.store import CallStore, normalise, search_turns  # noqa: E402
from qa.store.models import Analysis, Call, RuleResultRow, TurnRow  # noqa: E402

ZH_CALLER = ["我要 退货", "我 的 订单 还 没 到", "快递 一直 不 更新", "我要 投诉 你们", "查询 一下 物流",
             "退款 什么 时候 到账", "我 想 修改 收货 地址", "找 你们 经理", "商品 有 质量 问题", "发票 怎么 开"]
ZH_AGENT = ["您好 很 高兴 为您 服务", "请问 有 什么 可以 帮 您", "非常 抱歉 给您 带来 不便", "我们 会 尽快 处理",
            "三 个 工作日 内 给您 回复", "感谢 您 的 来电", "祝您 生活 愉快", "请 您 提供 一下 订单号"]
EN_CALLER = ["I want a refund", "my order has not arrived", "where is my package", "I want to complain",
             "let me speak to a manager", "the item is broken", "can you change my address", "track my order please"]
EN_AGENT = ["thank you for calling", "how can I help you", "sorry for the inconvenience",
            "we will call you back tomorrow", "within three business days", "is there anything else",
            "have a nice day", "could you give me your order number"]

QUERIES = [
    ("zh 2 chars (退货)", "退货", {}),
    ("zh 4+ chars (工作日内)", "工作日内", {}),
    ("zh phrase (很高兴为您服务)", "很高兴为您服务", {}),
    ("en word (refund)", "REFUND", {}),
    ("en phrase (call you back tomorrow)", "call you back tomorrow", {}),
    ("rare id (order ZX0042)", "zx0042", {}),
    ("zh 2 chars + filters", "投诉", {"category": "complaint", "party": "caller"}),
    ("en + filters", "manager", {"skill": "complaints", "emotion_label": "agitated"}),
]


def synthetic_rows(calls: int, seed: int = 7):
    rng = random.Random(seed)
    t0 = datetime(2026, 10, 1, tzinfo=timezone.utc)
    call_rows, analysis_rows, turn_rows, rule_rows = [], [], [], []
    turn_id = 0
    for n in range(1, calls + 1):
        zh = n % 2 == 0
        skill = rng.choice(["orders", "returns", "complaints", "billing"])
        started = t0 + timedelta(minutes=3 * n)
        call_rows.append(dict(id=n, sid=f"CA{n:08d}", caller="+8613800138000", called="+86950618",
                              locale="zh-CN" if zh else "en-US", started_at=started, status="completed",
                              outcome="routed", skill=skill, intent=skill, reasons=[], state={}, state_version=1))
        analysis_rows.append(dict(id=n, call_id=n, recording_sid=f"RE{n:08d}", mode="transcript", model="bench",
                                  language="zh-CN" if zh else "en-US", duration_ms=rng.randint(30_000, 600_000),
                                  caller_emotion=rng.choice(["calm", "tense", "agitated"]), agent_emotion="calm",
                                  data={}, outcome={}, rules_version="bench@1", score=0.0, created_at=started,
                                  updated_at=started))
        caller, agent = (ZH_CALLER, ZH_AGENT) if zh else (EN_CALLER, EN_AGENT)
        for seq in range(1, 5):
            party = "caller" if seq % 2 else "agent"
            pool = caller if party == "caller" else agent
            text = (" " if zh else ", ").join(rng.sample(pool, 2))
            if n == 42 and seq == 3:
                text += " order ZX0042"
            turn_id += 1
            turn_rows.append(dict(id=turn_id, analysis_id=n, call_id=n, seq=seq, party=party, start_ms=seq * 5000,
                                  end_ms=seq * 5000 + 4000, text=text, redacted_text=text, search_text=normalise(text),
                                  search_redacted=normalise(text), words=[], confidence=0.9))
        if rng.random() < 0.1:
            rule_rows.append(dict(analysis_id=n, call_id=n, rules_version="bench@1", category="complaint",
                                  severity="major", points=-10.0, dimension="risk", title="complaint", matches=[]))
    return call_rows, analysis_rows, turn_rows, rule_rows


def load(store: CallStore, rows) -> float:
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for model, batch in zip((Call, Analysis, TurnRow, RuleResultRow), rows):
            conn.execute(sa.insert(model), batch)
        if conn.dialect.name == "postgresql":
            for table in ("calls", "analyses", "turns"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def measure(store: CallStore, repeats: int) -> dict[str, tuple[float, float, int]]:
    results = {}
    for name, query, filters in QUERIES:
        search_turns(store, query, **filters)  # warm
        times, total = [], 0
        for _ in range(repeats):
            t = time.perf_counter()
            total = search_turns(store, query, **filters).total
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        results[name] = (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], total)
    return results


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL for ``url``'s database whose search path is a fresh schema, dropped afterwards."""
    schema = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres-url", default=os.environ.get("HOTLINE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()

    rows = synthetic_rows(args.calls)
    print(f"{args.calls} calls, {len(rows[2])} turns, {len(rows[3])} with category 'complaint'")
    measured: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = CallStore(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        store.init_schema()
        print(f"sqlite: loaded in {load(store, rows):.1f} s")
        measured["sqlite"] = measure(store, args.repeats)
        store.engine.dispose()
    if args.postgres_url:
        with postgres_schema(args.postgres_url) as url:
            store = CallStore(url)
            store.init_schema()
            print(f"postgresql: loaded in {load(store, rows):.1f} s")
            measured["postgresql"] = measure(store, args.repeats)
            store.engine.dispose()

    header = f"{'query':38} {'hits':>6} {'sqlite med':>10} {'p95':>7}"
    if "postgresql" in measured:
        header += f" {'pg med':>8} {'p95':>7} {'pg/sqlite':>9}"
    print(header)
    for name, _, _ in QUERIES:
        med, p95, total = measured["sqlite"][name]
        line = f"{name:38} {total:6d} {med:10.1f} {p95:7.1f}"
        if "postgresql" in measured:
            pg_med, pg_p95, pg_total = measured["postgresql"][name]
            assert pg_total == total, f"{name}: sqlite found {total}, postgresql {pg_total}"
            line += f" {pg_med:8.1f} {pg_p95:7.1f} {pg_med / med:9.2f}"
        print(line)


if __name__ == "__main__":
    main()
