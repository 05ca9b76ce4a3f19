"""Forms of the worker's status and role change, and of the operators' review of it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xinghuo.workforce import selectors as workforce_selectors


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


def role_choices() -> list[tuple[int, str]]:
    return [(r.pk, r.label) for r in workforce_selectors.role_list_for_worker()]
