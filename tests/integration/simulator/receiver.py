"""The service's part in the simulator tests: a small Flask app that checks every X-Twilio-Signature (403
otherwise), records what it gets and answers simple TwiML (Say + Gather; key 1 repeats, key 2 dials)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from twilio.request_validator import RequestValidator
from werkzeug.serving import WSGIRequestHandler

from contact_service.simulator import DEFAULT_MIX

SPEED = 100.0
OFFICIAL = "+18008291040"
MESSAGE = "This is the Internal Revenue Service. Please call us back at 1 800 829 1040."
VOICEMAIL = "Message for the taxpayer from the IRS. Please call 1 800 829 1040."
DEFAULTS: dict[str, Any] = {
    "seed": 0, "mix": DEFAULT_MIX, "fixed": {}, "cps": 50, "speed": SPEED, "duplicate_rate": 0.0,
    "reorder_rate": 0.0, "hold_back": [], "webhook_timeout": 5.0, "retain_calls": None,
}  # fmt: skip


@dataclass
class Hit:
    """One request the receiver got."""

    path: str
    attempt: str
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    """Plays the service's part: checks signatures (403 otherwise), records, answers simple TwiML."""

    token: str
    hits: list[Hit] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    on_amd: Callable[[Hit], None] | None = None
    url: str = ""

    def app(self) -> Flask:
        app = Flask("webhook_receiver")
        validator = RequestValidator(self.token)

        @app.route("/<path:path>", methods=["GET", "POST"])
        def receive(path: str) -> tuple[str, int, dict[str, str]] | tuple[str, int]:
            params = request.form if request.method == "POST" else {}
            if not validator.validate(request.url, params, request.headers.get("X-Twilio-Signature", "")):
                self.refused.append(request.url)
                return "bad signature", 403
            form = dict(request.form) if request.method == "POST" else {
                k: v for k, v in request.args.items() if k != "attempt"
            }  # fmt: skip
            hit = Hit(path, request.args.get("attempt", ""), form, dict(request.headers))
            if path == "slow":
                time.sleep(1.0)
            self.hits.append(hit)
            if path == "amd" and self.on_amd is not None:
                self.on_amd(hit)
            return self.document(path, hit), 200, {"Content-Type": "text/xml"}

        return app

    def document(self, path: str, hit: Hit) -> str:
        attempt = hit.attempt
        if path == "broken":
            return "<Response><Say>unclosed</Response>"
        if path == "voicemail" or (path == "voice" and hit.form.get("AnsweredBy", "").startswith("machine_end")):
            return f"<Response><Say>{VOICEMAIL}</Say><Hangup/></Response>"
        if path == "voice" or (path == "gather" and hit.form.get("Digits") == "1"):
            return (
                f'<Response><Say voice="Polly.Joanna" language="en-US">{MESSAGE}</Say>'
                f'<Gather numDigits="1" timeout="10" action="{self.url}/gather?attempt={attempt}">'
                "<Say>Press 1 to hear this message again. Press 2 to be connected.</Say></Gather>"
                "<Say>Goodbye.</Say></Response>"
            )
        if path == "gather" and hit.form.get("Digits") == "2":
            return f"<Response><Dial>{OFFICIAL}</Dial></Response>"
        return ""

    def of(self, path: str, attempt: str | None = None) -> list[Hit]:
        """Hits on one path (and attempt), in arrival order."""
        return [hit for hit in list(self.hits) if hit.path == path and (attempt is None or hit.attempt == attempt)]


class QuietHandler(WSGIRequestHandler):
    """No access log."""

    def log_request(self, *args: object, **kwargs: object) -> None:
        pass
