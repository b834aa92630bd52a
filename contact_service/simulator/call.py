"""One simulated call: what was asked for, where it stands, and what happened on it (for inspection)."""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

from contact_service.simulator.personas import Persona

API_VERSION = "2010-04-01"
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# The Call resource's status values (2010-04-01). The simulator also tracks "initiated", the status-callback
# event of a call being dialled; the REST resource shows such a call as queued until it rings.
RESOURCE_STATUSES = frozenset({"queued", "ringing", "in-progress", *FINAL_STATUSES})
RESOURCE_STATUS_OF = {"initiated": "queued"}


def resource_status(status: str) -> str:
    """The status the REST API shows for a call the simulator tracks as `status`."""
    return RESOURCE_STATUS_OF.get(status, status)


@dataclass(frozen=True, slots=True)
class CallRequest:
    """The validated parameters of a REST create."""

    to: str
    from_: str
    url: str | None
    method: str
    twiml: str | None
    status_callback: str | None
    status_callback_method: str
    events: frozenset[str]
    machine_detection: str | None
    async_amd: bool
    amd_callback: str | None
    amd_callback_method: str
    amd_timeout: float
    ring_timeout: float
    time_limit: float


@dataclass(frozen=True, slots=True)
class FinalFacts:
    """What only the final status callback carries."""

    call_duration: int
    sip_code: int
    error: tuple[int, str] | None


class Callback:
    """One logical notification: a status change (`status` set) or an AMD result (`detection_ms` set).

    Only what sets it apart from its call is stored; the parameters are rebuilt on demand, because tens of
    thousands of calls with several callbacks each are kept for inspection."""

    __slots__ = (
        "answered_by",
        "detection_ms",
        "duplicate",
        "final",
        "held_back",
        "method",
        "sequence",
        "status",
        "timestamp",
        "token",
        "url",
    )  # fmt: skip

    def __init__(self, url: str, method: str, token: str, answered_by: str | None) -> None:
        self.url, self.method, self.token, self.answered_by = url, method, token, answered_by
        self.status: str | None = None
        self.timestamp = ""
        self.sequence = 0
        self.final: FinalFacts | None = None
        self.detection_ms = 0
        self.duplicate = self.held_back = False

    @property
    def kind(self) -> str:
        """status | amd"""
        return "status" if self.status is not None else "amd"

    def params(self, call: Call) -> dict[str, str]:
        """The form parameters, as Twilio sends them."""
        if self.status is None:
            return {
                "AccountSid": call.account_sid,
                "CallSid": call.sid,
                "AnsweredBy": self.answered_by or "unknown",
                "MachineDetectionDuration": str(self.detection_ms),
            }
        params = call.base_params()
        params["CallStatus"] = self.status
        params["Timestamp"] = self.timestamp
        params["CallbackSource"] = "call-progress-events"
        params["SequenceNumber"] = str(self.sequence)
        if self.answered_by:
            params["AnsweredBy"] = self.answered_by
        final = self.final
        if final is not None:
            params["CallDuration"] = str(final.call_duration)
            params["Duration"] = str(math.ceil(final.call_duration / 60))
            params["SipResponseCode"] = str(final.sip_code)
            if final.error is not None:
                params["ErrorCode"], params["ErrorMessage"] = str(final.error[0]), final.error[1]
        return params


class Delivery:
    """One attempt to deliver a Callback."""

    __slots__ = ("attempt", "callback", "elapsed_ms", "error", "status_code")

    def __init__(self, callback: Callback, attempt: int, status_code: int | None, error: str | None, ms: float) -> None:
        self.callback, self.attempt, self.status_code, self.error, self.elapsed_ms = (
            callback,
            attempt,
            status_code,
            error,
            ms,
        )


