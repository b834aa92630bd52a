"""A real SimulatorServer, a small webhook receiver of our own that checks every X-Twilio-Signature, and the
real twilio SDK pointed at the simulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from twilio.rest import Client
from werkzeug.serving import make_server

from contact_service.simulator import SimulatorConfig, SimulatorServer
from tests.integration.simulator.receiver import DEFAULTS, QuietHandler, WebhookReceiver


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimulatorServer]:
    """One simulator for the whole run (reset before each test)."""
    with SimulatorServer(SimulatorConfig.from_mapping(DEFAULTS)) as server:
        yield server


@pytest.fixture(scope="session")
def _receiver_server(sim_server: SimulatorServer) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(sim_server.engine.config.auth_token)
    server = make_server("127.0.0.1", 0, receiver.app(), threaded=True, request_handler=QuietHandler)
    receiver.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def sim(sim_server: SimulatorServer) -> SimulatorServer:
    """The simulator, emptied and back on the test defaults."""
    sim_server.reset()
    sim_server.configure(**DEFAULTS)
    return sim_server


@pytest.fixture
def receiver(_receiver_server: WebhookReceiver, sim: SimulatorServer) -> Iterator[WebhookReceiver]:
    """The webhook receiver, emptied; asserts afterwards that it never saw a bad signature."""
    _receiver_server.hits.clear()
    _receiver_server.refused.clear()
    _receiver_server.on_amd = None
    yield _receiver_server
    assert _receiver_server.refused == []


@pytest.fixture
def client(sim: SimulatorServer) -> Client:
    """The real twilio SDK, pointed at the simulator."""
    config = sim.engine.config
    twilio = Client(config.account_sid, config.auth_token)
    twilio.api.base_url = sim.url
    twilio.edge = twilio.region = None  # TWILIO_EDGE/TWILIO_REGION would rewrite the simulator's host name
    return twilio
