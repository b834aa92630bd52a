"""`contact-service simulator`: options are validated before anything is served."""

from click.testing import CliRunner

from contact_service.cli import cli
from contact_service.cli import simulator as simulator_command  # noqa: F401  (registers the command)


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(cli, ["simulator", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--speed", "--seed", "--cps", "--duplicate-rate", "--reorder-rate"):
        assert option in result.output


def test_bad_values_exit_2_naming_the_setting() -> None:
    result = CliRunner().invoke(cli, ["simulator", "--cps", "0"])
    assert result.exit_code == 2
    assert "cps: must be a positive integer" in result.output
    result = CliRunner().invoke(cli, ["simulator", "--duplicate-rate", "2"])
    assert result.exit_code == 2
    assert "duplicate_rate: must be between 0 and 1" in result.output
