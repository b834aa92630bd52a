"""What a call says: the guarded script for a person, the voicemail for a machine, the connection on key 2.

Every text is rendered from a template and checked by the script guard right before it is spoken; a text
that fails (a business name with digits in it, a template edited in the database) is replaced by the fixed
fallback, which names no one and says only who is calling and the official number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from contact_service.adapters.db.models import CallAttempt, CallScript, Case, Taxpayer
from contact_service.domain.call_outcome import is_machine_verdict
from contact_service.domain.call_script import (
    DEFAULT_HUMAN_TEMPLATE,
    DEFAULT_VOICEMAIL_TEMPLATE,
    FALLBACK_HUMAN_TEXT,
    FALLBACK_VOICEMAIL_TEXT,
    render,
    speakable_name,
)
from contact_service.domain.script_guard import ScriptKind, check_rendered

log = logging.getLogger(__name__)

REPEAT_KEY = "1"
CONNECT_KEY = "2"


class VoiceAction(StrEnum):
    """What the call does next."""

    SCRIPT = "human"  # say the message to a person, offer 1 (again) and 2 (connect)
    VOICEMAIL = "voicemail"  # say the voicemail and hang up
    CONNECT = "connect"  # connect the caller to the official line
    HANGUP = "hangup"  # say nothing (a fax answered)
    FALLBACK = "fallback"  # the fixed safe message, then hang up


@dataclass(frozen=True)
class VoicePlan:
    """The next step of a call, with the exact (already guarded) text to say."""

    action: VoiceAction
    text: str = ""
    attempt_id: int | None = None


def plan_for_answer(session: Session, attempt_id: int | None, answered_by: str | None, voicemail: bool) -> VoicePlan:
    """The instructions when the provider asks what to do with an answered call."""
    attempt = session.get(CallAttempt, attempt_id) if attempt_id is not None else None
    if attempt is None:
        return VoicePlan(VoiceAction.FALLBACK, FALLBACK_HUMAN_TEXT)
    if answered_by == "fax":
        return VoicePlan(VoiceAction.HANGUP, attempt_id=attempt.id)
    if voicemail or is_machine_verdict(answered_by):
        return VoicePlan(VoiceAction.VOICEMAIL, _message(session, attempt, ScriptKind.VOICEMAIL), attempt.id)
    return VoicePlan(VoiceAction.SCRIPT, _message(session, attempt, ScriptKind.HUMAN), attempt.id)


def plan_for_keypress(session: Session, attempt_id: int | None, digits: str | None) -> VoicePlan:
    """The instructions after the person pressed keys: 2 connects, anything else hears the message again."""
    attempt = session.get(CallAttempt, attempt_id) if attempt_id is not None else None
    if attempt is None:
        return VoicePlan(VoiceAction.FALLBACK, FALLBACK_HUMAN_TEXT)
    if (digits or "").strip() == CONNECT_KEY:
        return VoicePlan(VoiceAction.CONNECT, attempt_id=attempt.id)
    return VoicePlan(VoiceAction.SCRIPT, _message(session, attempt, ScriptKind.HUMAN), attempt.id)


def _message(session: Session, attempt: CallAttempt, kind: ScriptKind) -> str:
    fallback = FALLBACK_HUMAN_TEXT if kind is ScriptKind.HUMAN else FALLBACK_VOICEMAIL_TEXT
    template = _template(session, attempt, kind)
    name = session.scalar(
        select(Taxpayer.name).join(Case, Case.taxpayer_id == Taxpayer.id).where(Case.id == attempt.case_id)
    )
    if template is None or not name:
        return fallback
    text = render(template, speakable_name(name))
    violations = check_rendered(text, kind)
    if violations:
        # Rule ids only: the text carries the taxpayer's name.
        log.warning(
            "attempt %s: %s message failed the script guard (%s); the fallback was spoken",
            attempt.id,
            kind.value,
            ", ".join(sorted({violation.rule for violation in violations})),
        )
        return fallback
    return text


def _template(session: Session, attempt: CallAttempt, kind: ScriptKind) -> str | None:
    script_id = attempt.human_script_id if kind is ScriptKind.HUMAN else attempt.voicemail_script_id
    if script_id is None:
        return DEFAULT_HUMAN_TEMPLATE if kind is ScriptKind.HUMAN else DEFAULT_VOICEMAIL_TEMPLATE
    script = session.get(CallScript, script_id)
    if script is None or script.kind != kind.value:
        return None
    return script.body
