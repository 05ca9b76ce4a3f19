"""Paid work needs a verified identity and the signed platform agreement (MISSION A4):
the hall, the grab, the dispatcher's assignment and the candidate list all follow it."""

from __future__ import annotations

import pytest

from xinghuo.contracts import services as contract_services
from xinghuo.demo.clearance import agreement_sign, identity_submit, person_for
from xinghuo.dispatch import selectors
from xinghuo.identity import services as identity_services
from xinghuo.work_orders.models import WorkOrder


@pytest.fixture
def orders(make_employer, make_order):  # type: ignore[no-untyped-def]
    owner, org = make_employer()
    paid = make_order(owner=owner, organization=org, title="有偿巡检", price_fen=15_000)
    unpaid = make_order(owner=owner, organization=org, title="志愿培训", price_fen=0)
    return owner, org, paid, unpaid


def test_uncleared_worker_sees_only_unpaid_orders(orders, make_eligible_worker) -> None:  # type: ignore[no-untyped-def]
    _owner, _org, paid, unpaid = orders
    worker = make_eligible_worker(cleared=False)
    visible = set(selectors.orders_visible_to_worker(worker=worker).values_list("pk", flat=True))
    assert visible == {unpaid.pk}
    assert set(selectors.workers_eligible_for_order(order=paid)) == set()
    assert set(selectors.workers_eligible_for_order(order=unpaid)) == {worker}


def test_grab_of_a_paid_order_by_an_uncleared_worker_is_not_found_like_its_detail(  # type: ignore[no-untyped-def]
    api, orders, make_eligible_worker
) -> None:
    """A distinct answer on grab would tell him which paid orders match him."""
    _owner, _org, paid, unpaid = orders
    worker = make_eligible_worker(cleared=False)
    client = api(worker.user)
    detail = client.get(f"/work-orders/{paid.pk}")
    resp = client.post(f"/work-orders/{paid.pk}/grab")
    missing = client.post("/work-orders/999999/grab")
    assert detail.status_code == resp.status_code == missing.status_code == 404
    assert resp.json() == missing.json()
    assert resp.json()["code"] == detail.json()["code"]
    paid.refresh_from_db()
    assert paid.status == WorkOrder.Status.PUBLISHED and paid.worker_id is None
    # Unpaid work needs neither.
    assert client.post(f"/work-orders/{unpaid.pk}/grab").status_code == 200


@pytest.mark.parametrize("step", ["nothing", "identity_pending", "identity_only"])
def test_each_missing_step_keeps_the_worker_from_paid_work(  # type: ignore[no-untyped-def]
    step, orders, make_eligible_worker, operator
) -> None:
    _owner, _org, paid, _unpaid = orders
    worker = make_eligible_worker(cleared=False)
    person = person_for(worker.user.name, 7)
    if step != "nothing":
        v = identity_submit(worker=worker, person=person)
        if step == "identity_only":
            identity_services.identity_approve(reviewer=operator, verification_id=v.pk)
    assert not selectors.worker_is_cleared(worker=worker)
    assert not selectors.worker_is_eligible(worker=worker, order=paid)
    if step == "identity_only":
        agreement_sign(worker=worker)
        assert selectors.worker_is_cleared(worker=worker)
        assert selectors.worker_is_eligible(worker=worker, order=paid)
        assert worker in selectors.workers_eligible_for_order(order=paid)


def test_agreement_cannot_be_signed_before_the_identity_is_verified(make_worker) -> None:  # type: ignore[no-untyped-def]
    from xinghuo.core.exceptions import Conflict

    worker = make_worker()
    agreement = contract_services.agreement_get_or_generate(worker=worker)
    with pytest.raises(Conflict) as info:
        contract_services.agreement_sign(
            worker=worker,
            consent=True,
            consent_text=contract_services.consent_text_for(agreement),
            ip_address=None,
            user_agent="",
        )
    assert info.value.code == "identity_not_verified"
    agreement.refresh_from_db()
    assert agreement.status == "generated"


def test_dispatcher_cannot_assign_paid_work_to_an_uncleared_worker(  # type: ignore[no-untyped-def]
    api, orders, make_eligible_worker
) -> None:
    owner, org, paid, _unpaid = orders
    worker = make_eligible_worker(cleared=False)
    resp = api(owner).post(
        f"/organizations/{org.pk}/work-orders/{paid.pk}/assign", {"worker_id": worker.pk}
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "worker_not_cleared"
    paid.refresh_from_db()
    assert paid.worker_id is None
    cleared = make_eligible_worker()
    resp = api(owner).post(
        f"/organizations/{org.pk}/work-orders/{paid.pk}/assign", {"worker_id": cleared.pk}
    )
    assert resp.status_code == 202  # offered: he has not agreed to direct assignment
