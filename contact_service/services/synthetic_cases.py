"""Plausible synthetic case files for the demo and the benchmarks: every US time zone and taxpayer type.

Phone numbers use the 555 exchange, which is never assigned to a real subscriber, except in American Samoa,
whose numbering plan has no 555 range; synthetic numbers are only ever dialled on the simulator.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from typing import TextIO

from contact_service.domain.case_record import CASE_COLUMNS
from contact_service.domain.cases import Hold, NoticeStage, TaxpayerType

AREA_CODES = {
    "AL": ["205"],
    "AK": ["907"],
    "AZ": ["602", "520"],
    "AR": ["501"],
    "CA": ["415", "213", "916"],
    "CO": ["303", "719"],
    "CT": ["203"],
    "DE": ["302"],
    "DC": ["202"],
    "FL": ["305", "850", "407"],
    "GA": ["404"],
    "HI": ["808"],
    "ID": ["208"],
    "IL": ["312", "618"],
    "IN": ["317", "219"],
    "IA": ["515"],
    "KS": ["316", "620"],
    "KY": ["502", "270"],
    "LA": ["504"],
    "ME": ["207"],
    "MD": ["410"],
    "MA": ["617"],
    "MI": ["313", "906"],
    "MN": ["612"],
    "MS": ["601"],
    "MO": ["314"],
    "MT": ["406"],
    "NE": ["402", "308"],
    "NV": ["702", "775"],
    "NH": ["603"],
    "NJ": ["201"],
    "NM": ["505"],
    "NY": ["212", "716"],
    "NC": ["919"],
    "ND": ["701"],
    "OH": ["216"],
    "OK": ["405"],
    "OR": ["503", "541"],
    "PA": ["215", "412"],
    "RI": ["401"],
    "SC": ["803"],
    "SD": ["605"],
    "TN": ["615", "865"],
    "TX": ["214", "915"],
    "UT": ["801"],
    "VT": ["802"],
    "VA": ["804"],
    "WA": ["206", "509"],
    "WV": ["304"],
    "WI": ["414"],
    "WY": ["307"],
    "PR": ["787"],
    "GU": ["671"],
    "VI": ["340"],
    "MP": ["670"],
    "AS": ["684"],
}
EXCHANGE = {"AS": "633"}
FIRST_NAMES = [
    "Maria",
    "James",
    "Wei",
    "Aisha",
    "Jamal",
    "Priya",
    "Tom",
    "Ana",
    "Grace",
    "Luis",
    "Dana",
    "Omar",
    "Keiko",
    "Samuel",
    "Fatima",
    "Ivan",
    "Chloe",
    "Mateo",
    "Nora",
    "Kwame",
    "Leilani",
    "Hiro",
]
LAST_NAMES = [
    "Lopez",
    "Chen",
    "Wright",
    "Raman",
    "Becker",
    "Nunez",
    "O'Neil",
    "Ortega",
    "Whitfield",
    "Kim",
    "Johnson",
    "Okafor",
    "Nguyen",
    "Garcia",
    "Smith",
    "Patel",
    "Kahale",
    "Sato",
    "Novak",
    "Brown",
]
BUSINESS_WORDS = ["Blue Ridge", "Sunrise", "Harbor", "Prairie", "Summit", "Redwood", "Lakeside", "Canyon"]
BUSINESS_KINDS = ["Plumbing LLC", "Diner Inc", "Auto Repair", "Construction Co", "Bakery LLC", "Trucking Inc"]
STAGE_WEIGHTS = {
    NoticeStage.CP14: 5,
    NoticeStage.CP501: 5,
    NoticeStage.CP503: 10,
    NoticeStage.CP504: 45,
    NoticeStage.LT11: 35,
}
TAXPAYER_TYPE_WEIGHTS = [80, 15, 5]  # individual, business, estate (TaxpayerType's order)
PHONE_FORMATS = ["({a}) {x}-{l}", "{a}-{x}-{l}", "+1 {a} {x} {l}", "{a}.{x}.{l}", "{a}{x}{l}"]


def synthetic_case_rows(count: int, today: dt.date, seed: int = 1040, prefix: str = "SYN") -> Iterator[dict[str, str]]:
    """Yield `count` rows (dicts keyed by the case-file columns), deterministic for a given seed."""
    rng = random.Random(seed)
    states = list(AREA_CODES)
    stages = list(STAGE_WEIGHTS)
    stage_weights = list(STAGE_WEIGHTS.values())
    holds = list(Hold)
    for index in range(count):
        state = states[index % len(states)] if index < len(states) else rng.choice(states)
        # About one taxpayer in ten keeps a number from another state (moved, or a mobile from elsewhere).
        number_state = rng.choice(states) if rng.random() < 0.1 else state
        kind = rng.choices(list(TaxpayerType), weights=TAXPAYER_TYPE_WEIGHTS)[0]
        stage = rng.choices(stages, weights=stage_weights)[0]
        last_notice = today - dt.timedelta(days=rng.randint(3, 240))
        assessed = last_notice - dt.timedelta(days=35 * stage.rank + rng.randint(20, 3000))
        yield {
            "case_id": f"{prefix}-{index + 1:07d}",
            "taxpayer_type": kind.value,
            "name": _name(rng, kind),
            "phone": rng.choice(PHONE_FORMATS).format(
                # About one in a hundred gives a toll-free number, which says nothing of where they are.
                a="888" if rng.random() < 0.01 else rng.choice(AREA_CODES[number_state]),
                x=EXCHANGE.get(number_state, "555"),
                l=f"{rng.randint(0, 9999):04d}",
            ),
            "state": state,
            "balance_due": f"{round(10 ** rng.uniform(2.3, 5.7), 2):.2f}",
            "notice_stage": stage.value,
            "last_notice_on": last_notice.isoformat(),
            "assessed_on": assessed.isoformat(),
            "hold": rng.choice(holds).value if rng.random() < 0.06 else "",
            "poa_on_file": "true" if rng.random() < 0.04 else "false",
            "tin_last4": f"{rng.randint(0, 9999):04d}",
        }


def write_synthetic_cases(stream: TextIO, count: int, today: dt.date, seed: int = 1040, prefix: str = "SYN") -> None:
    """Write a complete case file (header and `count` rows) to a text stream."""
    writer = csv.DictWriter(stream, fieldnames=CASE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in synthetic_case_rows(count, today, seed, prefix):
        writer.writerow(row)


def _name(rng: random.Random, kind: TaxpayerType) -> str:
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if kind is TaxpayerType.BUSINESS:
        return f"{rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_KINDS)}"
    if kind is TaxpayerType.ESTATE:
        return f"Estate of {person}"
    return person
