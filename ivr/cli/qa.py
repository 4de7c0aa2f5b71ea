"""``hotline qa``: post-call analysis from the terminal — analyse, show, search, export, rerun, follow-ups, rules, jobs."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import click

from ivr.cli._common import open_store, settings_from, user_errors
from qa.errors import QAError
from qa.store import StoreError

USER_ERRORS = (StoreError, QAError)


def _store(settings):
    return open_store(settings)  # creates or migrates: analysing is often the first thing a QA user runs


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD or an ISO time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group()
def qa() -> None:
    """Post-call QA: analyse recordings, search transcripts, export, re-run rules, follow-ups."""


# ---- analyze ---------------------------------------------------------------------------

@qa.command()
@click.argument("target")
@click.option("--lang", type=click.Choice(["zh-CN", "en-US"]), default=None,
              help="Language of a local file's call (default: default_locale).")
@click.option("--agent-start", type=float, default=None,
              help="Seconds into a local file where the agent answers (default: 0, the whole outbound channel).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored analysis as JSON.")
@click.pass_context
def analyze(ctx: click.Context, target: str, lang: str | None, agent_start: float | None, as_json: bool) -> None:
    """Analyse TARGET now: a dual-channel WAV file, or the SID of a call whose recording is known.

    Runs the whole pipeline in this process (no worker needed) and stores the result, replacing
    any earlier analysis of the call.
    """
    from qa.jobs.services import build_services
    from qa.pipeline import analyze_recording

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        store = _store(settings)
        path = Path(target)
        if path.is_file():
            payload = _local_call(store, path, lang or settings.default_locale, agent_start)
        else:
            payload = _call_recording(store, target)
        services = build_services(settings, store)
        summary = analyze_recording(payload, services)
    if as_json:
        _show(settings, summary["call_sid"], as_json=True, unredacted=False)
        return
    click.echo(f"call {summary['call_sid']}: {summary['mode']}, {summary['turns']} turns, "
               f"categories: {', '.join(summary['categories']) or 'none'}, follow-ups: {summary['followups']} "
               f"(rules {summary['rules_version']})")


def _local_call(store, path: Path, locale: str, agent_start: float | None) -> dict:
    """A call record for a local recording (so it is stored, searchable and exportable like any call)."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    sid = f"local-{digest}"
    store.start_call(sid, caller="", called="", locale=locale, state={"node": "", "locale": locale}, events=[])
    return {"call_sid": sid, "recording_sid": f"file-{digest}", "path": str(path.resolve()),
            "agent_start_ms": int(round((agent_start or 0.0) * 1000))}


def _call_recording(store, sid: str) -> dict:
    record = store.get_call(sid)
    recordings = [e for e in record.events if e.kind == "recording" and e.detail.get("sid")]
    if not recordings:
        raise click.ClickException(f"call {sid} has no recording (is record_calls on?); "
                                   "pass a WAV file to analyse one directly")
    detail = recordings[-1].detail
    return {"call_sid": sid, "recording_sid": detail["sid"], "url": detail.get("url", ""),
            "recording_start": detail.get("start_time", "")}


# ---- show / export -----------------------------------------------------------------------

def _stored(settings, sid: str):
    from qa.store import AnalysisStore

    store = _store(settings)
    record = store.get_call(sid)
    stored = AnalysisStore(store).get(sid)
    if stored is None:
        raise click.ClickException(f"call {sid} has no analysis yet (hotline qa analyze {sid}, or see hotline qa jobs)")
    followups = [asdict(f) for f in AnalysisStore(store).followups(status=None, call_sid=sid)]
    return record, stored, followups


def _export(settings, sid: str, unredacted: bool) -> dict:
    from qa.export import export_call

    record, stored, followups = _stored(settings, sid)
    return export_call(record.to_dict(), stored.analysis, stored.outcome, followups, redacted=not unredacted)


