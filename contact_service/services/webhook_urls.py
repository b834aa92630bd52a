"""The webhook URLs the provider calls back; the call attempt travels in the query string, which Twilio signs."""

from __future__ import annotations

from dataclasses import dataclass

WEBHOOK_PREFIX = "/webhooks/twilio"
VOICE_PATH = f"{WEBHOOK_PREFIX}/voice"
STATUS_PATH = f"{WEBHOOK_PREFIX}/status"
AMD_PATH = f"{WEBHOOK_PREFIX}/amd"
GATHER_PATH = f"{WEBHOOK_PREFIX}/gather"


@dataclass(frozen=True)
class WebhookUrls:
    """Absolute webhook URLs under the service's public base URL (what Twilio reaches, e.g. behind a proxy)."""

    public_base_url: str

    def voice(self, attempt_id: int, voicemail: bool = False) -> str:
        """Where the provider fetches the call's instructions (the voicemail ones once a machine answered)."""
        suffix = "&mode=voicemail" if voicemail else ""
        return f"{self.public_base_url}{VOICE_PATH}?attempt={attempt_id}{suffix}"

    def status(self, attempt_id: int) -> str:
        """Call progress callbacks."""
        return f"{self.public_base_url}{STATUS_PATH}?attempt={attempt_id}"

    def amd(self, attempt_id: int) -> str:
        """Answering-machine detection results."""
        return f"{self.public_base_url}{AMD_PATH}?attempt={attempt_id}"

    def gather(self, attempt_id: int) -> str:
        """Key presses."""
        return f"{self.public_base_url}{GATHER_PATH}?attempt={attempt_id}"
