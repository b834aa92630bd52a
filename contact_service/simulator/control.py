"""The simulator's own API under /_sim (tests, demo, benchmark): configuration, reset, call records, stats."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from contact_service.simulator.engine import SimulatorEngine
from contact_service.simulator.errors import TwilioApiError
from contact_service.simulator.rest import check_auth


def control_blueprint(engine: SimulatorEngine) -> Blueprint:
    """Routes under /_sim, behind the same basic auth as the REST API."""
    blueprint = Blueprint("simulator_control", __name__, url_prefix="/_sim")

    @blueprint.before_request
    def authenticate() -> None:
        check_auth(engine)

    @blueprint.get("/config")
    def show_config() -> Response:
        return jsonify(engine.config.to_mapping())

    @blueprint.post("/config")
    def change_config() -> Response | tuple[Response, int]:
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            return jsonify({"error": "expected a JSON object of settings"}), 400
        try:
            config = engine.configure(changes)
        except ValueError as exc:
            return jsonify({"error": str(exc)}), 400
        return jsonify(config.to_mapping())

    @blueprint.post("/reset")
    def reset() -> Response:
        engine.reset()
        return jsonify({"reset": True})

    @blueprint.get("/calls")
    def calls() -> Response:
        active = request.args.get("active")
        records = engine.records(
            to=request.args.get("To") or None,
            active=None if active is None else active.strip().lower() in ("1", "true", "yes"),
        )
        return jsonify({"calls": records, "count": len(records)})

    @blueprint.get("/calls/<sid>")
    def call(sid: str) -> Response | tuple[Response, int]:
        try:
            found = engine.call(sid)
        except TwilioApiError:
            return jsonify({"error": f"no call {sid}"}), 404
        with found.lock:
            return jsonify(found.record())

    @blueprint.get("/stats")
    def stats() -> Response:
        return jsonify(engine.stats())

    return blueprint
