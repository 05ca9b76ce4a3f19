"""Operators' reveals of clear ID numbers and images are rate-limited per operator; the
refusal alerts the other operators, once per window; every allowed reveal is audited."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from xinghuo.accounts import services as account_services
from xinghuo.identity.models import RevealAudit
from xinghuo.notifications.models import Notification

from .test_services import submitted

pytestmark = [pytest.mark.django_db, pytest.mark.urls("xinghuo.identity.tests.urls")]


def test_reveals_beyond_the_hourly_limit_are_429_and_alert_the_other_operators(  # type: ignore[no-untyped-def]
    api, make_worker, operator, settings
) -> None:
    settings.IDENTITY_REVEALS_PER_HOUR = 3
    colleague = account_services.user_create(
        phone="13800000002", password=PASSWORD, name="值班", is_staff=True
    )
    vid = submitted(make_worker()).pk
    op = api(operator)
    url = f"/identity/reviews/{vid}/reveal"
    for field in ("id_number", "image", "id_number"):
        assert op.post(url, {"field": field, "reason": "核对"}).status_code == 200
    refused = op.post(url, {"field": "id_number", "reason": "核对"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "value" not in refused.json()
    assert RevealAudit.objects.count() == 3  # a refused reveal shows nothing, records nothing

    [alert] = Notification.objects.filter(kind="reveal_limit")
    assert alert.user == colleague  # not the operator who hit the limit
    assert "运营" in alert.title
    # Further refusals in the same hour do not alert again.
    assert op.post(url, {"field": "image", "reason": "核对"}).status_code == 429
    assert Notification.objects.filter(kind="reveal_limit").count() == 1

    # The colleague's own quota is untouched.
    assert api(colleague).post(url, {"field": "id_number", "reason": "复核"}).status_code == 200


def test_the_licence_reveal_counts_against_the_same_quota(  # type: ignore[no-untyped-def]
    make_worker, make_employer, operator, settings
) -> None:
    from xinghuo.core.exceptions import RateLimited
    from xinghuo.identity import services
    from xinghuo.identity.services import employer as services_employer

    from .employer import submit

    settings.IDENTITY_REVEALS_PER_HOUR = 1
    owner, org = make_employer(verified=False)
    licence = submit(owner, org)
    services.identity_reveal(
        reviewer=operator,
        verification_id=submitted(make_worker()).pk,
        field="id_number",
        reason="核对",
    )
    with pytest.raises(RateLimited):
        services_employer.employer_licence_reveal(
            reviewer=operator, verification_id=licence.pk, reason="核对执照"
        )
