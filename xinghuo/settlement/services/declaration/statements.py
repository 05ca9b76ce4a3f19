"""Statements as xlsx: a worker's annual statement of payments and an employer's monthly
statement of its settled orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from xinghuo.accounts.models import Organization
from xinghuo.workforce.models import Worker

from ...models import Withholding
from .withholding import ID_TYPE, INCOME_ITEMS, withholding_agent_name, worker_fee_fen
from .xlsx import _Book, _local, yuan

# --- a worker's annual statement ---------------------------------------------------------

STATEMENT_COLUMNS = (
    ("序号", 6, None),
    ("结算时间", 17, "datetime"),
    ("工单号", 9, None),
    ("工单名称", 24, None),
    ("用工单位", 28, None),
    ("所得项目", 16, None),
    ("收入", 14, "money"),
    ("代扣个税", 14, "money"),
    ("服务费（个人承担）", 18, "money"),
    ("实得", 14, "money"),
)
MONTH_COLUMNS = (
    ("月份", 8, None),
    ("结算笔数", 10, None),
    ("收入", 14, "money"),
    ("代扣个税", 14, "money"),
    ("服务费（个人承担）", 18, "money"),
    ("实得", 14, "money"),
)


def worker_annual_statement_xlsx(*, worker: Worker, year: int) -> bytes:
    """Every payment to `worker` in `year` with its income, tax, fee and net, and totals;
    a second sheet sums them per month."""
    rows = list(
        Withholding.objects.filter(worker=worker, year=year)
        .select_related("order", "organization")
        .order_by("created_at", "pk")
    )
    book = _Book()
    facts = [
        f"姓名：{worker.user.name}",
        f"证件类型：{ID_TYPE}　证件号码：（待实名认证后补全）",
        f"扣缴义务人：{withholding_agent_name()}",
        "金额单位：人民币元",
    ]
    sheet = book.sheet(
        f"{year}年收入明细",
        title=f"{year}年度收入及个人所得税扣缴明细",
        facts=facts,
        columns=STATEMENT_COLUMNS,
    )
    months: dict[int, list[Withholding]] = defaultdict(list)
    for n, w in enumerate(rows, start=1):
        months[w.month].append(w)
        sheet.row(
            n,
            _local(w.created_at),
            w.order_id,
            w.order.title,
            w.organization.name,
            INCOME_ITEMS.get(w.method, w.method),
            yuan(w.income_fen),
            yuan(w.tax_fen),
            yuan(worker_fee_fen(w)),
            yuan(w.net_fen),
        )
    sheet.totals("合计", _sums(rows))
    by_month = book.sheet(
        "按月汇总", title=f"{year}年度按月汇总", facts=facts[:1], columns=MONTH_COLUMNS
    )
    for month, items in sorted(months.items()):
        sums = _sums(items)
        by_month.row(
            f"{month}月",
            len(items),
            yuan(sums["收入"]),
            yuan(sums["代扣个税"]),
            yuan(sums["服务费（个人承担）"]),
            yuan(sums["实得"]),
        )
    by_month.totals("合计", _sums(rows))
    return book.save()


def _sums(rows: Sequence[Withholding]) -> dict[str, int]:
    return {
        "收入": sum(w.income_fen for w in rows),
        "代扣个税": sum(w.tax_fen for w in rows),
        "服务费（个人承担）": sum(worker_fee_fen(w) for w in rows),
        "实得": sum(w.net_fen for w in rows),
    }


# --- an employer's monthly statement -----------------------------------------------------

EMPLOYER_COLUMNS = (
    ("序号", 6, None),
    ("工单号", 9, None),
    ("工单名称", 24, None),
    ("服务人员", 12, None),
    ("结算时间", 17, "datetime"),
    ("工单价格", 14, "money"),
    ("平台服务费", 14, "money"),
    ("服务费承担方", 12, None),
    ("代扣个税", 14, "money"),
    ("实发服务人员", 14, "money"),
    ("企业支出合计", 14, "money"),
)


def employer_monthly_statement_xlsx(*, organization: Organization, year: int, month: int) -> bytes:
    """The orders of `organization` settled in `year`-`month`: price, platform fee (and who
    paid it), tax withheld, net paid to the worker and the employer's cost, with totals."""
    rows = (
        Withholding.objects.filter(organization=organization, year=year, month=month)
        .select_related("order", "worker__user")
        .order_by("created_at", "pk")
    )
    book = _Book()
    sheet = book.sheet(
        "结算对账单",
        title=f"结算对账单（{year}年{month}月）",
        facts=[
            f"用工单位：{organization.name}（统一社会信用代码 {organization.credit_code}）",
            f"平台：{withholding_agent_name()}",
            "金额单位：人民币元",
        ],
        columns=EMPLOYER_COLUMNS,
    )
    totals = dict.fromkeys(
        ("工单价格", "平台服务费", "代扣个税", "实发服务人员", "企业支出合计"), 0
    )
    for n, w in enumerate(rows, start=1):
        employer_fee = w.fee_fen - worker_fee_fen(w)
        payer = "企业" if employer_fee else "个人" if w.fee_fen else "—"
        amounts = {
            "工单价格": w.income_fen,
            "平台服务费": w.fee_fen,
            "代扣个税": w.tax_fen,
            "实发服务人员": w.net_fen,
            "企业支出合计": w.income_fen + employer_fee,
        }
        for name, amount in amounts.items():
            totals[name] += amount
        sheet.row(
            n,
            w.order_id,
            w.order.title,
            w.worker.user.name,
            _local(w.created_at),
            yuan(amounts["工单价格"]),
            yuan(amounts["平台服务费"]),
            payer,
            yuan(amounts["代扣个税"]),
            yuan(amounts["实发服务人员"]),
            yuan(amounts["企业支出合计"]),
        )
    sheet.totals("合计", totals)
    return book.save()
