"""Forms only parse input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


def _phone_input() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"})


class LoginForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=32, widget=_phone_input())
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RegisterForm(forms.Form):
    KIND_CHOICES = [("worker", _("Worker (服务人员)")), ("employer", _("Employer (用工企业)"))]

    kind = forms.ChoiceField(label=_("I am"), choices=KIND_CHOICES, widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name"), max_length=64)
    phone = forms.CharField(label=_("Mobile number"), max_length=32, widget=_phone_input())
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role_id = forms.TypedChoiceField(
        label=_("Role"), coerce=int, required=False, empty_value=None, choices=()
    )
    organization_name = forms.CharField(label=_("Company name"), max_length=128, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=32, required=False
    )

    def __init__(self, *args: object, roles: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role_id"].choices = [("", "—"), *roles]  # type: ignore[attr-defined]
