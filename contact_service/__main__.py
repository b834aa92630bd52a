"""`python -m contact_service` runs the command-line interface."""

from contact_service.cli import main

main()
