"""A Twilio-compatible voice-call simulator: a small separate web app that talks to the service only over
HTTP, exactly as Twilio does (REST API in, signed webhooks out). Personas are listed in `personas`.

Pointing the real SDK at it::

    client = twilio.rest.Client(account_sid, auth_token)
    client.api.base_url = server.url        # e.g. "http://127.0.0.1:8765", no trailing path
    client.edge = client.region = None      # TWILIO_EDGE/TWILIO_REGION would rewrite the host name
"""

from contact_service.simulator.app import create_simulator_app, engine_of
from contact_service.simulator.config import SimulatorConfig
from contact_service.simulator.engine import SimulatorEngine
from contact_service.simulator.personas import DEFAULT_MIX, MAGIC_NUMBERS, PERSONA_NAMES, PERSONAS, Persona
from contact_service.simulator.server import SimulatorServer

__all__ = [
    "DEFAULT_MIX",
    "MAGIC_NUMBERS",
    "PERSONAS",
    "PERSONA_NAMES",
    "Persona",
    "SimulatorConfig",
    "SimulatorEngine",
    "SimulatorServer",
    "create_simulator_app",
    "engine_of",
]
