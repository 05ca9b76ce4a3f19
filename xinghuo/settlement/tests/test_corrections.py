"""Corrections of settled orders (issue 11): two operators above the threshold, a reversing
transfer from the wallet, the shortfall netted from the next earnings, the month's tax
recomputed and carried, the declaration amended, every step audited, and once only."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import transaction

from xinghuo.accounts import services as account_services
from xinghuo.notifications.models import Notification
from xinghuo.settlement import services
from xinghuo.settlement.models import (
    Correction,
    LedgerAccount,
    SettlementPolicy,
    Transfer,
    Withholding,
)
from xinghuo.settlement.services import declaration, ledger
from xinghuo.work_orders.models import WorkOrder

from .test_declaration import settle

pytestmark = pytest.mark.django_db
P = LedgerAccount.Purpose
BEIJING = ZoneInfo("Asia/Shanghai")


def balance(**owner) -> int:
    account = LedgerAccount.objects.filter(**owner).first()
    return account.available_fen if account else 0


def sound() -> None:
    assert ledger.ledger_verify() == []
    assert sum(a.balance_fen for a in LedgerAccount.objects.all()) == 0


@pytest.fixture
def second_operator(db):
    return account_services.user_create(
        phone="13800000002", password="Xinghuo@2026", name="复核运营", is_staff=True
    )


def test_a_chargeback_above_the_threshold_needs_a_second_operator_and_nets_the_shortfall(
    api, make_employer, make_order, make_eligible_worker, operator, second_operator
):
    owner, org = make_employer(escrow_fen=2_000_000)
    worker = make_eligible_worker(name="钱七")
    # 8,000 yuan, flexible: 42 tax, 480 fee paid by the employer; 7,958 to the wallet.
    w = settle(api, owner, org, worker, make_order, 800_000)
    assert (w.tax_fen, w.fee_fen, w.net_fen) == (4_200, 48_000, 795_800)
    escrow_before = balance(purpose=P.ESCROW, organization=org)
    body = {"kind": "chargeback", "reason": "用工单位银行拒付", "key": "CB-0001"}
    url = f"/work-orders/{w.order_id}/corrections"

    # Nobody but an operator sees or does anything here.
    me = api(worker.user)
    assert me.post(url, body).status_code == 404
    assert api(owner).post(url, body).status_code == 404
    assert me.get("/corrections").status_code == 404

    first = api(operator).post(url, body)
    assert first.status_code == 201, first.json()
    correction = first.json()
    assert (correction["status"], correction["old_gross_fen"], correction["new_gross_fen"]) == (
        "awaiting_approval",
        800_000,
        0,
    )
    again = api(operator).post(url, body)  # the same key: the first correction
    assert again.json()["id"] == correction["id"]
    assert Correction.objects.count() == 1
    assert balance(purpose=P.WORKER_WALLET, worker=worker) == 795_800  # nothing moved yet
    cid = correction["id"]
    assert me.get(f"/corrections/{cid}").status_code == 404
    assert me.post(f"/corrections/{cid}/approve").status_code == 404

    same = api(operator).post(f"/corrections/{cid}/approve")
    assert same.status_code == 403 and same.json()["code"] == "same_approver"
    approved = api(second_operator).post(f"/corrections/{cid}/approve")
    assert approved.status_code == 200
    done = approved.json()
    assert done["status"] == "executed"
    # The wallet gives back all it holds; the 42 yuan of tax he never received is his debt.
    assert (done["from_wallet_fen"], done["debt_fen"], done["debt_open_fen"]) == (
        795_800,
        4_200,
        4_200,
    )
    assert (done["employer_refund_fen"], done["fee_refund_fen"]) == (848_000, 48_000)
    # The month's tax recomputed: nothing is due on no income; the cumulative method carries.
    assert (done["tax_before_fen"], done["tax_after_fen"]) == (4_200, 0)
    assert [e["action"] for e in done["events"]] == ["requested", "approved", "executed"]
    assert [e["actor_id"] for e in done["events"]] == [
        operator.pk,
        second_operator.pk,
        second_operator.pk,
    ]
    transfers = Transfer.objects.count()
    assert api(second_operator).post(f"/corrections/{cid}/approve").json()["status"] == "executed"
    assert Transfer.objects.count() == transfers  # executes once
    assert balance(purpose=P.WORKER_WALLET, worker=worker) == 0
    assert balance(purpose=P.ESCROW, organization=org) == escrow_before + 843_800
    sound()

    # The worker is told, and sees the correction and the debt.
    note = Notification.objects.get(user=worker.user, kind=f"correction_{cid}")
    assert "42.00" in note.body
    mine = me.get("/workers/me/corrections").json()
    assert mine["open_debt_fen"] == 4_200
    assert [c["id"] for c in mine["corrections"]] == [cid]

    # His next earnings repay the debt to the employer first.
    escrow_before = balance(purpose=P.ESCROW, organization=org)
    w2 = settle(api, owner, org, worker, make_order, 200_000)
    # 2,000 more: the corrected year is 2,000 × 80 % − 5,000 < 0 → no tax (42 already withheld).
    assert (w2.tax_fen, w2.net_fen, w2.netted_fen) == (0, 200_000, 4_200)
    assert balance(purpose=P.WORKER_WALLET, worker=worker) == 195_800
    # The escrow paid 2,120 for the new order and got the 42 back.
    assert balance(purpose=P.ESCROW, organization=org) == escrow_before - 212_000 + 4_200
    assert me.get("/workers/me/corrections").json()["open_debt_fen"] == 0
    detail = api(operator).get(f"/corrections/{cid}").json()
    assert detail["events"][-1]["action"] == "netted"
    assert detail["events"][-1]["detail"] == {"order_id": w2.order_id, "amount_fen": 4_200}
    sound()

    # The declaration of that month is amended.
    book = openpyxl.load_workbook(
        io.BytesIO(declaration.withholding_declaration_xlsx(year=w.year, month=w.month))
    )
    assert "更正申报" in book["扣缴申报表"]["A1"].value
    assert "更正明细" in book.sheetnames


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=BEIJING)


def settle_at(make_order, owner, org, worker, price_fen, when) -> Withholding:
    order = make_order(owner=owner, organization=org, price_fen=price_fen)
    WorkOrder.objects.filter(pk=order.pk).update(worker=worker)
    order.refresh_from_db()
    with transaction.atomic():  # acceptance's transaction
        return services.order_settle(order=order, at=when)


def test_a_small_correction_executes_at_once_and_carries_the_per_payment_tax_difference(
    api, make_employer, make_worker, make_order, operator
):
    owner, org = make_employer(escrow_fen=2_000_000)
    SettlementPolicy.objects.create(organization=org, mode="cost_invoice", fee_payer="worker")
    worker = make_worker()
    # January, 5,000 yuan per payment: 4,000 × 20 % = 800 tax, 300 fee paid by the worker.
    w = settle_at(make_order, owner, org, worker, 500_000, at(2026, 1, 15))
    assert (w.tax_fen, w.fee_fen, w.net_fen) == (80_000, 30_000, 390_000)
    resp = api(operator).post(
        f"/work-orders/{w.order_id}/corrections",
        {"kind": "amount", "new_gross_fen": 450_000, "reason": "验收少算一项", "key": "A-1"},
    )
    assert resp.status_code == 201
    c = resp.json()
    # 500 yuan ≤ the 1,000-yuan threshold: executed by the one operator.
    assert c["status"] == "executed"
    # The fee follows the gross (270 instead of 300): the worker owes 500 − 30.
    assert (c["fee_refund_fen"], c["from_wallet_fen"], c["debt_fen"]) == (3_000, 47_000, 0)
    assert c["employer_refund_fen"] == 50_000
    # January recomputed: 4,500 × 80 % × 20 % = 720; 80 yuan to carry.
    assert (c["tax_before_fen"], c["tax_after_fen"], c["carry_open_fen"]) == (80_000, 72_000, 8_000)
    assert balance(purpose=P.WORKER_WALLET, worker=worker) == 390_000 - 47_000

    # February's payment of 1,000 from the same payer: 200 × 20 % = 40 due, all credited.
    w2 = settle_at(make_order, owner, org, worker, 100_000, at(2026, 2, 3))
    assert (w2.tax_fen, w2.carried_fen) == (0, 4_000)
    assert w2.net_fen == 100_000 - 6_000
    assert Correction.objects.get(pk=c["id"]).carry_open_fen == 4_000
    sound()


def test_small_corrections_of_one_order_cannot_add_up_past_the_second_operator(
    api, make_employer, make_worker, make_order, operator, second_operator
):
    """The four-eyes threshold (1,000 yuan) counts everything taken back from the payment:
    one operator lowering an 8,000-yuan order by 900 yuan at a time gets one step alone."""
    owner, org = make_employer(escrow_fen=2_000_000)
    worker = make_worker()
    w = settle_at(make_order, owner, org, worker, 800_000, at(2026, 3, 3))
    url = f"/work-orders/{w.order_id}/corrections"
    first = api(operator).post(
        url, {"kind": "amount", "new_gross_fen": 710_000, "reason": "少一项", "key": "S-1"}
    )
    assert first.json()["status"] == "executed"
    second = api(operator).post(
        url, {"kind": "amount", "new_gross_fen": 620_000, "reason": "又少一项", "key": "S-2"}
    )
    assert second.status_code == 201 and second.json()["status"] == "awaiting_approval"
    assert Correction.objects.filter(status="executed").count() == 1
    own = api(operator).post(f"/corrections/{second.json()['id']}/approve")
    assert own.status_code == 403
    approved = api(second_operator).post(f"/corrections/{second.json()['id']}/approve")
    assert approved.json()["status"] == "executed"
    sound()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "amount", "new_gross_fen": 300_000, "reason": "多付", "key": "k1"}, 422,
         "invalid_correction_amount"),
        ({"kind": "amount", "new_gross_fen": 200_000, "reason": "多付", "key": "k2"}, 422,
         "invalid_correction_amount"),
        ({"kind": "amount", "reason": "多付", "key": "k3"}, 422, "amount_required"),
        ({"kind": "refund", "reason": "", "key": "k4"}, 422, None),
        ({"kind": "refund", "reason": "x" * 256, "key": "k5"}, 422, None),
        ({"kind": "whatever", "reason": "退款", "key": "k6"}, 422, None),
        ({"kind": "refund", "reason": "退款\x00", "key": "bad key"}, 422, None),
    ],
)  # fmt: skip
def test_hostile_corrections_are_refused_with_nothing_moved(
    api, make_employer, make_worker, make_order, operator, body, status, code
):
    owner, org = make_employer()
    worker = make_worker()
    w = settle_at(make_order, owner, org, worker, 200_000, at(2026, 3, 3))
    transfers = Transfer.objects.count()
    resp = api(operator).post(f"/work-orders/{w.order_id}/corrections", body)
    assert resp.status_code == status
    assert set(resp.json()) >= {"code", "message"}
    if code:
        assert resp.json()["code"] == code
    assert Transfer.objects.count() == transfers
    assert Correction.objects.count() == 0


def test_an_unsettled_order_has_nothing_to_correct_and_a_key_is_one_correction(
    api, make_employer, make_worker, make_order, operator
):
    owner, org = make_employer()
    open_order = make_order(owner=owner, organization=org, price_fen=10_000)
    body = {"kind": "refund", "reason": "退款", "key": "K-1"}
    assert api(operator).post(f"/work-orders/{open_order.pk}/corrections", body).status_code == 404
    worker = make_worker()
    w = settle_at(make_order, owner, org, worker, 50_000, at(2026, 3, 3))
    other = settle_at(make_order, owner, org, worker, 50_000, at(2026, 3, 4))
    assert api(operator).post(f"/work-orders/{w.order_id}/corrections", body).status_code == 201
    reused = api(operator).post(f"/work-orders/{other.order_id}/corrections", body)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_conflict"
    # Refunded already: nothing left to lower.
    twice = api(operator).post(f"/work-orders/{w.order_id}/corrections", {**body, "key": "K-2"})
    assert twice.status_code == 422
    sound()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_and_approvals_execute_one_correction_once(
    make_employer, make_worker, make_order, operator, second_operator
):
    import threading

    from django.db import connection, connections

    from xinghuo.settlement.services import corrections

    if connection.vendor != "postgresql":
        pytest.skip("real row locking is tested on PostgreSQL (CI runs it)")
    owner, org = make_employer()
    worker = make_worker()
    w = settle_at(make_order, owner, org, worker, 800_000, at(2026, 5, 5))
    errors: list[str] = []
    ids: list[int] = []
    barrier = threading.Barrier(6)

    def client(n: int) -> None:
        try:
            barrier.wait()
            c = corrections.correction_request(
                operator=operator,
                order_id=w.order_id,
                kind="refund",
                reason="并发退款",
                key="RACE-1",
            )
            ids.append(c.pk)
            corrections.correction_approve(operator=second_operator, correction_id=c.pk)
        except Exception as exc:
            errors.append(f"{n}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(set(ids)) == 1
    c = Correction.objects.get()
    assert c.status == "executed"
    assert Transfer.objects.filter(key__startswith=f"correction:{c.pk}:").count() == 2
    assert [e.action for e in c.events.all()] == ["requested", "approved", "executed"]
    sound()
