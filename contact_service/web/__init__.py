"""Flask entry points: thin blueprints that parse requests, call services and render results."""
