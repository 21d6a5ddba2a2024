"""How field values are written into an event's before and after."""

from __future__ import annotations

import datetime
from decimal import Decimal

from samspill.lib.events import plain


def test_plain_values_are_json_safe_and_keep_their_meaning() -> None:
    assert plain(Decimal("1450.50")) == "1450.50"
    assert plain(datetime.date(2025, 3, 14)) == "2025-03-14"
    assert plain(["expert", Decimal(1)]) == ["expert", "1"]


def test_a_mapping_keeps_its_keys_and_values() -> None:
    assert plain({"expert": Decimal("1650.00"), "seller": None}) == {"expert": "1650.00", "seller": None}
