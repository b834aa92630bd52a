"""Twilio webhooks: voice and gather answer with TwiML; status and amd record events. All are signed.

A request whose X-Twilio-Signature does not match (computed with the auth token over PUBLIC_BASE_URL +
path + query and the form parameters) gets 403 and changes nothing; it is logged and counted as a security
event. Whatever goes wrong after that, a caller still hears the official-number message: voice and gather
never answer 500. Voice and gather serve a taxpayer's name only to the attempt's own live call (its recorded
call SID, dialing or placed: services.call_flow.bound_attempt); any other request hears the safe message.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hmac
import logging

from flask import Blueprint, Response, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from contact_service.adapters import counters
from contact_service.adapters.db.event_log import EventLogUnavailable
from contact_service.adapters.twiml import render_twiml, safe_twiml
from contact_service.domain import external_time
from contact_service.services import call_events, call_flow
from contact_service.services.call_events import ProviderEvent
from contact_service.services.telephony import ProviderUnavailable
from contact_service.services.webhook_urls import WEBHOOK_PREFIX
from contact_service.web.context import container

log = logging.getLogger(__name__)
security_log = logging.getLogger("contact_service.security")

twilio_webhooks = Blueprint("twilio_webhooks", __name__, url_prefix=WEBHOOK_PREFIX)

TWIML = "application/xml"


def _signed_by_provider(token: str, url: str, form: _FormValues, signature: str) -> bool:
    """RequestValidator's verdict. The URL we gave the provider is tried first (one HMAC, the usual case);
    only a mismatch pays for validate()'s other forms of the URL (with and without the default port)."""
    validator = RequestValidator(token)
    expected: str = validator.compute_signature(url, form)
    if hmac.compare_digest(expected, signature):
        return True
    return bool(validator.validate(url, form, signature))


class _FormValues(dict[str, list[str]]):
    """The form as RequestValidator reads it: `getall` is the first accessor it tries. Werkzeug's MultiDict
    has none, which costs a caught AttributeError per parameter per signature variant on every callback."""

    def __init__(self, form: MultiDict[str, str]) -> None:
        super().__init__(form.lists())

    def getall(self, name: str) -> list[str]:
        """Every value of the parameter `name`."""
        return self[name]


@twilio_webhooks.before_request
def verify_signature() -> Response | None:
    """Refuse (403) any request not signed by the provider for exactly this URL and these parameters."""
    settings = container().settings
    signature = request.headers.get("X-Twilio-Signature", "")
    query = request.query_string.decode("utf-8", "replace")
    url = f"{settings.public_base_url}{request.path}" + (f"?{query}" if query else "")
    if signature and _signed_by_provider(settings.twilio_auth_token, url, _FormValues(request.form), signature):
        return None
    reason = "missing signature" if not signature else "signature does not match"
    security_log.warning(
        "refused webhook %s from %s: %s",
        request.path,
        request.remote_addr,  # a client's own X-Forwarded-For counts only through trusted_proxy_hops (web/app.py)
        reason,
    )
    counters.increment(container().redis, "webhook_signature_refused")
    return Response("forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")


@twilio_webhooks.post("/voice")
def voice() -> Response:
    """Instructions for an answered call: the message for a person, the voicemail for a machine."""
    attempt_id = _attempt_id()
    call_sid = _text("CallSid")
    try:
        with container().sessions() as session:
            plan = call_flow.plan_for_answer(
                session, attempt_id, call_sid, _text("AnsweredBy"), voicemail=request.args.get("mode") == "voicemail"
            )
        call_events.record_served(
            container().event_log, plan.attempt_id, call_sid, plan.action.value, container().clock.now()
        )
        return _twiml(render_twiml(plan, container().webhook_urls.gather(plan.attempt_id) if plan.attempt_id else None))
    except Exception:
        log.exception("voice webhook failed for attempt %s; answered with the safe message", attempt_id)
        return _twiml(safe_twiml())


@twilio_webhooks.post("/gather")
def gather() -> Response:
    """Key presses: 2 connects to the official line, anything else repeats the message."""
    attempt_id = _attempt_id()
    call_sid = _text("CallSid")
    digits = _text("Digits")
    try:
        event = ProviderEvent(
            kind="gather",
            call_sid=call_sid,
            digits=digits,
            idempotency_token=request.headers.get("I-Twilio-Idempotency-Token"),
        )
        call_events.record_callback(container().event_log, attempt_id, event, container().clock.now())
        with container().sessions() as session:
            plan = call_flow.plan_for_keypress(session, attempt_id, call_sid, digits)
        call_events.record_served(
            container().event_log, plan.attempt_id, call_sid, plan.action.value, container().clock.now()
        )
        return _twiml(render_twiml(plan, container().webhook_urls.gather(plan.attempt_id) if plan.attempt_id else None))
    except Exception:
        log.exception("gather webhook failed for attempt %s; answered with the safe message", attempt_id)
        return _twiml(safe_twiml())


@twilio_webhooks.post("/status")
def status() -> Response:
    """Call progress: appended to the event log; the settler folds it into the attempt."""
    return _record(
        ProviderEvent(
            kind="status",
            call_sid=_text("CallSid"),
            call_status=_text("CallStatus"),
            answered_by=_text("AnsweredBy"),
            sequence_number=_int("SequenceNumber"),
            duration_seconds=_int("CallDuration"),
            error_code=_int("ErrorCode"),
            sip_code=_int("SipResponseCode"),
            provider_timestamp=_timestamp("Timestamp"),
            idempotency_token=request.headers.get("I-Twilio-Idempotency-Token"),
        )
    )


@twilio_webhooks.post("/amd")
def amd() -> Response:
    """Answering-machine detection: a machine gets the voicemail once its greeting has ended."""
    return _record(
        ProviderEvent(
            kind="amd",
            call_sid=_text("CallSid"),
            answered_by=_text("AnsweredBy"),
            idempotency_token=request.headers.get("I-Twilio-Idempotency-Token"),
        )
    )


def _record(event: ProviderEvent) -> Response:
    """Append the callback (one statement); the settler folds it into the attempt. 503 if the log is down."""
    attempt_id = _attempt_id()
    system = container()
    try:
        redirect = call_events.record_and_route(system.event_log, system.engine, attempt_id, event, system.clock.now())
    except EventLogUnavailable:
        log.exception("could not record %s callback for attempt %s", event.kind, attempt_id)
        return Response("database unavailable\n", status=503, mimetype="text/plain")
    if redirect and event.call_sid and attempt_id is not None:
        try:
            system.telephony.redirect_call(event.call_sid, system.webhook_urls.voice(attempt_id, voicemail=True))
        except ProviderUnavailable as exc:
            log.warning("could not send call %s to voicemail: %s", event.call_sid, exc)
    return Response(status=204)


def _twiml(body: str) -> Response:
    return Response(body, status=200, mimetype=TWIML)


def _attempt_id() -> int | None:
    value = request.args.get("attempt", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _text(name: str) -> str | None:
    value = request.form.get(name, "").strip()
    return value[:64] or None


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _timestamp(name: str) -> dt.datetime | None:
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # Informational only (nothing is decided on it): out of bounds it is dropped, the callback still recorded.
    system = container()
    skew = dt.timedelta(seconds=system.settings.external_time_skew_seconds)
    return parsed if external_time.within_bounds(parsed, system.clock.now(), skew=skew) else None
