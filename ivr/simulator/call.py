"""One simulated call: the simulator plays Twilio (and the caller) against a hotline server.

What Twilio does, in the order it does it: a signed ``POST /twilio/voice``; the TwiML is run
verb by verb (:mod:`ivr.simulator.twiml`); ``<Start><Stream>`` opens the signed Media Streams
WebSocket and from then on every 20 ms of the caller's line goes over it as base64 mu-law;
keys reach the ``<Gather>`` action as ``Digits``; a call update hotline sends to the REST API
replaces the running TwiML (barge-in); ``<Enqueue>`` bridges the caller to the script's agent
and then posts the queue result; at the end come the status callback and, when recording was
started, the dual-channel recording and its callback.

Time is the call's own clock (samples sent on the caller's line); with ``realtime`` the line is
paced at 20 ms per frame, otherwise it runs as fast as the server keeps up.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import requests
from twilio.request_validator import RequestValidator

from ivr.simulator import twiml as tw
from ivr.simulator.audio import FRAME, RATE, AudioMaker, line_floor, read_caller_wav
from ivr.simulator.errors import CallFailed, SimulatorError
from ivr.simulator.expect import CallFacts, Mismatch, check, facts_from_record
from ivr.simulator.recording import CallAudio, wav_bytes
from ivr.simulator.scenario import CallerTurn, CallScenario
from ivr.simulator.server import Target

log = logging.getLogger(__name__)

#: the line is fed in slices this long while waiting for hotline to act on speech (seconds)
WAIT_SLICE_S = 0.2
#: wall seconds to wait for a call update after the line has run out of audio time (a busy server)
GRACE_S = 2.0
#: seconds a prompt we cannot fetch (<Play url>) is taken to last
PLAY_S = 1.0


@dataclass(frozen=True)
class Step:
    """One line of a call's trace."""

    #: call time, milliseconds since the call was answered
    at_ms: int
    #: "webhook", "say", "gather", "keys", "speech", "update", "enqueue", "hangup", "recording" ...
    kind: str
    text: str
    #: wall milliseconds the server took, where there is a request to time
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at_ms": self.at_ms, "kind": self.kind, "text": self.text,
                "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1)}


@dataclass
class CallResult:
    scenario: CallScenario
    call_sid: str
    steps: list[Step] = field(default_factory=list)
    facts: CallFacts | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    #: the call could not run (server error, bad TwiML); a failure like a mismatch
    error: str | None = None
    wall_s: float = 0.0
    audio_s: float = 0.0
    #: wall ms from the end of each utterance to the call update it caused
    speech_latencies_ms: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.source, "call_id": self.scenario.call_id, "call_sid": self.call_sid,
                "passed": self.passed, "error": self.error,
                "mismatches": [{"what": m.what, "expected": m.expected, "actual": m.actual} for m in self.mismatches],
                "facts": self.facts.to_dict() if self.facts else None, "wall_s": round(self.wall_s, 3),
                "audio_s": round(self.audio_s, 3), "speech_latencies_ms": [round(v, 1) for v in self.speech_latencies_ms],
                "steps": [s.to_dict() for s in self.steps]}


class _Ended(Exception):
    """The call is over (hang-up, end of TwiML, caller hung up)."""


