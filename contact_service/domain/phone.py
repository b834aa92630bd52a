"""Taxpayer phone numbers: parse, normalize to E.164, refuse what cannot be dialled, and find time zones."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, phonenumberutil
from phonenumbers import timezone as number_timezone

from contact_service.domain.official_line import OFFICIAL_NUMBER_E164
from contact_service.domain.us_states import zones_for_state

DEFAULT_REGION = "US"
UNKNOWN_ZONE = "Etc/Unknown"

# Lines a collection call must never be placed to: they cost the callee money or reach no person.
UNDIALABLE_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.VOICEMAIL: "a voicemail-access number",
}


class InvalidPhoneNumber(ValueError):
    """The text is not a valid number that automation may dial; the message says why."""


@dataclass(frozen=True)
class PhoneNumber:
    """A valid, dialable number in E.164 form, with the time zones its own prefix implies (None: unknown)."""

    e164: str
    region: str | None
    zones: frozenset[str] | None


def parse_phone(text: str, default_region: str = DEFAULT_REGION) -> PhoneNumber:
    """Parse a number written any usual way; raise InvalidPhoneNumber with a reason if it cannot be dialled."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidPhoneNumber("is empty")
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(f"is not a phone number ({_parse_error_reason(exc)})") from None
    region, kind = _region_and_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        if number.country_code == 1 and len(str(number.national_number)) == 7:
            raise InvalidPhoneNumber("has no area code")
        raise InvalidPhoneNumber("is not a valid phone number")
    if kind in UNDIALABLE_TYPES:
        raise InvalidPhoneNumber(f"is {UNDIALABLE_TYPES[kind]}; automation does not dial it")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164 == OFFICIAL_NUMBER_E164:
        raise InvalidPhoneNumber("is the IRS's own callback line, not a taxpayer's number")
    return PhoneNumber(e164=e164, region=region, zones=_zones_of_type(number, kind))


def _region_and_type(number: phonenumbers.PhoneNumber) -> tuple[str | None, int]:
    """Region and number type in one pass; UNKNOWN type means invalid (as `is_valid_number` decides).

    `is_valid_number`, `number_type` and `is_number_geographical` each search the ~25 regions sharing
    +1 again; doing it once makes bulk imports about three times faster.
    """
    region = phonenumbers.region_code_for_number(number)
    if region is None or number.country_code is None:
        return None, PhoneNumberType.UNKNOWN
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(number.country_code, region)
    if metadata is None:
        return region, PhoneNumberType.UNKNOWN
    national = phonenumbers.national_significant_number(number)
    return region, phonenumberutil._number_type_helper(national, metadata)


def number_zones(number: phonenumbers.PhoneNumber) -> frozenset[str] | None:
    """Time zones of a geographic number's prefix; None for non-geographic numbers (toll-free, personal...)."""
    return _zones_of_type(number, _region_and_type(number)[1])


def _zones_of_type(number: phonenumbers.PhoneNumber, kind: int) -> frozenset[str] | None:
    if number.country_code is None or not phonenumbers.is_number_type_geographical(kind, number.country_code):
        return None
    zones = frozenset(number_timezone.time_zones_for_geographical_number(number))
    if not zones or UNKNOWN_ZONE in zones:
        return None
    return zones


def zones_for_e164(e164: str) -> frozenset[str] | None:
    """Time zones implied by an already-normalized E.164 number."""
    return number_zones(phonenumbers.parse(e164, None))


def possible_time_zones(phone_zones: frozenset[str] | None, state: str | None) -> frozenset[str] | None:
    """Every zone the taxpayer may be in: the number's and the state's. None (unknown) if either is unknown."""
    state_zones = zones_for_state(state) if state else None
    if phone_zones is None or state_zones is None:
        return None
    return phone_zones | state_zones


def encode_zones(zones: frozenset[str] | None) -> str:
    """Stable text form of a zone set for storage ('' means unknown)."""
    return "|".join(sorted(zones)) if zones else ""


def decode_zones(text: str | None) -> frozenset[str] | None:
    """Inverse of encode_zones."""
    return frozenset(text.split("|")) if text else None


def _parse_error_reason(exc: NumberParseException) -> str:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        NumberParseException.NOT_A_NUMBER: "no digits in the expected places",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, "unreadable")


def normalize_caller(text: str, default_region: str = DEFAULT_REGION) -> str | None:
    """A caller ID written any usual way ("(202) 555-0147", "+1 202.555.0147", "tel:+1-202-555-0147") in
    E.164 form, or None if it cannot be a phone number. Looser than `parse_phone`: it matches, never dials."""
    try:
        number = phonenumbers.parse((text or "").strip(), default_region)
    except NumberParseException:
        return None
    # A number without its area code ("555-0147", possible only locally) could be anyone's: no match.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Anything in free text that a phone number may look like: "+" (or its URL escape %2B) and 7 to 15 digits with
# separators, or a North American number written any usual way. Never inside a word or an id (call SIDs, hex).
_PHONE_SHAPED = re.compile(
    r"(?<![\w%+])"
    r"(?:(?:\+|%2[Bb])[1-9](?:[\s.()-]{0,2}\d){6,14}"
    r"|(?:1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]?\d{4})"
    r"(?![\w])"
)


def masked(number: str) -> str:
    """A phone number as a log line may show it: its last four digits only ("***-***-1234")."""
    digits = "".join(character for character in number if character.isdigit())
    return f"***-***-{digits[-4:]}" if len(digits) > 4 else "***"


def mask_phone_numbers(text: str) -> str:
    """`text` with everything phone-shaped in it masked to its last four digits (see `masked`)."""
    return _PHONE_SHAPED.sub(lambda match: masked(match.group(0)), text)
