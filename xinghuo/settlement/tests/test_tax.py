"""Individual income tax withholding (xinghuo.settlement.tax): hand-computed tables at every
bracket edge, the published examples, and hypothesis properties. No database.

Amounts in the tables are written in yuan (strings, exact) and converted to fen; each expected
value has its computation in the comment.
"""

from __future__ import annotations

import dataclasses
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinghuo.settlement.services.tax import (
    TaxMethod,
    TaxResult,
    consecutive_income_months,
    deemed_rate,
    labour_per_payment,
    platform_cumulative,
    wages_cumulative,
)


def fen(yuan: str) -> int:
    amount = Decimal(yuan) * 100
    assert amount == amount.to_integral_value(), yuan
    return int(amount)


# --- An independent oracle for the cumulative methods ---------------------------------------
# Written from 预扣率表一 in yuan with exact fractions, so it shares no code (nor Decimal) with
# the module under test.
_ANNUAL_TABLE_YUAN = [
    (36_000, Fraction(3, 100), 0),
    (144_000, Fraction(10, 100), 2_520),
    (300_000, Fraction(20, 100), 16_920),
    (420_000, Fraction(25, 100), 31_920),
    (660_000, Fraction(30, 100), 52_920),
    (960_000, Fraction(35, 100), 85_920),
    (None, Fraction(45, 100), 181_920),
]


def oracle_annual_tax_fen(taxable_fen: Fraction) -> int:
    taxable_yuan = max(taxable_fen, Fraction(0)) / 100
    for upper, rate, quick in _ANNUAL_TABLE_YUAN:
        if upper is None or taxable_yuan <= upper:
            tax_fen = (taxable_yuan * rate - quick) * 100
            return int(tax_fen + Fraction(1, 2))  # half up: int() floors a non-negative value
    raise AssertionError


# --- Labour remuneration, per payment ---------------------------------------------------------

LABOUR_EDGES = [
    # (income yuan, taxable fen, tax yuan, rate, quick deduction fen)
    ("0", 0, "0", "0.20", 0),
    ("800", 0, "0", "0.20", 0),  # 800 − 800 = 0
    ("800.01", 1, "0", "0.20", 0),  # 0.01 × 20 % = 0.002 → 0.00
    ("800.03", 3, "0.01", "0.20", 0),  # 0.03 × 20 % = 0.006 → 0.01
    ("1000", 20_000, "40", "0.20", 0),  # (1,000 − 800) × 20 % = 40
    ("4000", 320_000, "640", "0.20", 0),  # (4,000 − 800) × 20 % = 640
    # 4,000.01 × 80 % = 3,200.008 (shown 3,200.01); × 20 % = 640.0016 → 640.00
    ("4000.01", 320_001, "640", "0.20", 0),
    ("5000", 400_000, "800", "0.20", 0),  # 5,000 × 80 % = 4,000; × 20 % = 800
    ("25000", 2_000_000, "4000", "0.20", 0),  # taxable 20,000 (top of 20 %); × 20 % = 4,000
    # taxable 25,000.01 × 80 % = 20,000.008; × 30 % − 2,000 = 4,000.0024 → 4,000.00
    ("25000.01", 2_000_001, "4000", "0.30", 200_000),
    ("30000", 2_400_000, "5200", "0.30", 200_000),  # 24,000 × 30 % − 2,000 = 5,200
    ("62500", 5_000_000, "13000", "0.30", 200_000),  # 50,000 × 30 % − 2,000 = 13,000
    # 62,500.01 × 80 % = 50,000.008; × 40 % − 7,000 = 13,000.0032 → 13,000.00
    ("62500.01", 5_000_001, "13000", "0.40", 700_000),
    ("100000", 8_000_000, "25000", "0.40", 700_000),  # 80,000 × 40 % − 7,000 = 25,000
]


@pytest.mark.parametrize(("income", "taxable_fen", "tax", "rate", "quick_fen"), LABOUR_EDGES)
def test_labour_single_payment_at_bracket_edges(
    income: str, taxable_fen: int, tax: str, rate: str, quick_fen: int
) -> None:
    result = labour_per_payment(income_fen=fen(income))

    assert result == TaxResult(
        method=TaxMethod.LABOUR_PER_PAYMENT,
        tax_fen=fen(tax),
        taxable_fen=taxable_fen,
        rate=Decimal(rate),
        quick_deduction_fen=quick_fen,
        cumulative_tax_fen=fen(tax),
    )


