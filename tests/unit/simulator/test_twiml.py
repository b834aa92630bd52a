"""Parsing TwiML into the verbs the simulator plays, and Twilio's error codes for documents it cannot play."""

import pytest

from contact_service.simulator.twiml import (
    PARSE_FAILURE,
    SCHEMA_ERROR,
    Dial,
    Gather,
    Hangup,
    Pause,
    Play,
    Redirect,
    Reject,
    Say,
    TwimlError,
    parse_twiml,
)


def test_every_supported_verb_parses_with_its_attributes() -> None:
    verbs = parse_twiml(
        """<?xml version="1.0" encoding="UTF-8"?>
        <Response>
          <Say voice="Polly.Joanna" language="en-US" loop="2">This is the IRS.</Say>
          <Pause length="3"/>
          <Play loop="1">https://example.com/a.mp3</Play>
          <Gather input="dtmf" numDigits="1" timeout="7" action="/gather?attempt=9" method="GET">
            <Say>Press 1 to repeat.</Say><Pause/>
          </Gather>
          <Dial action="/dialed">+18008291040</Dial>
          <Dial><Number>+18008291040</Number><Number>+12025550100</Number></Dial>
          <Redirect method="GET">/next</Redirect>
          <Reject reason="busy"/>
          <Hangup/>
        </Response>"""
    )
    assert verbs == (
        Say("This is the IRS.", "Polly.Joanna", "en-US", loop=2),
        Pause(3.0),
        Play("https://example.com/a.mp3"),
        Gather(
            children=(Say("Press 1 to repeat.", "man", "en-US"), Pause(1.0)),
            num_digits=1,
            timeout=7.0,
            action="/gather?attempt=9",
            method="GET",
        ),
        Dial(("+18008291040",), action="/dialed"),
        Dial(("+18008291040", "+12025550100")),
        Redirect("/next", "GET"),
        Reject("busy"),
        Hangup(),
    )


def test_say_defaults_and_speaking_time() -> None:
    (say,) = parse_twiml("<Response><Say>one two three four five</Say></Response>")
    assert (say.voice, say.language, say.loop) == ("man", "en-US", 1)
    assert say.seconds() == pytest.approx(2.0)  # 2.5 words per second


def test_namespaced_and_ssml_content_is_read_as_text() -> None:
    (say,) = parse_twiml('<Response xmlns="x"><Say>Call <emphasis>us</emphasis> back</Say></Response>')
    assert say.text == "Call us back"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("", PARSE_FAILURE),
        ("<Response><Say>unclosed</Response>", PARSE_FAILURE),
        ("not xml at all", PARSE_FAILURE),
        ("<Document><Say>hi</Say></Document>", SCHEMA_ERROR),
        ("<Response><Dance/></Response>", SCHEMA_ERROR),
        ("<Response><Gather><Dial>+18008291040</Dial></Gather></Response>", SCHEMA_ERROR),
        ("<Response><Pause length='soon'/></Response>", SCHEMA_ERROR),
        ("<Response><Redirect/></Response>", SCHEMA_ERROR),
        ("<Response><Dial/></Response>", SCHEMA_ERROR),
        ("<Response><Gather method='PUT'/></Response>", SCHEMA_ERROR),
    ],
)
def test_documents_that_cannot_be_played_raise_twilios_codes(document: str, code: int) -> None:
    with pytest.raises(TwimlError) as raised:
        parse_twiml(document)
    assert raised.value.code == code
    assert raised.value.message
