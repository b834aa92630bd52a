"""TwiML documents: parse the verbs the simulator plays into plain values, with Twilio's error codes."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass

PARSE_FAILURE = 12100  # Twilio: "Document parse failure"
SCHEMA_ERROR = 12200  # Twilio: "Schema validation warning"
SECONDS_PER_WORD = 1 / 2.5


class TwimlError(Exception):
    """The document cannot be played; `code` is the Twilio error code to report."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Say:
    """Text-to-speech."""

    text: str
    voice: str
    language: str
    loop: int = 1

    def seconds(self) -> float:
        """How long saying it once takes, at about 2.5 words per second."""
        return max(0.5, len(self.text.split()) * SECONDS_PER_WORD)


@dataclass(frozen=True)
class Pause:
    """Silence."""

    length: float = 1.0


@dataclass(frozen=True)
class Play:
    """An audio file (not fetched; it lasts a few seconds)."""

    url: str
    loop: int = 1


@dataclass(frozen=True)
class Gather:
    """Collect digits while (and after) playing the nested verbs."""

    children: tuple[Say | Play | Pause, ...]
    input: tuple[str, ...] = ("dtmf",)
    num_digits: int | None = None
    timeout: float = 5.0
    action: str | None = None
    method: str = "POST"
    finish_on_key: str = "#"


@dataclass(frozen=True)
class Dial:
    """Connect the callee to other numbers."""

    numbers: tuple[str, ...]
    action: str | None = None
    method: str = "POST"


@dataclass(frozen=True)
class Hangup:
    """End the call."""


@dataclass(frozen=True)
class Reject:
    """Refuse the call (ends it)."""

    reason: str = "rejected"


@dataclass(frozen=True)
class Redirect:
    """Continue with the document at another URL."""

    url: str
    method: str = "POST"


Verb = Say | Pause | Play | Gather | Dial | Hangup | Reject | Redirect


def parse_twiml(body: str | bytes) -> tuple[Verb, ...]:
    """The verbs of a `<Response>` document; raise TwimlError (12100 unreadable, 12200 invalid)."""
    if not (body.strip() if body else body):
        raise TwimlError(PARSE_FAILURE, "the document is empty")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise TwimlError(PARSE_FAILURE, f"the document is not well-formed XML: {exc}") from None
    if _tag(root) != "Response":
        raise TwimlError(SCHEMA_ERROR, f"the root element is <{_tag(root)}>, not <Response>")
    return tuple(_verb(element) for element in root)


def _verb(element: ElementTree.Element) -> Verb:
    tag = _tag(element)
    parser = _VERBS.get(tag)
    if parser is None:
        raise TwimlError(SCHEMA_ERROR, f"<{tag}> is not a verb the simulator supports")
    return parser(element)


def _say(element: ElementTree.Element) -> Say:
    # Interned: every call of a campaign says the same few texts, and calls are kept for inspection.
    return Say(
        text=sys.intern("".join(element.itertext()).strip()),
        voice=sys.intern(element.get("voice", "man")),
        language=sys.intern(element.get("language", "en-US")),
        loop=_int(element, "loop", 1, minimum=0),
    )


def _pause(element: ElementTree.Element) -> Pause:
    return Pause(length=_float(element, "length", 1.0))


def _play(element: ElementTree.Element) -> Play:
    return Play(url=(element.text or "").strip(), loop=_int(element, "loop", 1, minimum=0))


def _gather(element: ElementTree.Element) -> Gather:
    children: list[Say | Play | Pause] = []
    for child in element:
        verb = _verb(child)
        if not isinstance(verb, Say | Play | Pause):
            raise TwimlError(SCHEMA_ERROR, f"<{_tag(child)}> is not allowed inside <Gather>")
        children.append(verb)
    num_digits = element.get("numDigits")
    return Gather(
        children=tuple(children),
        input=tuple(element.get("input", "dtmf").split()),
        num_digits=_int(element, "numDigits", 1, minimum=1) if num_digits is not None else None,
        timeout=_float(element, "timeout", 5.0),
        action=element.get("action"),
        method=_method(element),
        finish_on_key=element.get("finishOnKey", "#"),
    )


def _dial(element: ElementTree.Element) -> Dial:
    numbers = [(element.text or "").strip()] if (element.text or "").strip() else []
    for child in element:
        if _tag(child) != "Number":
            raise TwimlError(SCHEMA_ERROR, f"<{_tag(child)}> inside <Dial> is not supported by the simulator")
        numbers.append((child.text or "").strip())
    if not numbers or not all(numbers):
        raise TwimlError(SCHEMA_ERROR, "<Dial> has no number to dial")
    return Dial(numbers=tuple(numbers), action=element.get("action"), method=_method(element))


def _redirect(element: ElementTree.Element) -> Redirect:
    url = (element.text or "").strip()
    if not url:
        raise TwimlError(SCHEMA_ERROR, "<Redirect> has no URL")
    return Redirect(url=url, method=_method(element))


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else str(element.tag)


def _method(element: ElementTree.Element) -> str:
    method = element.get("method", "POST").upper()
    if method not in {"GET", "POST"}:
        raise TwimlError(SCHEMA_ERROR, f"<{_tag(element)}> method {method!r} is neither GET nor POST")
    return method


def _int(element: ElementTree.Element, name: str, default: int, minimum: int) -> int:
    text = element.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise TwimlError(SCHEMA_ERROR, f"<{_tag(element)} {name}={text!r}> is not a whole number") from None
    if value < minimum:
        raise TwimlError(SCHEMA_ERROR, f"<{_tag(element)} {name}={text!r}> is below {minimum}")
    return value


def _float(element: ElementTree.Element, name: str, default: float) -> float:
    text = element.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise TwimlError(SCHEMA_ERROR, f"<{_tag(element)} {name}={text!r}> is not a number") from None
    if not 0 <= value <= 14400:
        raise TwimlError(SCHEMA_ERROR, f"<{_tag(element)} {name}={text!r}> is out of range")
    return value


_VERBS: dict[str, Callable[[ElementTree.Element], Verb]] = {
    "Say": _say,
    "Pause": _pause,
    "Play": _play,
    "Gather": _gather,
    "Dial": _dial,
    "Hangup": lambda element: Hangup(),
    "Reject": lambda element: Reject(reason=element.get("reason", "rejected")),
    "Redirect": _redirect,
}
