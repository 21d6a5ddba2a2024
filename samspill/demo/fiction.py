"""Made-up Norwegian values: names, firms, organisation numbers, addresses and moments in time.

Every function draws from the `random.Random` it is given, so a seed gives the same values.
"""

from __future__ import annotations

import datetime
import random
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo

from samspill.customers.models import Segment
from samspill.customers.validators import org_number_check_digit
from samspill.demo import words

OSLO = ZoneInfo("Europe/Oslo")
# Places that would read as real regions rather than made-up municipalities.
REAL_REGIONS = {"Grønland", "Nordland", "Vestland", "Sørland", "Østland"}
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ü": "u"})


class Firm(NamedTuple):
    name: str
    industry: str
    domain: str


def slug(text: str, separator: str = "-") -> str:
    """Return `text` in lower-case ASCII letters and digits joined by `separator` ("Sæther" → "saether")."""
    return re.sub(r"[^a-z0-9]+", separator, text.lower().translate(_ASCII)).strip(separator)


def person_name(rng: random.Random) -> tuple[str, str]:
    """Return a first and last name."""
    return rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)


def phone(rng: random.Random) -> str:
    """Return a Norwegian mobile number written the usual way, "+47 912 34 567"."""
    return f"+47 {rng.choice('49')}{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(100, 999)}"


def org_number(rng: random.Random, used: set[str]) -> str:
    """Return an unused organisation number starting with 8 or 9 with a valid mod-11 check digit."""
    while True:
        first_eight = f"{rng.choice('89')}{rng.randrange(10**7):07d}"
        check = org_number_check_digit(first_eight)
        number = f"{first_eight}{check}"
        if check is not None and number not in used:
            used.add(number)
            return number


def _compound(rng: random.Random, heads: list[str], tails: list[str]) -> str:
    while True:
        head, tail = rng.choice(heads), rng.choice(tails)
        name = head + tail
        if tail not in head.lower() and name not in REAL_REGIONS:
            return name


def place(rng: random.Random) -> str:
    """Return a made-up place name such as "Langvik"."""
    return _compound(rng, words.PLACE_HEADS, words.PLACE_TAILS)


def _public(rng: random.Random) -> tuple[str, str]:
    kind = rng.choices(["kommune", "fylkeskommune", "helseforetak", "kf"], weights=[45, 10, 10, 35])[0]
    if kind == "kommune":
        return f"{place(rng)} kommune", "Offentlig forvaltning"
    if kind == "fylkeskommune":
        return f"{rng.choice(words.REGIONS)} fylkeskommune", "Offentlig forvaltning"
    if kind == "helseforetak":
        return f"{place(rng)} helseforetak", "Helse"
    enterprise, industry = rng.choice(list(words.MUNICIPAL_ENTERPRISES.items()))
    return f"{place(rng)} {enterprise}", industry


def _company(rng: random.Random, suffix: str) -> tuple[str, str]:
    business, industry = rng.choice(list(words.BUSINESSES.items()))
    return f"{_compound(rng, words.NAME_HEADS, words.NAME_TAILS)} {business} {suffix}", industry


def _nonprofit(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(["stiftelse", "idrettslag", "boligbyggelag"])
    if kind == "stiftelse":
        return f"Stiftelsen {_compound(rng, words.NAME_HEADS, words.NAME_TAILS)}", "Frivillighet"
    if kind == "idrettslag":
        return f"{place(rng)} Idrettslag", "Idrett"
    return f"{_compound(rng, words.NAME_HEADS, words.NAME_TAILS)} Boligbyggelag", "Bolig"


def _firm_name(rng: random.Random, segment: str) -> tuple[str, str]:
    if segment == Segment.PUBLIC:
        return _public(rng)
    if segment == Segment.NONPROFIT:
        return _nonprofit(rng)
    if segment == Segment.ENTERPRISE and rng.random() < 0.3:
        return _company(rng, "ASA")
    return _company(rng, "AS")


def firm(rng: random.Random, segment: str, used: set[str]) -> Firm:
    """Return a made-up organisation of the segment whose name is not in `used` (which it extends)."""
    for _attempt in range(50):
        name, industry = _firm_name(rng, segment)
        stem = re.sub(r" (AS|ASA)$", "", name)  # "Fjordlys Energi AS" and "… ASA" would be one firm
        if stem not in used:
            break
    else:  # the segment's names are used up: fall back on the large pool of limited companies
        while stem in used:
            name, industry = _company(rng, "AS")
            stem = name.removesuffix(" AS")
    used.add(stem)
    return Firm(name, industry, slug(stem) + ".example")


def address(rng: random.Random) -> tuple[str, str, str]:
    """Return a street address, a real postal code and its city."""
    code, city, _weight = rng.choices(words.POSTAL_PLACES, weights=[p[2] for p in words.POSTAL_PLACES])[0]
    number = rng.randint(1, 120)
    letter = rng.choice("ABC") if rng.random() < 0.1 else ""
    return f"{rng.choice(words.STREETS)} {number}{letter}", code, city


def moment_on(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """Return a time within office hours (07:45–16:45, Oslo time) on `day`."""
    minutes = 7 * 60 + 45 + rng.randint(0, 9 * 60)
    clock = datetime.time(minutes // 60, minutes % 60, rng.randint(0, 59))
    return datetime.datetime.combine(day, clock, tzinfo=OSLO)


def workday(day: datetime.date) -> datetime.date:
    """Return `day`, or the Friday before it when it falls on a weekend."""
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


def moment(rng: random.Random, today: datetime.date, earliest: int, latest: int = 1) -> datetime.datetime:
    """Return an office-hours time on a workday between `earliest` and `latest` days before `today`."""
    day = workday(today - datetime.timedelta(days=rng.randint(latest, earliest)))
    return moment_on(rng, day)


def later(
    rng: random.Random, after: datetime.datetime, today: datetime.date, within: int = 365
) -> datetime.datetime:
    """Return a time after `after`, at most `within` days later and before `today` starts."""
    start = after.astimezone(OSLO).date()
    span = min(within, (today - start).days - 1)
    days = rng.randint(0, span) if span > 0 else 0
    found = moment_on(rng, workday(start + datetime.timedelta(days=days)))
    return found if found > after else after + datetime.timedelta(minutes=rng.randint(3, 90))
