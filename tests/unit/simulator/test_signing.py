"""Webhook requests are signed exactly as Twilio signs them."""

from twilio.request_validator import RequestValidator

from contact_service.simulator.webhook import _form_body, signed_request

TOKEN = "simulator-auth-token"
PARAMS = {
    "AccountSid": "AC00000000000000000000000000000000",
    "CallSid": "CA0123456789abcdef0123456789abcdef",
    "CallStatus": "completed",
    "To": "+12025550101",
    "Timestamp": "Tue, 24 Nov 2026 19:00:00 +0000",
}


def test_post_signature_covers_the_url_with_its_query_and_the_form() -> None:
    validator = RequestValidator(TOKEN)
    url = "https://service.example/webhooks/twilio/status?attempt=123"
    target, signature, form = signed_request(validator, url, "POST", PARAMS)
    assert target == url
    assert form == PARAMS
    assert signature == RequestValidator(TOKEN).compute_signature(url, PARAMS)
    assert RequestValidator(TOKEN).validate(url, PARAMS, signature)
    assert not RequestValidator(TOKEN).validate(url.replace("123", "124"), PARAMS, signature)
    assert not RequestValidator("another-token").validate(url, PARAMS, signature)


def test_get_moves_parameters_into_the_signed_url() -> None:
    validator = RequestValidator(TOKEN)
    target, signature, form = signed_request(validator, "http://127.0.0.1:8000/status?attempt=5", "GET", PARAMS)
    assert form is None
    assert target.startswith("http://127.0.0.1:8000/status?attempt=5&AccountSid=")
    assert RequestValidator(TOKEN).validate(target, {}, signature)


def test_form_body_encodes_like_urlencode() -> None:
    assert _form_body({"To": "+1 202", "Text": "é&="}) == b"To=%2B1+202&Text=%C3%A9%26%3D"
