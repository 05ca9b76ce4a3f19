"""The finance pages' forms: they only parse (amounts typed in yuan, at most two decimals)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from xinghuo.core import money
from xinghuo.settlement.channels.base import PAYOUT_ID_PATTERN
from xinghuo.settlement.models import PayoutAccount


def _yuan_field(label: Any) -> forms.DecimalField:
    # decimal_places=2 refuses "12.345" instead of rounding it: money is never guessed.
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000000"),
        max_digits=11,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "min": "0.01"}),
    )


def _fen(amount_yuan: Decimal) -> int:
    """Exact: the form has refused anything finer than a fen."""
    return money.yuan_to_fen(amount_yuan)


class TopUpForm(forms.Form):
    """A declaration of a transfer sent: it moves no money (the bank confirms it)."""

    amount_yuan = _yuan_field(gettext_lazy("Amount sent (yuan)"))
    reference = forms.CharField(
        label=gettext_lazy("Bank serial number"),
        max_length=64,
        help_text=gettext_lazy("The serial (流水号) on your bank's transfer receipt."),
    )
    proof = forms.FileField(
        label=gettext_lazy("Transfer receipt (photo, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class PayoutAccountForm(forms.Form):
    """The holder is not asked: an account is always bound in the worker's verified name."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Paid to"),
        choices=PayoutAccount.Channel.choices,
        initial=PayoutAccount.Channel.ALIPAY,
        widget=forms.RadioSelect,
    )
    account = forms.CharField(
        label=gettext_lazy("Alipay account or card number"),
        max_length=64,
        help_text=gettext_lazy(
            "Alipay: your mobile number or e-mail address. Bank card: the 12 to 19 digits "
            "of a debit card."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    auto_withdraw = forms.BooleanField(
        label=gettext_lazy("Pay each settled order out to this account at once"),
        required=False,
    )


class WithdrawForm(forms.Form):
    amount_yuan = _yuan_field(gettext_lazy("Amount (yuan)"))
    payout_id = forms.RegexField(regex=PAYOUT_ID_PATTERN, max_length=64, widget=forms.HiddenInput)


class MonthForm(forms.Form):
    """A year-month from `<input type="month">` ("2026-11")."""

    month = forms.RegexField(
        label=gettext_lazy("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),
    )

    @property
    def year_month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class ReconcileForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=PayoutAccount.Channel.choices
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
