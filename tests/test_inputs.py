"""One parser per kind of input: what each accepts, and that everything else is refused, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pulumi_cf_billing._inputs import parse_amount_usd, parse_bool, parse_days, parse_seconds, parse_whole_number
from pulumi_cf_billing._money import MAX_USD

from .conftest import SENTINEL_TOKEN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", Decimal(50)),
        ("49.99", Decimal("49.99")),
        (49.99, Decimal("49.99")),
        (0, Decimal(0)),
        ("0.5", Decimal("0.5")),
    ],
)
def test_amounts_are_plain_decimals_or_json_numbers(value: object, expected: Decimal) -> None:
    assert parse_amount_usd(value, what="floor_usd") == expected


@pytest.mark.parametrize(
    "value",
    ["50_0", "\u0665\u0660", "$7", "1,000", "1e3", "49,99", " 50", "-1", "+5", ".5", "5.", "", "nan", "inf",
     True, False, None, float("nan"), float("inf"), -0.01, MAX_USD + 1, "1." + "0" * 31, [50], {"a": 1}],
)  # fmt: skip
def test_everything_else_is_refused_naming_the_input(value: object) -> None:
    with pytest.raises(ValueError, match=r"^floorUsd must be a plain non-negative number of US dollars"):
        parse_amount_usd(value, what="floorUsd")


def test_days_have_their_own_words_and_bound() -> None:
    assert parse_days("2.5", what="min_runway_days") == Decimal("2.5")
    with pytest.raises(ValueError, match="min_runway_days must be a plain non-negative number of days"):
        parse_days("$7", what="min_runway_days")
    with pytest.raises(ValueError, match="up to 36,500"):
        parse_days(36501, what="min_runway_days")


@pytest.mark.parametrize(("value", "expected"), [("30", Decimal(30)), ("0.5", Decimal("0.5")), (2.5, Decimal("2.5"))])
def test_seconds_are_positive_plain_decimals_up_to_a_day(value: object, expected: Decimal) -> None:
    assert parse_seconds(value, what="--timeout") == expected


@pytest.mark.parametrize("value", ["0", 0, "1e3", " 5", "٢", "1_0", "86400.5", float("inf"), True, None])
def test_other_seconds_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^--timeout must be a positive number of seconds up to 86,400"):
        parse_seconds(value, what="--timeout")


@pytest.mark.parametrize(("value", "expected"), [(7, 7), (7.0, 7), ("90", 90), ("1", 1)])
def test_whole_numbers(value: object, expected: int) -> None:
    assert parse_whole_number(value, what="runway_window_days", minimum=1, maximum=90) == expected


@pytest.mark.parametrize("value", [0, 91, 7.5, True, "7.0", "\u0667", " 7", "1" * 13, None])
def test_whole_numbers_out_of_range_or_shape_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="runway_window_days must be a whole number from 1 to 90"):
        parse_whole_number(value, what="runway_window_days", minimum=1, maximum=90)


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None, "no"])
def test_a_boolean_is_a_boolean(value: object) -> None:
    assert parse_bool(True, what="x") is True
    assert parse_bool(False, what="x") is False
    with pytest.raises(ValueError, match="require_spending_limit must be true or false"):
        parse_bool(value, what="require_spending_limit")


def test_a_long_value_is_shown_by_its_length_only() -> None:
    with pytest.raises(ValueError, match="a 41-character value") as caught:
        parse_amount_usd(SENTINEL_TOKEN, what="floor_usd")
    assert SENTINEL_TOKEN not in str(caught.value)
