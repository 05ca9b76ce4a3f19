from __future__ import annotations

import pytest
from django.test import Client

from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.models import AssignmentOffer
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workforce import services as workforce_services

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_preview_changes_nothing_and_commit_assigns_what_was_kept(
    make_employer, make_order, make_eligible_worker, make_worker
):
    owner, org = make_employer()
    first = make_order(owner=owner, organization=org, title="巡检甲")
    second = make_order(owner=owner, organization=org, title="巡检乙", lat=30.27, lng=120.11)
    worker = make_eligible_worker()
    workforce_services.worker_set_status(worker=worker, status="available")
    dispatch_services.direct_assignment_consent_set(
        worker=worker, organization_id=org.pk, allowed=True
    )
    client = logged_in(owner)
    page = client.get(f"/employer/dispatch/auto/?org={org.pk}&preview=1")
    assert page.status_code == 200
    pairs = [
        (stop["order"].pk, stop["worker_id"]) for r in page.context["routes"] for stop in r["stops"]
    ]
    assert sorted(o for o, _w in pairs) == sorted([first.pk, second.pk])
    assert not WorkOrder.objects.filter(worker__isnull=False).exists()  # a dry run
    # Keep only the first assignment.
    resp = client.post(
        f"/employer/dispatch/auto/?org={org.pk}", {"pair": [f"{first.pk}:{worker.pk}"]}
    )
    assert resp.status_code == 302
    assert WorkOrder.objects.get(pk=first.pk).worker_id == worker.pk
    assert WorkOrder.objects.get(pk=second.pk).worker_id is None


def test_commit_is_all_or_nothing(make_employer, make_order, make_eligible_worker, make_worker):
    owner, org = make_employer()
    first = make_order(owner=owner, organization=org, title="甲")
    second = make_order(owner=owner, organization=org, title="乙")
    worker = make_eligible_worker()
    outsider = make_worker()  # serves no region: not eligible
    resp = logged_in(owner).post(
        f"/employer/dispatch/auto/?org={org.pk}",
        {"pair": [f"{first.pk}:{worker.pk}", f"{second.pk}:{outsider.pk}"]},
        follow=True,
    )
    assert resp.status_code == 200
    assert [m.level_tag for m in resp.context["messages"]] == ["error"]
    assert not WorkOrder.objects.filter(worker__isnull=False).exists()


def test_another_employers_orders_are_not_planned(make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    stranger, other = make_employer()
    make_order(owner=stranger, organization=other, title="别人的单")
    worker = make_eligible_worker()
    workforce_services.worker_set_status(worker=worker, status="available")
    page = logged_in(owner).get(f"/employer/dispatch/auto/?org={org.pk}&preview=1")
    assert page.context["routes"] == [] and page.context["unassigned"] == []
    resp = logged_in(owner).post(
        f"/employer/dispatch/auto/?org={org.pk}",
        {"pair": [f"{WorkOrder.objects.get().pk}:{worker.pk}"]},
    )
    assert resp.status_code == 302
    assert WorkOrder.objects.get().worker_id is None


def test_commit_offers_the_order_to_a_worker_without_direct_consent(
    make_employer, make_order, make_eligible_worker
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, title="巡检甲")
    worker = make_eligible_worker()
    resp = logged_in(owner).post(
        f"/employer/dispatch/auto/?org={org.pk}", {"pair": [f"{order.pk}:{worker.pk}"]}, follow=True
    )
    assert [m.level_tag for m in resp.context["messages"]] == ["success"]
    assert WorkOrder.objects.get(pk=order.pk).worker_id is None
    assert AssignmentOffer.objects.get(order=order).worker == worker


def test_unverified_employer_cannot_open_auto_assign(make_employer):
    owner, org = make_employer(verified=False, escrow_fen=0)
    resp = logged_in(owner).get(f"/employer/dispatch/auto/?org={org.pk}&preview=1", follow=True)
    assert [m.level_tag for m in resp.context["messages"]] == ["error"]
    assert "企业认证" in resp.content.decode()
