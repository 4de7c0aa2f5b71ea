"""The call simulator: plays Twilio (and the caller) against the real hotline app over loopback.

A WAV file or a scripted call goes through the same signed webhooks, signed Media Streams
WebSocket and REST call updates as a real phone call, and ends with the status callback and
the dual-channel recording. Pure parts: :mod:`~ivr.simulator.twiml` (TwiML interpreter),
:mod:`~ivr.simulator.scenario` (YAML scenarios with expectations), :mod:`~ivr.simulator.expect`
(checking them), :mod:`~ivr.simulator.recording` (the two channels). I/O: :mod:`~ivr.simulator.call`
(one call), :mod:`~ivr.simulator.rest` (Twilio's REST API), :mod:`~ivr.simulator.server` (where
calls go), :mod:`~ivr.simulator.runner`, :mod:`~ivr.simulator.report`.
"""

from ivr.simulator.audio import AudioMaker, read_caller_wav
from ivr.simulator.call import CallResult, SimulatedCall, Step
from ivr.simulator.errors import CallFailed, ScenarioFileError, ServerUnreachable, SimulatorError
from ivr.simulator.expect import CallFacts, Heard, Mismatch, check
from ivr.simulator.recording import CallAudio
from ivr.simulator.report import as_json, summary, trace
from ivr.simulator.rest import CallUpdate, TwilioRest
from ivr.simulator.runner import load_all, run_calls
from ivr.simulator.scenario import CallerTurn, CallScenario, Expectations, load_call_scenario
from ivr.simulator.server import ServerThread, Target, check_reachable, embedded_hotline
from ivr.simulator.twiml import TwimlError, parse_twiml

__all__ = [
    "AudioMaker", "CallAudio", "CallFacts", "CallFailed", "CallResult", "CallScenario", "CallUpdate", "CallerTurn",
    "Expectations", "Heard", "Mismatch", "ScenarioFileError", "ServerThread", "ServerUnreachable", "SimulatedCall",
    "SimulatorError", "Step", "Target", "TwilioRest", "TwimlError", "as_json", "check", "check_reachable",
    "embedded_hotline", "load_all", "load_call_scenario", "parse_twiml", "read_caller_wav", "run_calls", "summary",
    "trace",
]
