"""Forms of the landing pages: the worker's status and role change, and the operators' review
of it."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RoleChangeForm(forms.Form):
    to_role_id = forms.TypedChoiceField(label=_("New role"), coerce=int, choices=())
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args: object, roles: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_role_id"].choices = roles  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("available", _("Available")), ("busy", _("Busy")), ("off_duty", _("Off duty"))]
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(max_length=255, required=False)
