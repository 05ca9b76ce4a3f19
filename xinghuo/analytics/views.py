"""Dashboards (issue 7): the employer's statistics (with an xlsx export), the worker's
weekly points and earnings, the operator's platform figures.

The figures come from `xinghuo.analytics.selectors`; this module only parses the filters and
shapes the figures for ECharts. Each chart's data goes to the page with `json_script`, with
its labels already translated, and static/js/dashboards.js draws it.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from xinghuo.accounts.selectors import Capability
from xinghuo.analytics import selectors as analytics
from xinghuo.core import money
from xinghuo.web.scope import (
    current_operator,
    current_worker,
    employer_scope,
    worker_context,
)
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce.models import Worker

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_DAYS = 30
STATUS_LABELS = dict(WorkOrder.Status.choices)


def _yuan(fen: int) -> Decimal:
    return money.fen_to_decimal(fen)


def _percent(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{(rate * 100).quantize(Decimal('0.1'))}%"


def _minutes(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)d min") % {"n": round(seconds / 60)}
    return _("%(h).1f h") % {"h": seconds / 3600}


class DashboardFilterForm(forms.Form):
    """A range of days (at most a year) and a region of the employer's; empty = last 30 days."""

    start_on = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end_on = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.TypedChoiceField(
        label=gettext_lazy("Region"), coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args: Any, regions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.TypedChoiceField)
        region.choices = [("", _("All regions")), *regions]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        end = data.get("end_on") or today
        start = data.get("start_on") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days + 1 > analytics.MAX_RANGE_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(n)d days.") % {"n": analytics.MAX_RANGE_DAYS}
            )
        data["start_on"], data["end_on"] = start, end
        return data

    def filters(self) -> analytics.OrderFilters:
        if self.is_valid():
            data = self.cleaned_data
            return analytics.OrderFilters(
                start_on=data["start_on"], end_on=data["end_on"], region_id=data.get("region")
            )
        return analytics.OrderFilters.last_days(DEFAULT_DAYS)


def _employer_charts(figures: dict[str, Any]) -> dict[str, Any]:
    """The employer's figures as the data of each chart (labels translated here)."""
    k = figures["kpis"]
    by_day = figures["by_day"]
    return {
        "orders_by_day": {
            "days": by_day["days"],
            "series": [
                {"name": str(STATUS_LABELS[status]), "status": status, "data": counts}
                for status, counts in by_day["series"].items()
            ],
        },
        "orders_by_status": [
            {"name": str(STATUS_LABELS[status]), "status": status, "value": n}
            for status, n in figures["status_counts"].items()
            if n
        ],
        "rates": {
            "labels": [_("On time"), _("Accepted"), _("Sent back")],
            "values": [
                None if rate is None else float(rate * 100)
                for rate in (k["on_time_rate"], k["acceptance_rate"], k["rejection_rate"])
            ],
        },
        "response": {
            "labels": [_("Published → assigned"), _("Assigned → on site")],
            "values": [
                None if s is None else round(s / 60, 1)
                for s in (k["avg_assign_seconds"], k["avg_arrive_seconds"])
            ],
        },
        "spend_by_region": [
            {"name": r["name"], "value": r["spend_fen"], "orders": r["orders"]}
            for r in figures["spend_by_region"]
        ],
        "spend_by_mode": [
            {
                "name": r["label"] if r["mode"] else _("Not settled"),
                "value": r["spend_fen"],
                "orders": r["orders"],
            }
            for r in figures["spend_by_mode"]
        ],
        "top_workers": [
            {"name": r["name"], "value": r["points"], "orders": r["orders"]}
            for r in figures["top_workers"]
        ],
    }


def _employer_figures(request: HttpRequest) -> tuple[Any, Any, Any, dict[str, Any]]:
    """(scope, form, filters, figures); scope None when the user belongs to no employer."""
    scope = employer_scope(request)
    if scope is None:
        return None, None, None, {}
    form = DashboardFilterForm(
        request.GET or None,
        regions=analytics.employer_region_choices(organization=scope.organization),
    )
    filters = form.filters()
    figures = analytics.employer_dashboard(organization=scope.organization, filters=filters)
    return scope, form, filters, figures


