"""TwiML as Twilio reads it: a document -> a list of typed verbs. Pure, no I/O.

Covers what hotline emits and what a flow author may add: ``Say``, ``Play``, ``Pause``,
``Gather`` (dtmf and speech, ``timeout``/``numDigits``/``finishOnKey``/``actionOnEmptyResult``,
nested ``Say``/``Play``/``Pause``), ``Redirect``, ``Enqueue`` (queue name, or ``workflowSid``
with a ``Task`` of JSON attributes), ``Dial``, ``Hangup``, ``Start``/``Stream`` (with
``Parameter``s) and ``Start``/``Recording``. A verb Twilio would reject is a
:class:`TwimlError`, so a flow author sees it here rather than on a real call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Union
from xml.etree import ElementTree


class TwimlError(ValueError):
    """A document Twilio would refuse (error 12100 "Document parse failure" and friends)."""


@dataclass(frozen=True)
class Say:
    text: str
    language: str = ""
    voice: str = ""
    loop: int = 1


@dataclass(frozen=True)
class Play:
    url: str
    digits: str = ""
    loop: int = 1


@dataclass(frozen=True)
class Pause:
    #: seconds
    length: float = 1.0


@dataclass(frozen=True)
class Gather:
    #: "dtmf", "speech" or both ("dtmf speech")
    input: tuple[str, ...] = ("dtmf",)
    action: str = ""
    #: seconds to wait for the first key after the prompts end
    timeout: float = 5.0
    num_digits: int | None = None
    finish_on_key: str = "#"
    action_on_empty_result: bool = False
    language: str = "en-US"
    #: the nested Say / Play / Pause, played while waiting
    prompts: tuple[Union[Say, Play, Pause], ...] = ()

    def digits_entered(self, keys: str) -> str:
        """What Twilio posts as ``Digits`` for ``keys`` typed: up to the finish key, at most numDigits."""
        if self.finish_on_key and self.finish_on_key in keys:
            keys = keys[:keys.index(self.finish_on_key)]
        return keys[:self.num_digits] if self.num_digits else keys


@dataclass(frozen=True)
class Redirect:
    url: str
    method: str = "POST"


@dataclass(frozen=True)
class Enqueue:
    #: the queue's name; empty with a TaskRouter workflow
    queue: str = ""
    workflow_sid: str = ""
    action: str = ""
    #: the Task's JSON attributes (``{}`` without a Task)
    task: dict = field(default_factory=dict)
    task_priority: int | None = None
    task_timeout: int | None = None


@dataclass(frozen=True)
class Dial:
    number: str
    action: str = ""


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class StartStream:
    url: str
    track: str = "inbound_track"
    name: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StartRecording:
    callback: str = ""
    #: "both", "inbound" or "outbound"
    track: str = "both"
    #: Twilio's default for <Start><Recording> is dual
    channels: str = "dual"


Verb = Union[Say, Play, Pause, Gather, Redirect, Enqueue, Dial, Hangup, StartStream, StartRecording]


def _number(el: ElementTree.Element, name: str, default: float, kind=float):
    raw = el.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise TwimlError(f"<{el.tag} {name}={raw!r}> is not a number") from None


def _bool(el: ElementTree.Element, name: str) -> bool:
    return (el.get(name) or "").lower() == "true"


def _say(el: ElementTree.Element) -> Say:
    return Say(text=(el.text or "").strip(), language=el.get("language", ""), voice=el.get("voice", ""),
               loop=int(_number(el, "loop", 1, int)))


def _prompt(el: ElementTree.Element) -> Union[Say, Play, Pause]:
    if el.tag == "Say":
        return _say(el)
    if el.tag == "Play":
        return Play(url=(el.text or "").strip(), digits=el.get("digits", ""), loop=int(_number(el, "loop", 1, int)))
    if el.tag == "Pause":
        return Pause(length=_number(el, "length", 1.0))
    raise TwimlError(f"<{el.tag}> cannot be nested in <Gather> (only Say, Play, Pause)")


def _gather(el: ElementTree.Element) -> Gather:
    inputs = tuple((el.get("input") or "dtmf").split())
    if not set(inputs) <= {"dtmf", "speech"}:
        raise TwimlError(f"<Gather input={el.get('input')!r}>: input is dtmf, speech or both")
    num = el.get("numDigits")
    return Gather(input=inputs, action=el.get("action", ""), timeout=_number(el, "timeout", 5.0),
                  num_digits=int(_number(el, "numDigits", 0, int)) or None if num else None,
                  finish_on_key=el.get("finishOnKey", "#"),
                  action_on_empty_result=_bool(el, "actionOnEmptyResult"), language=el.get("language", "en-US"),
                  prompts=tuple(_prompt(child) for child in el))


def _enqueue(el: ElementTree.Element) -> Enqueue:
    task = el.find("Task")
    attributes: dict = {}
    if task is not None:
        try:
            attributes = json.loads(task.text or "{}")
        except json.JSONDecodeError as exc:
            raise TwimlError(f"<Task> attributes are not JSON: {exc}") from exc
    if not (el.text or "").strip() and not el.get("workflowSid"):
        raise TwimlError("<Enqueue> needs a queue name or a workflowSid")
    return Enqueue(queue=(el.text or "").strip(), workflow_sid=el.get("workflowSid", ""), action=el.get("action", ""),
                   task=attributes,
                   task_priority=int(_number(task, "priority", 0, int)) if task is not None and task.get("priority") else None,
                   task_timeout=int(_number(task, "timeout", 0, int)) if task is not None and task.get("timeout") else None)


def _start(el: ElementTree.Element) -> list[Verb]:
    verbs: list[Verb] = []
    for child in el:
        if child.tag == "Stream":
            if not child.get("url"):
                raise TwimlError("<Stream> needs a url")
            verbs.append(StartStream(url=child.get("url", ""), track=child.get("track", "inbound_track"),
                                     name=child.get("name", ""),
                                     parameters={p.get("name", ""): p.get("value", "") for p in child.iter("Parameter")}))
        elif child.tag == "Recording":
            verbs.append(StartRecording(callback=child.get("recordingStatusCallback", ""),
                                        track=child.get("track", "both"), channels=child.get("channels", "dual")))
        else:
            raise TwimlError(f"<Start> holds Stream or Recording, not <{child.tag}>")
    return verbs


def parse_twiml(text: str | bytes) -> list[Verb]:
    """One TwiML document -> its verbs in order (``<Start>`` becomes one verb per child)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise TwimlError(f"not XML: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(f"the root element is <{root.tag}>, not <Response>")
    verbs: list[Verb] = []
    for el in root:
        if el.tag in ("Say", "Play", "Pause"):
            verbs.append(_prompt(el))
        elif el.tag == "Gather":
            verbs.append(_gather(el))
        elif el.tag == "Redirect":
            verbs.append(Redirect(url=(el.text or "").strip(), method=el.get("method", "POST")))
        elif el.tag == "Enqueue":
            verbs.append(_enqueue(el))
        elif el.tag == "Dial":
            number = (el.text or "").strip() or "".join((c.text or "").strip() for c in el)
            verbs.append(Dial(number=number, action=el.get("action", "")))
        elif el.tag == "Hangup":
            verbs.append(Hangup())
        elif el.tag == "Start":
            verbs.extend(_start(el))
        else:
            raise TwimlError(f"<{el.tag}> is not a TwiML voice verb the simulator knows")
    return verbs
