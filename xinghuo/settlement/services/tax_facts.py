"""The facts the tax of a payment depends on (F4), and the one place that gathers them.

Tax facts a worker or employer records: employment with an employer (任职受雇, payroll
mode), deductions declared for a month of wages (专项扣除, 专项附加扣除) and a business
registration (个体工商户登记) verified by an operator. `payment_tax` reads them with the
worker's earlier withholdings of the year (as corrected, see `corrections`) and asks the
pure `tax` module how much to withhold; the legal basis of each case is in docs/settlement.md.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization, User
from xinghuo.accounts.selectors import Capability, has_capability
from xinghuo.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from xinghuo.workforce.models import Worker

from ..models import (
    BusinessRegistration,
    Correction,
    DeclaredDeduction,
    Employment,
    SettlementPolicy,
    Withholding,
)
from . import tax

M = tax.TaxMethod
MAX_MONTHLY_DEDUCTION_FEN = 100_000_000  # a million yuan a month: anything above is a typo


def _require_finance_or_operator(*, actor: User, organization: Organization) -> None:
    if not has_capability(
        actor=actor, capability=Capability.TAX_FACTS_RECORD, organization=organization
    ):
        raise PermissionDenied(
            _("Only the owner, an administrator, finance or an operator may record this.")
        )


# --- recording the facts ------------------------------------------------------------------


def worker_get(*, worker_id: int, organization: Organization, actor: User) -> Worker:
    """The worker whose tax facts an employer records: one who has held an order of this
    employer (or whose employment it recorded before). Any other worker — and a missing one —
    is the same 404, so an employer can neither probe worker ids nor touch the facts of
    someone who never worked for it. Operators may record for any worker."""
    workers = Worker.objects.filter(pk=worker_id)
    if not has_capability(actor=actor, capability=Capability.TAX_FACTS_RECORD):
        workers = workers.filter(
            Q(work_orders__organization=organization) | Q(employments__organization=organization)
        )
    worker = workers.first()
    if worker is None:
        raise NotFound(_("Worker not found."), code="worker_not_found")
    return worker


@transaction.atomic
def employment_record(
    *,
    actor: User,
    organization: Organization,
    worker: Worker,
    hired_on: date,
    left_on: date | None = None,
) -> Employment:
    """Record that `worker` is (or was) employed by `organization` from `hired_on`."""
    _require_finance_or_operator(actor=actor, organization=organization)
    # A hire in year 1 or 9999 is a typing error that would silently change the months of
    # the basic deduction: hires are from 1950 to a year ahead, leavings until 2100.
    latest_hire = date(timezone.localdate().year + 2, 1, 1)
    if not date(1950, 1, 1) <= hired_on < latest_hire or (
        left_on is not None and left_on > date(2100, 12, 31)
    ):
        raise ValidationFailed(
            _("Give a hiring date from 1950 to next year."),
            code="invalid_employment",
            detail={"field": "hired_on"},
        )
    if left_on is not None and left_on < hired_on:
        raise ValidationFailed(
            _("The leaving date is before the hiring date."),
            code="invalid_employment",
            detail={"field": "left_on"},
        )
    return Employment.objects.create(
        worker=worker,
        organization=organization,
        hired_on=hired_on,
        left_on=left_on,
        created_by=actor,
    )


@transaction.atomic
def deduction_declare(
    *,
    actor: User,
    organization: Organization,
    worker: Worker,
    year: int,
    month: int,
    special_fen: int = 0,
    special_additional_fen: int = 0,
) -> DeclaredDeduction:
    """The worker's deductions for one month of wages from `organization` (replacing an
    earlier declaration of the same month). The worker himself, the employer's finance or
    an operator may record them."""
    if actor.pk != worker.user_id:
        _require_finance_or_operator(actor=actor, organization=organization)
    for name, value in (
        ("special_fen", special_fen),
        ("special_additional_fen", special_additional_fen),
    ):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationFailed(_("Amounts are whole fen."), detail={"field": name})
        if not 0 <= value <= MAX_MONTHLY_DEDUCTION_FEN:
            raise ValidationFailed(
                _("A monthly deduction is between 0 and 1,000,000 yuan."), detail={"field": name}
            )
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationFailed(_("Choose a month."), detail={"field": "month"})
    deduction, _created = DeclaredDeduction.objects.update_or_create(
        worker=worker,
        organization=organization,
        year=year,
        month=month,
        defaults={"special_fen": special_fen, "special_additional_fen": special_additional_fen},
    )
    return deduction


@transaction.atomic
def business_registration_submit(
    *, worker: Worker, registration_number: str, business_name: str = ""
) -> BusinessRegistration:
    """The worker's business registration (统一社会信用代码 of his 个体工商户); it counts
    only after an operator verified it. Submitting again replaces it, unverified."""
    number = (registration_number or "").strip().upper()
    if not 15 <= len(number) <= 18 or not number.isalnum():
        raise ValidationFailed(
            _("Give the registration number on the business licence (15 to 18 characters)."),
            code="invalid_registration_number",
            detail={"field": "registration_number"},
        )
    registration, _created = BusinessRegistration.objects.update_or_create(
        worker=worker,
        defaults={
            "registration_number": number,
            "business_name": (business_name or "").strip()[:128],
            "verified_by": None,
            "verified_at": None,
        },
    )
    return registration


@transaction.atomic
def business_registration_verify(*, operator: User, worker_id: int) -> BusinessRegistration:
    """An operator checked the licence: the worker's pay in natural-person invoicing is
    business income from now on. NotFound for anyone who is not an operator."""
    registration = (
        BusinessRegistration.objects.select_for_update().filter(worker_id=worker_id).first()
    )
    allowed = has_capability(actor=operator, capability=Capability.TAX_REGISTRATION_VERIFY)
    if not allowed or registration is None:
        raise NotFound(_("Business registration not found."), code="registration_not_found")
    registration.verified_by = operator
    registration.verified_at = timezone.now()
    registration.save(update_fields=["verified_by", "verified_at"])
    return registration


# --- reading them: what a payment withholds ------------------------------------------------


@dataclass(frozen=True)
class PeriodSums:
    income_fen: int
    tax_fen: int


def _sums(**scope: object) -> PeriodSums:
    """Income (as corrected) and tax accounted for (withheld + credited) of the rows in scope."""
    rows = Withholding.objects.filter(**scope).aggregate(
        income=Sum("income_fen"), tax=Sum("tax_fen"), carried=Sum("carried_fen")
    )
    delta = Correction.objects.filter(status=Correction.Status.EXECUTED, **scope).aggregate(
        old=Sum("old_gross_fen"), new=Sum("new_gross_fen")
    )
    income = (rows["income"] or 0) - (delta["old"] or 0) + (delta["new"] or 0)
    return PeriodSums(income_fen=income, tax_fen=(rows["tax"] or 0) + (rows["carried"] or 0))


def _months_with_income(**scope: object) -> set[int]:
    months: dict[int, int] = {}
    for month, income in Withholding.objects.filter(**scope).values_list("month", "income_fen"):
        months[month] = months.get(month, 0) + income
    corrected = Correction.objects.filter(status=Correction.Status.EXECUTED, **scope)
    for month, old, new in corrected.values_list("month", "old_gross_fen", "new_gross_fen"):
        months[month] = months.get(month, 0) - old + new
    return {month for month, income in months.items() if income > 0}


def has_verified_business_registration(*, worker_id: int) -> bool:
    return BusinessRegistration.objects.filter(
        worker_id=worker_id, verified_at__isnull=False
    ).exists()


def qualifies_for_annual_deduction(*, worker_id: int, organization_id: int, year: int) -> bool:
    """国家税务总局公告2020年第19号: every month of last year declared by this employer for
    wages, and those wages (as corrected) at most 60,000 yuan."""
    scope = {
        "worker_id": worker_id,
        "organization_id": organization_id,
        "year": year - 1,
        "method": M.WAGES_CUMULATIVE,
    }
    months = set(Withholding.objects.filter(**scope).values_list("month", flat=True))
    if months != set(range(1, 13)):
        return False
    return _sums(**scope).income_fen <= tax.ANNUAL_BASIC_DEDUCTION_FEN


def months_employed(*, worker_id: int, organization_id: int, on: date) -> int:
    """任职受雇月份数 this year up to `on`'s month: from the recorded employments and, where
    none covers it, the months a wage was paid (a wage shows the employment)."""
    periods: list[tuple[date, date | None]] = list(
        Employment.objects.filter(worker_id=worker_id, organization_id=organization_id)
        .filter(Q(left_on__isnull=True) | Q(left_on__year__gte=on.year))
        .values_list("hired_on", "left_on")
    )
    wage_months = Withholding.objects.filter(
        worker_id=worker_id,
        organization_id=organization_id,
        year=on.year,
        month__lte=on.month,
        method=M.WAGES_CUMULATIVE,
    ).values_list("month", flat=True)
    for month in set(wage_months):
        first = date(on.year, month, 1)
        periods.append((first, first))
    return tax.employment_months(periods=periods, year=on.year, current_month=on.month)


def declared_deductions(*, worker_id: int, organization_id: int, on: date) -> tuple[int, int]:
    """(专项扣除, 专项附加扣除) declared to this employer for this year's months up to `on`."""
    sums = DeclaredDeduction.objects.filter(
        worker_id=worker_id, organization_id=organization_id, year=on.year, month__lte=on.month
    ).aggregate(special=Sum("special_fen"), additional=Sum("special_additional_fen"))
    return sums["special"] or 0, sums["additional"] or 0


