"""Twilio REST errors, with the codes and JSON body Twilio uses so the SDK raises TwilioRestException."""

from __future__ import annotations

from typing import Any


class TwilioApiError(Exception):
    """A request the simulated REST API refuses; rendered as Twilio's `{"code", "message", ...}` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON error document, as Twilio sends it."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def not_found(what: str) -> TwilioApiError:
    """Twilio's 404 for an unknown resource."""
    return TwilioApiError(404, 20404, f"The requested resource {what} was not found")


def bad_parameter(name: str, reason: str) -> TwilioApiError:
    """A malformed request parameter other than the ones with their own codes."""
    return TwilioApiError(400, 20001, f"Invalid parameter {name}: {reason}")