def _show(settings, sid: str, *, as_json: bool, unredacted: bool) -> None:
    with user_errors(*USER_ERRORS):
        if as_json:
            _echo_json(_export(settings, sid, unredacted))
            return
        record, stored, followups = _stored(settings, sid)
    a, outcome = stored.analysis, stored.outcome
    click.echo(f"call {record.sid}  {record.started_at:%Y-%m-%d %H:%M}  {record.locale}  {record.outcome}  "
               f"skill {record.skill or '-'}  intent {record.intent or '-'}")
    click.echo(f"analysis: {a.mode} ({a.model}), {a.duration_ms / 1000:.1f} s, agent from "
               f"{'-' if a.agent_start_ms is None else f'{a.agent_start_ms / 1000:.1f} s'}, rules {outcome.rules_version}")
    if a.mode == "spotting":
        click.echo("  (spotting: only known phrases were listened for — this is not a full transcript)")
    for party, e in sorted(a.emotion.items()):
        click.echo(f"emotion {party}: {e.label} (peak {e.peak}, flagged {e.flagged_ms / 1000:.0f} s)")
    click.echo("turns:")
    for t in a.turns:
        text = t.text if unredacted else (t.redacted_text if t.redacted_text is not None else t.text)
        extra = f"  [{t.intent}]" if t.intent else ""
        click.echo(f"  {t.start_ms / 1000:7.1f}-{t.end_ms / 1000:7.1f}  {t.party:<6} {text or '…'}{extra}")
    click.echo("categories:" if outcome.categories else "categories: none")
    for c in outcome.categories:
        where = "; ".join(f"{m.party or '-'} {m.start_ms / 1000:.1f}s {m.text}" for m in c.matches[:3])
        click.echo(f"  {c.category:<24} {c.severity:<8} {c.points:+g}  {where}")
    for f in followups:
        click.echo(f"follow-up #{f['id']}: {f['kind']} due {f['due_at']} ({f['status']}): {f['text']}")


@qa.command()
@click.argument("sid")
@click.option("--json", "as_json", is_flag=True, help="The export JSON (hotline.qa.export/1).")
@click.option("--unredacted", is_flag=True, help="Show personal data (operators only).")
@click.pass_context
def show(ctx: click.Context, sid: str, as_json: bool, unredacted: bool) -> None:
    """One call's analysis: turns, emotion, categories, follow-ups (redacted unless --unredacted)."""
    _show(settings_from(ctx), sid, as_json=as_json, unredacted=unredacted)


@qa.command()
@click.argument("sid")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--unredacted", is_flag=True, help="Include personal data (operators only).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None)
@click.pass_context
def export(ctx: click.Context, sid: str, fmt: str, unredacted: bool, output: str | None) -> None:
    """Export one call: JSON in the documented schema (qa/EXPORT.md), or its turns as CSV."""
    from qa.export import calls_csv

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        data = _export(settings, sid, unredacted)
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        rows = [{"CallSid": data["CallSid"], "ParticipantId": t["ParticipantId"],
                 "BeginOffsetMillis": t["BeginOffsetMillis"], "EndOffsetMillis": t["EndOffsetMillis"],
                 "Content": t["Content"], "Intent": t.get("Intent"), "Emotion": (t.get("Emotion") or {}).get("Label")}
                for t in data["Transcript"]]
        text = calls_csv(rows)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text)


# ---- search --------------------------------------------------------------------------------

@qa.command()
@click.argument("text")
@click.option("--party", type=click.Choice(["caller", "agent", "ivr"]), default=None)
@click.option("--category", default=None, help="Only calls with this QA category.")
@click.option("--since", default=None, help="Calls started on or after (YYYY-MM-DD).")
@click.option("--until", default=None, help="Calls started before (YYYY-MM-DD).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--unredacted", is_flag=True, help="Search and show unredacted text (operators only).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_context
def search(ctx: click.Context, text: str, party, category, since, until, limit: int, unredacted: bool, fmt: str) -> None:
    """Full-text search over transcripts (Mandarin and English); matched words are marked."""
    from qa.export import calls_csv
    from qa.store import search_turns

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        page = search_turns(_store(settings), text, party=party, category=category, since=_since(since),
                            until=_since(until), redacted=not unredacted, limit=limit)
    rows = [{"call_sid": h.call_sid, "started_at": str(h.started_at), "party": h.party,
             "start_ms": h.start_ms, "end_ms": h.end_ms, "text": h.text} for h in page.hits]
    if fmt == "json":
        _echo_json({"total": page.total, "hits": rows})
    elif fmt == "csv":
        click.echo(calls_csv(rows), nl=False)
    else:
        for h in page.hits:
            marked = _mark(h.text, h.highlights)
            click.echo(f"{h.call_sid:<36} {h.party:<6} {h.start_ms / 1000:7.1f}s  {marked}")
        click.echo(f"{page.total} matching turn(s)" + (f", first {len(page.hits)} shown" if page.total > len(page.hits)
                                                      else ""))


def _mark(text: str, spans) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text[last:start], click.style(text[start:end], bold=True, fg="yellow")]
        last = end
    return "".join(out) + text[last:]


# ---- rerun -----------------------------------------------------------------------------------

