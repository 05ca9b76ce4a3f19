"""Tax edge cases of issue 11 (F4), table-driven, each with its legal basis: the months of
employment, declared deductions, the 60,000-yuan rule, the date of a settlement and the
natural-person-invoicing mode."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from xinghuo.accounts import services as account_services
from xinghuo.core.exceptions import NotFound
from xinghuo.settlement import services
from xinghuo.settlement.models import (
    DeclaredDeduction,
    Employment,
    SettlementPolicy,
    Withholding,
)
from xinghuo.settlement.services import corrections, tax, tax_facts
from xinghuo.work_orders.models import WorkOrder

BEIJING = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=BEIJING)


def settle_at(make_order, owner, org, worker, price_fen: int, when: datetime) -> Withholding:
    """An order of `org` given to `worker` and settled at `when` (the settlement service
    itself, with an explicit time: the lifecycle before acceptance is not the point here)."""
    order = make_order(owner=owner, organization=org, price_fen=price_fen)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    order.refresh_from_db()
    withholding = services.order_settle(order=order, at=when)
    assert withholding is not None
    return withholding


# --- pure rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "current_month", "months"),
    [
        ([(date(2026, 3, 10), None)], 5, 3),  # hired 10 March: March counts
        ([(date(2025, 6, 1), None)], 5, 5),  # hired last year: from January
        ([(date(2026, 3, 1), date(2026, 4, 30)), (date(2026, 7, 1), None)], 8, 4),  # re-hired
        ([(date(2024, 1, 1), date(2025, 12, 31))], 3, 1),  # left last year: this month only
        ([], 6, 1),  # no record: the month of the wage itself
        ([(date(2026, 1, 1), date(2026, 2, 15))], 2, 2),  # left mid-February: February counts
    ],
)
def test_employment_months_count_from_the_month_of_hire_this_year(periods, current_month, months):
    """国家税务总局公告2018年第61号第六条: 累计减除费用 = 5,000 yuan × 纳税人当年截至本月在本
    单位的任职受雇月份数 — months of employment with this employer this year, from the month
    of hire (not from the first wage), the current month included."""
    assert tax.employment_months(periods=periods, year=2026, current_month=current_month) == months


@pytest.mark.parametrize(
    ("wage", "ytd_wage", "ytd_tax", "months", "annual", "tax_fen"),
    [
        # January 10,000: the whole 60,000 from January → nothing; without the rule 150.
        (1_000_000, 0, 0, 1, True, 0),
        (1_000_000, 0, 0, 1, False, 15_000),
        # July, 70,000 cumulative: 10,000 × 3 % = 300.
        (1_000_000, 6_000_000, 0, 7, True, 30_000),
        # December, 120,000 cumulative: 60,000 taxable → 60,000 × 10 % − 2,520 = 3,480 − 300.
        (1_000_000, 11_000_000, 30_000, 12, True, 318_000),
    ],
)
def test_the_60000_yuan_rule_deducts_the_whole_year_from_january(
    wage, ytd_wage, ytd_tax, months, annual, tax_fen
):
    """国家税务总局公告2020年第19号: an employee whose every month of last year was declared by
    the same employer for wages, and whose wages of that year did not exceed 60,000 yuan, has
    累计减除费用 of 60,000 yuan from January (预扣率表一 of 2018年第61号 otherwise unchanged)."""
    result = tax.wages_cumulative(
        wage_fen=wage,
        ytd_wage_fen=ytd_wage,
        ytd_tax_fen=ytd_tax,
        months_employed=months,
        annual_basic_deduction=annual,
    )
    assert result.tax_fen == tax_fen


# --- through settlement --------------------------------------------------------------------


@pytest.fixture
def payroll(make_employer, make_worker, db):
    owner, org = make_employer(escrow_fen=50_000_000)
    SettlementPolicy.objects.create(organization=org, mode="payroll", fee_payer="employer")
    return owner, org, make_worker(name="周八")


@pytest.mark.parametrize(
    ("hired_on", "paid", "tax_fen"),
    [
        # Hired 10 March, first wage in May: 3 months → 10,000 − 15,000 < 0 → 0 (was 150).
        (date(2026, 3, 10), [(5, 1_000_000)], [0]),
        # No employment recorded: from the month of the first wage, 10,000 − 5,000 → 150.
        (None, [(5, 1_000_000)], [15_000]),
        # Hired last November, one wage of 20,000 in March: 3 months → 5,000 × 3 % = 150.
        (date(2025, 11, 1), [(3, 2_000_000)], [15_000]),
        # Hired in January, wages in February and April: 2 then 4 months → 0 and 0
        # (counting from the first wage it was 150, then 0).
        (date(2026, 1, 5), [(2, 1_000_000), (4, 1_000_000)], [0, 0]),
    ],
)
def test_wages_count_the_months_from_the_hire_with_this_employer(
    payroll, make_order, operator, hired_on, paid, tax_fen
):
    """国家税务总局公告2018年第61号第六条 (累计预扣法): the cumulative basic deduction counts
    the months employed by this employer this year (任职受雇月份数), from the month of hire."""
    owner, org, worker = payroll
    if hired_on:
        tax_facts.employment_record(actor=owner, organization=org, worker=worker, hired_on=hired_on)
    rows = [settle_at(make_order, owner, org, worker, fen, at(2026, m, 20)) for m, fen in paid]
    assert {r.method for r in rows} == {tax.TaxMethod.WAGES_CUMULATIVE}
    assert [r.tax_fen for r in rows] == tax_fen


@pytest.mark.parametrize(
    ("declared", "tax_fen"),
    [
        # January wage 10,000; 1,000 social insurance + 2,000 专项附加扣除 declared for January:
        # 10,000 − 5,000 − 1,000 − 2,000 = 2,000 × 3 % = 60.
        ([(1, 100_000, 200_000)], 6_000),
        # Declared for February only: not in January's wage.
        ([(2, 100_000, 200_000)], 15_000),
        # More than the wage leaves: nothing withheld, nothing refunded.
        ([(1, 300_000, 300_000)], 0),
    ],
)
def test_declared_deductions_enter_the_wage_computation(payroll, make_order, declared, tax_fen):
    """个人所得税法第六条第一款第一项 and 国家税务总局公告2018年第61号第六条: 累计预扣预缴应纳税
    所得额 = 累计收入 − 累计免税收入 − 累计减除费用 − 累计专项扣除 (the employee's social
    insurance and housing fund) − 累计专项附加扣除 − 累计依法确定的其他扣除."""
    owner, org, worker = payroll
    tax_facts.employment_record(
        actor=owner, organization=org, worker=worker, hired_on=date(2025, 1, 1)
    )
    for month, special, additional in declared:
        tax_facts.deduction_declare(
            actor=worker.user,
            organization=org,
            worker=worker,
            year=2026,
            month=month,
            special_fen=special,
            special_additional_fen=additional,
        )
    w = settle_at(make_order, owner, org, worker, 1_000_000, at(2026, 1, 25))
    assert w.tax_fen == tax_fen


@pytest.mark.parametrize(
    ("last_year", "tax_fen"),
    [
        # Twelve months of 4,000 with this employer (48,000 ≤ 60,000): January 10,000 → 0.
        ([400_000] * 12, 0),
        # Exactly 60,000 still qualifies (不超过).
        ([500_000] * 12, 0),
        # 60,012: over the ceiling → 10,000 − 5,000 = 5,000 × 3 % = 150.
        ([500_100] * 12, 15_000),
        # Eleven months only (hired in February last year): not the whole year → 150.
        ([0] + [400_000] * 11, 15_000),
    ],
)
def test_the_60000_yuan_rule_through_settlement(payroll, make_order, last_year, tax_fen):
    """国家税务总局公告2020年第19号: the 60,000-yuan deduction from January applies when every
    month of the last full year was declared by the same employer for wages and those wages
    were at most 60,000 yuan; otherwise 5,000 yuan × months (2018年第61号第六条)."""
    owner, org, worker = payroll
    tax_facts.employment_record(
        actor=owner, organization=org, worker=worker, hired_on=date(2025, 1, 1)
    )
    for month, fen in enumerate(last_year, start=1):
        if fen:
            settle_at(make_order, owner, org, worker, fen, at(2025, month, 28))
    w = settle_at(make_order, owner, org, worker, 1_000_000, at(2026, 1, 28))
    assert (w.year, w.month, w.tax_fen) == (2026, 1, tax_fen)


@pytest.mark.parametrize(
    ("when", "period", "tax_fen"),
    [
        # The last second of January files in January: 20,000 × 80 % − 5,000 × 1 = 11,000
        # × 3 % = 330, less the 90 withheld on the first payment.
        (at(2026, 1, 31, 23, 59, 59), (2026, 1), 24_000),
        # A second later it is February: two months → 6,000 × 3 % = 180 − 90.
        (at(2026, 2, 1, 0, 0, 0), (2026, 2), 9_000),
    ],
)
def test_a_settlement_reads_its_date_once(
    make_employer, make_worker, make_order, when, period, tax_fen
):
    """国家税务总局公告2018年第61号第二条 and 2025年第16号: tax is withheld and declared for the
    month the income is paid (支付所得的次月十五日内缴入国库, declared for 所属期 = the month
    of payment). The settlement's one instant (Beijing time) decides that month for both the
    tax computation and the declaration record."""
    owner, org = make_employer()
    worker = make_worker()
    first = settle_at(make_order, owner, org, worker, 1_000_000, at(2026, 1, 5))
    assert first.tax_fen == 9_000
    w = settle_at(make_order, owner, org, worker, 1_000_000, when)
    assert ((w.year, w.month), w.tax_fen) == (period, tax_fen)


@pytest.mark.parametrize(
    ("registration", "method", "tax_fen"),
    [
        # No business registration: labour remuneration per payment, 10,000 × 80 % × 20 %.
        (None, tax.TaxMethod.LABOUR_PER_PAYMENT, 160_000),
        # Registered but not yet verified by an operator: still labour remuneration.
        ("submitted", tax.TaxMethod.LABOUR_PER_PAYMENT, 160_000),
        # Verified: business income at the deemed rate, 10,000 × 1.5 %.
        ("verified", tax.TaxMethod.DEEMED_RATE, 15_000),
    ],
)
def test_natural_person_invoicing_is_labour_remuneration_without_a_business_registration(
    make_employer, make_worker, make_order, operator, registration, method, tax_fen
):
    """个人所得税法实施条例第六条第一款: pay for a service an individual performs (设计、咨询、
    安装、维修…) is 劳务报酬所得 (第二项), withheld per payment under 国家税务总局公告2018年第61号
    第八条 (预扣率表二); only income of a registered 个体工商户 is 经营所得 (第五项), which the
    tax authority may assess at a deemed rate (税收征收管理法第三十五条)."""
    owner, org = make_employer()
    SettlementPolicy.objects.create(
        organization=org, mode="natural_person_invoice", deemed_rate=D("0.0150")
    )
    worker = make_worker()
    if registration:
        tax_facts.business_registration_submit(
            worker=worker, registration_number="92330106MA2H00001X", business_name="李四维修部"
        )
    if registration == "verified":
        tax_facts.business_registration_verify(operator=operator, worker_id=worker.pk)
    w = settle_at(make_order, owner, org, worker, 1_000_000, at(2026, 3, 3))
    assert (w.method, w.tax_fen) == (method, tax_fen)
    assert w.mode == "natural_person_invoice"  # the mode, whichever method it used


def test_only_an_operator_verifies_a_business_registration_and_bad_numbers_are_refused(
    make_worker, db
):
    worker = make_worker()
    with pytest.raises(Exception) as bad:
        tax_facts.business_registration_submit(worker=worker, registration_number="12\x00")
    assert getattr(bad.value, "code", "") == "invalid_registration_number"
    tax_facts.business_registration_submit(worker=worker, registration_number="92330106MA2H00001X")
    someone = account_services.user_create(phone="13800077777", password="Xinghuo@2026", name="某")
    with pytest.raises(NotFound):
        tax_facts.business_registration_verify(operator=someone, worker_id=worker.pk)
    assert not tax_facts.has_verified_business_registration(worker_id=worker.pk)


def test_only_the_employers_finance_records_an_employment(make_employer, make_worker, db):
    from xinghuo.core.exceptions import PermissionDenied

    _owner, org = make_employer(escrow_fen=0, verified=False)
    worker = make_worker()
    stranger, _other = make_employer(escrow_fen=0, verified=False)
    with pytest.raises(PermissionDenied):
        tax_facts.employment_record(
            actor=stranger, organization=org, worker=worker, hired_on=date(2026, 1, 1)
        )


def test_tax_facts_through_the_api(api, make_employer, make_worker, make_order, operator, db):
    owner, org = make_employer(escrow_fen=0, verified=False)
    stranger, _other = make_employer(escrow_fen=0, verified=False)
    worker = make_worker()
    employment = {"worker_id": worker.pk, "hired_on": "2026-03-10"}
    url = f"/organizations/{org.pk}/employments"
    assert api(stranger).post(url, employment).status_code == 404
    # A worker who never held an order of this employer is the same 404 as a missing one:
    # no probing of worker ids, no facts about strangers.
    never = api(owner).post(url, employment)
    assert never.status_code == 404 and never.json()["code"] == "worker_not_found"
    order = make_order(owner=owner, organization=org)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    made = api(owner).post(url, employment)
    assert made.status_code == 201 and made.json()["hired_on"] == "2026-03-10"
    bad = api(owner).post(url, {**employment, "left_on": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_employment"
    assert api(owner).post(url, {**employment, "worker_id": 10**9}).status_code == 404
    deduction = {"worker_id": worker.pk, "year": 2026, "month": 3, "special_fen": 100_000}
    deductions = f"/organizations/{org.pk}/declared-deductions"
    assert api(owner).post(deductions, deduction).status_code == 201
    assert api(owner).post(deductions, {**deduction, "special_fen": -1}).status_code == 422
    assert api(owner).post(deductions, {**deduction, "month": 13}).status_code == 422

    me = api(worker.user)
    sent = me.post(
        "/workers/me/business-registration", {"registration_number": "92330106MA2H00001X"}
    )
    assert sent.status_code == 201 and sent.json()["is_verified"] is False
    verify = f"/workers/{worker.pk}/business-registration/verify"
    assert me.post(verify).status_code == 404
    assert api(owner).post(verify).status_code == 404
    verified = api(operator).post(verify)
    assert verified.status_code == 200 and verified.json()["is_verified"] is True


@pytest.mark.parametrize(
    "dates",
    [
        {"hired_on": "0001-01-01"},
        {"hired_on": "9999-12-31"},
        {"hired_on": "2026-01-01", "left_on": "9999-12-31"},
    ],
)
def test_an_absurd_hiring_date_is_refused_and_records_nothing(
    api, make_employer, make_worker, make_order, dates
):
    owner, org = make_employer(escrow_fen=0)
    worker = make_worker()
    order = make_order(owner=owner, organization=org)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    body = {"worker_id": worker.pk, **dates}
    answer = api(owner).post(f"/organizations/{org.pk}/employments", body)
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_employment"
    assert not Employment.objects.exists()


def test_a_corrected_deemed_rate_payment_is_retaxed_on_its_corrected_amount(
    make_employer, make_worker, make_order, operator
):
    """Deemed rate: a correction recomputes the payment's own tax on the corrected gross
    (10,000 → 9,500 → 9,200 yuan at 1.5 %) against what it withheld, and each correction
    carries only what it newly finds over-withheld."""
    owner, org = make_employer()
    SettlementPolicy.objects.create(
        organization=org, mode="natural_person_invoice", deemed_rate=D("0.0150")
    )
    worker = make_worker()
    tax_facts.business_registration_submit(
        worker=worker, registration_number="92330106MA2H00001X", business_name="李四维修部"
    )
    tax_facts.business_registration_verify(operator=operator, worker_id=worker.pk)
    w = settle_at(make_order, owner, org, worker, 1_000_000, at(2026, 3, 3))
    assert (w.method, w.tax_fen) == (tax.TaxMethod.DEEMED_RATE, 15_000)
    found = [
        corrections.correction_request(
            operator=operator,
            order_id=w.order_id,
            kind="amount",
            reason="少算了材料",
            key=f"DEEMED-{gross}",
            new_gross_fen=gross,
        )
        for gross in (950_000, 920_000)
    ]
    assert [(c.tax_before_fen, c.tax_after_fen, c.carry_open_fen) for c in found] == [
        (15_000, 14_250, 750),
        (15_000, 13_800, 450),
    ]


@pytest.mark.parametrize("worker_id", [0, -1, 2**63, 10**30])
@pytest.mark.parametrize("path", ["employments", "declared-deductions"])
def test_a_hostile_worker_id_in_a_tax_fact_is_a_404_not_a_500(api, make_employer, worker_id, path):
    owner, org = make_employer(escrow_fen=0)
    body = {"worker_id": worker_id, "hired_on": "2026-03-10", "year": 2026, "month": 3}
    answer = api(owner).post(f"/organizations/{org.pk}/{path}", body)
    assert answer.status_code == 404 and answer.json()["code"] == "worker_not_found"
    assert not Employment.objects.exists() and not DeclaredDeduction.objects.exists()
