"""US states and territories on record, and the IANA time zones each one spans.

A state that straddles a zone line lists every zone in it; the calling window must hold in all of them
(design 2.2). Armed-forces postal codes are accepted on record but have no known zone.
"""

from __future__ import annotations

from typing import Final

EASTERN: Final = "America/New_York"
CENTRAL: Final = "America/Chicago"
MOUNTAIN: Final = "America/Denver"
PACIFIC: Final = "America/Los_Angeles"

STATE_TIME_ZONES: Final[dict[str, frozenset[str] | None]] = {
    "AL": frozenset({CENTRAL}),
    "AK": frozenset({"America/Anchorage", "America/Adak"}),  # the Aleutians west of 169°30'W keep Hawaii-Aleutian time
    "AZ": frozenset({"America/Phoenix", MOUNTAIN}),  # the Navajo Nation observes daylight time
    "AR": frozenset({CENTRAL}),
    "CA": frozenset({PACIFIC}),
    "CO": frozenset({MOUNTAIN}),
    "CT": frozenset({EASTERN}),
    "DE": frozenset({EASTERN}),
    "DC": frozenset({EASTERN}),
    "FL": frozenset({EASTERN, CENTRAL}),  # the western panhandle is Central
    "GA": frozenset({EASTERN}),
    "HI": frozenset({"Pacific/Honolulu"}),
    "ID": frozenset({"America/Boise", PACIFIC}),  # the northern panhandle is Pacific
    "IL": frozenset({CENTRAL}),
    "IN": frozenset({"America/Indiana/Indianapolis", CENTRAL}),  # the north-west and south-west corners are Central
    "IA": frozenset({CENTRAL}),
    "KS": frozenset({CENTRAL, MOUNTAIN}),  # four western counties are Mountain
    "KY": frozenset({"America/Kentucky/Louisville", CENTRAL}),
    "LA": frozenset({CENTRAL}),
    "ME": frozenset({EASTERN}),
    "MD": frozenset({EASTERN}),
    "MA": frozenset({EASTERN}),
    "MI": frozenset({"America/Detroit", "America/Menominee"}),  # four Upper Peninsula counties are Central
    "MN": frozenset({CENTRAL}),
    "MS": frozenset({CENTRAL}),
    "MO": frozenset({CENTRAL}),
    "MT": frozenset({MOUNTAIN}),
    "NE": frozenset({CENTRAL, MOUNTAIN}),
    "NV": frozenset({PACIFIC, MOUNTAIN}),  # West Wendover keeps Mountain time
    "NH": frozenset({EASTERN}),
    "NJ": frozenset({EASTERN}),
    "NM": frozenset({MOUNTAIN}),
    "NY": frozenset({EASTERN}),
    "NC": frozenset({EASTERN}),
    "ND": frozenset({CENTRAL, MOUNTAIN}),
    "OH": frozenset({EASTERN}),
    "OK": frozenset({CENTRAL}),
    "OR": frozenset({PACIFIC, "America/Boise"}),  # Malheur County is Mountain
    "PA": frozenset({EASTERN}),
    "RI": frozenset({EASTERN}),
    "SC": frozenset({EASTERN}),
    "SD": frozenset({CENTRAL, MOUNTAIN}),
    "TN": frozenset({EASTERN, CENTRAL}),
    "TX": frozenset({CENTRAL, MOUNTAIN}),  # El Paso and Hudspeth counties are Mountain
    "UT": frozenset({MOUNTAIN}),
    "VT": frozenset({EASTERN}),
    "VA": frozenset({EASTERN}),
    "WA": frozenset({PACIFIC}),
    "WV": frozenset({EASTERN}),
    "WI": frozenset({CENTRAL}),
    "WY": frozenset({MOUNTAIN}),
    "PR": frozenset({"America/Puerto_Rico"}),
    "VI": frozenset({"America/St_Thomas"}),
    "GU": frozenset({"Pacific/Guam"}),
    "MP": frozenset({"Pacific/Saipan"}),
    "AS": frozenset({"Pacific/Pago_Pago"}),
    # Armed Forces Americas / Europe / Pacific: a postal code, not a place.
    "AA": None,
    "AE": None,
    "AP": None,
}


def is_known_state(code: str) -> bool:
    """True for a two-letter code of a state, DC, a territory or an armed-forces postal code."""
    return code in STATE_TIME_ZONES


def zones_for_state(code: str) -> frozenset[str] | None:
    """Every time zone the state spans, or None when the place on record has no known zone."""
    return STATE_TIME_ZONES.get(code)
