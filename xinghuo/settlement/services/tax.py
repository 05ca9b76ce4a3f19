"""Individual income tax (个人所得税) withholding on payments to workers.

Pure functions, no database: the service layer gathers the worker's figures for the month or
the year (what was paid and withheld before this payment) and asks how much to withhold now.

Conventions for every function here:

- Amounts cross the interface as integer fen (分). Inside, they are ``Decimal`` fen, computed
  exactly, and the tax of one computation is rounded to the fen once, at the end, with
  ROUND_HALF_UP. A cumulative method rounds the cumulative tax once and subtracts what was
  already withheld (itself whole fen), so a year of withholdings adds up exactly.
- Arguments named ``ytd_*`` (year to date) or ``month_prior_*`` are totals over the *earlier*
  payments of the period, excluding the payment being computed; the unprefixed argument is this
  payment's share. Only their sum enters the formula, so a caller who already folded this
  payment's deduction into the ``ytd_*`` figure and passes 0 for the current one gets the same
  answer; never count it in both.
- Withholding never refunds: when the cumulative tax has fallen below what was already
  withheld, this payment withholds 0 and the difference is settled in the worker's annual
  reconciliation (综合所得汇算清缴), not by the payer.
- Withholding never exceeds the payment itself. Under a cumulative method the part that could
  not be withheld (``TaxResult.uncollected_fen``) is not lost: the next payment's difference
  includes it, because it compares against tax actually withheld.
- Bad input (negative amounts, a month outside 1–12, a rate outside [0, 1]) raises
  ``ValueError`` naming the argument; the wrong type raises ``TypeError``.

Rates are the withholding tables of 国家税务总局公告2018年第61号《个人所得税扣缴申报管理办法
（试行）》: 预扣率表一 (annual cumulative, used for wages and for the platform method) and
预扣率表二 (labour remuneration per payment).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum

from xinghuo.core import money

__all__ = [
    "ANNUAL_BASIC_DEDUCTION_FEN",
    "CUMULATIVE_TABLE",
    "LABOUR_PER_PAYMENT_TABLE",
    "MONTHLY_BASIC_DEDUCTION_FEN",
    "Bracket",
    "TaxMethod",
    "TaxResult",
    "consecutive_income_months",
    "deemed_rate",
    "employment_months",
    "labour_per_payment",
    "platform_cumulative",
    "wages_cumulative",
]

# Wide enough that no product of fen amounts and rates here is ever rounded by the context; the
# only rounding is the explicit quantize in _round_fen. A local context also protects us from a
# caller who changed the thread's default context.
_CONTEXT = Context(prec=50, rounding=ROUND_HALF_UP)

#: 减除费用 — the basic deduction of 5,000 yuan per month (个人所得税法第六条).
MONTHLY_BASIC_DEDUCTION_FEN = 500_000
#: 60,000 yuan: the whole year's basic deduction, taken from January under 国家税务总局公告
#: 2020年第19号 (see ``wages_cumulative``); also its ceiling on last year's wages.
ANNUAL_BASIC_DEDUCTION_FEN = 12 * MONTHLY_BASIC_DEDUCTION_FEN

# Labour remuneration per payment (国家税务总局公告2018年第61号第八条).
_LABOUR_FLAT_EXPENSE_LIMIT_FEN = 400_000  # up to 4,000 yuan: deduct a flat 800 yuan
_LABOUR_FLAT_EXPENSE_FEN = 80_000
_LABOUR_EXPENSE_RATE = Decimal("0.20")  # above 4,000 yuan (and in the platform method): 20 %


class TaxMethod(StrEnum):
    LABOUR_PER_PAYMENT = "labour_per_payment"
    PLATFORM_CUMULATIVE = "platform_cumulative"
    WAGES_CUMULATIVE = "wages_cumulative"
    DEEMED_RATE = "deemed_rate"


@dataclass(frozen=True, slots=True)
class Bracket:
    """One row of a withholding rate table: taxable up to ``upper_fen`` inclusive (None: no cap)."""

    upper_fen: int | None
    rate: Decimal
    quick_deduction_fen: int


#: 个人所得税预扣率表二 (劳务报酬所得适用), on the taxable of one payment.
LABOUR_PER_PAYMENT_TABLE: tuple[Bracket, ...] = (
    Bracket(2_000_000, Decimal("0.20"), 0),
    Bracket(5_000_000, Decimal("0.30"), 200_000),
    Bracket(None, Decimal("0.40"), 700_000),
)

#: 个人所得税预扣率表一 (居民个人工资、薪金所得预扣预缴适用), on the cumulative taxable of the
#: year; the same as the annual comprehensive-income table of 个人所得税法. Used for wages and,
#: by 国家税务总局公告2025年第16号, for labour remuneration paid by internet platforms.
CUMULATIVE_TABLE: tuple[Bracket, ...] = (
    Bracket(3_600_000, Decimal("0.03"), 0),
    Bracket(14_400_000, Decimal("0.10"), 252_000),
    Bracket(30_000_000, Decimal("0.20"), 1_692_000),
    Bracket(42_000_000, Decimal("0.25"), 3_192_000),
    Bracket(66_000_000, Decimal("0.30"), 5_292_000),
    Bracket(96_000_000, Decimal("0.35"), 8_592_000),
    Bracket(None, Decimal("0.45"), 18_192_000),
)


@dataclass(frozen=True, slots=True)
class TaxResult:
    """What to withhold from one payment, and how it was found.

    ``tax_fen`` is the amount to withhold from this payment. ``taxable_fen`` is the taxable
    amount the rate applied to (of the month's combined payment for the per-payment method, of
    the year so far for the cumulative methods, the income for the deemed rate), rounded to the
    fen for display and filing; the tax itself was computed from the unrounded value.
    ``cumulative_tax_fen`` is the tax on the whole month (per-payment method) or year so far
    (cumulative methods) before subtracting what was already withheld; None for the deemed
    rate. ``uncollected_fen`` is tax due now that exceeded the payment and so could not be
    withheld from it (see the module docstring).
    """

    method: TaxMethod
    tax_fen: int
    taxable_fen: int
    rate: Decimal
    quick_deduction_fen: int
    cumulative_tax_fen: int | None = None
    uncollected_fen: int = 0


def labour_per_payment(
    *, income_fen: int, month_prior_income_fen: int = 0, month_prior_tax_fen: int = 0
) -> TaxResult:
    """Withhold on labour remuneration (劳务报酬所得) paid by an ordinary payer, per payment.

    Rule (预扣预缴, 国家税务总局公告2018年第61号第八条 and 预扣率表二): for one payment of P
    yuan, taxable = P − 800 when P ≤ 4,000 (never below 0), otherwise P × (1 − 20 %); tax =
    taxable × 20 % up to a taxable of 20,000; × 30 % − 2,000 up to 50,000; × 40 % − 7,000 above.

    One payment (每次): 个人所得税法实施条例第十四条 makes income from one continuing service
    received within one month a single payment. So the month's earlier payments to the same
    worker for that service are passed in (``month_prior_income_fen`` and the tax withheld on
    them, ``month_prior_tax_fen``) and this payment withholds
    ``tax(month's income including this payment) − month_prior_tax_fen``. Payments in another
    month, or for an unrelated one-off service, are separate payments: pass 0 for both.

    The difference is never negative; if it would be (the prior tax was over-withheld), the
    payer withholds 0 and does not refund — the worker's annual reconciliation settles it.
    """
    _check_fen(income_fen=income_fen)
    _check_fen(month_prior_income_fen=month_prior_income_fen)
    _check_fen(month_prior_tax_fen=month_prior_tax_fen)

    month_income_fen = month_prior_income_fen + income_fen
    with localcontext(_CONTEXT):
        if month_income_fen <= _LABOUR_FLAT_EXPENSE_LIMIT_FEN:
            taxable = Decimal(max(0, month_income_fen - _LABOUR_FLAT_EXPENSE_FEN))
        else:
            taxable = Decimal(month_income_fen) * (1 - _LABOUR_EXPENSE_RATE)
        bracket = _bracket(LABOUR_PER_PAYMENT_TABLE, taxable)
        month_tax_fen = _round_fen(taxable * bracket.rate - bracket.quick_deduction_fen)
        taxable_fen = _round_fen(taxable)

    tax_fen, uncollected_fen = _withhold(
        due_total_fen=month_tax_fen, withheld_fen=month_prior_tax_fen, payment_fen=income_fen
    )
    return TaxResult(
        method=TaxMethod.LABOUR_PER_PAYMENT,
        tax_fen=tax_fen,
        taxable_fen=taxable_fen,
        rate=bracket.rate,
        quick_deduction_fen=bracket.quick_deduction_fen,
        cumulative_tax_fen=month_tax_fen,
        uncollected_fen=uncollected_fen,
    )


def consecutive_income_months(*, months_with_income: Collection[int], current_month: int) -> int:
    """N for the platform method: the length of the run of consecutive months with income ending
    with ``current_month``, within the current calendar year.

    国家税务总局公告2025年第16号 sets the cumulative basic deduction at 5,000 yuan × "纳税人当年
    截至本月在本互联网平台企业连续取得劳务报酬的月份数". Our reading of 连续 (consecutive): count
    back from the current month and stop at the first month of this year without labour income
    from this platform; a gap therefore restarts the count, and months before the gap no longer
    contribute. Examples: income in Jan–Mar and now in May → N = 1; Jan–May → N = 5.

    ``months_with_income`` are the calendar months (1–12) of this year in which the worker was
    paid labour income by this platform. ``current_month`` always counts, whether listed or not,
    since the payment being withheld is itself income of this month. The run never crosses into
    the previous year: cumulative withholding restarts each January (当年).
    """
    _check_month(current_month=current_month)
    months = set()
    for month in months_with_income:
        _check_month(months_with_income=month)
        if month > current_month:
            raise ValueError(
                f"months_with_income contains month {month}, after current_month {current_month}"
            )
        months.add(month)
    months.add(current_month)

    count = 0
    month = current_month
    while month in months:
        count += 1
        month -= 1
    return count


def employment_months(
    *, periods: Collection[tuple[date, date | None]], year: int, current_month: int
) -> int:
    """任职受雇月份数: the months of ``year`` up to and including ``current_month`` in which
    the worker was employed by this employer for at least one day.

    国家税务总局公告2018年第61号第六条 counts the cumulative basic deduction as 5,000 yuan ×
    "纳税人当年截至本月在本单位的任职受雇月份数": from the month of hire (a worker hired on
    10 October is employed in October), not from the first wage paid. ``periods`` are the
    employment's (hired_on, left_on) pairs with this employer, ``left_on`` None while it
    lasts; a month between a departure and a re-hire is not a month employed (our reading of
    任职受雇). The current month always counts: a wage paid in it shows the employment. The
    count never crosses into another year (当年).
    """
    _check_month(current_month=current_month)
    months = {current_month}
    for hired_on, left_on in periods:
        if left_on is not None and left_on < hired_on:
            raise ValueError(f"periods: left on {left_on} before hired on {hired_on}")
        first = 1 if hired_on.year < year else hired_on.month if hired_on.year == year else 13
        last = (
            current_month
            if left_on is None or left_on.year > year
            else min(left_on.month, current_month)
            if left_on.year == year
            else 0
        )
        months.update(range(first, last + 1))
    return len(months)


def platform_cumulative(
    *,
    income_fen: int,
    ytd_income_fen: int,
    ytd_tax_fen: int,
    months: int,
    tax_free_fen: int = 0,
    ytd_tax_free_fen: int = 0,
) -> TaxResult:
    """Withhold on labour remuneration paid by an internet platform, cumulatively over the year.

    The default method for flexible workers paid through the platform. Rule (国家税务总局公告
    2025年第16号《关于互联网平台企业为平台内从业人员办理扣缴申报、代办申报若干事项的公告》,
    in force since 2025-10-01, which applies the 累计预扣法 of 国家税务总局公告2018年第61号 to
    从业人员 paid labour remuneration by a platform; it accompanies 《互联网平台企业涉税信息报送
    规定》, 国务院令第810号):

        cumulative taxable = cumulative income − cumulative income × 20 % (累计费用)
                             − cumulative tax-free income − 5,000 yuan × N
        tax now = cumulative taxable × rate − quick deduction (预扣率表一) − tax withheld this year

    where N = ``months``, the consecutive months of labour income from this platform up to and
    including the current one: compute it with ``consecutive_income_months`` (see there for how
    a gap is read). The cumulative taxable is never below 0, and the tax now never below 0 (no
    refund through withholding).

    ``income_fen`` is this payment and ``tax_free_fen`` its tax-free part; ``ytd_*`` are this
    year's earlier payments from this platform, their tax-free part and the tax withheld on them.

    Not modelled: 累计依法确定的其他扣除 and 累计减免税额 of the announcement's formula (none apply
    to our workers today); add them here if that changes.

    A gap that restarts N removes earlier months' deductions, so the payment after a gap may owe
    more than it pays out; it withholds at most the payment and reports the rest as
    ``uncollected_fen``, which the following payments pick up.
    """
    _check_fen(income_fen=income_fen)
    _check_fen(ytd_income_fen=ytd_income_fen)
    _check_fen(ytd_tax_fen=ytd_tax_fen)
    _check_fen(tax_free_fen=tax_free_fen)
    _check_fen(ytd_tax_free_fen=ytd_tax_free_fen)
    _check_month(months=months)
    cumulative_income_fen = ytd_income_fen + income_fen
    cumulative_tax_free_fen = ytd_tax_free_fen + tax_free_fen
    if cumulative_tax_free_fen > cumulative_income_fen:
        raise ValueError("tax-free income exceeds income (tax_free_fen + ytd_tax_free_fen)")

    with localcontext(_CONTEXT):
        taxable = (
            Decimal(cumulative_income_fen) * (1 - _LABOUR_EXPENSE_RATE)
            - cumulative_tax_free_fen
            - MONTHLY_BASIC_DEDUCTION_FEN * months
        )
        return _cumulative_result(
            method=TaxMethod.PLATFORM_CUMULATIVE,
            taxable=taxable,
            ytd_tax_fen=ytd_tax_fen,
            payment_fen=income_fen,
        )


def wages_cumulative(
    *,
    wage_fen: int,
    ytd_wage_fen: int,
    ytd_tax_fen: int,
    months_employed: int,
    tax_free_fen: int = 0,
    ytd_tax_free_fen: int = 0,
    special_deductions_fen: int = 0,
    ytd_special_deductions_fen: int = 0,
    special_additional_fen: int = 0,
    ytd_special_additional_fen: int = 0,
    annual_basic_deduction: bool = False,
) -> TaxResult:
    """Withhold on wages and salaries (工资、薪金所得) with the cumulative method (累计预扣法).

    Rule (国家税务总局公告2018年第61号第六条 and 预扣率表一):

        cumulative taxable = cumulative wages − cumulative tax-free income
                             − 5,000 yuan × months employed this year (累计减除费用)
                             − cumulative special deductions (专项扣除: the worker's share of
                               social insurance and housing fund)
                             − cumulative special additional deductions (专项附加扣除)
        tax now = cumulative taxable × rate − quick deduction − tax withheld this year

    ``months_employed`` counts the months employed by us this year up to and including the
    current one (当年截至本月在本单位的任职受雇月份数, see ``employment_months``). The
    cumulative taxable is never below 0, and the tax now never below 0 (no refund through
    withholding).

    ``annual_basic_deduction``: 国家税务总局公告2020年第19号《关于进一步简便优化部分纳税人
    个人所得税预扣预缴方法的公告》 — for a resident whose every month of the last full tax year
    was declared by this same employer for wages and whose wages of that year (all wage
    income, before any deduction or exemption) did not exceed 60,000 yuan, the cumulative
    basic deduction is the whole year's 60,000 yuan from January (replacing 5,000 × months).
    The caller decides whether the worker qualifies.

    Each amount comes as this payment's share plus the ``ytd_*`` total of this year's earlier
    wage payments (for a month's declared deductions: the months up to this one).
    """
    _check_fen(wage_fen=wage_fen)
    _check_fen(ytd_wage_fen=ytd_wage_fen)
    _check_fen(ytd_tax_fen=ytd_tax_fen)
    _check_fen(tax_free_fen=tax_free_fen)
    _check_fen(ytd_tax_free_fen=ytd_tax_free_fen)
    _check_fen(special_deductions_fen=special_deductions_fen)
    _check_fen(ytd_special_deductions_fen=ytd_special_deductions_fen)
    _check_fen(special_additional_fen=special_additional_fen)
    _check_fen(ytd_special_additional_fen=ytd_special_additional_fen)
    _check_month(months_employed=months_employed)
    cumulative_wage_fen = ytd_wage_fen + wage_fen
    cumulative_tax_free_fen = ytd_tax_free_fen + tax_free_fen
    if cumulative_tax_free_fen > cumulative_wage_fen:
        raise ValueError("tax-free income exceeds wages (tax_free_fen + ytd_tax_free_fen)")

    basic_fen = (
        ANNUAL_BASIC_DEDUCTION_FEN
        if annual_basic_deduction
        else MONTHLY_BASIC_DEDUCTION_FEN * months_employed
    )
    with localcontext(_CONTEXT):
        taxable = Decimal(
            cumulative_wage_fen
            - cumulative_tax_free_fen
            - basic_fen
            - (ytd_special_deductions_fen + special_deductions_fen)
            - (ytd_special_additional_fen + special_additional_fen)
        )
        return _cumulative_result(
            method=TaxMethod.WAGES_CUMULATIVE,
            taxable=taxable,
            ytd_tax_fen=ytd_tax_fen,
            payment_fen=wage_fen,
        )


def deemed_rate(*, income_fen: int, rate: Decimal) -> TaxResult:
    """Tax on business income assessed at a deemed rate on revenue (经营所得核定征收).

    Rule: tax = income × rate, rounded once. The rate (e.g. ``Decimal("0.005")``,
    ``Decimal("0.01")``, ``Decimal("0.015")``) is the one the competent tax authority set for
    the taxpayer under its power to assess tax (核定应纳税额: 税收征收管理法第三十五条,
    税收征收管理法实施细则第四十七条; for sole proprietorships and partnerships 财税〔2000〕91号),
    so it is an input: this module does not decide whether deemed assessment is allowed or which
    rate applies. It must be a ``Decimal`` (a float would carry binary error into the tax)
    between 0 and 1.
    """
    _check_fen(income_fen=income_fen)
    if not isinstance(rate, Decimal):
        raise TypeError(f"rate must be a Decimal, got {type(rate).__name__}")
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise ValueError(f"rate must be between 0 and 1, got {rate}")

    with localcontext(_CONTEXT):
        tax_fen = _round_fen(income_fen * rate)
    return TaxResult(
        method=TaxMethod.DEEMED_RATE,
        tax_fen=tax_fen,
        taxable_fen=income_fen,
        rate=rate,
        quick_deduction_fen=0,
    )


def _cumulative_result(
    *, method: TaxMethod, taxable: Decimal, ytd_tax_fen: int, payment_fen: int
) -> TaxResult:
    taxable = max(taxable, Decimal(0))
    bracket = _bracket(CUMULATIVE_TABLE, taxable)
    cumulative_tax_fen = _round_fen(taxable * bracket.rate - bracket.quick_deduction_fen)
    tax_fen, uncollected_fen = _withhold(
        due_total_fen=cumulative_tax_fen, withheld_fen=ytd_tax_fen, payment_fen=payment_fen
    )
    return TaxResult(
        method=method,
        tax_fen=tax_fen,
        taxable_fen=_round_fen(taxable),
        rate=bracket.rate,
        quick_deduction_fen=bracket.quick_deduction_fen,
        cumulative_tax_fen=cumulative_tax_fen,
        uncollected_fen=uncollected_fen,
    )


def _withhold(*, due_total_fen: int, withheld_fen: int, payment_fen: int) -> tuple[int, int]:
    """(to withhold now, due now but more than the payment) given the period's total tax."""
    due_now_fen = max(0, due_total_fen - withheld_fen)
    tax_fen = min(due_now_fen, payment_fen)
    return tax_fen, due_now_fen - tax_fen


def _bracket(table: tuple[Bracket, ...], taxable: Decimal) -> Bracket:
    for bracket in table:
        if bracket.upper_fen is None or taxable <= bracket.upper_fen:
            return bracket
    raise AssertionError("a rate table ends with an uncapped bracket")


def _round_fen(amount: Decimal) -> int:
    return money.round_fen(amount)


def _check_fen(**amount: int) -> None:
    ((name, value),) = amount.items()
    # bool is an int subclass; True fen is a bug, not an amount.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int amount in fen, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _check_month(**month: int) -> None:
    ((name, value),) = month.items()
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 1 <= value <= 12:
        raise ValueError(f"{name} must be between 1 and 12, got {value}")
