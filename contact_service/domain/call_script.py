"""What a call says: the shipped scripts, the fixed system phrases, and the one substitution a template allows."""

from __future__ import annotations

import unicodedata
from typing import Final

NAME_PLACEHOLDER: Final = "{name}"

# The number is written out in full every time: the guard requires it and text-to-speech reads it digit by digit.
DEFAULT_HUMAN_TEMPLATE: Final = (
    "Hello {name}. This is an automated call from the Internal Revenue Service, the IRS. "
    "Please call us back at 1-800-829-1040. "
    "The IRS will never ask you to pay by gift card, wire transfer or cryptocurrency, and will never threaten you. "
    "Again, the number to call is 1-800-829-1040. Thank you."
)
# 26 CFR 301.7602-2 example 3: a name and a number asking for a call back; nothing about the case (IRC 6103).
DEFAULT_VOICEMAIL_TEMPLATE: Final = (
    "This message is for {name}. This is the Internal Revenue Service, the IRS. "
    "Please call us back at 1-800-829-1040. Again, that number is 1-800-829-1040. Thank you."
)
# Spoken when the rendered text fails the guard; no name, because the name is the likeliest culprit.
FALLBACK_HUMAN_TEXT: Final = (
    "Hello. This is an automated call from the Internal Revenue Service, the IRS. "
    "Please call us back at 1-800-829-1040. Again, the number to call is 1-800-829-1040. Thank you."
)
FALLBACK_VOICEMAIL_TEXT: Final = (
    "This is a message from the Internal Revenue Service, the IRS. "
    "Please call us back at 1-800-829-1040. Again, that number is 1-800-829-1040. Thank you."
)
MENU_PROMPT: Final = "To hear this message again, press 1. To be connected to the IRS at 1-800-829-1040 now, press 2."
CONNECTING_TEXT: Final = "Please hold while we connect you to the IRS at 1-800-829-1040."
GOODBYE_TEXT: Final = "Thank you. Goodbye."

_NAME_PUNCTUATION = frozenset(" '-.,&")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def render(template: str, name: str) -> str:
    """Substitute the addressee's name for {name}; nothing else is ever substituted (no str.format).

    No attribute access or format specs either: it is a literal replacement.
    """
    # str.replace is one literal pass: a name containing "{name}" or "{0}" is never expanded again.
    return template.replace(NAME_PLACEHOLDER, name)


def speakable_name(name: str) -> str:
    """The name as it may be spoken: whitespace collapsed, everything else removed but letters, spaces,
    apostrophes, hyphens, periods, commas and ampersands."""
    # NFKC first, so fullwidth digits become digits (and are removed) instead of surviving as "letters".
    text = unicodedata.normalize("NFKC", name or "").translate(_APOSTROPHES)
    kept = "".join(ch if ch.isalpha() or ch in _NAME_PUNCTUATION else " " if ch.isspace() else "" for ch in text)
    return " ".join(kept.split())
