"""The simulator's Flask application: Twilio's REST API plus the /_sim control API, over one engine."""

from __future__ import annotations

from flask import Flask

from contact_service.clock import Clock
from contact_service.simulator.config import SimulatorConfig
from contact_service.simulator.control import control_blueprint
from contact_service.simulator.engine import SimulatorEngine
from contact_service.simulator.rest import install_error_handlers, rest_blueprint

EXTENSION = "twilio_simulator"


def create_simulator_app(config: SimulatorConfig, clock: Clock | None = None) -> Flask:
    """A WSGI app simulating one Twilio account; its engine starts with the first request."""
    engine = SimulatorEngine(config, clock)
    app = Flask("contact_service.simulator")
    app.extensions[EXTENSION] = engine
    app.register_blueprint(rest_blueprint(engine))
    app.register_blueprint(control_blueprint(engine))
    install_error_handlers(app)
    app.before_request(engine.start)
    return app


def engine_of(app: Flask) -> SimulatorEngine:
    """The engine behind an app made by create_simulator_app."""
    engine: SimulatorEngine = app.extensions[EXTENSION]
    return engine