class MediaLeg:
    """The Media Streams WebSocket of one call, as Twilio opens and feeds it."""

    def __init__(self, target: Target, verb: tw.StartStream, call_sid: str, realtime: bool):
        import websocket

        from ivr import mediastream

        self._ms = mediastream
        self.call_sid = call_sid
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.account_sid = target.account_sid
        self.realtime = realtime
        # Twilio signs the upgrade over the wss:// URL of the TwiML, with no parameters
        signature = RequestValidator(target.auth_token).compute_signature(verb.url, {})
        try:
            self.ws = websocket.create_connection(target.local(verb.url), timeout=30,
                                                  header=[f"X-Twilio-Signature: {signature}"])
        except (websocket.WebSocketException, OSError) as exc:
            raise CallFailed(f"media stream {verb.url} refused: {exc}") from exc
        self.sequence = 1
        self.chunk = 0
        #: the server closed the stream mid-call; nothing more is sent on it
        self.dropped = False
        self.sent = 0  # samples
        self.started = time.monotonic()
        self.ws.send(mediastream.connected_message())
        self.ws.send(mediastream.start_message(call_sid, self.stream_sid, account_sid=self.account_sid,
                                               parameters=verb.parameters))

    def send(self, samples: np.ndarray) -> None:
        import asr
        import websocket

        if self.dropped:
            return
        ulaw = asr.ulaw_encode(samples)
        for offset in range(0, len(ulaw), FRAME):
            self.sequence += 1
            self.chunk += 1
            try:
                self.ws.send(self._ms.media_message(self.stream_sid, ulaw[offset:offset + FRAME], chunk=self.chunk,
                                                    timestamp_ms=self.sent * 1000 // RATE, sequence=self.sequence))
            except (websocket.WebSocketException, OSError):
                # the server went away (a web worker died): Twilio ends the stream, the call goes on without it
                self.dropped = True
                return
            self.sent += min(FRAME, len(ulaw) - offset)
            if self.realtime:
                ahead = self.sent / RATE - (time.monotonic() - self.started)
                if ahead > 0:
                    time.sleep(ahead)

    def close(self, timeout: float = 30.0) -> None:
        """Send ``stop`` and wait for the server to close: it has then handled every frame before it."""
        import websocket

        try:
            self.sequence += 1
            self.ws.send(self._ms.stop_message(self.call_sid, self.stream_sid, account_sid=self.account_sid,
                                               sequence=self.sequence))
            self.ws.settimeout(timeout)
            while self.ws.recv():  # hotline sends nothing on a unidirectional stream; this waits for its close
                pass
        except (websocket.WebSocketException, OSError):
            pass
        finally:
            self.ws.close()


class SimulatedCall:
    """Run one :class:`CallScenario` against ``target``; :meth:`run` returns the :class:`CallResult`."""

    def __init__(self, target: Target, scenario: CallScenario, audio: AudioMaker, *, realtime: bool = False,
                 call_sid: str | None = None, called: str = "+86950618"):
        self.target = target
        self.scenario = scenario
        self.maker = audio
        self.realtime = realtime
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.called = called
        self.http = requests.Session()
        self.validator = RequestValidator(target.auth_token)
        self.audio = CallAudio()
        self.turns = list(scenario.turns)
        self.turn_index = 0
        self.result = CallResult(scenario, self.call_sid)
        self.leg: MediaLeg | None = None
        self.recording: tw.StartRecording | None = None
        self.recording_start = 0
        self.updates_seen = 0
        self.queue: str | None = None
        self.locale = "zh-CN"
        self._floor_seed = scenario.seed * 7919 + 1

    # ---- trace and the caller's line ------------------------------------------------------

    def step(self, kind: str, text: str, latency_ms: float | None = None, at: int | None = None) -> None:
        """Add a trace line at ``at`` (samples; default now)."""
        at_ms = self.audio.now_ms if at is None else at * 1000 // RATE
        self.result.steps.append(Step(at_ms, kind, text, latency_ms))

    def line(self, samples: np.ndarray) -> None:
        """The caller's line carries ``samples`` (to the stream if open, and to the recording)."""
        self.audio.send(samples)
        if self.leg is not None and not self.leg.dropped:
            self.leg.send(samples)
            if self.leg.dropped:
                self.step("stream", "media stream closed by the server: the call goes on without it")

    def quiet(self, seconds: float) -> None:
        n = int(round(seconds * RATE))
        if n > 0:
            self._floor_seed += 1
            self.line(line_floor(n, self._floor_seed))

    def quiet_until(self, sample: int) -> None:
        if sample > self.audio.now:
            self.quiet((sample - self.audio.now) / RATE)

    def next_turn(self) -> CallerTurn | None:
        if self.turn_index >= len(self.turns):
            return None
        self.turn_index += 1
        return self.turns[self.turn_index - 1]

    def peek_turn(self) -> CallerTurn | None:
        return self.turns[self.turn_index] if self.turn_index < len(self.turns) else None

    def caller_speech(self, turn: CallerTurn) -> np.ndarray:
        if turn.kind == "wav":
            return read_caller_wav(turn.wav, turn.where)
        return self.maker.speech(turn.speech, self.scenario.seed + self.turn_index, self.scenario.packet_loss)

    # ---- webhooks ------------------------------------------------------------------------

    def params(self, **extra: str) -> dict[str, str]:
        return {"AccountSid": self.target.account_sid, "CallSid": self.call_sid, "From": self.scenario.caller,
                "To": self.called, "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    def post(self, url: str, params: dict[str, str], what: str) -> str:
        """A signed webhook, exactly as Twilio sends it; returns the response body."""
        signature = self.validator.compute_signature(url, params)
        started = time.perf_counter()
        try:
            response = self.http.post(self.target.local(url), data=params, timeout=15,
                                      headers={"X-Twilio-Signature": signature,
                                               "User-Agent": "TwilioProxy/1.1 (hotline simulator)"})
        except requests.RequestException as exc:
            raise CallFailed(f"{what}: {url} did not answer: {exc}") from exc
        latency = (time.perf_counter() - started) * 1000
        short = url.split("://", 1)[-1].split("/", 1)[-1]
        self.step("webhook", f"POST /{short} {' '.join(f'{k}={v}' for k, v in params.items() if k in _SHOWN)}"
                             f" -> {response.status_code}", latency)
        if response.status_code >= 400:
            raise CallFailed(f"{what}: POST {url} answered {response.status_code}: {response.text[:200]}")
        return response.text

    def webhook(self, url: str, what: str, **extra: str) -> str:
        return self.post(url, self.params(CallStatus="in-progress", **extra), what)

    # ---- running TwiML -------------------------------------------------------------------

    def run(self) -> CallResult:
        started = time.perf_counter()
        outage: set[str] = set()
        try:
            outage = self._outage()
            document = self.post(self.target.public_url.rstrip("/") + "/twilio/voice",
                                 self.params(CallStatus="ringing"), "incoming call")
            try:
                while document is not None:
                    document = self.execute(document)
            except _Ended:
                pass
            self.finish()
        except SimulatorError as exc:
            self.result.error = str(exc)
            self.step("error", str(exc))
            self._status_after_error()
        finally:
            if self.leg is not None:
                self.leg.close()
                self.leg = None
            if outage:
                self.target.app.extensions["hotline"].orders.restore(outage)
            self.http.close()
        self.result.wall_s = time.perf_counter() - started
        self.result.audio_s = self.audio.now / RATE
        self.result.facts = self.facts()
        if self.result.error is None:
            self.result.mismatches = check(self.scenario.expect, self.result.facts)
        return self.result

    def _outage(self) -> set[str]:
        if self.scenario.order_backend != "down":
            return set()
        if self.target.app is None:
            raise SimulatorError(f"{self.scenario.source}: order_backend: down needs the embedded server (no --url)")
        numbers = self.scenario.order_numbers
        self.target.app.extensions["hotline"].orders.take_down(numbers)
        return numbers

    def execute(self, document: str) -> str | None:
        """Run one TwiML document; the next document to run (a new one replaced it), or None when it ran out."""
        try:
            verbs = tw.parse_twiml(document)
        except tw.TwimlError as exc:
            raise CallFailed(f"TwiML Twilio would refuse: {exc}") from exc
        for verb in verbs:
            if isinstance(verb, tw.StartStream):
                self.step("stream", f"<Start><Stream> {verb.url}")
                if self.leg is None:
                    self.leg = MediaLeg(self.target, verb, self.call_sid, self.realtime)
            elif isinstance(verb, tw.StartRecording):
                self.step("recording", f"<Start><Recording> {verb.channels}, callback {verb.callback}")
                self.recording, self.recording_start = verb, self.audio.now
            elif isinstance(verb, (tw.Say, tw.Play, tw.Pause)):
                self.quiet_until(self.play(verb))
            elif isinstance(verb, tw.Gather):
                following = self.gather(verb)
                if following is not _CONTINUE:
                    return following
            elif isinstance(verb, tw.Redirect):
                self.step("redirect", f"<Redirect> {verb.url}")
                return self.webhook(verb.url, "redirect")
            elif isinstance(verb, tw.Enqueue):
                return self.bridge(verb)
            elif isinstance(verb, tw.Dial):
                return self.bridge(verb)
            elif isinstance(verb, tw.Hangup):
                self.step("hangup", "<Hangup>")
                raise _Ended
        self.step("hangup", "end of TwiML: Twilio hangs up")
        raise _Ended

    def play(self, verb, at: int | None = None) -> int:
        """Put a prompt on the caller's ear from ``at`` (default now); returns where it ends."""
        if isinstance(verb, tw.Say):
            self.locale = verb.language or self.locale
            samples = self.maker.prompt(verb.text, self.locale)
            samples = np.concatenate([samples] * max(1, verb.loop))
            self.step("say", f"<Say {self.locale}> {verb.text}", at=at)
        elif isinstance(verb, tw.Pause):
            samples = np.zeros(int(verb.length * RATE), np.int16)
        else:
            self.step("play", f"<Play> {verb.url} (not fetched: {PLAY_S:g} s of silence)", at=at)
            samples = np.zeros(int(PLAY_S * RATE), np.int16)
        return self.audio.hear(samples, at)

    def gather(self, verb: tw.Gather):
        start = self.audio.now
        end = start
        for prompt in verb.prompts:
            end = self.play(prompt, end)
        deadline = end + int(verb.timeout * RATE)
        self.step("gather", f"<Gather {'+'.join(verb.input)} timeout={verb.timeout:g}"
                            f"{f' numDigits={verb.num_digits}' if verb.num_digits else ''}> waiting")
        while True:
            turn = self.next_turn()
            if turn is None or turn.kind == "hangup":
                self.quiet_until(end)
                self.audio.interrupt()
                self.step("hangup", "caller hangs up" + ("" if turn else " (end of the script)"))
                raise _Ended
            if turn.kind == "agent":
                self.step("note", f"{turn.where}: agent turn while the caller is still in the IVR: skipped")
                continue
            at = start + int(turn.barge_in * RATE) if turn.barge_in is not None else end
            if turn.kind == "silence":
                if turn.seconds is None or self.audio.now + int(turn.seconds * RATE) >= deadline:
                    self.quiet_until(deadline)
                    self.step("timeout", f"no input for {verb.timeout:g} s")
                    return self.empty_result(verb)
                self.quiet(turn.seconds)
                continue
            self.quiet_until(at)
            if self.audio.now < end:
                self.step("barge-in", f"caller starts {(self.audio.now - start) / RATE:.1f} s into the prompt")
            if turn.kind == "digits":
                return self.keys(verb, turn)
            return self.speak(verb, turn, deadline)

    def keys(self, verb: tw.Gather, turn: CallerTurn):
        self.audio.interrupt()  # a key stops the prompt
        self.line(self.maker.tones(turn.digits))
        digits = verb.digits_entered(turn.digits)
        self.step("keys", f"caller presses {turn.digits}")
        if "dtmf" not in verb.input:
            self.step("note", "this <Gather> takes no keys: ignored")
            return self.empty_result(verb)
        if not verb.action:
            return _CONTINUE
        finished = (verb.finish_on_key and verb.finish_on_key in turn.digits) or (
            verb.num_digits and len(digits) >= verb.num_digits)
        if not finished:
            self.quiet(verb.timeout)  # Twilio waits `timeout` after the last key before it posts them
        extra = {"FinishedOnKey": verb.finish_on_key} if verb.finish_on_key and verb.finish_on_key in turn.digits else {}
        return self.webhook(verb.action, "gathered digits", Digits=digits, **extra)

    def speak(self, verb: tw.Gather, turn: CallerTurn, deadline: int):
        speech = self.caller_speech(turn)
        label = turn.speech.text if turn.speech is not None else str(turn.wav)
        self.step("speech", f"caller says {label!r} ({len(speech) / RATE:.1f} s)")
        self.line(speech)
        if self.leg is None:
            if "speech" in verb.input and turn.speech is not None and verb.action:
                # Twilio's own recogniser is not simulated: it is taken to hear the script's text
                return self.webhook(verb.action, "speech result", SpeechResult=turn.speech.text, Confidence="0.9")
            self.step("note", "no media stream: hotline cannot hear speech")
            self.quiet_until(deadline)
            return self.empty_result(verb)
        return self.await_update(verb, max(deadline, self.audio.now + int(verb.timeout * RATE)))

    def await_update(self, verb: tw.Gather, deadline: int):
        """Keep the line running until hotline updates the call, or the <Gather> times out."""
        spoke_end, wall_end = self.audio.now, time.perf_counter()
        rest = self.target.rest
        while True:
            wait = WAIT_SLICE_S if self.realtime else 0.02
            update = rest.wait_for_call_update(self.call_sid, self.updates_seen, wait)
            if update is None and self.audio.now >= deadline:
                update = rest.wait_for_call_update(self.call_sid, self.updates_seen, 0 if self.realtime else GRACE_S)
            if update is not None:
                self.updates_seen += 1
                latency = (time.perf_counter() - wall_end) * 1000
                self.result.speech_latencies_ms.append(latency)
                self.audio.interrupt()
                # on a paced line, also how much of the caller's line went by (in fast mode it runs ahead)
                line = f", {(self.audio.now - spoke_end) * 1000 // RATE} ms of line" if self.realtime else ""
                self.step("update", f"call updated through the REST API{line}", latency)
                return self.updated(update.params)
            if self.audio.now >= deadline:
                self.step("timeout", f"no key and no call update within {verb.timeout:g} s")
                return self.empty_result(verb)
            self.quiet(WAIT_SLICE_S)

    def updated(self, params: dict[str, str]) -> str:
        if params.get("Status") in ("completed", "canceled"):
            self.step("hangup", f"hotline ended the call ({params['Status']})")
            raise _Ended
        if "Twiml" in params:
            return params["Twiml"]
        if "Url" in params:
            return self.webhook(params["Url"], "call update Url")
        raise CallFailed(f"call update without Twiml, Url or Status: {sorted(params)}")

    def empty_result(self, verb: tw.Gather):
        if verb.action_on_empty_result and verb.action:
            return self.webhook(verb.action, "gather timed out")
        return _CONTINUE

    # ---- after the IVR: the agent ---------------------------------------------------------

    def bridge(self, verb) -> str | None:
        """Enqueue or Dial: the script's agent answers, the rest of the script is the conversation."""
        if isinstance(verb, tw.Enqueue):
            self.queue = verb.queue or verb.task.get("skill")
            detail = f" task {verb.task}" if verb.task else ""
            self.step("enqueue", f"<Enqueue> {verb.queue or 'workflow ' + verb.workflow_sid}"
                                 f"{f' priority={verb.task_priority}' if verb.task_priority is not None else ''}{detail}")
        else:
            self.step("dial", f"<Dial> {verb.number}")
        queued_at = self.audio.now
        answered: int | None = None
        hung_up = False
        while (turn := self.next_turn()) is not None:
            if turn.kind == "agent":
                samples = self.maker.speech(turn.speech, self.scenario.seed + self.turn_index, 0.0)
                answered = self.audio.now if answered is None else answered
                self.step("agent", f"agent says {turn.speech.text!r}")
                self.quiet_until(self.audio.hear(samples))
            elif turn.kind in ("say", "wav"):
                self.line(self.caller_speech(turn))
                self.step("speech", f"caller says {turn.speech.text if turn.speech else turn.wav!s}")
            elif turn.kind == "digits":
                self.line(self.maker.tones(turn.digits))
            elif turn.kind == "silence":
                self.quiet(turn.seconds or 1.0)
            elif turn.kind == "hangup":
                hung_up = True
                break
        self.quiet(0.5)
        action = getattr(verb, "action", "")
        if not action:
            raise _Ended
        if isinstance(verb, tw.Dial):
            return self.webhook(action, "dial result", DialCallStatus="completed",
                                DialCallDuration=str((self.audio.now - queued_at) // RATE))
        result = "hangup" if answered is None else "bridged"
        wait = ((answered if answered is not None else self.audio.now) - queued_at) // RATE
        self.step("queue", f"left the queue: {result} after {wait} s" + (" (caller hung up)" if hung_up else ""))
        return self.webhook(action, "queue result", QueueResult=result, QueueTime=str(wait),
                            QueueSid="QU" + uuid.uuid5(uuid.NAMESPACE_URL, str(self.queue)).hex)

    # ---- the end of the call ---------------------------------------------------------------

    def finish(self) -> None:
        if self.leg is not None:
            self.leg.close()
            self.leg = None
        self._post_status()
        if self.recording is not None and self.recording.callback:
            self.send_recording()

    def _status_after_error(self) -> None:
        """Twilio ends a call whose webhook failed and still sends its status callback, once."""
        if "status callback" in (self.result.error or ""):
            return
        try:
            self._post_status()
        except SimulatorError as exc:
            self.step("error", str(exc))

    def _post_status(self) -> None:
        duration = math.ceil(self.audio.now / RATE)
        self.post(self.target.public_url.rstrip("/") + "/twilio/status",
                  self.params(CallStatus="completed", CallDuration=str(duration)), "status callback")

    def send_recording(self) -> None:
        stereo = self.audio.recording(self.recording_start)
        sid = "RE" + uuid.uuid4().hex
        rest = self.target.rest
        rest.recordings[sid] = wav_bytes(stereo)
        started = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
        self.post(self.recording.callback, {
            "AccountSid": self.target.account_sid, "CallSid": self.call_sid, "RecordingSid": sid,
            "RecordingUrl": rest.recording_url(self.target.rest_url, sid), "RecordingStatus": "completed",
            "RecordingDuration": str(math.ceil(len(stereo) / RATE)), "RecordingChannels": "2",
            "RecordingStartTime": started, "RecordingSource": "StartCallRecording", "RecordingTrack": "both",
            "ErrorCode": "0"}, "recording callback")
        self.recording_sid = sid

    def facts(self) -> CallFacts:
        record = None
        if self.target.store is not None:
            from qa.store import CallNotFound, StoreError

            try:
                record = self.target.store.get_call(self.call_sid)
            except (CallNotFound, StoreError):
                record = None
        facts = facts_from_record(self.call_sid, record, self.queue)
        if self.target.analyse is not None and self.scenario.expect.needs_qa and self.result.error is None:
            facts.qa_categories = self.target.analyse(self.call_sid)
        return facts


#: "go on with the next verb" (a <Gather> that ended without a result and without an action)
_CONTINUE = object()
#: webhook parameters worth a place in the trace
_SHOWN = ("CallStatus", "Digits", "SpeechResult", "QueueResult", "RecordingSid", "DialCallStatus")
