"""Ids too large for the database (≥ 2^63) or not plain ASCII digits ("²") in page query
strings and form fields: the page answers as for an unknown id, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HUGE = "9" * 25
ODD = "²"


def logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("value", [HUGE, ODD])
def test_employer_pages(make_employer, make_order, value):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    client = logged_in(owner)
    answers = [
        client.get(f"/employer/dispatch/?org={org.pk}&order={value}"),
        client.get(f"/employer/dispatch/auto/?org={org.pk}&preview=1&region={value}"),
        client.post(f"/employer/dispatch/?org={org.pk}&order={order.pk}", {"worker_id": value}),
    ]
    assert [r.status_code for r in answers if r.status_code >= 500] == []


@pytest.mark.parametrize("value", [HUGE, ODD])
def test_worker_pages(make_worker, value):
    worker = make_worker()
    client = logged_in(worker.user)
    answers = [
        client.post("/worker/notifications/", {"notification_id": value}),
        client.post("/worker/notifications/", {"action": "team_accept", "invitation_id": value}),
        client.post("/worker/notifications/", {"action": "offer_accept", "offer_id": value}),
        client.post("/worker/notifications/", {"action": "direct_off", "organization_id": value}),
    ]
    assert [r.status_code for r in answers if r.status_code >= 500] == []


@pytest.mark.parametrize("value", [HUGE, ODD])
def test_operator_pages(operator, value):
    client = logged_in(operator)
    answers = [
        client.post("/operator/corrections/", {"action": "approve", "correction_id": value}),
        client.post(
            "/operator/corrections/",
            {"action": "create", "order_id": value, "kind": "amount", "reason": "x"},
        ),
        client.post("/operator/", {"action": "approve", "request_id": value}),
        client.post(
            "/operator/certifications/", {"certification_id": value, "decision": "approve"}
        ),
        client.post("/operator/finance/", {"action": "retry", "payout_id": value}),
    ]
    assert [(r.request["PATH_INFO"], r.status_code) for r in answers if r.status_code >= 500] == []
