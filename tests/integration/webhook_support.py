"""Signing webhook requests as Twilio does, and an app wired to a hand-written fake telephony."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator

from contact_service.services.telephony import CallRequest, ProviderCall

PUBLIC_BASE_URL = "https://calls.example.gov"
# Strong enough for a PUBLIC_BASE_URL that is not this machine (config: secrets away from local development).
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32


@dataclass
class RecordingTelephony:
    """Telephony that places nothing and remembers every request (for webhook tests)."""

    redirects: list[tuple[str, str]] = field(default_factory=list)

    def place_call(self, request: CallRequest) -> ProviderCall:
        raise AssertionError("webhook tests never place calls")

    def fetch_call(self, sid: str) -> ProviderCall | None:
        return None

    def find_calls(self, to: str, created_after: dt.datetime) -> list[ProviderCall]:
        return []

    def redirect_call(self, sid: str, url: str) -> None:
        self.redirects.append((sid, url))


def sign(path_and_query: str, params: dict[str, str], token: str = AUTH_TOKEN, base: str = PUBLIC_BASE_URL) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and these form parameters."""
    return RequestValidator(token).compute_signature(base + path_and_query, params)


def post_signed(client, path_and_query: str, params: dict[str, str], **headers):  # type: ignore[no-untyped-def]
    """POST a form to the app signed for PUBLIC_BASE_URL + path, as the provider would."""
    return client.post(
        path_and_query, data=params, headers={"X-Twilio-Signature": sign(path_and_query, params), **headers}
    )


def call_params(call_sid: str, **extra: str) -> dict[str, str]:
    """The parameters Twilio sends with every call webhook."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "Direction": "outbound-api",
        "From": "+12025550140",
        "To": "+12125550101",
        **extra,
    }
