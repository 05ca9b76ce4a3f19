"""Pages ask the capability table what to show: ``{% load capabilities %}``.

``{% if user|can:"operator_console" %}`` asks for a platform-wide capability (an operator's);
``{% can_in organization "payouts_approve" as can_approve %}`` asks within an organization.
An unknown capability name is an error, so a typo cannot silently hide an action.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..capabilities import Capability, has_capability
from ..models import Organization

register = template.Library()


@register.filter
def can(actor: Any, capability: str) -> bool:
    return has_capability(actor=actor, capability=Capability(capability))


@register.simple_tag(takes_context=True)
def can_in(context: template.Context, organization: Organization | int, capability: str) -> bool:
    actor = context.get("user") or context["request"].user
    return has_capability(actor=actor, capability=Capability(capability), organization=organization)
