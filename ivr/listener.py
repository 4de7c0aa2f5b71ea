"""Listening to a caller: Media Streams audio -> Vosk -> speech events for the engine.

One :class:`CallListener` per call (and inbound track). It decodes mu-law, feeds the
caller's audio to a :class:`asr.StreamRecognizer` restricted to the current node's
phrases (a per-menu grammar, when the model supports one) and turns final results into
:class:`ivr.events.Speech`. Out-of-grammar speech (``[unk]``) is not an answer.

A menu's grammar also holds its *cue words* (``FlowEngine.cues_at``: words of callers' requests
that lead to its options, such as 快递 or charged) that the model knows; a cue the model's
vocabulary lacks is left out, so any Vosk model works (one without them hears the phrases only).
The words heard, ``[unk]`` dropped, go to the engine, whose classifier places the sentence. An
utterance heard as ``[unk]`` alone for at least ``UNCLEAR_MIN_SECONDS`` goes to the engine as
:class:`ivr.events.UnclearSpeech`, a no-match: the caller said something that is none of the node's
words, and should hear so at once rather than wait out the keypad time-out. Shorter ``[unk]``
(a cough, a click, "uh") is still dropped.

Only speech (with a little audio either side) reaches the recogniser: a voice activity
detector gates it. A caller listens to prompts for half a minute before answering, and
the line's quiet over that time skews the recogniser's running normalisation so badly
that the answer is missed (the call simulator showed it: 5 s of silence before a
Mandarin answer was enough). Closing the utterance when the VAD hears its end also gives
the result sooner than Vosk's own endpointing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from asr import UNK, LoadedModel, RecognitionResult, StreamRecognizer, ulaw_decode
from asr.vad import StreamingVad
from ivr.events import Speech, UnclearSpeech
from ivr.mediastream import SAMPLE_RATE


def _utterance(result: RecognitionResult) -> tuple[str, float] | None:
    words = [w for w in result.words if w.text != UNK]
    if not words:
        text = " ".join(t for t in result.text.split() if t != UNK)
        return (text, result.confidence) if text else None
    confidence = min(w.conf for w in words)
    return " ".join(w.text for w in words), confidence


#: out-of-grammar speech at least this long is a no-match (shorter is a cough, a click, a hesitation)
UNCLEAR_MIN_SECONDS = 0.6
#: out-of-grammar speech starting within this many seconds of the last is the same sentence, split by
#: a pause: one no-match, not two
UNCLEAR_GAP_SECONDS = 1.5


def _unclear_seconds(result: RecognitionResult) -> float:
    """How long the recogniser heard only ``[unk]`` in a result (0 when it heard a word or nothing)."""
    if not result.text.split() or any(t != UNK for t in result.text.split()):
        return 0.0
    if result.words:
        return sum(max(0.0, w.end - w.start) for w in result.words if w.text == UNK)
    return max(0.0, result.end - result.start)


#: audio kept from before the VAD hears speech start (its onset lags the first syllable), samples
PRE_ROLL = SAMPLE_RATE // 2
#: audio fed after the VAD hears speech end (it has already waited out its 300 ms hangover) before the
#: utterance is closed, samples: 100 ms more keeps the end-of-speech-to-update p95 under 500 ms
TAIL = SAMPLE_RATE // 10


class CallListener:
    """Turns one caller's audio into :class:`Speech` events."""

    def __init__(self, model: LoadedModel, phrases: Sequence[str] = (), cues: Sequence[str] = ()):
        self.model = model
        self.phrases: tuple[str, ...] = tuple(phrases)
        self.cues: tuple[str, ...] = self._known(cues)
        self.recognizer = StreamRecognizer(model, sample_rate=SAMPLE_RATE, grammar=self._grammar(), partials=False)
        self.heard: list[RecognitionResult] = []
        self.vad = StreamingVad(SAMPLE_RATE)
        self._received = 0  # samples of the whole stream
        self._pre_roll = np.empty(0, dtype=np.int16)
        self._open = False  # an utterance is being fed to the recogniser
        self._after_end = 0  # samples fed since the VAD heard the utterance end
        self._unclear_until = -1.0  # stream time up to which [unk]-only speech continues the last no-match

    def _known(self, cues: Sequence[str]) -> tuple[str, ...]:
        """The cue words the model can hear (single words of its vocabulary)."""
        vocabulary = self.model.vocabulary
        return tuple(c for c in dict.fromkeys(cues) if c in vocabulary)

    def _grammar(self) -> list[str] | None:
        # a static-graph model cannot take a grammar: free text, matched against phrases later
        if not self.phrases or not self.model.supports_grammar:
            return None
        return list(self.phrases) + [c for c in self.cues if c not in self.phrases]

    def listen_for(self, phrases: Sequence[str], cues: Sequence[str] = ()) -> None:
        """The caller moved to another node: expect its phrases (and the cue words the model
        knows) from now on."""
        phrases, cues = tuple(phrases), self._known(cues)
        if (phrases, cues) != (self.phrases, self.cues):
            self.phrases, self.cues = phrases, cues
            self.recognizer.reset(grammar=self._grammar())

    def _speech(self, results: list[RecognitionResult]) -> list[Speech | UnclearSpeech]:
        out: list[Speech | UnclearSpeech] = []
        for result in results:
            if not result.is_final:
                continue
            self.heard.append(result)
            said = _utterance(result)
            if said:
                out.append(Speech(text=said[0], confidence=said[1]))
            elif (seconds := _unclear_seconds(result)) > 0:
                continued = result.start <= self._unclear_until
                if seconds >= UNCLEAR_MIN_SECONDS or continued:
                    if not continued:
                        out.append(UnclearSpeech(seconds=seconds))
                    self._unclear_until = result.end + UNCLEAR_GAP_SECONDS
        return out

    def feed(self, ulaw: bytes) -> list[Speech | UnclearSpeech]:
        """mu-law bytes from Twilio -> what the caller finished saying in them (usually nothing)."""
        return self.feed_pcm(ulaw_decode(ulaw))

    def feed_pcm(self, pcm: np.ndarray) -> list[Speech | UnclearSpeech]:
        """The same for already decoded 8 kHz int16 samples."""
        events = self.vad.push(pcm)
        self._received += len(pcm)
        results: list[RecognitionResult] = []
        if not self._open:
            if not any(e.kind == "start" for e in events):
                self._pre_roll = np.concatenate([self._pre_roll, pcm])[-PRE_ROLL:]
                return []
            # speech: start a fresh utterance on the stream clock, with the audio just before it
            self._open, self._after_end = True, 0
            audio = np.concatenate([self._pre_roll, pcm])
            self._pre_roll = np.empty(0, dtype=np.int16)
            self.recognizer.reset(at=(self._received - len(audio)) / SAMPLE_RATE)
            return self._speech(self.recognizer.accept(audio))
        results += self.recognizer.accept(pcm)
        self._after_end = 0 if self.vad.in_speech else self._after_end + len(pcm)
        if self._after_end >= TAIL:
            self._open = False
            final = self.recognizer.end_utterance()
            results += [final] if final else []
        return self._speech(results)

    def close(self) -> None:
        """Hand the warm recogniser back to the shared model, so the next call starts fast."""
        self.recognizer.close()

    def finish(self) -> list[Speech | UnclearSpeech]:
        if not self._open:
            return []
        result = self.recognizer.finish()
        return self._speech([result] if result else [])
