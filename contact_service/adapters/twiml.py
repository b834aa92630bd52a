"""TwiML for each step of a call, built with the SDK's VoiceResponse.

The only number ever dialled is the domain constant: no plan, setting or request supplies a number here.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from contact_service.domain.call_script import CONNECTING_TEXT, FALLBACK_HUMAN_TEXT, GOODBYE_TEXT, MENU_PROMPT
from contact_service.domain.official_line import OFFICIAL_NUMBER_E164
from contact_service.services.call_flow import VoiceAction, VoicePlan

LANGUAGE = "en-US"
GATHER_TIMEOUT_SECONDS = 6


def render_twiml(plan: VoicePlan, gather_url: str | None) -> str:
    """The TwiML document for a plan; `gather_url` receives key presses when a menu is offered."""
    response = VoiceResponse()
    if plan.action is VoiceAction.SCRIPT and gather_url:
        gather = response.gather(
            input="dtmf", num_digits=1, timeout=GATHER_TIMEOUT_SECONDS, action=gather_url, method="POST"
        )
        gather.say(plan.text, language=LANGUAGE)
        gather.say(MENU_PROMPT, language=LANGUAGE)
        response.say(GOODBYE_TEXT, language=LANGUAGE)
        response.hangup()
    elif plan.action is VoiceAction.VOICEMAIL:
        response.say(plan.text, language=LANGUAGE)
        response.hangup()
    elif plan.action is VoiceAction.CONNECT:
        response.say(CONNECTING_TEXT, language=LANGUAGE)
        response.dial(OFFICIAL_NUMBER_E164)
        response.hangup()
    elif plan.action is VoiceAction.HANGUP:
        response.hangup()
    else:
        response.say(FALLBACK_HUMAN_TEXT, language=LANGUAGE)
        response.hangup()
    return str(response)


def safe_twiml() -> str:
    """What to answer when anything goes wrong: the fixed official-number message, then hang up."""
    return render_twiml(VoicePlan(VoiceAction.FALLBACK, FALLBACK_HUMAN_TEXT), None)
