"""Forms of the work-order pages. They only parse input; the services validate and decide."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinghuo.core import money
from xinghuo.work_orders.models import WorkOrder

# The employer types local (Beijing) times; the services store aware UTC datetimes.
SHANGHAI = ZoneInfo("Asia/Shanghai")
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

STATUS_CHOICES = [("", _("All statuses")), *WorkOrder.Status.choices]
PRIORITY_CHOICES = [("", _("All priorities")), *WorkOrder.Priority.choices]
# Not WorkOrder.Kind's labels: its "Order" is already in Django's own catalogue as 排序 (sorting).
KIND_CHOICES = [
    (WorkOrder.Kind.ORDER.value, _("One-off order")),
    (WorkOrder.Kind.SHIFT.value, _("Shift (on duty)")),
]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


class ShanghaiDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read as Asia/Shanghai time, whatever the active time zone."""

    widget = DateTimeLocalInput
    input_formats = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(SHANGHAI):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value, SHANGHAI).replace(tzinfo=None)
        return value


def yuan_to_fen(value: Decimal) -> int:
    """Exact: the form has already refused anything finer than a fen."""
    return money.yuan_to_fen(value)


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title contains…")}),
    )


class OrderCreateForm(forms.Form):
    site_id = forms.TypedChoiceField(label=_("Site"), coerce=int, choices=())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=KIND_CHOICES,
        initial=WorkOrder.Kind.ORDER,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Title"), max_length=128)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required_role_id = forms.TypedChoiceField(
        label=_("Required role"), coerce=int, required=False, empty_value=None, choices=()
    )
    required_skill_ids = forms.TypedMultipleChoiceField(
        label=_("Required skills"),
        coerce=int,
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=WorkOrder.Priority.choices,
        initial=WorkOrder.Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    earliest_start_at = ShanghaiDateTimeField(
        label=_("Earliest start (Beijing time)"),
        required=False,
        help_text=_("Required for a shift: when it begins."),
    )
    deadline_at = ShanghaiDateTimeField(label=_("Deadline (Beijing time)"))
    estimated_minutes = forms.IntegerField(
        label=_("Estimated duration (minutes)"), min_value=1, max_value=7 * 24 * 60, initial=60
    )
    price_yuan = forms.DecimalField(
        label=_("Price (yuan)"),
        min_value=Decimal(0),
        max_value=Decimal(1_000_000),
        initial=Decimal("0.00"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    base_points = forms.IntegerField(
        label=_("Base points"), min_value=0, max_value=100_000, initial=10
    )
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    # Where a service's error about one of its fields shows on this form.
    SERVICE_FIELDS = {"price_fen": "price_yuan"}

    def __init__(
        self,
        *args: Any,
        sites: list[tuple[int, str]],
        roles: list[tuple[int, str]],
        skills: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site_id"].choices = sites  # type: ignore[attr-defined]
        self.fields["required_role_id"].choices = [("", _("Any role")), *roles]  # type: ignore[attr-defined]
        self.fields["required_skill_ids"].choices = skills  # type: ignore[attr-defined]

    def clean_price_yuan(self) -> Decimal:
        price: Decimal = self.cleaned_data["price_yuan"]
        # 12.34 is a price, 12.345 is not: a fen is the smallest unit, and money is never rounded
        # silently. (Trailing zeros such as 12.340 are fine.)
        try:
            money.yuan_to_fen(price)
        except money.AmountInvalid:
            raise forms.ValidationError(
                _("Enter the price in yuan with at most two decimals (fen)."), code="fen"
            ) from None
        return price


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=500)


class AcceptForm(forms.Form):
    RATINGS = [(n, str(n)) for n in range(5, 0, -1)]

    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=RATINGS, initial=5, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), max_length=255, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("What must be redone"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    worker_id = forms.IntegerField(min_value=1)


class PositionForm(forms.Form):
    """Filled by orders.js from the browser's geolocation; never typed by hand."""

    lat = forms.FloatField(widget=forms.HiddenInput)
    lng = forms.FloatField(widget=forms.HiddenInput)


class DeliverForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you give the order back"), max_length=500)
