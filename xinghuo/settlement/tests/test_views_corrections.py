"""The operator's corrections page and the worker's view of a correction (issue 11)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import User
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import Correction, Transfer
from xinghuo.work_orders.models import WorkOrder

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def settled(make_employer, make_worker, make_order):
    """A 3,000-yuan order of a flexible employer settled to 王五 (3,000 × 80 % − 5,000 < 0:
    no tax), so 3,000 yuan are in his wallet."""
    owner, org = make_employer()
    worker = make_worker(name="王五")
    order = make_order(owner=owner, organization=org, price_fen=300_000)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    order.refresh_from_db()
    settlement_services.order_settle(order=order, at=datetime(2026, 4, 8, 9, 0, tzinfo=BEIJING))
    return order, worker


def test_the_corrections_page_is_for_operators_only(make_employer, make_worker):
    owner, _org = make_employer(escrow_fen=0, verified=False)
    for user in (owner, make_worker().user):
        client = logged_in(user)
        assert client.get("/operator/corrections/").status_code == 302
        assert client.post("/operator/corrections/", {"action": "request"}).status_code == 302
    assert Correction.objects.count() == 0


def test_two_operators_correct_an_order_on_the_page_and_the_worker_sees_it(settled, operator):
    order, worker = settled
    console = logged_in(operator)
    page = console.get("/operator/corrections/")
    assert page.status_code == 200
    key = page.context["form"].initial["key"]
    form = {
        "action": "request",
        "order_id": order.pk,
        "kind": "amount",
        "new_gross_yuan": "1000.00",
        "reason": "验收时多计了工时",
        "key": key,
    }
    assert console.post("/operator/corrections/", form).status_code == 302
    assert console.post("/operator/corrections/", form).status_code == 302  # double submit
    correction = Correction.objects.get()
    assert correction.status == "awaiting_approval"  # 2,000 yuan > 1,000
    shown = console.get("/operator/corrections/")
    assert "验收时多计了工时" in shown.content.decode()
    assert "Another operator approves" in shown.content.decode() or "由另一位运营" in (
        shown.content.decode()
    )
    second = account_services.user_create(
        phone="13800000009", password="Xinghuo@2026", name="复核", is_staff=True
    )
    logged_in(second).post(
        "/operator/corrections/", {"action": "approve", "correction_id": correction.pk}
    )
    correction.refresh_from_db()
    assert correction.status == "executed" and correction.approved_by == second
    assert (correction.from_wallet_fen, correction.debt_fen) == (200_000, 0)
    assert Transfer.objects.filter(key__startswith=f"correction:{correction.pk}:").count() == 2
    assert settlement_services.ledger_verify() == []
    trail = logged_in(second).get("/operator/corrections/").content.decode()
    # The audit trail names each step in the page's language, not by its internal code.
    assert 'data-action="executed">' in trail and " · 已执行 · " in trail
    assert " · executed · " not in trail

    wallet = logged_in(worker.user).get("/worker/wallet/")
    assert wallet.status_code == 200
    html = wallet.content.decode()
    assert 'id="corrections"' in html and "验收时多计了工时" in html
    assert "¥3000.00 → ¥1000.00" in html
    # Covered by the wallet: no debt line, no "will be deducted" warning.
    assert "已从钱包扣回 ¥2000.00。" in html
    assert 'id="open-debt"' not in html and "欠款" not in html


@pytest.mark.parametrize("correction_id", ["²", "٣", "9" * 40, "-1", ""])
def test_hostile_correction_ids_on_the_page_are_refused_not_a_500(settled, operator, correction_id):
    console = logged_in(operator)
    for action in ("approve", "reject"):
        answer = console.post(
            "/operator/corrections/",
            {"action": action, "correction_id": correction_id, "reason": "x"},
        )
        assert answer.status_code == 302
    assert Correction.objects.count() == 0


def test_an_order_number_beyond_any_id_is_a_form_error_not_a_500(settled, operator):
    answer = logged_in(operator).post(
        "/operator/corrections/",
        {"action": "request", "order_id": str(2**70), "kind": "refund", "reason": "x", "key": "K1"},
    )
    assert answer.status_code == 200
    assert "order_id" in answer.context["form"].errors
    assert Correction.objects.count() == 0 and not Transfer.objects.filter(code="correction")


def test_the_corrections_list_reads_the_audit_trails_in_one_query(settled, operator):
    """The page's queries do not grow with the corrections listed (no query per row)."""
    order, _worker = settled
    console = logged_in(operator)

    def correct(n: int, gross_fen: int) -> int:
        settlement_services.correction_request(
            operator=operator,
            order_id=order.pk,
            kind="amount",
            reason=f"第{n}次更正",
            key=f"N1-{n}",
            new_gross_fen=gross_fen,
        )
        with CaptureQueriesContext(connection) as queries:
            page = console.get("/operator/corrections/")
        assert page.status_code == 200
        assert len(page.context["rows"]) == n
        assert all(len(row["events"]) == 2 for row in page.context["rows"])
        return len(queries)

    one = correct(1, 299_900)
    assert correct(2, 299_800) == one
    assert correct(3, 299_700) == one
