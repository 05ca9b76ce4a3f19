"""core.money: yuan text and Decimals to fen, strictly; fen back to yuan, exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinghuo.core.exceptions import ApplicationError
from xinghuo.core.money import (
    MAX_FEN,
    MIN_FEN,
    AmountInvalid,
    fen_display,
    fen_grouped,
    fen_to_decimal,
    fen_to_yuan,
    round_fen,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("0", 0),
        ("0.01", 1),
        ("1", 100),
        ("1.5", 150),
        ("1234.56", 123456),
        ("12.340", 1234),  # trailing zeros are still two decimals
        ("-0.05", -5),
        ("+3", 300),
        (" 7.00 ", 700),
        ("1e2", 10000),
        ("-0.000", 0),
        ("0e-999999", 0),
        ("92233720368547758.07", MAX_FEN),
        ("-92233720368547758.08", MIN_FEN),
        (Decimal("1.10"), 110),
        (Decimal("99999999.99"), 9999999999),
        (7, 700),
    ],
)
def test_yuan_to_fen_reads_exact_amounts(amount, fen):
    assert yuan_to_fen(amount) == fen


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1.001", "amount_too_precise"),
        (Decimal("0.005"), "amount_too_precise"),
        # 28 digits of Decimal precision would round this one to a whole fen.
        ("92233720368547758.070000000001", "amount_too_precise"),
        ("92233720368547758.08", "amount_too_large"),
        ("-92233720368547758.09", "amount_too_large"),
        ("1e999999999", "amount_too_large"),
        (Decimal("1e999999"), "amount_too_large"),
        ("NaN", "invalid_amount"),
        ("sNaN", "invalid_amount"),
        ("Infinity", "invalid_amount"),
        ("-inf", "invalid_amount"),
        (Decimal("NaN"), "invalid_amount"),
        (Decimal("-Infinity"), "invalid_amount"),
        ("", "invalid_amount"),
        ("   ", "invalid_amount"),
        ("abc", "invalid_amount"),
        ("1\x00", "invalid_amount"),
        ("\x001", "invalid_amount"),
        ("1_000", "invalid_amount"),
        ("1,000", "invalid_amount"),
        ("+-1", "invalid_amount"),  # one sign, not two
        ("+ 1", "invalid_amount"),
        ("1" * 33, "invalid_amount"),
        (1.5, "invalid_amount"),  # a float has already lost the fen
        (True, "invalid_amount"),
        (None, "invalid_amount"),
    ],
)
def test_yuan_to_fen_refuses_what_is_no_amount(amount, code):
    with pytest.raises(AmountInvalid) as caught:
        yuan_to_fen(amount)
    assert caught.value.code == code
    # An application error (a 422 with its code) and, for the channel parsers, a ValueError.
    assert isinstance(caught.value, ApplicationError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.status_code == 422
    assert "\x00" not in str(caught.value.detail)


@pytest.mark.parametrize(
    ("fen", "yuan", "decimal", "grouped", "display"),
    [
        (0, "0.00", Decimal("0.00"), "0.00", "¥0.00"),
        (5, "0.05", Decimal("0.05"), "0.05", "¥0.05"),
        (123450, "1234.50", Decimal("1234.50"), "1,234.50", "¥1,234.50"),
        (22147487, "221474.87", Decimal("221474.87"), "221,474.87", "¥221,474.87"),
        (-5, "-0.05", Decimal("-0.05"), "-0.05", "-¥0.05"),
        (-123450, "-1234.50", Decimal("-1234.50"), "-1,234.50", "-¥1,234.50"),
        (MAX_FEN, "92233720368547758.07", Decimal("92233720368547758.07"), None, None),
    ],
)
def test_fen_formats(fen, yuan, decimal, grouped, display):
    assert fen_to_yuan(fen) == yuan
    assert fen_to_decimal(fen) == decimal
    assert str(fen_to_decimal(fen)) == yuan
    if grouped is not None:
        assert fen_grouped(fen) == grouped
        assert fen_display(fen) == display


@pytest.mark.parametrize("fen", [1.0, "100", Decimal(100), True, None])
def test_formatting_takes_only_integer_fen(fen):
    for format_fen in (fen_to_yuan, fen_to_decimal, fen_display):
        with pytest.raises(TypeError):
            format_fen(fen)


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        (Decimal("0.5"), 1),
        (Decimal("1.4999"), 1),
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
        (Decimal("30000") * Decimal("0.006"), 180),
    ],
)
def test_round_fen_rounds_half_up_once(amount, fen):
    assert round_fen(amount) == fen


@given(st.integers(min_value=MIN_FEN, max_value=MAX_FEN))
def test_fen_to_yuan_round_trips(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen
    assert yuan_to_fen(fen_to_decimal(fen)) == fen


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**15), max_value=10**15
    )
)
def test_two_decimal_amounts_round_trip(amount):
    assert fen_to_decimal(yuan_to_fen(amount)) == amount
    assert yuan_to_fen(str(amount)) == yuan_to_fen(amount)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-(10**12), max_value=10**12
    )
)
def test_a_third_decimal_is_refused_never_rounded(amount):
    if amount == amount.quantize(Decimal("0.01")):
        assert yuan_to_fen(amount) * 10 == int(amount * 1000)
    else:
        with pytest.raises(AmountInvalid):
            yuan_to_fen(amount)
