"""``hotline emotion FILE``: score a recording's caller channel and show the emotion timeline."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _read_transcript(path: str | None):
    """A transcript file: JSON (a list of turns with text and start/end seconds) or plain text."""
    if path is None:
        return None
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text
    return data if isinstance(data, list) else text


def _fmt(v) -> str:
    return "   -" if v is None else f"{v:4.2f}"


@click.command("emotion")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the whole timeline as JSON.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write a timeline picture (PNG) here.")
@click.option(
    "--transcript",
    "transcript_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Transcript: JSON list of {text, start, end} turns, or plain text.",
)
def emotion(file: str, as_json: bool, plot_path: str | None, transcript_path: str | None) -> None:
    """Score FILE (WAV or any libsndfile format) for caller arousal / agitation."""
    import emotion as emo

    try:
        tl = emo.score_file(file, transcript=_read_transcript(transcript_path))
    except emo.EmotionError as exc:
        raise click.ClickException(str(exc)) from exc
    if plot_path:
        from emotion.plot import plot_timeline

        try:
            plot_timeline(tl, plot_path, title=Path(file).name)
        except OSError as exc:
            raise click.ClickException(f"cannot write plot {plot_path}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(tl.to_dict(), ensure_ascii=False, indent=1))
        return
    s = tl.summary
    peak = "-" if s.peak is None else f"{s.peak:.2f}"
    click.echo(f"{Path(file).name}: {s.label} (peak {peak}, {s.confidence} confidence, flagged {s.flagged_s:.0f} s)")
    for span in s.flagged_spans:
        peak = "" if span["peak"] is None else f" (peak {span['peak']:.2f})"
        click.echo(f"  flagged {span['start']:.0f}-{span['end']:.0f} s{peak}")
    for reason in s.reasons:
        click.echo(f"  - {reason}")
    click.echo("    t  score smooth fused flag label       why")
    for w in tl.windows:
        why = w.reason or ", ".join(f"{k}{v:+.1f}" for k, v in w.families.items() if abs(v) >= 1)
        click.echo(
            f"{w.t1:5.0f}  {_fmt(w.score)}  {_fmt(w.smooth)}  {_fmt(w.agitation)}  {'*' if w.flag else ' '}   {w.label or '-':<10}  {why}"
        )
    if plot_path:
        click.echo(f"plot written to {plot_path}")
