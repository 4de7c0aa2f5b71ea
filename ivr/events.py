"""What the flow engine consumes (events) and produces (actions, call events).

Plain dataclasses with no Flask or Twilio in sight: ``ivr.twiml`` renders actions to
TwiML, the call simulator consumes them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

# ---- events in -------------------------------------------------------------


@dataclass(frozen=True)
class Digits:
    """Keys the caller pressed (``"1"``, ``"123456789#"`` without the ``#``)."""

    digits: str


@dataclass(frozen=True)
class Speech:
    """A final recognition result for what the caller said."""

    text: str
    #: recogniser confidence in [0, 1]
    confidence: float = 1.0


@dataclass(frozen=True)
class UnclearSpeech:
    """The caller spoke, but the recogniser heard none of the words the node listens for (only
    ``[unk]``): a no-match, not a no-input — the caller hears "not one of the options" at once
    instead of waiting out the keypad time-out for "I didn't get your choice"."""

    #: how long the out-of-grammar speech lasted
    seconds: float = 0.0


@dataclass(frozen=True)
class NoInput:
    """The caller said and pressed nothing before the gather timed out."""


@dataclass(frozen=True)
class LookupResult:
    """The answer of a self-service backend to a :class:`Lookup` action."""

    service: str
    query: str
    #: found | not_found | error
    status: str
    data: dict[str, Any] = field(default_factory=dict)
    #: why it failed (for the call record), when status is error
    message: str = ""


Event = Union[Digits, Speech, UnclearSpeech, NoInput, LookupResult]

# ---- actions out -------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    #: BCP-47 locale of the text ("zh-CN")
    locale: str


@dataclass(frozen=True)
class Gather:
    """Play ``prompts`` and collect input."""

    prompts: tuple[Say, ...]
    #: menu (one key) | digits (a number ended by ``#``) | speech (free speech)
    mode: str
    locale: str
    node: str
    num_digits: int | None = None
    finish_on_key: str | None = None
    #: seconds to wait for input; None = the configured default
    timeout: int | None = None
    #: phrases the recogniser may expect at this node (speech navigation grammar)
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """Put the caller in a skill queue."""

    skill: str
    intent: str
    #: TaskRouter priority, higher first (0-100)
    priority: int
    reasons: tuple[str, ...]
    locale: str
    node: str
    prompts: tuple[Say, ...] = ()
    #: extra task attributes from the router (emotion, profile, ...)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hangup:
    prompts: tuple[Say, ...] = ()


@dataclass(frozen=True)
class Lookup:
    """Ask the shell to query a self-service backend and feed back a :class:`LookupResult`."""

    service: str
    query: str


Action = Union[Gather, Route, Hangup, Lookup]

# ---- what happened, for the call record ---------------------------------------


@dataclass(frozen=True)
class CallEvent:
    """One step of a call's path: node entered, key pressed, reprompt, lookup, route ..."""

    kind: str
    node: str
    detail: dict[str, Any] = field(default_factory=dict)
