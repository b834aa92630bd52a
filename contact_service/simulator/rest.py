"""The Twilio REST API subset the service uses: Calls create, fetch, list and update (2010-04-01)."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.datastructures import MultiDict

from contact_service.simulator.call import API_VERSION, CallRequest
from contact_service.simulator.config import E164
from contact_service.simulator.engine import SimulatorEngine
from contact_service.simulator.errors import TwilioApiError, bad_parameter
from contact_service.simulator.listing import CallQuery, page_document

EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
AMD_MODES = frozenset({"Enable", "DetectMessageEnd"})
_EVENT_SETS: dict[frozenset[str], frozenset[str]] = {}


def check_auth(engine: SimulatorEngine, account_sid: str | None = None) -> None:
    """HTTP basic auth with the account SID and auth token, as Twilio requires; raise 401/403."""
    config = engine.config
    auth = request.authorization
    if (
        auth is None
        or auth.type != "basic"
        or not hmac.compare_digest((auth.username or "").encode(), config.account_sid.encode())
        or not hmac.compare_digest((auth.password or "").encode(), config.auth_token.encode())
    ):
        raise TwilioApiError(401, 20003, "Authentication Error - invalid username or password")
    if account_sid is not None and account_sid != config.account_sid:
        raise TwilioApiError(403, 20003, f"Authentication Error - not authorized to access account {account_sid}")


def install_error_handlers(app: Flask) -> None:
    """Render TwilioApiError, 404 and 405 as Twilio's JSON error document."""

    def render(error: TwilioApiError) -> Response:
        response = jsonify(error.body())
        response.status_code = error.status
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response

    def missing(exc: Exception) -> Response:
        return render(TwilioApiError(404, 20404, f"The requested resource {request.path} was not found"))

    app.register_error_handler(TwilioApiError, render)
    app.register_error_handler(404, missing)
    app.register_error_handler(405, lambda exc: render(TwilioApiError(405, 20004, "Method not allowed")))


def rest_blueprint(engine: SimulatorEngine) -> Blueprint:
    """Routes under /2010-04-01/Accounts/{AccountSid}/Calls."""
    blueprint = Blueprint("twilio_rest", __name__, url_prefix=f"/{API_VERSION}/Accounts/<account_sid>")

    @blueprint.before_request
    def authenticate() -> None:
        check_auth(engine, (request.view_args or {}).get("account_sid"))

    @blueprint.post("/Calls.json")
    def create_call(account_sid: str) -> tuple[Response, int]:
        return jsonify(engine.create_call(parse_create(request.form))), 201

    @blueprint.get("/Calls.json")
    def list_calls(account_sid: str) -> Response:
        query = CallQuery.from_args(request.args)
        return jsonify(page_document(engine.calls()[::-1], query, request.path))

    @blueprint.get("/Calls/<sid>.json")
    def fetch_call(account_sid: str, sid: str) -> Response:
        call = engine.call(sid)
        with call.lock:
            return jsonify(call.resource())

    @blueprint.post("/Calls/<sid>.json")
    def update_call(account_sid: str, sid: str) -> Response:
        form = request.form
        url, twiml = form.get("Url") or None, form.get("Twiml") or None
        if url is not None and not _is_http_url(url):
            raise TwilioApiError(400, 21205, f"Url is not a valid URL: {url}")
        status = form.get("Status") or None
        return jsonify(engine.update_call(sid, url=url, method=_method(form, "Method"), twiml=twiml, status=status))

    return blueprint


def parse_create(form: MultiDict[str, str]) -> CallRequest:
    """Validate a create request's form; raise TwilioApiError with Twilio's code for the first problem."""
    to, from_ = (form.get("To") or "").strip(), (form.get("From") or "").strip()
    if not to:
        raise TwilioApiError(400, 21201, "No 'To' number is specified")
    if not E164.match(to):
        raise TwilioApiError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not from_:
        raise TwilioApiError(400, 21213, "No 'From' number is specified")
    if not E164.match(from_):
        raise TwilioApiError(400, 21212, f"Invalid 'From' Phone Number: {from_}")
    url, twiml = form.get("Url") or None, form.get("Twiml") or None
    if url is None and twiml is None:
        raise TwilioApiError(400, 21205, "Url parameter is required (or Twiml)")
    if url is not None and not _is_http_url(url):
        raise TwilioApiError(400, 21205, f"Url is not a valid URL: {url}")
    status_callback = form.get("StatusCallback") or None
    if status_callback is not None and not _is_http_url(status_callback):
        raise TwilioApiError(400, 21609, f"Invalid StatusCallback URL: {status_callback}")
    amd_callback = form.get("AsyncAmdStatusCallback") or None
    if amd_callback is not None and not _is_http_url(amd_callback):
        raise bad_parameter("AsyncAmdStatusCallback", f"{amd_callback!r} is not an http(s) URL")
    machine_detection = form.get("MachineDetection") or None
    if machine_detection is not None and machine_detection not in AMD_MODES:
        raise bad_parameter("MachineDetection", "must be Enable or DetectMessageEnd")
    return CallRequest(
        to=to,
        from_=from_,
        url=url,
        method=_method(form, "Method"),
        twiml=twiml,
        status_callback=status_callback,
        status_callback_method=_method(form, "StatusCallbackMethod"),
        events=_events(form),
        machine_detection=machine_detection,
        async_amd=(form.get("AsyncAmd") or "false").strip().lower() == "true",
        amd_callback=amd_callback,
        amd_callback_method=_method(form, "AsyncAmdStatusCallbackMethod"),
        amd_timeout=_seconds(form, "MachineDetectionTimeout", 30, 3, 59),
        ring_timeout=min(_seconds(form, "Timeout", 60, 1, 10**6), 600),
        time_limit=min(_seconds(form, "TimeLimit", 14400, 1, 10**7), 86400),
    )


def _events(form: MultiDict[str, str]) -> frozenset[str]:
    # The SDK repeats the parameter; some clients send one space-separated value.
    names = {name for value in form.getlist("StatusCallbackEvent") for name in value.replace(",", " ").split()}
    unknown = names - EVENTS
    if unknown:
        raise TwilioApiError(400, 21626, f"Invalid 'StatusCallbackEvent': {', '.join(sorted(unknown))}")
    # One shared frozenset per combination instead of one per call.
    events = frozenset(names) or frozenset({"completed"})
    return _EVENT_SETS.setdefault(events, events)


def _method(form: MultiDict[str, str], name: str) -> str:
    method = (form.get(name) or "POST").strip().upper()
    if method not in ("GET", "POST"):
        raise bad_parameter(name, "must be GET or POST")
    return method


def _seconds(form: MultiDict[str, str], name: str, default: int, low: int, high: int) -> float:
    text = form.get(name)
    if not text:
        return float(default)
    try:
        value = int(text)
    except ValueError:
        raise bad_parameter(name, f"{text!r} is not a whole number of seconds") from None
    if not low <= value <= high:
        raise bad_parameter(name, f"must be between {low} and {high}")
    return float(value)


def _is_http_url(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(("http://", "https://")) and len(text) > len("https://")
