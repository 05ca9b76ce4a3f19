"""The order workflows: each changes the order together with its money and points, or
nothing at all."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from xinghuo.dispatch import services as dispatch_services
from xinghuo.dispatch.models import PointsEntry
from xinghuo.settlement.exceptions import InsufficientFunds
from xinghuo.settlement.models import Transfer, Withholding
from xinghuo.work_orders import lifecycle
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.exceptions import IllegalTransition
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import services as workflows

pytestmark = pytest.mark.django_db

S = WorkOrder.Status


def _delivered(*, order: WorkOrder, worker) -> WorkOrder:  # type: ignore[no-untyped-def]
    dispatch_services.work_order_grab(worker=worker, work_order_id=order.pk)
    order_services.work_order_check_in(
        worker=worker, order_id=order.pk, lat=order.site.lat, lng=order.site.lng
    )
    return order_services.work_order_deliver(worker=worker, order_id=order.pk, note="已完成")


def test_accept_awards_points_and_settles_the_pay(make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=20_000)
    _delivered(order=order, worker=make_eligible_worker())
    accepted = workflows.work_order_accept(
        actor=owner, organization=org, order_id=order.pk, rating=5
    )
    assert accepted.status == S.ACCEPTED
    assert PointsEntry.objects.filter(order=order).exists()
    assert Withholding.objects.filter(order=order).exists()


def test_a_failed_settlement_leaves_the_order_unaccepted_and_no_points(
    make_employer, make_order, make_eligible_worker
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=0)
    _delivered(order=order, worker=make_eligible_worker())
    # A price that was never reserved: the settlement finds no reservation to post and
    # fails after the acceptance and the points were written in the same transaction.
    WorkOrder.objects.filter(pk=order.pk).update(price_fen=5_000)
    with pytest.raises(Transfer.DoesNotExist):
        workflows.work_order_accept(actor=owner, organization=org, order_id=order.pk, rating=4)
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.accepted_at is None and order.rating is None
    assert not PointsEntry.objects.filter(order=order).exists()
    assert not order.events.filter(type="accept").exists()


def test_publish_reserves_the_escrow_or_leaves_the_draft(make_employer, make_order):
    owner, org = make_employer(escrow_fen=10_000)
    draft = make_order(owner=owner, organization=org, price_fen=5_000, publish=False)
    assert not Transfer.objects.filter(key=f"reserve:{draft.pk}").exists()
    workflows.work_order_publish(actor=owner, organization=org, order_id=draft.pk)
    assert Transfer.objects.filter(key=f"reserve:{draft.pk}").exists()
    too_dear = make_order(owner=owner, organization=org, price_fen=50_000, publish=False)
    with pytest.raises(InsufficientFunds):
        workflows.work_order_publish(actor=owner, organization=org, order_id=too_dear.pk)
    too_dear.refresh_from_db()
    assert too_dear.status == S.DRAFT and too_dear.published_at is None


def test_create_published_reserves_once_and_short_escrow_creates_nothing(make_employer, make_order):
    owner, org = make_employer(escrow_fen=10_000)
    order = make_order(owner=owner, organization=org, price_fen=5_000, external_ref="R-1")
    assert Transfer.objects.filter(key=f"reserve:{order.pk}").count() == 1
    # The same reference again: the first order back, nothing reserved again.
    again = make_order(owner=owner, organization=org, price_fen=5_000, external_ref="R-1")
    assert again.pk == order.pk
    assert Transfer.objects.filter(code="reserve").count() == 1
    with pytest.raises(InsufficientFunds):
        make_order(owner=owner, organization=org, price_fen=90_000, title="太贵")
    assert not WorkOrder.objects.filter(title="太贵").exists()


def test_cancel_releases_the_reservation(make_employer, make_order):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=5_000)
    workflows.work_order_cancel(actor=owner, organization=org, order_id=order.pk, reason="不需要了")
    assert WorkOrder.objects.get(pk=order.pk).status == S.CANCELLED
    assert Transfer.objects.filter(key=f"release:{order.pk}").exists()


def test_the_sweep_expires_untaken_orders_and_releases_their_escrow(make_employer, make_order):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=5_000)
    later = timezone.now() + timedelta(hours=9)
    assert workflows.work_orders_sweep(now=later) == {
        "expired": 1,
        "overdue": 0,
        "shifts_closed": 0,
    }
    assert WorkOrder.objects.get(pk=order.pk).status == S.EXPIRED
    assert Transfer.objects.filter(key=f"release:{order.pk}").exists()
    assert workflows.work_order_expire(order_id=order.pk, now=later) is None
    assert workflows.work_orders_sweep(now=later)["expired"] == 0


# --- the order rules: one table ---------------------------------------------------------------


def _order(status: str, kind: str = WorkOrder.Kind.ORDER, worker_id: int | None = 7) -> WorkOrder:
    return WorkOrder(status=status, kind=kind, worker_id=worker_id)


@pytest.mark.parametrize(
    ("status", "kind", "holder", "employer"),
    [
        (S.DRAFT, "order", [], ["publish", "cancel"]),
        (S.PUBLISHED, "order", [], ["assign", "cancel"]),
        (S.ASSIGNED, "order", ["decline", "depart", "check_in"], ["reassign", "cancel"]),
        (S.EN_ROUTE, "order", ["check_in"], ["cancel"]),
        (S.ON_SITE, "order", ["deliver"], ["cancel"]),
        (S.ON_SITE, "shift", ["check_out"], ["cancel"]),
        (S.DELIVERED, "order", [], ["accept", "reject"]),
        (S.ACCEPTED, "order", [], ["rated"]),
        (S.CANCELLED, "order", [], []),
        (S.EXPIRED, "shift", [], []),
    ],
)
def test_allowed_actions_by_status_kind_and_side(
    status, kind, holder, employer, make_worker, make_employer
):
    worker = make_worker()
    owner, _org = make_employer(escrow_fen=0, verified=False)
    order = _order(status, kind, worker_id=worker.pk)
    assert lifecycle.allowed_actions(order, worker) == holder
    assert lifecycle.allowed_actions(order, owner) == employer
    stranger = make_worker()
    assert lifecycle.allowed_actions(order, stranger) == (
        ["assign"] if status == S.PUBLISHED else []
    )


def test_the_services_refuse_what_allowed_actions_leaves_out():
    shift = _order(S.ON_SITE, WorkOrder.Kind.SHIFT)
    order = _order(S.ON_SITE, WorkOrder.Kind.ORDER)
    for action in lifecycle.ACTIONS:
        for candidate in (shift, order, _order(S.DELIVERED), _order(S.DRAFT)):
            allowed = lifecycle.permits(candidate, action)
            if allowed:
                lifecycle.check(candidate, action)
            else:
                with pytest.raises(IllegalTransition):
                    lifecycle.check(candidate, action)


def test_a_shift_cannot_be_delivered(make_employer, make_order, make_eligible_worker):
    owner, org = make_employer()
    start = timezone.now() - timedelta(minutes=5)
    shift = make_order(
        owner=owner,
        organization=org,
        kind=WorkOrder.Kind.SHIFT,
        earliest_start_at=start,
        deadline_at=timezone.now() + timedelta(hours=2),
    )
    worker = make_eligible_worker()
    dispatch_services.work_order_grab(worker=worker, work_order_id=shift.pk)
    order_services.work_order_check_in(
        worker=worker, order_id=shift.pk, lat=shift.site.lat, lng=shift.site.lng
    )
    with pytest.raises(IllegalTransition) as exc:
        order_services.work_order_deliver(worker=worker, order_id=shift.pk, note="完成")
    assert exc.value.detail == {"action": "deliver", "kind": "shift"}
    assert WorkOrder.objects.get(pk=shift.pk).status == S.ON_SITE


# --- the layers --------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_work_orders_imports_neither_dispatch_nor_settlement():
    """Not even inside a function: the order's cross-context steps live in workflows. The
    API modules and the pages (views) are the layer above and may call dispatch and
    workflows."""
    root = Path(__file__).resolve().parents[2] / "work_orders"
    offenders = {
        str(path.relative_to(root)): sorted(
            name
            for name in _imports(path)
            if name.startswith(("xinghuo.dispatch", "xinghuo.settlement", "xinghuo.workflows"))
        )
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name not in ("api.py", "api_channels.py")
        and not path.name.startswith("views")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("name", ["OPEN", "HELD", "IN_PROGRESS", "OUTSTANDING", "FINISHED"])
def test_each_status_set_names_statuses_and_is_no_choice(name):
    values = getattr(S, name)
    assert values and set(values) <= set(S.values)
    assert len(S.choices) == 9