@login_required
@require_GET
def employer_dashboard(request: HttpRequest) -> HttpResponse:
    scope, form, filters, figures = _employer_figures(request)
    if scope is None:
        return redirect("web:home")
    k = figures["kpis"]
    query = request.GET.copy()
    query["org"] = str(scope.organization.pk)
    return render(
        request,
        "analytics/dashboards/employer.html",
        scope.context(
            nav="dashboard",
            form=form,
            filters=filters,
            kpis=k,
            tiles={
                "spend_yuan": _yuan(k["spend_fen"]),
                "on_time": _percent(k["on_time_rate"]),
                "acceptance": _percent(k["acceptance_rate"]),
                "rejection": _percent(k["rejection_rate"]),
                "assign": _minutes(k["avg_assign_seconds"]),
                "arrive": _minutes(k["avg_arrive_seconds"]),
            },
            charts=_employer_charts(figures),
            export_query=query.urlencode(),
        ),
    )


def employer_workbook(
    *, organization_name: str, filters: analytics.OrderFilters, figures: dict[str, Any]
) -> bytes:
    """The dashboard as an xlsx workbook: one sheet per table, amounts in yuan."""
    from openpyxl import Workbook

    wb = Workbook()
    summary = _summary_sheet(
        wb, organization_name=organization_name, filters=filters, k=figures["kpis"]
    )
    by_day = figures["by_day"]
    statuses = list(by_day["series"])
    _table_sheet(
        wb,
        _("Orders by day"),
        [_("Day"), *[str(STATUS_LABELS[s]) for s in statuses], _("Total")],
        [
            [
                day,
                *[by_day["series"][s][n] for s in statuses],
                sum(by_day["series"][s][n] for s in statuses),
            ]
            for n, day in enumerate(by_day["days"])
        ],
    )
    _table_sheet(
        wb,
        _("Spend by region"),
        [_("Region"), _("Accepted orders"), _("Spend (yuan)")],
        [[r["name"], r["orders"], _yuan(r["spend_fen"])] for r in figures["spend_by_region"]],
    )
    _table_sheet(
        wb,
        _("Spend by settlement mode"),
        [_("Settlement mode"), _("Accepted orders"), _("Spend (yuan)")],
        [
            [r["label"] if r["mode"] else _("Not settled"), r["orders"], _yuan(r["spend_fen"])]
            for r in figures["spend_by_mode"]
        ],
    )
    _table_sheet(
        wb,
        _("Top workers"),
        [_("Worker"), _("Points"), _("Orders")],
        [[r["name"], r["points"], r["orders"]] for r in figures["top_workers"]],
    )
    _money_formats(wb)
    summary.column_dimensions["A"].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _summary_sheet(
    wb: Workbook, *, organization_name: str, filters: analytics.OrderFilters, k: dict[str, Any]
) -> Worksheet:
    """The first sheet: who, the date range, and the key figures."""
    summary = wb.active
    summary.title = _("Summary")
    summary.append([_("Employer"), organization_name])
    summary.append([_("From"), filters.start_on.isoformat()])
    summary.append([_("To"), filters.end_on.isoformat()])
    summary.append([])
    pct, mins = "0.00%", "0.0"
    rows: list[tuple[str, Any, str]] = [
        (_("Orders created"), k["total"], ""),
        (_("Accepted"), k["accepted"], ""),
        (_("Open"), k["open"], ""),
        (_("Cancelled or expired"), k["cancelled"], ""),
        (_("Delivered on time"), k["on_time"], ""),
        (_("On-time rate"), _float(k["on_time_rate"]), pct),
        (_("Reviews of deliveries"), k["reviews"], ""),
        (_("Sent back for rework"), k["rejections"], ""),
        (_("Acceptance rate"), _float(k["acceptance_rate"]), pct),
        (_("Rejection rate"), _float(k["rejection_rate"]), pct),
        (_("Published → assigned (min)"), _mins(k["avg_assign_seconds"]), mins),
        (_("Assigned → on site (min)"), _mins(k["avg_arrive_seconds"]), mins),
        (_("Average rating"), _float(k["avg_rating"]), "0.00"),
        (_("Spend (yuan)"), _yuan(k["spend_fen"]), "0.00"),
    ]
    for label, value, number_format in rows:
        summary.append([label, value])
        if number_format:
            summary.cell(row=summary.max_row, column=2).number_format = number_format
    return summary


