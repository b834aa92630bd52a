"""What a call says: the guarded script for a person, the voicemail for a machine, the connection on key 2.

Every text is rendered from a template and checked by the script guard right before it is spoken; a text
that fails (a business name with digits in it, a template edited in the database) is replaced by the fixed
fallback, which names no one and says only who is calling and the official number.

A taxpayer's name is served only to the attempt's own call: the request's CallSid must be the SID the dial
job recorded for the attempt, and the attempt must be live (dialing or placed: not planned, queued, ended,
cancelled or skipped). Anything else (a replayed request, a call we did not place, an attempt that ended)
hears the fallback, which names no one and still gives the official number.

The race: the provider may fetch the voice webhook before the dial job has committed the SID the provider
just returned to it (the REST answer and the webhook travel separately). An attempt still *dialing* with no
SID yet is therefore re-read for up to `SID_WAIT_SECONDS` (well inside the provider's 15-second webhook
timeout) until the dial job records the SID; it is served only if that SID is the request's. If no SID is
recorded in time (a dial job that died after asking: the reconciler learns the SID later), the call hears the
fallback. The SID is never learned from the webhook itself: that would hand the name to whichever signed
request came first.
"""

from __future__ import annotations

import logging
import time
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
from contact_service.domain.states import AttemptState

log = logging.getLogger(__name__)
security_log = logging.getLogger("contact_service.security")

LIVE_STATES = (AttemptState.DIALING, AttemptState.PLACED)
"""States of an attempt whose call may be asking what to say."""
SID_WAIT_SECONDS = 2.0
SID_POLL_SECONDS = 0.05

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


def plan_for_answer(
    session: Session, attempt_id: int | None, call_sid: str | None, answered_by: str | None, voicemail: bool
) -> VoicePlan:
    """The instructions when the provider asks what to do with an answered call (the fallback unless the
    request is the attempt's own live call)."""
    attempt = bound_attempt(session, attempt_id, call_sid)
    if attempt is None:
        return VoicePlan(VoiceAction.FALLBACK, FALLBACK_HUMAN_TEXT)
    if answered_by == "fax":
        return VoicePlan(VoiceAction.HANGUP, attempt_id=attempt.id)
    if voicemail or is_machine_verdict(answered_by):
        return VoicePlan(VoiceAction.VOICEMAIL, _message(session, attempt, ScriptKind.VOICEMAIL), attempt.id)
    return VoicePlan(VoiceAction.SCRIPT, _message(session, attempt, ScriptKind.HUMAN), attempt.id)


def plan_for_keypress(session: Session, attempt_id: int | None, call_sid: str | None, digits: str | None) -> VoicePlan:
    """The instructions after the person pressed keys: 2 connects, anything else hears the message again (the
    fallback unless the request is the attempt's own live call)."""
    attempt = bound_attempt(session, attempt_id, call_sid)
    if attempt is None:
        return VoicePlan(VoiceAction.FALLBACK, FALLBACK_HUMAN_TEXT)
    if (digits or "").strip() == CONNECT_KEY:
        return VoicePlan(VoiceAction.CONNECT, attempt_id=attempt.id)
    return VoicePlan(VoiceAction.SCRIPT, _message(session, attempt, ScriptKind.HUMAN), attempt.id)


def bound_attempt(session: Session, attempt_id: int | None, call_sid: str | None) -> CallAttempt | None:
    """The attempt, if this request is its own live call: the request's CallSid is the one the dial job
    recorded, and the attempt is dialing or placed. None for anything else (see the module's note on the race
    with the dial job)."""
    if attempt_id is None:
        return None
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        return None
    deadline = time.monotonic() + SID_WAIT_SECONDS
    while call_sid and attempt.state == AttemptState.DIALING and attempt.call_sid is None:
        if time.monotonic() >= deadline:
            break
        # The dial job has asked the provider but not yet recorded the SID it got back: read again.
        session.rollback()  # ends the read transaction, so the next read sees what committed since
        time.sleep(SID_POLL_SECONDS)
        found = session.get(CallAttempt, attempt_id, populate_existing=True)
        if found is None:
            return None
        attempt = found
    refusal = _refusal(attempt, call_sid)
    if refusal is not None:
        security_log.warning("voice webhook for attempt %s answered with the safe message: %s", attempt.id, refusal)
        return None
    return attempt


def _refusal(attempt: CallAttempt, call_sid: str | None) -> str | None:
    if not call_sid:
        return "the request names no call"
    if attempt.state not in LIVE_STATES:
        return f"the attempt is {attempt.state}"
    if attempt.call_sid is None:
        return "the dial job recorded no call SID in time"
    if attempt.call_sid != call_sid:
        return "the request's CallSid is not the attempt's call"
    return None


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
