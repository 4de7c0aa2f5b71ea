"""``hotline listen``: live speech recognition from the default microphone."""

from __future__ import annotations

import itertools
import time

import click

from ivr.cli.models import asr_settings


@click.command()
@click.option("--model", "model_name", help="Model name or path (default: config asr_model).")
@click.option("--rate", default=16000, show_default=True, help="Capture rate, Hz.")
@click.option("--device", type=int, help="PyAudio input device index (default: the system default).")
@click.option("--grammar", help="Comma-separated phrases to restrict recognition to (dynamic-graph models).")
@click.option("--seconds", type=float, help="Stop after this many seconds (default: until Ctrl-C).")
@click.pass_context
def listen(ctx: click.Context, model_name: str | None, rate: int, device: int | None, grammar: str | None,
           seconds: float | None) -> None:
    """Stream the microphone through the recognizer; print partials and finals live."""
    import asr

    cfg = asr_settings(ctx)
    mic = asr.MicConfig(sample_rate=rate, frames_per_chunk=rate // 10, device=device)
    phrases = [p.strip() for p in grammar.split(",") if p.strip()] if grammar else None
    try:
        name = asr.check_microphone(mic)  # before the slow model load
        model = asr.load_model(model_name or cfg.asr_model or None, cfg.models_dir)
        rec = asr.StreamRecognizer(model, rate, grammar=phrases)
        chunks = asr.microphone_chunks(mic)
        first = next(chunks)  # the device is open and capturing once this returns
        click.echo(f"listening on {name!r} with {model.name} (Ctrl-C to stop)", err=True)
        deadline = time.monotonic() + seconds if seconds else None
        try:
            for chunk in itertools.chain([first], chunks):
                for r in rec.accept(chunk):
                    if r.is_final:
                        click.echo(f"\r\033[K[{r.start:6.2f}-{r.end:6.2f}] {r.text}  ({r.confidence:.2f})")
                    else:
                        click.echo(f"\r\033[K... {r.text}", nl=False)
                if deadline is not None and time.monotonic() >= deadline:
                    break
        except KeyboardInterrupt:
            pass
        last = rec.finish()
        if last is not None:
            click.echo(f"\r\033[K[{last.start:6.2f}-{last.end:6.2f}] {last.text}  ({last.confidence:.2f})")
        stats = rec.latency.summary()
        if stats["count"]:
            click.echo(f"latency end-of-speech -> final: mean {stats['mean']:.2f} s, p95 {stats['p95']:.2f} s", err=True)
    except asr.ASRError as exc:
        raise click.ClickException(str(exc)) from exc
