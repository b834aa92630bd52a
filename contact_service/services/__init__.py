"""Use cases. Each takes its adapters as arguments; entry points (CLI, web, workers) only wire and render."""
