"""`POST /webhooks/inbound-callback`: the call-centre platform reports that someone called the official line.

The platform signs the raw request body with the shared secret (HMAC-SHA256, hex) in `X-Contact-Signature`
as `sha256=<hex>`. An unsigned or wrongly signed request gets 403 and changes nothing. The body is JSON:
{"caller": "<number as the platform wrote it>", "called_at": "<ISO 8601 with offset>", "call_id": "<optional>"}.

`called_at` is held to the bounds of every time from outside (domain.external_time): at most
`external_time_skew_seconds` ahead of our clock, not before 2000-01-01; out of range is 400 naming the field.
A number that matches one open case marks it responded; several record nothing and wait for a supervisor
(`GET /api/v1/responses/review`, `POST /api/v1/inbound-callbacks/{id}/resolve`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic_core import from_json

from contact_service.adapters import counters
from contact_service.domain.access import CALL_CENTRE_PLATFORM
from contact_service.use_cases import cases as case_actions
from contact_service.web.context import container
from contact_service.web.errors import error_response

security_log = logging.getLogger("contact_service.security")
inbound_callbacks = Blueprint("inbound_callbacks", __name__)
SIGNATURE_HEADER = "X-Contact-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body` (what the platform sends)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _json(body: bytes) -> Any:
    """The body as JSON, or None when it is not. pydantic's parser bounds nesting; the standard library's
    recurses into a few thousand brackets until RecursionError, a 500."""
    try:
        return from_json(body)
    except ValueError:
        return None


@inbound_callbacks.post("/webhooks/inbound-callback")
def inbound_callback() -> Response:
    """Record the report and match the caller to open cases (one: responded; several: for review; none: logged)."""
    c = container()
    body = request.get_data(cache=True)
    presented = request.headers.get(SIGNATURE_HEADER, "")
    if not presented or not hmac.compare_digest(presented, sign(c.settings.inbound_callback_secret, body)):
        security_log.warning(
            "refused inbound callback report from %s: %s",
            request.remote_addr,
            "missing signature" if not presented else "signature does not match",
        )
        counters.increment(c.redis, "inbound_callback_signature_refused")
        return error_response(403, "forbidden: invalid signature")
    data = _json(body)
    if not isinstance(data, dict):
        return error_response(400, "body: must be a JSON object", "body")
    for name, value in data.items():
        if isinstance(value, str) and "\x00" in value:  # never meant, and PostgreSQL refuses it
            return error_response(400, f"{name}: must not contain NUL characters", name)
    caller, called_at, call_id = data.get("caller"), data.get("called_at"), data.get("call_id")
    if not isinstance(caller, str) or not caller.strip() or len(caller) > 64 or "\x00" in caller:
        return error_response(400, "caller: the caller's number as text (at most 64 characters)", "caller")
    if call_id is not None and (not isinstance(call_id, str) or not 0 < len(call_id) <= 100 or "\x00" in call_id):
        return error_response(400, "call_id: text of 1 to 100 characters, or absent", "call_id")
    try:
        when = dt.datetime.fromisoformat(called_at) if isinstance(called_at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return error_response(
            400, "called_at: an ISO 8601 time with a UTC offset, like 2026-11-24T15:04:05-05:00", "called_at"
        )
    result = case_actions.record_inbound_callback(
        c.unit_of_work(),
        CALL_CENTRE_PLATFORM,
        caller,
        when,
        call_id,
        skew=dt.timedelta(seconds=c.settings.external_time_skew_seconds),
    )
    return jsonify(
        {
            "callback_id": result.callback_id,
            "match": result.status.value,
            "cases_matched": len(result.case_ids),
            "duplicate": result.duplicate,
        }
    )