def _table_sheet(wb: Workbook, title: str, header: list[str], body: list[list[Any]]) -> None:
    """A sheet of one table, its header in bold."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for line in body:
        ws.append(line)
    ws.column_dimensions["A"].width = 18


def _money_formats(wb: Workbook) -> None:
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, Decimal):
                    # openpyxl writes Decimal as a number; show two places like money.
                    cell.number_format = "0.00"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _mins(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


@login_required
@require_GET
def employer_dashboard_export(request: HttpRequest) -> HttpResponse | FileResponse:
    scope, _form, filters, figures = _employer_figures(request)
    if scope is None:
        return redirect("web:home")
    data = employer_workbook(
        organization_name=scope.organization.name, filters=filters, figures=figures
    )
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"dashboard-{filters.start_on:%Y%m%d}-{filters.end_on:%Y%m%d}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def worker_stats(request: HttpRequest) -> HttpResponse:
    worker = current_worker(request)
    if worker is None:
        return redirect("web:home")
    weekly = analytics.worker_weekly(worker=worker, weeks=12)
    ratings = analytics.worker_ratings(worker=worker)
    totals = analytics.worker_totals(worker=worker)
    return render(
        request,
        "analytics/dashboards/worker.html",
        worker_context(
            worker,
            "stats",
            totals=totals,
            net_yuan=_yuan(totals["net_fen"]),
            ratings=ratings,
            charts={
                "weekly": {
                    "weeks": [w[5:] for w in weekly["weeks"]],
                    "points": weekly["points"],
                    "net_fen": weekly["net_fen"],
                    "labels": {"points": _("Points"), "net": _("Net earnings (yuan)")},
                },
                "ratings": {
                    "labels": [_("%(n)d★") % {"n": n} for n in range(1, 6)],
                    "counts": ratings["counts"],
                },
            },
        ),
    )


@login_required
@require_GET
def operator_dashboard(request: HttpRequest) -> HttpResponse:
    user = current_operator(request, Capability.OPERATOR_CONSOLE)
    if user is None:
        return redirect("web:home")
    today = timezone.localdate()
    start = today - timedelta(days=DEFAULT_DAYS - 1)
    workers = analytics.operator_workers()
    queues = analytics.operator_review_queues()
    regions = analytics.operator_orders_by_region(start_on=start, end_on=today)
    payouts = analytics.operator_payouts(since=timezone.now() - timedelta(days=DEFAULT_DAYS))
    return render(
        request,
        "analytics/dashboards/operator.html",
        {
            "workers": workers,
            "queues": queues,
            "start_on": start,
            "end_on": today,
            "charts": {
                "workers_by_status": [
                    {"name": str(label), "status": status, "value": workers[status]}
                    for status, label in Worker.Status.choices
                ],
                "orders_by_region": {
                    "regions": [r["name"] for r in regions],
                    "series": [
                        {"name": _("Open"), "data": [r["open"] for r in regions]},
                        {"name": _("Accepted"), "data": [r["accepted"] for r in regions]},
                        {"name": _("Other"), "data": [r["other"] for r in regions]},
                    ],
                },
                "payouts": [
                    {"name": r["label"], "value": r["count"], "amount_fen": r["amount_fen"]}
                    for r in payouts["by_status"]
                ],
                "failures": [{"name": r["code"], "value": r["count"]} for r in payouts["failures"]],
            },
        },
    )
