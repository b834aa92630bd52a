"""The one callback number a call may ever speak or dial. A constant of the domain, never a setting."""

from typing import Final

OFFICIAL_NUMBER_E164: Final = "+18008291040"
OFFICIAL_NUMBER_DISPLAY: Final = "1-800-829-1040"
