"""Adapters: the only modules that talk to the outside (database, Redis/RQ, Twilio, the clock)."""
