"""Norwegian organisation numbers: nine digits, the last a mod-11 check digit."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def normalise_org_number(value: str) -> str:
    """Return the number without the spaces, dots or dashes people type ("923 609 016")."""
    return re.sub(r"[\s.\-\u00a0]", "", value or "")


def org_number_check_digit(first_eight: str) -> int | None:
    """Return the mod-11 check digit for eight digits, or None when no digit can be valid."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def is_valid_org_number(value: str) -> bool:
    digits = normalise_org_number(value)
    if not re.fullmatch(r"\d{9}", digits):
        return False
    return org_number_check_digit(digits[:8]) == int(digits[8])


def validate_org_number(value: str) -> None:
    """Raise a ValidationError that says what is wrong with an organisation number."""
    digits = normalise_org_number(value)
    if not re.fullmatch(r"\d+", digits):
        raise ValidationError(
            _("An organisation number has digits only (9 of them), e.g. 923 609 016."), code="digits"
        )
    if len(digits) != 9:
        raise ValidationError(
            _("An organisation number has 9 digits; this has %(count)d.") % {"count": len(digits)},
            code="length",
        )
    if not is_valid_org_number(digits):
        raise ValidationError(
            _(
                "%(number)s is not a valid organisation number: the check digit does not match. "
                "Check for a mistyped digit."
            )
            % {"number": digits},
            code="checksum",
        )


def validate_postal_code(value: str) -> None:
    if value and not re.fullmatch(r"\d{4}", value):
        raise ValidationError(_("A Norwegian postal code has 4 digits."), code="postal_code")