class Call:
    """Mutable state of one call; guard every read-modify-write with `lock` (never held during HTTP)."""

    __slots__ = (
        "account_sid",
        "amd_after",
        "amd_result",
        "answered_by",
        "answered_sim",
        "beep_after",
        "callback_count",
        "date_created",
        "date_updated",
        "deliveries",
        "delivering",
        "dialed",
        "digits_sent",
        "documents",
        "duration",
        "end_time",
        "ended",
        "errors",
        "flow_started",
        "gather_count",
        "gen",
        "heard_after_beep",
        "held",
        "index",
        "k",
        "lock",
        "outbox",
        "persona",
        "played",
        "program",
        "request",
        "ring_after",
        "ringing_after",
        "seq",
        "sid",
        "silence_epoch",
        "silent_from",
        "spoken",
        "start_time",
        "status",
        "twiml",
        "voice_method",
        "voice_url",
    )  # fmt: skip

    def __init__(self, sid: str, index: int, account_sid: str, request: CallRequest, persona: Persona, k: int,
                 created: dt.datetime) -> None:  # fmt: skip
        self.sid, self.index, self.account_sid, self.request, self.persona, self.k = (
            sid, index, account_sid, request, persona, k,
        )  # fmt: skip
        self.lock = threading.Lock()
        self.status = "queued"
        self.answered_by: str | None = None
        self.date_created = self.date_updated = created
        self.start_time: dt.datetime | None = None
        self.end_time: dt.datetime | None = None
        self.duration: int | None = None
        self.ended = self.flow_started = self.delivering = self.heard_after_beep = False
        self.gen = self.gather_count = self.silence_epoch = self.seq = self.callback_count = 0
        self.program: Any = None
        self.ringing_after = self.ring_after = self.amd_after = self.beep_after = 0.0
        self.amd_result: str | None = None
        self.answered_sim: float | None = None
        self.silent_from: float | None = None
        self.voice_url, self.voice_method, self.twiml = request.url, request.method, request.twiml
        self.outbox: list[Callback] = []
        self.held: list[Callback] = []
        self.deliveries: list[Delivery] = []
        self.spoken: list[tuple[str, str, str]] = []
        self.dialed: list[str] = []
        self.digits_sent: list[str] = []
        self.played: list[str] = []
        self.documents: list[tuple[str, str, str, int | None, str | None, float]] = []
        self.errors: list[tuple[int, str]] = []

    @property
    def active(self) -> bool:
        """True until the call reaches a final status."""
        return not self.ended

    def base_params(self) -> dict[str, str]:
        """The parameters Twilio puts in every voice and status request of this call."""
        request = self.request
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.sid,
            "CallStatus": self.status,
            "Called": request.to,
            "Caller": request.from_,
            "Direction": "outbound-api",
            "From": request.from_,
            "To": request.to,
        }

    def resource(self) -> dict[str, Any]:
        """The Call resource JSON, as the 2010-04-01 REST API returns it: the fields of Twilio's OpenAPI
        description (twilio/twilio-oai, api.v2010.account.call), no more (tests/integration/simulator)."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"
        return {
            "account_sid": self.account_sid,
            "answered_by": self.answered_by,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "direction": "outbound-api",
            "duration": None if self.duration is None else str(self.duration),
            "end_time": rfc2822(self.end_time),
            "forwarded_from": None,
            "from": self.request.from_,
            "from_formatted": formatted(self.request.from_),
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": self.sid,
            "start_time": rfc2822(self.start_time),
            "status": resource_status(self.status),
            "subresource_uris": {
                name: f"{uri}/{path}.json"
                for name, path in (
                    ("notifications", "Notifications"),
                    ("recordings", "Recordings"),
                    ("payments", "Payments"),
                    ("events", "Events"),
                    ("siprec", "Siprec"),
                    ("streams", "Streams"),
                    ("transcriptions", "Transcriptions"),
                    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
                    ("user_defined_messages", "UserDefinedMessages"),
                )
            },
            "to": self.request.to,
            "to_formatted": formatted(self.request.to),
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }

    def record(self) -> dict[str, Any]:
        """Everything the simulator knows about the call (control API)."""
        request = self.request
        return {
            "sid": self.sid,
            "to": request.to,
            "from": request.from_,
            "persona": self.persona.name,
            "call_number_to_this_to": self.k,
            "status": self.status,
            "answered_by": self.answered_by,
            "machine_detection": request.machine_detection,
            "async_amd": request.async_amd,
            "date_created": _iso(self.date_created),
            "start_time": _iso(self.start_time),
            "end_time": _iso(self.end_time),
            "duration": self.duration,
            "spoken": [{"text": text, "voice": voice, "language": language} for text, voice, language in self.spoken],
            "dialed": list(self.dialed),
            "digits_sent": list(self.digits_sent),
            "played": list(self.played),
            "documents": [
                {
                    "url": url,
                    "method": method,
                    "purpose": purpose,
                    "status_code": code,
                    "error": error,
                    "elapsed_ms": ms,
                }
                for url, method, purpose, code, error, ms in self.documents
            ],
            "callbacks": [_delivery_record(self, delivery) for delivery in self.deliveries],
            "errors": [{"code": code, "message": message} for code, message in self.errors],
        }


def _delivery_record(call: Call, delivery: Delivery) -> dict[str, Any]:
    callback = delivery.callback
    return {
        "kind": callback.kind,
        "url": callback.url,
        "method": callback.method,
        "params": callback.params(call),
        "idempotency_token": callback.token,
        "status_code": delivery.status_code,
        "error": delivery.error,
        "elapsed_ms": delivery.elapsed_ms,
        "attempt": delivery.attempt,
        "held_back": callback.held_back,
        "duplicate": delivery.attempt > 1,
    }


def rfc2822(moment: dt.datetime | None) -> str | None:
    """Twilio's date format: 'Tue, 24 Nov 2026 19:00:00 +0000'."""
    return None if moment is None else format_datetime(moment.astimezone(dt.UTC).replace(microsecond=0))


def formatted(number: str) -> str:
    """Display form of a number: (202) 555-0140 for North America, E.164 otherwise."""
    if number.startswith("+1") and len(number) == 12 and number[1:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
