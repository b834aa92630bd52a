"""Telephony over Twilio's REST API with the official SDK. The only module that imports twilio.rest."""

from __future__ import annotations

import datetime as dt
import logging
import re

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance

from contact_service.domain.call_outcome import BAD_NUMBER_ERROR_CODES
from contact_service.domain.phone import mask_phone_numbers, masked
from contact_service.services.telephony import CallRejected, CallRequest, ProviderCall, ProviderUnavailable

log = logging.getLogger(__name__)

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
# Errors after which trying again later may succeed (rate limits, provider trouble).
RETRYABLE_ERROR_CODES = frozenset({20429, 20500, 20503, 31005})
REQUEST_TIMEOUT_SECONDS = 15
# A URL's query string in an error message (requests names the URL it failed on: a call lookup's carries the
# number looked for).
_QUERY = re.compile(r"\?[^\s'\")]*")


class TwilioTelephony:
    """Places calls with `client.calls.create`; `api_base_url` points the SDK at another Twilio-compatible API."""

    def __init__(self, account_sid: str, auth_token: str, api_base_url: str | None = None) -> None:
        self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=REQUEST_TIMEOUT_SECONDS))
        if api_base_url:
            self._client.api.base_url = api_base_url.rstrip("/")
            # TWILIO_EDGE/TWILIO_REGION rewrite the host of every request (api.<edge>.<region>.twilio.com);
            # applied to a custom base URL they would mangle it, so they only ever apply to real Twilio.
            self._client.edge = None
            self._client.region = None

    def place_call(self, request: CallRequest) -> ProviderCall:
        """Create the call with status callbacks, async answering-machine detection, ring timeout and time limit."""
        try:
            call = self._client.calls.create(
                to=request.to,
                from_=request.from_,
                url=request.voice_url,
                method="POST",
                status_callback=request.status_callback_url,
                status_callback_method="POST",
                status_callback_event=STATUS_EVENTS,
                machine_detection="DetectMessageEnd",
                async_amd="true",
                async_amd_status_callback=request.amd_callback_url,
                async_amd_status_callback_method="POST",
                timeout=request.ring_timeout_seconds,
                time_limit=request.time_limit_seconds,
            )
        except TwilioRestException as exc:
            raise _rejection(exc) from None
        except (ConnectTimeout, RequestsConnectionError) as exc:
            # Could not connect (or the connection dropped): treat a dropped connection as ambiguous.
            raise ProviderUnavailable(
                f"provider unreachable: {_described(exc)}", maybe_placed=not _never_connected(exc)
            ) from None
        except RequestException as exc:
            raise ProviderUnavailable(f"no answer from the provider: {_described(exc)}", maybe_placed=True) from None
        return _provider_call(call)

    def fetch_call(self, sid: str) -> ProviderCall | None:
        """The call with this SID, or None if the provider has no such call."""
        try:
            return _provider_call(self._client.calls(sid).fetch())
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise ProviderUnavailable(f"cannot fetch call {sid}: {_described(exc)}", maybe_placed=True) from None
        except RequestException as exc:
            raise ProviderUnavailable(f"cannot fetch call {sid}: {_described(exc)}", maybe_placed=True) from None

    def find_calls(self, to: str, created_after: dt.datetime) -> list[ProviderCall]:
        """Calls to `to` started or queued since `created_after`."""
        try:
            calls = self._client.calls.list(to=to, start_time_after=created_after, page_size=50)
        except (TwilioRestException, RequestException) as exc:
            raise ProviderUnavailable(
                f"cannot list calls to {masked(to)}: {_described(exc)}", maybe_placed=True
            ) from None
        return [_provider_call(call) for call in calls]

    def redirect_call(self, sid: str, url: str) -> None:
        """Send a live call to new TwiML; a call that already ended is not an error."""
        try:
            self._client.calls(sid).update(url=url, method="POST")
        except TwilioRestException as exc:
            if exc.code == 21220 or exc.status == 404:  # not in progress any more
                log.info("call %s ended before it could be redirected", sid)
                return
            raise ProviderUnavailable(f"cannot redirect call {sid}: {_described(exc)}", maybe_placed=True) from None
        except RequestException as exc:
            raise ProviderUnavailable(f"cannot redirect call {sid}: {_described(exc)}", maybe_placed=True) from None


def _rejection(exc: TwilioRestException) -> CallRejected:
    code = exc.code if isinstance(exc.code, int) else None
    retryable = (code in RETRYABLE_ERROR_CODES) or exc.status in (429, 500, 502, 503, 504)
    # Twilio's messages name the number ("The 'To' number +1... is not a valid phone number").
    return CallRejected(code, _described(exc), bad_number=code in BAD_NUMBER_ERROR_CODES, retryable=retryable)


def _described(exc: Exception) -> str:
    """What went wrong, fit for a log line: no URL query strings, numbers masked to their last four digits."""
    text = exc.msg if isinstance(exc, TwilioRestException) and exc.msg else str(exc)
    return mask_phone_numbers(_QUERY.sub("?…", text))


def _never_connected(exc: Exception) -> bool:
    """True when the TCP connection was never made, so the request cannot have been received."""
    if isinstance(exc, ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "Name or service not known" in text


def _provider_call(call: CallInstance) -> ProviderCall:
    return ProviderCall(
        sid=call.sid,
        to=call.to,
        status=str(call.status) if call.status is not None else "unknown",
        start_time=call.start_time,
        date_created=call.date_created,
        answered_by=call.answered_by or None,
    )