@qa.command()
@click.option("--since", default=None, help="Only calls started on or after (YYYY-MM-DD).")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Rules file (default: qa_rules / the shipped qa/rules.yaml).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.pass_context
def rerun(ctx: click.Context, since: str | None, rules_path: str | None, progress: bool) -> None:
    """Re-apply the rules to stored analyses, without decoding audio again."""
    from tqdm import tqdm

    from qa.jobs.services import analyzer_config
    from qa.pipeline import Analyzer
    from qa.rules import RulesError, load_rules
    from qa.store import AnalysisStore

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS, RulesError):
        rules = load_rules(rules_path or settings.qa_rules or None)
        analyzer = Analyzer(analyzer_config(settings), rules=rules)
        analyses = AnalysisStore(_store(settings))
        changed = total = 0
        stored = list(analyses.iter_stored(since=_since(since)))
        store = analyses.store
        for item in tqdm(stored, desc="rerun", unit="call", disable=not progress, file=sys.stderr):
            started = store.get_call(item.call_sid, with_events=False).started_at
            analysis, outcome = analyzer.conclude(item.analysis, started_at=started)
            before = sorted(c.category for c in item.outcome.categories)
            analyses.replace_outcome(item.call_sid, outcome)
            total += 1
            changed += before != sorted(c.category for c in outcome.categories)
    click.echo(f"re-ran rules {rules.version} on {total} call(s); categories changed on {changed}")


# ---- follow-ups ------------------------------------------------------------------------------

@qa.command()
@click.option("--overdue", is_flag=True, help="Only open follow-ups past their due time.")
@click.option("--all", "show_all", is_flag=True, help="Closed ones too.")
@click.option("--close", "close_id", type=int, default=None, help="Close follow-up ID.")
@click.option("--by", default="cli", show_default=True, help="Who closes it.")
@click.option("--note", default="", help="Note for --close.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def followups(ctx: click.Context, overdue: bool, show_all: bool, close_id: int | None, by: str, note: str,
              as_json: bool) -> None:
    """Promises and complaint SLAs made on calls, with their due times."""
    from qa.store import AnalysisStore

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        analyses = AnalysisStore(_store(settings))
        if close_id is not None:
            analyses.close_followup(close_id, by=by, note=note)
            click.echo(f"follow-up #{close_id} closed")
            return
        items = analyses.followups(status=None if show_all else "open", overdue=overdue)
    if as_json:
        _echo_json([asdict(f) for f in items])
        return
    now = datetime.now(timezone.utc)
    for f in items:
        due = f.due_at if f.due_at.tzinfo else f.due_at.replace(tzinfo=timezone.utc)
        late = " OVERDUE" if f.status == "open" and due < now else ""
        click.echo(f"#{f.id:<5} {f.call_sid:<36} {f.kind:<14} due {due:%Y-%m-%d %H:%M}{late}  {f.status:<9} {f.text}")
    if not items:
        click.echo("no follow-ups" + (" overdue" if overdue else ""))


# ---- rules -------------------------------------------------------------------------------------

@qa.group()
def rules() -> None:
    """QA rules files."""


@rules.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.pass_context
def rules_check(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Validate rules files (default: the configured / shipped rules); every problem with file:line."""
    from qa.rules import check_rules_file, load_rules

    settings = settings_from(ctx)
    paths = list(files) or [settings.qa_rules or str(Path(__import__("qa").__file__).parent / "rules.yaml")]
    bad = 0
    for path in paths:
        problems = check_rules_file(path)
        if problems:
            bad += 1
            for p in problems:
                click.echo(p, err=True)
        else:
            rs = load_rules(path)
            click.echo(f"{path}: ok ({len(rs.categories)} categories, version {rs.version})")
    if bad:
        raise SystemExit(1)


# ---- jobs --------------------------------------------------------------------------------------

@qa.group(invoke_without_command=True)
@click.option("--status", type=click.Choice(["pending", "running", "done", "failed"]), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def jobs(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """Post-call jobs: their state, tries and last error."""
    if ctx.invoked_subcommand is not None:
        return
    from qa.store import JobQueue

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        queue = JobQueue(_store(settings))
        items = queue.list(status=status)
        counts = queue.counts()
    if as_json:
        _echo_json({"counts": counts, "jobs": [asdict(j) for j in items]})
        return
    for j in items:
        click.echo(f"#{j.id:<5} {j.status:<8} tries {j.attempts}/{j.max_attempts}  {j.key}"
                   + (f"\n        {j.last_error}" if j.last_error else ""))
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no jobs")


@jobs.command("retry")
@click.argument("job_id", type=int)
@click.pass_context
def jobs_retry(ctx: click.Context, job_id: int) -> None:
    """Queue a failed job again (after fixing what it failed on)."""
    from qa.store import JobQueue

    settings = settings_from(ctx)
    with user_errors(*USER_ERRORS):
        JobQueue(_store(settings)).retry(job_id)
    click.echo(f"job #{job_id} queued again")
