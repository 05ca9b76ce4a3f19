"""The monthly individual income tax withholding declaration (个人所得税扣缴申报)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from xinghuo.core import money
from xinghuo.workforce.models import Worker

from ...models import Correction, Withholding
from .. import tax
from .xlsx import _Book, _local, yuan

M = tax.TaxMethod

#: 所得项目 of each tax method (个人所得税法第二条).
INCOME_ITEMS: dict[str, str] = {
    M.PLATFORM_CUMULATIVE: "劳务报酬所得",
    M.LABOUR_PER_PAYMENT: "劳务报酬所得",
    M.WAGES_CUMULATIVE: "工资、薪金所得",
    M.DEEMED_RATE: "经营所得",
}
METHOD_LABELS: dict[str, str] = {
    M.PLATFORM_CUMULATIVE: "累计预扣法（互联网平台）",
    M.LABOUR_PER_PAYMENT: "按次预扣",
    M.WAGES_CUMULATIVE: "累计预扣法（工资薪金）",
    M.DEEMED_RATE: "核定征收",
}
ID_TYPE = "居民身份证"
# The platform does not collect identity document numbers yet (the identity issue will).
ID_NUMBER_PENDING = ""
ID_NUMBER_NOTE = (
    "证件号码：平台尚未采集服务人员的身份证件号码，本列暂留空，须在实名认证上线后补全再报送。"
)

_EXPENSE_RATE = Decimal("0.20")  # 劳务报酬: 20 % expenses (above 4,000 yuan; platform method)
_QUICK_DEDUCTIONS: dict[str, dict[Decimal, int]] = {
    M.PLATFORM_CUMULATIVE: {b.rate: b.quick_deduction_fen for b in tax.CUMULATIVE_TABLE},
    M.WAGES_CUMULATIVE: {b.rate: b.quick_deduction_fen for b in tax.CUMULATIVE_TABLE},
    M.LABOUR_PER_PAYMENT: {b.rate: b.quick_deduction_fen for b in tax.LABOUR_PER_PAYMENT_TABLE},
}
_CUMULATIVE = (M.PLATFORM_CUMULATIVE, M.WAGES_CUMULATIVE)


def withholding_agent_name() -> str:
    return str(getattr(settings, "PLATFORM_LEGAL_NAME", "星火平台"))


def worker_fee_fen(withholding: Withholding) -> int:
    """The part of the platform fee taken from the worker's pay (the rest the employer paid):
    settlement pays the worker gross − tax − his fee."""
    return withholding.income_fen - withholding.tax_fen - withholding.net_fen


# --- the monthly withholding declaration -------------------------------------------------


@dataclass(frozen=True)
class DeclarationLine:
    """One line of the declaration: one worker, one income item (and, where the tax is
    computed per payer, one employer) in the month.

    ``income_fen``/``expense_fen``/``tax_fen`` are this month's (本期); ``ytd_*`` and
    ``deduction_fen`` are the year's so far (累计) for the cumulative methods and equal the
    month's figures for the others (``deduction_fen`` is None where no basic deduction
    applies). ``taxable_fen`` is what the tax module taxed: the year's cumulative taxable,
    the month's combined payment of one payer (按次), or the income (核定征收).
    """

    worker: Worker
    method: str
    payers: tuple[str, ...]
    income_fen: int
    expense_fen: int
    ytd_income_fen: int
    ytd_expense_fen: int
    deduction_fen: int | None
    taxable_fen: int
    rate: Decimal
    quick_deduction_fen: int
    tax_fen: int
    payments: int

    @property
    def income_item(self) -> str:
        return INCOME_ITEMS.get(self.method, self.method)

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)


def _round_fen(amount: Decimal) -> int:
    return money.round_fen(amount)


def _labour_expense(income_fen: int) -> int:
    return _round_fen(income_fen * _EXPENSE_RATE)


def _line_key(w: Withholding) -> tuple[Any, ...]:
    """Lines group what the tax module taxed together: the platform method over all the
    worker's employers; wages and per-payment labour per employer (本单位, 每次 per payer);
    the deemed rate per employer and rate."""
    if w.method == M.PLATFORM_CUMULATIVE:
        return (w.worker_id, w.method, None, None)
    if w.method == M.DEEMED_RATE:
        return (w.worker_id, w.method, w.organization_id, w.rate)
    return (w.worker_id, w.method, w.organization_id, None)


def _cumulative_months(*, year: int, month: int, worker_ids: set[int]) -> dict[Any, dict[int, int]]:
    """Income per month of the year up to `month`, per cumulative line key."""
    rows = (
        Withholding.objects.filter(
            year=year, month__lte=month, worker_id__in=worker_ids, method__in=_CUMULATIVE
        )
        .values_list("worker_id", "method", "organization_id", "month", "income_fen")
        .order_by()
    )
    months: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for worker_id, method, org_id, row_month, income in rows:
        org = org_id if method == M.WAGES_CUMULATIVE else None
        months[(worker_id, method, org, None)][row_month] += income
    return months


def declaration_lines(*, year: int, month: int) -> list[DeclarationLine]:
    """The declaration of `year`-`month`: every payment withheld on in that month, grouped."""
    rows = list(
        Withholding.objects.filter(year=year, month=month)
        .select_related("worker__user", "organization")
        .order_by("worker_id", "created_at", "pk")
    )
    groups: dict[tuple[Any, ...], list[Withholding]] = defaultdict(list)
    for w in rows:
        groups[_line_key(w)].append(w)
    ytd = _cumulative_months(year=year, month=month, worker_ids={w.worker_id for w in rows})
    lines = []
    for key, items in groups.items():
        last = items[-1]
        method = last.method
        income = sum(w.income_fen for w in items)
        payers = tuple(dict.fromkeys(w.organization.name for w in items))
        taxable = last.taxable_fen
        deduction: int | None = None
        if method in _CUMULATIVE:
            by_month = ytd[key]
            ytd_income = sum(by_month.values())
            earlier = ytd_income - by_month[month]
            if method == M.PLATFORM_CUMULATIVE:
                # As settlement counted them: 5,000 yuan per consecutive month with income.
                n = tax.consecutive_income_months(months_with_income=by_month, current_month=month)
                ytd_expense = _labour_expense(ytd_income)
                expense = ytd_expense - _labour_expense(earlier)
            else:
                n = month - min(by_month) + 1  # months employed by this employer this year
                ytd_expense = expense = 0
            deduction = tax.MONTHLY_BASIC_DEDUCTION_FEN * n
        elif method == M.LABOUR_PER_PAYMENT:
            # 800 yuan up to 4,000, else 20 %: whatever the module deducted from the month's
            # combined payment of this payer.
            ytd_income = income
            ytd_expense = expense = income - taxable
        else:
            taxable = sum(w.taxable_fen for w in items)
            ytd_income, ytd_expense, expense = income, 0, 0
        lines.append(
            DeclarationLine(
                worker=last.worker,
                method=method,
                payers=payers,
                income_fen=income,
                expense_fen=expense,
                ytd_income_fen=ytd_income,
                ytd_expense_fen=ytd_expense,
                deduction_fen=deduction,
                taxable_fen=taxable,
                rate=last.rate,
                quick_deduction_fen=_QUICK_DEDUCTIONS.get(method, {}).get(last.rate, 0),
                tax_fen=sum(w.tax_fen for w in items),
                payments=len(items),
            )
        )
    order = {method: n for n, method in enumerate(INCOME_ITEMS)}
    lines.sort(key=lambda line: (line.worker.pk, order.get(line.method, 9), line.payers))
    return lines


DECLARATION_COLUMNS = (
    ("序号", 6, None),
    ("姓名", 12, None),
    ("证件类型", 12, None),
    ("证件号码", 22, None),
    ("所得项目", 16, None),
    ("计税方式", 24, None),
    ("支付单位", 28, None),
    ("本期收入", 14, "money"),
    ("本期费用", 14, "money"),
    ("累计收入", 14, "money"),
    ("累计费用", 14, "money"),
    ("累计减除费用", 14, "money"),
    ("应纳税所得额", 14, "money"),
    ("税率", 9, "rate"),
    ("速算扣除数", 12, "money"),
    ("本期已扣缴税额", 15, "money"),
)
DETAIL_COLUMNS = (
    ("序号", 6, None),
    ("姓名", 12, None),
    ("证件号码", 22, None),
    ("所得项目", 16, None),
    ("计税方式", 24, None),
    ("工单号", 9, None),
    ("工单名称", 24, None),
    ("支付单位", 28, None),
    ("结算时间", 17, "datetime"),
    ("收入", 14, "money"),
    ("应纳税所得额", 14, "money"),
    ("税率", 9, "rate"),
    ("已扣缴税额", 14, "money"),
)


def withholding_declaration_xlsx(*, year: int, month: int) -> bytes:
    """The platform's withholding declaration for `year`-`month` as an xlsx file: a summary
    sheet (one line per worker and income item, with a totals row), the payments behind it
    and a sheet of notes."""
    lines = declaration_lines(year=year, month=month)
    amendments = list(
        Correction.objects.filter(year=year, month=month, status=Correction.Status.EXECUTED)
        .select_related("worker__user", "organization")
        .order_by("executed_at", "pk")
    )
    book = _Book()
    _summary_sheet(book, year=year, month=month, lines=lines, amendments=len(amendments))
    _detail_sheet(book, year=year, month=month)
    if amendments:
        _amendment_sheet(book, year=year, month=month, corrections=amendments)
    _notes_sheet(book)
    return book.save()


def _summary_sheet(
    book: _Book, *, year: int, month: int, lines: list[DeclarationLine], amendments: int
) -> None:
    """One line per worker and income item, with a totals row."""
    sheet = book.sheet(
        "扣缴申报表",
        title=f"个人所得税扣缴申报表（{year}年{month}月）" + ("（更正申报）" if amendments else ""),
        facts=[
            f"扣缴义务人：{withholding_agent_name()}",
            f"税款所属期：{year}年{month}月",
            "申报类型：" + (f"更正申报（{amendments}笔结算更正）" if amendments else "正常申报"),
            "金额单位：人民币元（列至角分）",
        ],
        columns=DECLARATION_COLUMNS,
    )
    for n, line in enumerate(lines, start=1):
        sheet.row(
            n,
            line.worker.user.name,
            ID_TYPE,
            ID_NUMBER_PENDING,
            line.income_item,
            line.method_label,
            "、".join(line.payers),
            yuan(line.income_fen),
            yuan(line.expense_fen),
            yuan(line.ytd_income_fen),
            yuan(line.ytd_expense_fen),
            None if line.deduction_fen is None else yuan(line.deduction_fen),
            yuan(line.taxable_fen),
            line.rate,
            yuan(line.quick_deduction_fen),
            yuan(line.tax_fen),
        )
    # Cumulative columns do not add up across lines; this month's do.
    sheet.totals(
        f"合计（{len({line.worker.pk for line in lines})}人）",
        {
            "本期收入": sum(line.income_fen for line in lines),
            "本期费用": sum(line.expense_fen for line in lines),
            "本期已扣缴税额": sum(line.tax_fen for line in lines),
        },
    )
    sheet.note(4, ID_NUMBER_NOTE)


def _detail_sheet(book: _Book, *, year: int, month: int) -> None:
    """The payments behind the declaration, one row per settlement."""
    detail = book.sheet(
        "扣缴明细",
        title=f"扣缴明细（{year}年{month}月）：每笔结算",
        facts=[f"扣缴义务人：{withholding_agent_name()}"],
        columns=DETAIL_COLUMNS,
    )
    rows = (
        Withholding.objects.filter(year=year, month=month)
        .select_related("worker__user", "organization", "order")
        .order_by("worker_id", "created_at", "pk")
    )
    income = tax_fen = 0
    for n, w in enumerate(rows, start=1):
        detail.row(
            n,
            w.worker.user.name,
            ID_NUMBER_PENDING,
            INCOME_ITEMS.get(w.method, w.method),
            METHOD_LABELS.get(w.method, w.method),
            w.order_id,
            w.order.title,
            w.organization.name,
            _local(w.created_at),
            yuan(w.income_fen),
            yuan(w.taxable_fen),
            w.rate,
            yuan(w.tax_fen),
        )
        income += w.income_fen
        tax_fen += w.tax_fen
    detail.totals("合计", {"收入": income, "已扣缴税额": tax_fen})


def _notes_sheet(book: _Book) -> None:
    book.notes(
        "说明",
        [
            ID_NUMBER_NOTE,
            "所得项目：灵活用工按互联网平台累计预扣法（国家税务总局公告2025年第16号）预扣劳务报酬所得；"
            "成本票模式按次预扣劳务报酬所得（同一支付单位同月多次支付合并为一次）；"
            "工资代发按累计预扣法预扣工资、薪金所得；自然人代开按核定征收率计征经营所得。",
            "本期收入、本期费用、本期已扣缴税额为本月数；累计收入、累计费用、累计减除费用为本年截至本月的累计数"
            "（累计预扣法）；按次预扣与核定征收的累计列即本月数。",
            "费用：劳务报酬所得收入不超过4,000元的减除800元，超过的减除20%（平台累计预扣法一律20%）；"
            "工资、薪金所得与经营所得无此项。",
            "累计减除费用：5,000元×月份数（平台：本年截至本月在本平台连续取得劳务报酬的月份数；"
            "工资：本年在本单位任职受雇的月份数）。",
            "应纳税所得额：累计预扣法为本年累计应纳税所得额（累计收入−累计费用−累计减除费用，不低于0）；"
            "按次预扣为本月该支付单位合并一次的应纳税所得额；核定征收为收入额。",
            "本期已扣缴税额 = 应纳税所得额×税率−速算扣除数−本年此前已扣缴税额"
            "（不退税，且不超过支付额）。",
            "金额由以分为单位的记录精确换算为元；仅20%费用四舍五入至分。",
        ],
    )


AMENDMENT_COLUMNS = (
    ("序号", 6, None),
    ("姓名", 12, None),
    ("工单号", 9, None),
    ("支付单位", 28, None),
    ("更正时间", 17, "datetime"),
    ("原收入", 14, "money"),
    ("更正后收入", 14, "money"),
    ("本月原扣缴税额", 15, "money"),
    ("本月重算税额", 15, "money"),
    ("更正原因", 30, None),
)


def _amendment_sheet(
    book: _Book, *, year: int, month: int, corrections: Sequence[Correction]
) -> None:
    """The corrections that amend this month: the payment's income before and after, the
    month's tax as withheld and as recomputed (the difference is carried in the worker's next
    withholding, not refunded here)."""
    sheet = book.sheet(
        "更正明细",
        title=f"更正明细（{year}年{month}月）",
        facts=["本月已申报的收入经更正；差额税款在纳税人下一次预扣时结转。"],
        columns=AMENDMENT_COLUMNS,
    )
    for n, c in enumerate(corrections, start=1):
        sheet.row(
            n,
            c.worker.user.name,
            c.order_id,
            c.organization.name,
            _local(c.executed_at) if c.executed_at else None,
            yuan(c.old_gross_fen),
            yuan(c.new_gross_fen),
            yuan(c.tax_before_fen),
            yuan(c.tax_after_fen),
            c.reason,
        )