def payment_method(*, worker_id: int, policy: SettlementPolicy) -> M:
    mode = SettlementPolicy.Mode
    if policy.mode == mode.NATURAL_PERSON_INVOICE:
        # Business income at the deemed rate only with a verified business registration;
        # otherwise the pay is labour remuneration (个人所得税法实施条例第六条).
        if has_verified_business_registration(worker_id=worker_id):
            return M.DEEMED_RATE
        return M.LABOUR_PER_PAYMENT
    if policy.mode == mode.COST_INVOICE:
        return M.LABOUR_PER_PAYMENT
    if policy.mode == mode.PAYROLL:
        return M.WAGES_CUMULATIVE
    return M.PLATFORM_CUMULATIVE


def payment_tax(
    *,
    worker_id: int,
    organization_id: int,
    policy: SettlementPolicy,
    gross_fen: int,
    on: date,
    method: M | None = None,
) -> tax.TaxResult:
    """The tax on a payment of `gross_fen` made on `on` under the employer's mode, from the
    worker's year up to `on`'s month (corrections included). A tax credit a correction left
    to carry is not applied here (see `corrections.carry_into`)."""
    return _method_tax(
        method=method or payment_method(worker_id=worker_id, policy=policy),
        worker_id=worker_id,
        organization_id=organization_id,
        deemed_rate=policy.deemed_rate,
        gross_fen=gross_fen,
        on=on,
    )


