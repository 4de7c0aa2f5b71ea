"""Render engine actions as TwiML, only through the ``twilio`` library's ``VoiceResponse``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence

from twilio.twiml.voice_response import VoiceResponse

from ivr.events import Action, Gather, Hangup, Route, Say

#: Twilio keeps task attributes small (Studio caps them at 1024 characters)
MAX_TASK_ATTRIBUTES = 1024


@dataclass(frozen=True)
class TwimlOptions:
    """What the renderer needs from the configuration."""

    #: absolute URL of the gather webhook (Twilio posts digits there)
    gather_url: str
    #: locale -> <Say> voice ("Polly.Zhiyu")
    voices: Mapping[str, str]
    #: seconds to wait for a key
    gather_timeout: int = 6
    workflow_sid: str = ""
    task_timeout: int = 600
    #: absolute URL Twilio posts the enqueue result to (QueueResult), if any
    enqueue_action_url: str | None = None
    #: wss:// URL of the media WebSocket; None = no live speech
    stream_url: str | None = None
    #: absolute URL for recording status callbacks; None = do not record
    recording_callback_url: str | None = None


def _say(parent, says: Sequence[Say], voices: Mapping[str, str]) -> None:
    for say in says:
        voice = voices.get(say.locale)
        parent.say(say.text, language=say.locale, **({"voice": voice} if voice else {}))


def task_attributes(route: Route, call_sid: str, caller: str = "") -> str:
    """The JSON a TaskRouter task carries: what an agent's screen and the workflow filters read."""
    attributes = {
        "skill": route.skill,
        "intent": route.intent,
        "locale": route.locale,
        "priority": route.priority,
        "node": route.node,
        "call_sid": call_sid,
        **({"from": caller} if caller else {}),
        **route.attributes,
        "reasons": list(route.reasons),
    }
    text = json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
    while len(text) > MAX_TASK_ATTRIBUTES and attributes["reasons"]:
        attributes["reasons"].pop()  # the full list stays on the call record
        text = json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
    return text


def _start_call(response: VoiceResponse, options: TwimlOptions, call_sid: str) -> None:
    """Fork the caller's audio to the media WebSocket and record both channels for QA."""
    if options.stream_url:
        start = response.start()
        stream = start.stream(url=options.stream_url, track="inbound_track", name=f"listen-{call_sid}"[:64])
        stream.parameter(name="call_sid", value=call_sid)
    if options.recording_callback_url:
        response.start().recording(
            recording_status_callback=options.recording_callback_url,
            recording_status_callback_event="completed",
            # channels="dual" is the default for <Start><Recording>: caller and IVR/agent apart
            track="both",
        )


def render(actions: Sequence[Action], options: TwimlOptions, call_sid: str = "", caller: str = "",
           *, start_call: bool = False) -> str:
    """TwiML for the actions of one engine step (Lookup actions must be resolved before).

    ``start_call`` adds the media stream and recording that run for the rest of the call.
    """
    response = VoiceResponse()
    if start_call:
        _start_call(response, options, call_sid)
    for action in actions:
        if isinstance(action, Gather):
            gather = response.gather(
                input="dtmf",
                action=options.gather_url,
                method="POST",
                timeout=action.timeout or options.gather_timeout,
                num_digits=action.num_digits,
                finish_on_key=action.finish_on_key if action.finish_on_key else None,
                # an empty result still reaches us, so no-input is counted by the engine
                action_on_empty_result=True,
                language=action.locale,
            )
            _say(gather, action.prompts, options.voices)
        elif isinstance(action, Route):
            _say(response, action.prompts, options.voices)
            if options.workflow_sid:
                enqueue = response.enqueue(None, workflow_sid=options.workflow_sid,
                                           action=options.enqueue_action_url)
                enqueue.task(task_attributes(action, call_sid, caller), priority=action.priority,
                             timeout=options.task_timeout)
            else:
                response.enqueue(action.skill, action=options.enqueue_action_url)
        elif isinstance(action, Hangup):
            _say(response, action.prompts, options.voices)
            response.hangup()
        else:
            raise TypeError(f"cannot render {type(action).__name__} as TwiML")
    return str(response)


def apology(locale: str, voices: Mapping[str, str], queue: str) -> str:
    """TwiML used when hotline itself fails: apologise and put the caller in a queue (never a dead call)."""
    text = ("抱歉，系统暂时繁忙，正在为您转接人工客服。" if locale.startswith("zh")
            else "Sorry, we are having technical trouble. Let me connect you to an agent.")
    response = VoiceResponse()
    _say(response, [Say(text=text, locale=locale)], voices)
    response.enqueue(queue)
    return str(response)
