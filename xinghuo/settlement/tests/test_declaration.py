"""The xlsx exports: the monthly withholding declaration, a worker's annual statement and an
employer's monthly statement, read back with openpyxl and checked to the fen."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from xinghuo.settlement.models import SettlementPolicy, Withholding
from xinghuo.settlement.services import declaration, tax, tax_facts

pytestmark = pytest.mark.django_db
AT_SITE = {"lat": 30.2601, "lng": 120.1001}


def settle(api, owner, org, worker, make_order, price_fen, title="基站巡检"):
    """An order of `org` done by `worker` and accepted: settlement writes its Withholding."""
    order = make_order(owner=owner, organization=org, price_fen=price_fen, title=title)
    me = api(worker.user)
    assert me.post(f"/work-orders/{order.pk}/grab").status_code == 200
    assert me.post(f"/work-orders/{order.pk}/check-in", AT_SITE).status_code == 200
    resp = me.client.post(
        f"/api/v1/work-orders/{order.pk}/deliver", {"note": "完成"}, headers=me.headers
    )
    assert resp.status_code == 200
    accepted = api(owner).post(
        f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 5}
    )
    assert accepted.status_code == 200
    return Withholding.objects.get(order=order)


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def table(sheet) -> tuple[list[str], list[dict[str, object]]]:
    """The header row (the one starting with 序号, or the first non-title table) and the rows
    under it as dicts, the totals row included."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] in ("序号", "月份"))
    header = list(rows[start])
    return header, [dict(zip(header, row, strict=True)) for row in rows[start + 1 :]]