def test_labour_payments_for_one_service_in_one_month_count_as_one_payment() -> None:
    # 3,000 then 2,000 in the same month is one 5,000 payment: 5,000 × 80 % × 20 % = 800.
    first = labour_per_payment(income_fen=fen("3000"))
    second = labour_per_payment(
        income_fen=fen("2000"),
        month_prior_income_fen=fen("3000"),
        month_prior_tax_fen=first.tax_fen,
    )

    assert first.tax_fen == fen("440")  # (3,000 − 800) × 20 %
    assert second.tax_fen == fen("360")  # 800 − 440
    assert second.cumulative_tax_fen == fen("800")
    assert second.taxable_fen == fen("4000")


def test_labour_payments_in_different_months_are_separate_payments() -> None:
    january = labour_per_payment(income_fen=fen("3000"))
    february = labour_per_payment(income_fen=fen("2000"))

    assert january.tax_fen == fen("440")  # (3,000 − 800) × 20 %
    assert february.tax_fen == fen("240")  # (2,000 − 800) × 20 %; not the 360 of one month


def test_labour_later_payment_crossing_into_a_higher_bracket_withholds_the_difference() -> None:
    # 20,000 then 20,000 in one month: one 40,000 payment → 32,000 × 30 % − 2,000 = 7,600.
    first = labour_per_payment(income_fen=fen("20000"))  # 16,000 × 20 % = 3,200
    second = labour_per_payment(
        income_fen=fen("20000"),
        month_prior_income_fen=fen("20000"),
        month_prior_tax_fen=first.tax_fen,
    )

    assert first.tax_fen == fen("3200")
    assert second.tax_fen == fen("4400")  # 7,600 − 3,200
    assert second.rate == Decimal("0.30")


def test_labour_over_withheld_month_is_not_refunded_by_a_later_payment() -> None:
    # The month's 3,100 owes (3,100 − 800) × 20 % = 460, but 1,000 was already withheld.
    result = labour_per_payment(
        income_fen=fen("100"), month_prior_income_fen=fen("3000"), month_prior_tax_fen=fen("1000")
    )

    assert result.tax_fen == 0
    assert result.cumulative_tax_fen == fen("460")


# --- N for the platform method ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("months_with_income", "current_month", "expected"),
    [
        (set(), 1, 1),  # January, first income: the current month counts
        (set(), 7, 1),  # first income of the year in July
        ({1, 2, 3}, 3, 3),
        ({1, 2, 3}, 4, 4),  # current month need not be listed yet
        ({1, 2, 3}, 5, 1),  # April without income breaks the run
        ({1, 2, 3, 5}, 6, 2),  # May and June; Jan–Mar are behind the gap
        ({2, 3}, 4, 3),  # a run may start after January
        (set(range(1, 13)), 12, 12),
        ({11}, 12, 2),
        (frozenset({1, 3}), 3, 1),
        ([1, 2, 2], 2, 2),  # duplicates in any collection are harmless
    ],
)
def test_consecutive_income_months_counts_the_run_ending_this_month(
    months_with_income: set[int], current_month: int, expected: int
) -> None:
    assert (
        consecutive_income_months(
            months_with_income=months_with_income, current_month=current_month
        )
        == expected
    )


