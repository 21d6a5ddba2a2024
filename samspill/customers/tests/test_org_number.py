"""Norwegian organisation numbers: nine digits whose last is a mod-11 check digit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from samspill.customers.validators import (
    is_valid_org_number,
    normalise_org_number,
    org_number_check_digit,
    validate_org_number,
)

eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)


def _valid_numbers() -> st.SearchStrategy[str]:
    return eight_digits.filter(lambda d: org_number_check_digit(d) is not None).map(
        lambda d: d + str(org_number_check_digit(d))
    )


@given(eight_digits)
def test_appending_the_computed_check_digit_makes_a_valid_number_unless_it_is_ten(first_eight: str) -> None:
    check = org_number_check_digit(first_eight)
    if check is None:
        assert not any(is_valid_org_number(first_eight + str(d)) for d in range(10))
    else:
        assert is_valid_org_number(first_eight + str(check))
        validate_org_number(first_eight + str(check))


@given(_valid_numbers(), st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_of_a_valid_number_makes_it_invalid(
    number: str, position: int, shift: int
) -> None:
    changed = str((int(number[position]) + shift) % 10)
    mistyped = number[:position] + changed + number[position + 1 :]
    assert not is_valid_org_number(mistyped)
    with pytest.raises(ValidationError) as refused:
        validate_org_number(mistyped)
    assert refused.value.code == "checksum"


def test_a_known_good_number_is_valid_with_the_spaces_people_type() -> None:
    assert is_valid_org_number("923 609 016")
    assert normalise_org_number("923.609-016") == "923609016"


def test_a_number_that_is_too_short_says_how_many_digits_it_has() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_org_number("92360901")
    assert refused.value.code == "length"
    assert refused.value.messages == ["An organisation number has 9 digits; this has 8."]


def test_a_number_with_letters_says_it_must_be_digits_only() -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_org_number("92360901O")
        assert refused.value.code == "digits"
        assert refused.value.messages == [
            "An organisation number has digits only (9 of them), e.g. 923 609 016."
        ]


def test_a_wrong_check_digit_names_the_number_and_the_check_digit() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_org_number("923609017")
    assert "923609017" in refused.value.messages[0] and "check digit" in refused.value.messages[0]
