"""Reads for the order channels, scoped to one organization."""

from __future__ import annotations

from django.db.models import QuerySet

from xinghuo.accounts.models import Organization

from ..models import AlarmEvent, AlarmRule, IntegrationKey


def alarm_rule_list(*, organization: Organization) -> QuerySet[AlarmRule]:
    return (
        AlarmRule.objects.filter(organization=organization)
        .select_related("required_role")
        .prefetch_related("required_skills")
        .order_by("alarm_type", "pk")
    )


def integration_key_list(*, organization: Organization) -> QuerySet[IntegrationKey]:
    return IntegrationKey.objects.filter(organization=organization).order_by("-created_at", "-pk")


def alarm_event_list(*, organization: Organization) -> QuerySet[AlarmEvent]:
    return (
        AlarmEvent.objects.filter(organization=organization)
        .select_related("site")
        .order_by("-received_at", "-pk")
    )