@pytest.mark.parametrize(
    ("months_with_income", "current_month", "message"),
    [
        (set(), 0, "current_month must be between 1 and 12"),
        (set(), 13, "current_month must be between 1 and 12"),
        ({0}, 3, "months_with_income must be between 1 and 12"),
        ({4}, 3, "after current_month"),
    ],
)
def test_consecutive_income_months_rejects_impossible_months(
    months_with_income: set[int], current_month: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        consecutive_income_months(
            months_with_income=months_with_income, current_month=current_month
        )


# --- Platform workers, cumulative --------------------------------------------------------------

PLATFORM_EDGES = [
    # (income yuan, N, taxable fen, tax yuan, rate, quick deduction fen); nothing withheld before
    ("6250", 1, 0, "0", "0.03", 0),  # 6,250 × 80 % − 5,000 = 0
    ("6250.01", 1, 1, "0", "0.03", 0),  # taxable 0.008 (shown 0.01); × 3 % → 0.00
    ("6300", 1, 4_000, "1.20", "0.03", 0),  # 5,040 − 5,000 = 40; × 3 % = 1.20
    ("5000", 3, 0, "0", "0.03", 0),  # 4,000 − 15,000 < 0 → taxable 0
    ("51250", 1, 3_600_000, "1080", "0.03", 0),  # 41,000 − 5,000 = 36,000; × 3 % = 1,080
    # 51,250.01 × 80 % − 5,000 = 36,000.008; × 10 % − 2,520 = 1,080.0008 → 1,080.00
    ("51250.01", 1, 3_600_001, "1080", "0.10", 252_000),
    ("186250", 1, 14_400_000, "11880", "0.10", 252_000),  # 144,000 × 10 % − 2,520 = 11,880
    # 186,250.01 × 80 % − 5,000 = 144,000.008; × 20 % − 16,920 = 11,880.0016 → 11,880.00
    ("186250.01", 1, 14_400_001, "11880", "0.20", 1_692_000),
    # 300,000 × 80 % − 5,000 × 12 = 180,000; × 20 % − 16,920 = 19,080
    ("300000", 12, 18_000_000, "19080", "0.20", 1_692_000),
]


@pytest.mark.parametrize(
    ("income", "months", "taxable_fen", "tax", "rate", "quick_fen"), PLATFORM_EDGES
)
def test_platform_cumulative_at_bracket_edges(
    income: str, months: int, taxable_fen: int, tax: str, rate: str, quick_fen: int
) -> None:
    result = platform_cumulative(
        income_fen=fen(income), ytd_income_fen=0, ytd_tax_fen=0, months=months
    )

    assert result == TaxResult(
        method=TaxMethod.PLATFORM_CUMULATIVE,
        tax_fen=fen(tax),
        taxable_fen=taxable_fen,
        rate=Decimal(rate),
        quick_deduction_fen=quick_fen,
        cumulative_tax_fen=fen(tax),
    )


def test_platform_30000_a_month_crosses_36000_and_144000_cumulative_taxable() -> None:
    # Cumulative taxable after k months: 30,000k × 80 % − 5,000k = 19,000k.
    expected_tax = {
        1: "570",  # 19,000 × 3 %
        2: "710",  # 38,000 × 10 % − 2,520 = 1,280; − 570
        3: "1900",  # 57,000 → 3,180; − 1,280
        4: "1900",  # 76,000 → 5,080
        5: "1900",  # 95,000 → 6,980
        6: "1900",  # 114,000 → 8,880
        7: "1900",  # 133,000 → 10,780
        8: "2700",  # 152,000 × 20 % − 16,920 = 13,480; − 10,780
        9: "3800",  # 171,000 → 17,280; − 13,480
    }
    ytd_income_fen = ytd_tax_fen = 0
    for month, tax in expected_tax.items():
        result = platform_cumulative(
            income_fen=fen("30000"),
            ytd_income_fen=ytd_income_fen,
            ytd_tax_fen=ytd_tax_fen,
            months=consecutive_income_months(
                months_with_income=set(range(1, month)), current_month=month
            ),
        )
        assert result.tax_fen == fen(tax), month
        ytd_income_fen += fen("30000")
        ytd_tax_fen += result.tax_fen

    assert ytd_tax_fen == fen("17280")


def test_platform_several_payments_in_one_month_share_the_months_deduction() -> None:
    first = platform_cumulative(
        income_fen=fen("3000"), ytd_income_fen=0, ytd_tax_fen=0, months=1
    )  # 2,400 − 5,000 < 0
    second = platform_cumulative(
        income_fen=fen("7000"), ytd_income_fen=fen("3000"), ytd_tax_fen=0, months=1
    )  # 10,000 × 80 % − 5,000 = 3,000; × 3 % = 90

    assert (first.tax_fen, second.tax_fen) == (0, fen("90"))


def test_platform_tax_free_income_is_deducted_after_the_20_percent_expense() -> None:
    # 10,000 × 80 % − 1,000 − 5,000 = 2,000; × 3 % = 60
    result = platform_cumulative(
        income_fen=fen("10000"),
        tax_free_fen=fen("600"),
        ytd_income_fen=0,
        ytd_tax_free_fen=fen("400"),
        ytd_tax_fen=0,
        months=1,
    )

    assert (result.taxable_fen, result.tax_fen) == (fen("2000"), fen("60"))


def test_platform_month_without_income_restarts_the_monthly_deduction() -> None:
    january = platform_cumulative(
        income_fen=fen("10000"), ytd_income_fen=0, ytd_tax_fen=0, months=1
    )  # 8,000 − 5,000 = 3,000; × 3 % = 90
    months = consecutive_income_months(months_with_income={1}, current_month=3)
    march = platform_cumulative(
        income_fen=fen("10000"),
        ytd_income_fen=fen("10000"),
        ytd_tax_fen=january.tax_fen,
        months=months,
    )  # 16,000 − 5,000 × 1 = 11,000; × 3 % = 330; − 90

    assert months == 1
    assert january.tax_fen == fen("90")
    assert march.tax_fen == fen("240")  # with February paid (N = 2) it would be 90


def test_platform_payment_after_a_gap_withholds_at_most_itself_and_carries_the_rest() -> None:
    # Jan–Jun 50,000 a month: 300,000 × 80 % − 30,000 = 210,000; × 20 % − 16,920 = 25,080.
    june = platform_cumulative(
        income_fen=fen("50000"), ytd_income_fen=fen("250000"), ytd_tax_fen=0, months=6
    )
    assert june.cumulative_tax_fen == fen("25080")
    # No income in July. August pays 100 with N = 1: 300,100 × 80 % − 5,000 = 235,080;
    # × 20 % − 16,920 = 30,096; due 30,096 − 25,080 = 5,016, of which only the 100 paid.
    august = platform_cumulative(
        income_fen=fen("100"), ytd_income_fen=fen("300000"), ytd_tax_fen=fen("25080"), months=1
    )
    # September 10,000, N = 2: 310,100 × 80 % − 10,000 = 238,080; × 20 % − 16,920 = 30,696;
    # − withheld 25,180 = 5,516, which includes August's shortfall.
    september = platform_cumulative(
        income_fen=fen("10000"), ytd_income_fen=fen("300100"), ytd_tax_fen=fen("25180"), months=2
    )

    assert (august.tax_fen, august.uncollected_fen) == (fen("100"), fen("4916"))
    assert (september.tax_fen, september.uncollected_fen) == (fen("5516"), 0)


def test_platform_lower_cumulative_tax_withholds_nothing_and_refunds_nothing() -> None:
    # 20,000 × 80 % − 5,000 × 3 = 1,000 → 30, but 500 was already withheld.
    result = platform_cumulative(
        income_fen=1, ytd_income_fen=fen("19999.99"), ytd_tax_fen=fen("500"), months=3
    )

    assert (result.tax_fen, result.cumulative_tax_fen) == (0, fen("30"))


# --- Wages, cumulative --------------------------------------------------------------------------

WAGE_EDGES = [
    # (monthly wage yuan with months_employed = 1 and no deductions, tax yuan, rate, quick)
    # taxable = wage − 5,000
    ("3000", "0", "0.03", 0),
    ("5000", "0", "0.03", 0),
    ("5000.01", "0", "0.03", 0),  # 0.01 × 3 % = 0.0003
    ("5001.50", "0.05", "0.03", 0),  # 1.50 × 3 % = 0.045 → 0.05 (half up; half-even: 0.04)
    ("41000", "1080", "0.03", 0),  # 36,000 × 3 %
    ("41000.01", "1080", "0.10", 252_000),  # 36,000.01 × 10 % − 2,520 = 1,080.001
    ("41000.05", "1080.01", "0.10", 252_000),  # 36,000.05 × 10 % − 2,520 = 1,080.005 → .01
    ("105000", "7480", "0.10", 252_000),  # 100,000 × 10 % − 2,520
    ("149000", "11880", "0.10", 252_000),  # 144,000 × 10 % − 2,520
    ("149000.01", "11880", "0.20", 1_692_000),  # 144,000.01 × 20 % − 16,920 = 11,880.002
    ("205000", "23080", "0.20", 1_692_000),  # 200,000 × 20 % − 16,920
    ("305000", "43080", "0.20", 1_692_000),  # 300,000 × 20 % − 16,920
    ("305000.01", "43080", "0.25", 3_192_000),  # 300,000.01 × 25 % − 31,920 = 43,080.0025
    ("405000", "68080", "0.25", 3_192_000),  # 400,000 × 25 % − 31,920
    ("425000", "73080", "0.25", 3_192_000),  # 420,000 × 25 % − 31,920
    ("425000.01", "73080", "0.30", 5_292_000),  # 420,000.01 × 30 % − 52,920 = 73,080.003
    ("505000", "97080", "0.30", 5_292_000),  # 500,000 × 30 % − 52,920
    ("665000", "145080", "0.30", 5_292_000),  # 660,000 × 30 % − 52,920
    ("665000.01", "145080", "0.35", 8_592_000),  # 660,000.01 × 35 % − 85,920 = 145,080.0035
    ("805000", "194080", "0.35", 8_592_000),  # 800,000 × 35 % − 85,920
    ("965000", "250080", "0.35", 8_592_000),  # 960,000 × 35 % − 85,920
    ("965000.01", "250080", "0.45", 18_192_000),  # 960,000.01 × 45 % − 181,920 = 250,080.0045
    ("1005000", "268080", "0.45", 18_192_000),  # 1,000,000 × 45 % − 181,920
]


@pytest.mark.parametrize(("wage", "tax", "rate", "quick_fen"), WAGE_EDGES)
def test_wages_cumulative_at_bracket_edges(wage: str, tax: str, rate: str, quick_fen: int) -> None:
    result = wages_cumulative(wage_fen=fen(wage), ytd_wage_fen=0, ytd_tax_fen=0, months_employed=1)

    assert result == TaxResult(
        method=TaxMethod.WAGES_CUMULATIVE,
        tax_fen=fen(tax),
        taxable_fen=max(0, fen(wage) - fen("5000")),
        rate=Decimal(rate),
        quick_deduction_fen=quick_fen,
        cumulative_tax_fen=fen(tax),
    )


def run_wage_year(
    wages: list[str], special: str = "0", additional: str = "0"
) -> tuple[list[int], int]:
    """Withholdings month by month for a worker employed from January, and the year's total."""
    ytd_wage = ytd_special = ytd_additional = ytd_tax = 0
    withheld = []
    for month, wage in enumerate(wages, start=1):
        result = wages_cumulative(
            wage_fen=fen(wage),
            ytd_wage_fen=ytd_wage,
            ytd_tax_fen=ytd_tax,
            months_employed=month,
            special_deductions_fen=fen(special),
            ytd_special_deductions_fen=ytd_special,
            special_additional_fen=fen(additional),
            ytd_special_additional_fen=ytd_additional,
        )
        withheld.append(result.tax_fen)
        ytd_wage += fen(wage)
        ytd_special += fen(special)
        ytd_additional += fen(additional)
        ytd_tax += result.tax_fen
    return withheld, ytd_tax


def test_wages_the_2018_announcement_example() -> None:
    # 国家税务总局公告2018年第61号 解读: wage 30,000, special deductions 4,500, special
    # additional deductions 2,000 a month; cumulative taxable 18,500 × k.
    withheld, _ = run_wage_year(["30000"] * 4, special="4500", additional="2000")

    assert withheld == [
        fen("555"),  # 18,500 × 3 %
        fen("625"),  # 37,000 × 10 % − 2,520 = 1,180; − 555
        fen("1850"),  # 55,500 × 10 % − 2,520 = 3,030; − 1,180
        fen("1850"),  # 74,000 × 10 % − 2,520 = 4,880; − 3,030
    ]


def test_wages_30000_a_month_without_deductions_across_a_year() -> None:
    # Cumulative taxable 25,000 × k; cumulative tax T(k) in the comments.
    withheld, total = run_wage_year(["30000"] * 12)

    assert withheld == [
        fen("750"),  # T(1) = 25,000 × 3 % = 750
        fen("1730"),  # T(2) = 50,000 × 10 % − 2,520 = 2,480
        fen("2500"),  # T(3) = 4,980
        fen("2500"),  # T(4) = 7,480
        fen("2500"),  # T(5) = 9,980
        fen("3100"),  # T(6) = 150,000 × 20 % − 16,920 = 13,080
        fen("5000"),  # T(7) = 18,080
        fen("5000"),  # T(8) = 23,080
        fen("5000"),  # T(9) = 28,080
        fen("5000"),  # T(10) = 33,080
        fen("5000"),  # T(11) = 38,080
        fen("5000"),  # T(12) = 300,000 × 20 % − 16,920 = 43,080
    ]
    assert total == fen("43080")


def test_wages_months_employed_counts_from_the_first_month_with_us() -> None:
    # Hired in October; November payroll: 2 months employed. 2 × 12,000 − 2 × 5,000 = 14,000.
    october = wages_cumulative(
        wage_fen=fen("12000"), ytd_wage_fen=0, ytd_tax_fen=0, months_employed=1
    )  # 7,000 × 3 % = 210
    november = wages_cumulative(
        wage_fen=fen("12000"),
        ytd_wage_fen=fen("12000"),
        ytd_tax_fen=october.tax_fen,
        months_employed=2,
    )  # 14,000 × 3 % = 420; − 210

    assert (october.tax_fen, november.tax_fen) == (fen("210"), fen("210"))


def test_wages_tax_free_income_is_deducted() -> None:
    # 10,000 − 2,000 tax-free − 5,000 = 3,000; × 3 % = 90
    result = wages_cumulative(
        wage_fen=fen("10000"),
        tax_free_fen=fen("2000"),
        ytd_wage_fen=0,
        ytd_tax_fen=0,
        months_employed=1,
    )

    assert result.tax_fen == fen("90")


def test_wages_lower_month_withholds_nothing_and_refunds_nothing() -> None:
    # January 20,000 → (15,000) × 3 % = 450; February 0 → cumulative 20,000 − 10,000 = 10,000
    # → 300 < 450 withheld: nothing now.
    result = wages_cumulative(
        wage_fen=0, ytd_wage_fen=fen("20000"), ytd_tax_fen=fen("450"), months_employed=2
    )

    assert (result.tax_fen, result.cumulative_tax_fen) == (0, fen("300"))


# --- Deemed rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income_fen", "rate", "tax_fen"),
    [
        (fen("100000"), "0.005", fen("500")),
        (fen("100000"), "0.01", fen("1000")),
        (fen("100000"), "0.015", fen("1500")),
        (fen("1234.56"), "0.015", 1852),  # 123,456 fen × 1.5 % = 1,851.84 → 1,852
        (50, "0.01", 1),  # 0.5 fen → 1 (half up; half-even would give 0)
        (49, "0.01", 0),
        (0, "0.01", 0),
        (fen("100000"), "0", 0),
    ],
)
def test_deemed_rate_is_income_times_rate_rounded_once(
    income_fen: int, rate: str, tax_fen: int
) -> None:
    assert deemed_rate(income_fen=income_fen, rate=Decimal(rate)) == TaxResult(
        method=TaxMethod.DEEMED_RATE,
        tax_fen=tax_fen,
        taxable_fen=income_fen,
        rate=Decimal(rate),
        quick_deduction_fen=0,
    )


@pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("1.01"), Decimal("NaN")])
def test_deemed_rate_outside_0_to_1_is_rejected(rate: Decimal) -> None:
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        deemed_rate(income_fen=100, rate=rate)


def test_deemed_rate_float_is_rejected() -> None:
    with pytest.raises(TypeError, match="rate must be a Decimal"):
        deemed_rate(income_fen=100, rate=0.01)  # type: ignore[arg-type]


# --- Validation and the result type ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: labour_per_payment(income_fen=-1), "income_fen must not be negative"),
        (
            lambda: labour_per_payment(income_fen=1, month_prior_income_fen=-1),
            "month_prior_income_fen must not be negative",
        ),
        (
            lambda: labour_per_payment(income_fen=1, month_prior_tax_fen=-1),
            "month_prior_tax_fen must not be negative",
        ),
        (
            lambda: platform_cumulative(income_fen=1, ytd_income_fen=-5, ytd_tax_fen=0, months=1),
            "ytd_income_fen must not be negative",
        ),
        (
            lambda: platform_cumulative(income_fen=1, ytd_income_fen=0, ytd_tax_fen=0, months=0),
            "months must be between 1 and 12",
        ),
        (
            lambda: platform_cumulative(
                income_fen=100, tax_free_fen=101, ytd_income_fen=0, ytd_tax_fen=0, months=1
            ),
            "tax-free income exceeds income",
        ),
        (
            lambda: wages_cumulative(wage_fen=1, ytd_wage_fen=0, ytd_tax_fen=-1, months_employed=1),
            "ytd_tax_fen must not be negative",
        ),
        (
            lambda: wages_cumulative(
                wage_fen=1,
                ytd_wage_fen=0,
                ytd_tax_fen=0,
                months_employed=1,
                ytd_special_additional_fen=-1,
            ),
            "ytd_special_additional_fen must not be negative",
        ),
        (
            lambda: wages_cumulative(wage_fen=1, ytd_wage_fen=0, ytd_tax_fen=0, months_employed=13),
            "months_employed must be between 1 and 12",
        ),
        (
            lambda: wages_cumulative(
                wage_fen=100, ytd_wage_fen=0, ytd_tax_fen=0, months_employed=1, tax_free_fen=101
            ),
            "tax-free income exceeds wages",
        ),
        (lambda: deemed_rate(income_fen=-1, rate=Decimal("0.01")), "income_fen must not be"),
    ],
)
def test_invalid_amounts_and_months_raise_value_error_naming_the_argument(
    call: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("amount", [100.0, Decimal(100), True, "100"])
def test_amounts_that_are_not_int_fen_raise_type_error(amount: object) -> None:
    with pytest.raises(TypeError, match="income_fen must be an int amount in fen"):
        labour_per_payment(income_fen=amount)  # type: ignore[arg-type]


def test_tax_result_is_immutable_and_method_is_a_string() -> None:
    result = labour_per_payment(income_fen=fen("5000"))

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.tax_fen = 0  # type: ignore[misc]
    assert result.method == "labour_per_payment"
    assert {m.value for m in TaxMethod} == {
        "labour_per_payment",
        "platform_cumulative",
        "wages_cumulative",
        "deemed_rate",
    }


def test_a_callers_decimal_context_does_not_change_the_result() -> None:
    wage_fen = fen("965000.01")
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        result = wages_cumulative(
            wage_fen=wage_fen, ytd_wage_fen=0, ytd_tax_fen=0, months_employed=1
        )

    assert result.tax_fen == fen("250080")
    assert result.taxable_fen == fen("960000.01")


# --- Properties ------------------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=fen("2000000"))
months_1_12 = st.integers(min_value=1, max_value=12)


@given(
    income=amounts,
    prior_income=amounts,
    prior_tax=amounts,
    ytd_income=amounts,
    ytd_tax=amounts,
    months=months_1_12,
    rate=st.decimals(min_value=0, max_value=1, places=4),
)
def test_withholding_is_never_negative_and_never_exceeds_the_payment(
    income: int,
    prior_income: int,
    prior_tax: int,
    ytd_income: int,
    ytd_tax: int,
    months: int,
    rate: Decimal,
) -> None:
    results = [
        labour_per_payment(
            income_fen=income, month_prior_income_fen=prior_income, month_prior_tax_fen=prior_tax
        ),
        platform_cumulative(
            income_fen=income, ytd_income_fen=ytd_income, ytd_tax_fen=ytd_tax, months=months
        ),
        wages_cumulative(
            wage_fen=income, ytd_wage_fen=ytd_income, ytd_tax_fen=ytd_tax, months_employed=months
        ),
        deemed_rate(income_fen=income, rate=rate),
    ]

    for result in results:
        assert 0 <= result.tax_fen <= income
        assert result.uncollected_fen >= 0
        assert result.taxable_fen >= 0


@given(
    incomes=st.tuples(amounts, amounts).map(sorted),
    prior_income=amounts,
    prior_tax=amounts,
    ytd_income=amounts,
    ytd_tax=amounts,
    months=months_1_12,
    rate=st.decimals(min_value=0, max_value=1, places=4),
)
def test_withholding_is_monotone_in_the_payment(
    incomes: list[int],
    prior_income: int,
    prior_tax: int,
    ytd_income: int,
    ytd_tax: int,
    months: int,
    rate: Decimal,
) -> None:
    def withheld(income: int) -> tuple[int, ...]:
        return (
            labour_per_payment(
                income_fen=income,
                month_prior_income_fen=prior_income,
                month_prior_tax_fen=prior_tax,
            ).tax_fen,
            platform_cumulative(
                income_fen=income, ytd_income_fen=ytd_income, ytd_tax_fen=ytd_tax, months=months
            ).tax_fen,
            wages_cumulative(
                wage_fen=income,
                ytd_wage_fen=ytd_income,
                ytd_tax_fen=ytd_tax,
                months_employed=months,
            ).tax_fen,
            deemed_rate(income_fen=income, rate=rate).tax_fen,
        )

    low, high = incomes
    assert all(a <= b for a, b in zip(withheld(low), withheld(high), strict=True))


@given(payments=st.lists(st.integers(min_value=0, max_value=fen("40000")), min_size=1))
def test_labour_splitting_a_months_income_withholds_exactly_what_one_payment_would(
    payments: list[int],
) -> None:
    month_income = month_tax = 0
    for payment in payments:
        result = labour_per_payment(
            income_fen=payment, month_prior_income_fen=month_income, month_prior_tax_fen=month_tax
        )
        month_income += payment
        month_tax += result.tax_fen

    assert month_tax == labour_per_payment(income_fen=month_income).tax_fen


def run_platform_year(schedule: dict[int, list[int]]) -> tuple[list[TaxResult], list[int]]:
    """Pay `schedule` (month → payments in fen) in order; the results and, after each payment,
    the oracle's cumulative tax."""
    ytd_income = ytd_tax = 0
    paid_months: set[int] = set()
    results, oracle = [], []
    for month in sorted(schedule):
        months = consecutive_income_months(months_with_income=paid_months, current_month=month)
        for payment in schedule[month]:
            result = platform_cumulative(
                income_fen=payment, ytd_income_fen=ytd_income, ytd_tax_fen=ytd_tax, months=months
            )
            ytd_income += payment
            ytd_tax += result.tax_fen
            results.append(result)
            oracle.append(
                oracle_annual_tax_fen(Fraction(ytd_income) * Fraction(4, 5) - 500_000 * months)
            )
        paid_months.add(month)
    return results, oracle


@given(
    schedule=st.dictionaries(
        keys=months_1_12,
        values=st.lists(st.integers(min_value=1, max_value=fen("300000")), min_size=1, max_size=3),
        min_size=1,
    )
)
def test_platform_year_with_gaps_never_withholds_more_than_the_highest_cumulative_tax(
    schedule: dict[int, list[int]],
) -> None:
    results, oracle = run_platform_year(schedule)

    assert [r.cumulative_tax_fen for r in results] == oracle
    total = sum(r.tax_fen for r in results)
    assert total <= max(oracle)
    if not any(r.uncollected_fen for r in results):
        # Each payment withholds max(0, T_k − withheld so far), so the total is the highest T_k.
        assert total == max(oracle)


@given(
    first_month=months_1_12,
    monthly_payments=st.lists(
        # Each month pays at least 6,250 yuan (× 80 % = the month's 5,000 deduction), so the
        # cumulative taxable never falls: the year's withholdings must add up to its tax.
        # (Built rather than filtered: the first payment alone covers it.)
        st.tuples(
            st.integers(min_value=fen("6250"), max_value=fen("200000")),
            st.lists(st.integers(min_value=1, max_value=fen("200000")), max_size=2),
        ).map(lambda t: [t[0], *t[1]]),
        min_size=1,
        max_size=12,
    ),
)
def test_platform_year_withholdings_add_up_to_the_tax_on_the_years_cumulative_taxable(
    first_month: int, monthly_payments: list[list[int]]
) -> None:
    monthly_payments = monthly_payments[: 13 - first_month]
    schedule = {first_month + i: payments for i, payments in enumerate(monthly_payments)}

    results, oracle = run_platform_year(schedule)

    assert sum(r.tax_fen for r in results) == oracle[-1]
    assert results[-1].cumulative_tax_fen == oracle[-1]


@given(
    first_month=months_1_12,
    months=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=fen("150000")),  # wage above the deductions
            st.integers(min_value=0, max_value=fen("5000")),  # special deductions
            st.integers(min_value=0, max_value=fen("5000")),  # special additional
            st.integers(min_value=0, max_value=fen("1000")),  # tax-free part
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_wage_year_withholdings_add_up_to_the_tax_on_the_years_cumulative_taxable(
    first_month: int, months: list[tuple[int, int, int, int]]
) -> None:
    months = months[: 13 - first_month]
    ytd = {"wage": 0, "special": 0, "additional": 0, "tax_free": 0, "tax": 0}
    for employed, (surplus, special, additional, tax_free) in enumerate(months, start=1):
        # The wage covers this month's 5,000 and deductions, so the cumulative taxable never falls.
        wage = fen("5000") + special + additional + tax_free + surplus
        result = wages_cumulative(
            wage_fen=wage,
            ytd_wage_fen=ytd["wage"],
            ytd_tax_fen=ytd["tax"],
            months_employed=employed,
            tax_free_fen=tax_free,
            ytd_tax_free_fen=ytd["tax_free"],
            special_deductions_fen=special,
            ytd_special_deductions_fen=ytd["special"],
            special_additional_fen=additional,
            ytd_special_additional_fen=ytd["additional"],
        )
        assert result.uncollected_fen == 0
        ytd["wage"] += wage
        ytd["special"] += special
        ytd["additional"] += additional
        ytd["tax_free"] += tax_free
        ytd["tax"] += result.tax_fen

    year_taxable = (
        ytd["wage"]
        - ytd["tax_free"]
        - fen("5000") * len(months)
        - ytd["special"]
        - ytd["additional"]
    )
    assert ytd["tax"] == oracle_annual_tax_fen(Fraction(year_taxable))
