"""``hotline transcribe FILES...``: per-channel transcripts with word times."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ivr.cli.models import asr_settings


def _int_list(_ctx, _param, value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected channel numbers like 0,1; got {value!r}") from None


def _format(transcript, words: bool) -> list[str]:
    lines = [f"== {transcript.source} ({transcript.duration:.2f} s, model {transcript.model})"]
    for ch in transcript.channels:
        if not ch.segments:
            lines.append(f"[{ch.role}] (no speech)")
        for seg in ch.segments:
            lines.append(f"[{ch.role}] {seg.start:7.2f}-{seg.end:7.2f}  {seg.text}")
            if words:
                lines.append("    " + " ".join(f"{w.text}({w.start:.2f}-{w.end:.2f} {w.conf:.2f})" for w in seg.words))
    return lines


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, writable=True),
              help="Also write all transcripts (schema hotline.asr.transcript/1) to this file ('-' = stdout).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each loads the model once).")
@click.option("--channels", callback=_int_list, help="Channels to transcribe, e.g. 0 or 0,1 (default: all).")
@click.option("--roles", default="caller,agent", show_default=True,
              help="Names of channels 0,1,... (hotline records the caller on channel 0).")
@click.option("--model", "model_name", help="Model name or path (default: config asr_model).")
@click.option("--no-vad", is_flag=True, help="Decode all audio instead of only the speech regions.")
@click.option("--words/--no-words", default=True, show_default=True, help="Print word times and confidences.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: with several files).")
@click.pass_context
def transcribe(ctx: click.Context, files: tuple[str, ...], json_out: str | None, jobs: int,
               channels: list[int] | None, roles: str, model_name: str | None, no_vad: bool, words: bool,
               progress: bool | None) -> None:
    """Transcribe recordings (WAV/FLAC/OGG/.ulaw), each channel separately."""
    import asr

    cfg = asr_settings(ctx)
    bad = asr.check_audio_files(files)  # before the slow model load
    good = [f for f in files if f not in bad]
    items = []
    if good:
        try:
            items = asr.transcribe_many(
                good, model_name or cfg.asr_model or None, models_dir=cfg.models_dir, jobs=jobs,
                progress=len(good) > 1 if progress is None else progress, channels=channels,
                roles=tuple(r.strip() for r in roles.split(",")), use_vad=not no_vad,
            )
        except asr.ASRError as exc:
            raise click.ClickException(str(exc)) from exc
    failures = dict(bad)
    for item in items:
        if item.ok:
            if json_out != "-":
                click.echo("\n".join(_format(item.transcript, words)))
        else:
            failures[item.path] = item.error
    if json_out:
        doc = {"transcripts": [i.transcript.to_dict() for i in items if i.ok],
               "errors": [{"path": p, "error": e} for p, e in failures.items()]}
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if json_out == "-":
            click.echo(text)
        else:
            Path(json_out).write_text(text + "\n", encoding="utf-8")
    if failures:
        for message in failures.values():
            click.echo(f"Error: {message}", err=True)
        ctx.exit(1)