def money(value) -> Decimal:
    """A cell read back (openpyxl gives floats) as the exact yuan it was written as."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture
def month_of_work(api, make_employer, make_order, make_eligible_worker, operator):
    """This month: 王五 paid 8,000 + 2,000 yuan by a flexible-employment employer (platform
    cumulative method); 赵六 paid 5,000.05 yuan by a cost-invoice employer whose workers pay
    the fee (per-payment labour method) and 1,000.01 yuan by a natural-person-invoice employer
    (deemed rate 1.5 %: he has a verified business registration)."""
    owner_a, flexible = make_employer(name="甲铁塔")
    owner_b, cost = make_employer(name="乙运维")
    owner_c, invoice = make_employer(name="丙通信")
    SettlementPolicy.objects.create(organization=cost, mode="cost_invoice", fee_payer="worker")
    SettlementPolicy.objects.create(
        organization=invoice, mode="natural_person_invoice", deemed_rate=Decimal("0.0150")
    )
    wang = make_eligible_worker(name="王五")
    zhao = make_eligible_worker(name="赵六")
    tax_facts.business_registration_submit(worker=zhao, registration_number="92330106MA2H0000X1")
    tax_facts.business_registration_verify(operator=operator, worker_id=zhao.pk)
    return {
        "wang": wang,
        "zhao": zhao,
        "flexible": flexible,
        "cost": cost,
        "invoice": invoice,
        "rows": [
            settle(api, owner_a, flexible, wang, make_order, 800_000, "蓄电池更换"),
            settle(api, owner_a, flexible, wang, make_order, 200_000, "基站巡检"),
            settle(api, owner_b, cost, zhao, make_order, 500_005, "光缆抢修"),
            settle(api, owner_c, invoice, zhao, make_order, 100_001, "发电保障"),
        ],
    }


def test_the_monthly_declaration_has_one_line_per_worker_and_income_item_and_exact_totals(
    month_of_work,
):
    today = timezone.localdate()
    # What settlement withheld, as the tax rules give it.
    assert [w.tax_fen for w in month_of_work["rows"]] == [4_200, 4_800, 80_001, 1_500]
    book = read(declaration.withholding_declaration_xlsx(year=today.year, month=today.month))
    assert book.sheetnames == ["扣缴申报表", "扣缴明细", "说明"]
    sheet = book["扣缴申报表"]
    assert sheet["A1"].value == f"个人所得税扣缴申报表（{today.year}年{today.month}月）"
    header, rows = table(sheet)
    assert header == [name for name, _w, _k in declaration.DECLARATION_COLUMNS]
    *lines, totals = rows
    assert [(r["序号"], r["姓名"], r["所得项目"], r["支付单位"]) for r in lines] == [
        (1, "王五", "劳务报酬所得", month_of_work["flexible"].name),
        (2, "赵六", "劳务报酬所得", month_of_work["cost"].name),
        (3, "赵六", "经营所得", month_of_work["invoice"].name),
    ]
    assert all(r["证件类型"] == "居民身份证" and r["证件号码"] is None for r in lines)
    amounts = [
        "本期收入",
        "本期费用",
        "累计收入",
        "累计费用",
        "累计减除费用",
        "应纳税所得额",
        "速算扣除数",
        "本期已扣缴税额",
    ]
    got = [[None if r[c] is None else money(r[c]) for c in amounts] for r in lines]
    D = Decimal
    assert got == [
        # platform cumulative: 10,000 × 80 % − 5,000 × 1 month = 3,000 × 3 % = 90 withheld
        [D("10000.00"), D("2000.00"), D("10000.00"), D("2000.00"), D("5000.00"), D("3000.00"),
         D("0.00"), D("90.00")],
        # per payment: 5,000.05 > 4,000 → 20 % expenses, 4,000.04 × 20 % = 800.008 → 800.01
        [D("5000.05"), D("1000.01"), D("5000.05"), D("1000.01"), None, D("4000.04"),
         D("0.00"), D("800.01")],
        # deemed rate: 1,000.01 × 1.5 % = 15.00015 → 15.00
        [D("1000.01"), D("0.00"), D("1000.01"), D("0.00"), None, D("1000.01"),
         D("0.00"), D("15.00")],
    ]  # fmt: skip
    assert [Decimal(str(r["税率"])) for r in lines] == [D("0.03"), D("0.2"), D("0.015")]
    assert totals["序号"] == "合计（2人）"
    assert money(totals["本期收入"]) == D("16000.06")
    assert money(totals["本期费用"]) == D("3000.01")
    assert money(totals["本期已扣缴税额"]) == D("905.01")
    assert totals["累计收入"] is None and totals["应纳税所得额"] is None
    assert sheet.cell(row=sheet.max_row - len(rows), column=4).comment is not None  # ID note

    _header, detail = table(book["扣缴明细"])
    *payments, detail_totals = detail
    assert [(p["姓名"], money(p["收入"]), money(p["已扣缴税额"])) for p in payments] == [
        ("王五", D("8000.00"), D("42.00")),
        ("王五", D("2000.00"), D("48.00")),
        ("赵六", D("5000.05"), D("800.01")),
        ("赵六", D("1000.01"), D("15.00")),
    ]
    assert money(detail_totals["已扣缴税额"]) == money(totals["本期已扣缴税额"])
    assert money(detail_totals["收入"]) == money(totals["本期收入"])


def test_a_month_without_withholding_gives_an_empty_declaration_with_zero_totals(db):
    book = read(declaration.withholding_declaration_xlsx(year=2025, month=3))
    _header, rows = table(book["扣缴申报表"])
    assert len(rows) == 1
    assert rows[0]["序号"] == "合计（0人）" and money(rows[0]["本期已扣缴税额"]) == 0


def test_cumulative_lines_carry_the_year_so_far_and_restart_the_deduction_after_a_gap(
    make_employer, make_order, make_worker
):
    """Rows written as settlement would have in 2025: January and February, then April."""
    owner, org = make_employer()
    worker = make_worker(name="孙七")
    incomes = {1: 33_333, 2: 33_333, 4: 1_000_000}
    ytd_income = ytd_tax = 0
    for month, income in incomes.items():
        order = make_order(owner=owner, organization=org, publish=False, title=f"{month}月")
        months = [m for m in incomes if m <= month]
        result = tax.platform_cumulative(
            income_fen=income,
            ytd_income_fen=ytd_income,
            ytd_tax_fen=ytd_tax,
            months=tax.consecutive_income_months(months_with_income=months, current_month=month),
        )
        Withholding.objects.create(
            worker=worker,
            organization=org,
            order=order,
            year=2025,
            month=month,
            method=result.method,
            income_fen=income,
            taxable_fen=result.taxable_fen,
            rate=result.rate,
            tax_fen=result.tax_fen,
            net_fen=income - result.tax_fen,
        )
        ytd_income += income
        ytd_tax += result.tax_fen

    [jan] = declaration.declaration_lines(year=2025, month=1)
    [feb] = declaration.declaration_lines(year=2025, month=2)
    [apr] = declaration.declaration_lines(year=2025, month=4)
    # 20 % of 333.33 is 66.666: the year's expenses are rounded once and the months add up.
    assert (jan.expense_fen, feb.expense_fen, feb.ytd_expense_fen) == (6_667, 6_666, 13_333)
    assert (jan.deduction_fen, feb.deduction_fen) == (500_000, 1_000_000)
    # March had no income: April starts a new run of months, so one month's deduction.
    assert apr.deduction_fen == 500_000
    assert apr.ytd_income_fen == 1_066_666
    assert apr.taxable_fen == apr.ytd_income_fen - apr.ytd_expense_fen - apr.deduction_fen
    assert (apr.rate, apr.quick_deduction_fen) == (Decimal("0.03"), 0)
    assert apr.tax_fen == Withholding.objects.get(month=4).tax_fen
    assert declaration.declaration_lines(year=2025, month=3) == []


def test_the_annual_statement_lists_each_payment_of_the_worker_with_totals(month_of_work):
    today = timezone.localdate()
    zhao = month_of_work["zhao"]
    book = read(declaration.worker_annual_statement_xlsx(worker=zhao, year=today.year))
    sheet = book.worksheets[0]
    assert "赵六" in sheet["A2"].value
    _header, rows = table(sheet)
    *payments, totals = rows
    D = Decimal
    cols = ("收入", "代扣个税", "服务费（个人承担）", "实得")
    assert [[money(p[c]) for c in cols] for p in payments] == [
        # cost invoice: the worker pays the 6 % fee, 300.0030 → 300.00
        [D("5000.05"), D("800.01"), D("300.00"), D("3900.04")],
        # natural-person invoice: the employer pays the fee
        [D("1000.01"), D("15.00"), D("0.00"), D("985.01")],
    ]
    assert [money(totals[c]) for c in cols] == [
        D("6000.06"),
        D("815.01"),
        D("300.00"),
        D("4885.05"),
    ]
    assert [p["用工单位"] for p in payments] == [
        month_of_work["cost"].name,
        month_of_work["invoice"].name,
    ]
    # Nobody else's payments are in it.
    assert {p["工单名称"] for p in payments} == {"光缆抢修", "发电保障"}
    _h, months = table(book["按月汇总"])
    assert money(months[-1]["代扣个税"]) == D("815.01")


def test_the_employer_statement_shows_its_own_orders_of_the_month_with_fee_and_cost(
    month_of_work,
):
    today = timezone.localdate()
    book = read(
        declaration.employer_monthly_statement_xlsx(
            organization=month_of_work["flexible"], year=today.year, month=today.month
        )
    )
    _header, rows = table(book.worksheets[0])
    *orders, totals = rows
    D = Decimal
    cols = ("工单价格", "平台服务费", "代扣个税", "实发服务人员", "企业支出合计")
    assert [(o["工单名称"], o["服务人员"], o["服务费承担方"]) for o in orders] == [
        ("蓄电池更换", "王五", "企业"),
        ("基站巡检", "王五", "企业"),
    ]
    assert [[money(o[c]) for c in cols] for o in orders] == [
        [D("8000.00"), D("480.00"), D("42.00"), D("7958.00"), D("8480.00")],
        [D("2000.00"), D("120.00"), D("48.00"), D("1952.00"), D("2120.00")],
    ]
    assert [money(totals[c]) for c in cols] == [
        D("10000.00"),
        D("600.00"),
        D("90.00"),
        D("9910.00"),
        D("10600.00"),
    ]
    cost = read(
        declaration.employer_monthly_statement_xlsx(
            organization=month_of_work["cost"], year=today.year, month=today.month
        )
    )
    _h, [order, _totals] = table(cost.worksheets[0])
    assert order["服务费承担方"] == "个人" and money(order["企业支出合计"]) == D("5000.05")


def test_yuan_is_exact():
    assert declaration.yuan(123_456) == Decimal("1234.56")
    assert declaration.yuan(5) == Decimal("0.05")
    assert declaration.yuan(10**15 + 1) == Decimal("10000000000000.01")