def _method_tax(
    *,
    method: M,
    worker_id: int,
    organization_id: int,
    deemed_rate: Decimal,
    gross_fen: int,
    on: date,
) -> tax.TaxResult:
    year_scope = {"worker_id": worker_id, "year": on.year, "month__lte": on.month}
    if method == M.DEEMED_RATE:
        return tax.deemed_rate(income_fen=gross_fen, rate=deemed_rate)
    if method == M.LABOUR_PER_PAYMENT:
        month = _sums(
            worker_id=worker_id,
            year=on.year,
            month=on.month,
            organization_id=organization_id,
            method=M.LABOUR_PER_PAYMENT,
        )
        return tax.labour_per_payment(
            income_fen=gross_fen,
            month_prior_income_fen=max(0, month.income_fen),
            month_prior_tax_fen=month.tax_fen,
        )
    if method == M.WAGES_CUMULATIVE:
        # Wages accumulate per employer (本单位).
        scope = {**year_scope, "organization_id": organization_id, "method": method}
        ytd = _sums(**scope)
        special, additional = declared_deductions(
            worker_id=worker_id, organization_id=organization_id, on=on
        )
        return tax.wages_cumulative(
            wage_fen=gross_fen,
            ytd_wage_fen=max(0, ytd.income_fen),
            ytd_tax_fen=ytd.tax_fen,
            months_employed=months_employed(
                worker_id=worker_id, organization_id=organization_id, on=on
            ),
            ytd_special_deductions_fen=special,
            ytd_special_additional_fen=additional,
            annual_basic_deduction=qualifies_for_annual_deduction(
                worker_id=worker_id, organization_id=organization_id, year=on.year
            ),
        )
    # The platform is the withholding agent for every employer's orders.
    scope = {**year_scope, "method": method}
    ytd = _sums(**scope)
    months = _months_with_income(**scope)
    return tax.platform_cumulative(
        income_fen=gross_fen,
        ytd_income_fen=max(0, ytd.income_fen),
        ytd_tax_fen=ytd.tax_fen,
        months=tax.consecutive_income_months(
            months_with_income={m for m in months if m <= on.month}, current_month=on.month
        ),
    )


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_tax(*, withholding: Withholding) -> tuple[int, int]:
    """(tax accounted for in the withholding's month on its tax line, the same recomputed
    from the rows as they stand now, corrections included).

    Per payment: the payer's month merged into one payment. Deemed rate: this payment.
    Cumulative: the year's tax due up to that month less what earlier months withheld.
    """
    w = withholding
    if w.method == M.DEEMED_RATE:
        payment = _sums(order_id=w.order_id)
        return (
            payment.tax_fen,
            tax.deemed_rate(income_fen=max(0, payment.income_fen), rate=w.rate).tax_fen,
        )
    line = {
        "worker_id": w.worker_id,
        "year": w.year,
        "month": w.month,
        "method": w.method,
    }
    if w.method != M.PLATFORM_CUMULATIVE:
        line["organization_id"] = w.organization_id
    month = _sums(**line)
    if w.method == M.LABOUR_PER_PAYMENT:
        due = tax.labour_per_payment(income_fen=max(0, month.income_fen)).tax_fen
        return month.tax_fen, due
    earlier_scope = {**line, "month__lt": w.month}
    del earlier_scope["month"]
    earlier_tax = _sums(**earlier_scope).tax_fen
    through = _method_tax(
        method=M(w.method),
        worker_id=w.worker_id,
        organization_id=w.organization_id,
        deemed_rate=w.rate,
        gross_fen=0,
        on=month_end(w.year, w.month),
    )
    due = max(0, (through.cumulative_tax_fen or 0) - earlier_tax)
    return month.tax_fen, due
