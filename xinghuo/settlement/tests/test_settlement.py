"""Escrow and the settlement of work, through the public API and services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from xinghuo.settlement.models import LedgerAccount, SettlementPolicy, Transfer, Withholding
from xinghuo.settlement.services import ledger, tax
from xinghuo.work_orders.models import WorkOrder

pytestmark = pytest.mark.django_db
P = LedgerAccount.Purpose
AT_SITE = {"lat": 30.2601, "lng": 120.1001}


def balance(**owner):
    account = LedgerAccount.objects.filter(**owner).first()
    return account.balance_fen if account else 0


def do_the_work(api, order, worker):
    me = api(worker.user)
    assert me.post(f"/work-orders/{order.pk}/grab").status_code == 200
    assert me.post(f"/work-orders/{order.pk}/check-in", AT_SITE).status_code == 200
    resp = me.client.post(
        f"/api/v1/work-orders/{order.pk}/deliver", {"note": "完成"}, headers=me.headers
    )
    assert resp.status_code == 200


def test_an_order_the_escrow_cannot_cover_is_not_published(
    api, make_employer, hangzhou, make_order
):
    owner, org = make_employer(escrow_fen=10_000)
    site = make_order(owner=owner, organization=org).site_id  # a free order: no money needed
    body = {
        "site_id": site,
        "title": "贵的单",
        "price_fen": 10_000,  # + 6 % employer fee = 10,600 > 10,000
        "deadline_at": (timezone.now() + timedelta(hours=5)).isoformat(),
    }
    resp = api(owner).post(f"/organizations/{org.pk}/work-orders", body)
    assert resp.status_code == 409
    assert resp.json()["code"] == "insufficient_funds"
    assert resp.json()["detail"]["needed_fen"] == 10_600
    assert WorkOrder.objects.count() == 1
    assert api(owner).get(f"/organizations/{org.pk}/escrow").json() == {
        "available_fen": 10_000,
        "reserved_fen": 0,
        "total_fen": 10_000,
    }


def test_publishing_reserves_and_cancelling_releases(api, make_employer, make_order):
    owner, org = make_employer(escrow_fen=100_000)
    order = make_order(owner=owner, organization=org, price_fen=50_000)
    escrow = api(owner).get(f"/organizations/{org.pk}/escrow").json()
    assert escrow == {"available_fen": 47_000, "reserved_fen": 53_000, "total_fen": 100_000}
    resp = api(owner).post(
        f"/organizations/{org.pk}/work-orders/{order.pk}/cancel", {"reason": "不需要了"}
    )
    assert resp.status_code == 200
    assert api(owner).get(f"/organizations/{org.pk}/escrow").json()["available_fen"] == 100_000
    assert ledger.ledger_verify() == []


def test_acceptance_pays_the_worker_net_of_tax_and_the_platform_its_fee(
    api, make_employer, make_order, make_eligible_worker
):
    owner, org = make_employer(escrow_fen=1_000_000)
    order = make_order(owner=owner, organization=org, price_fen=800_000)  # 8,000 yuan
    worker = make_eligible_worker()
    do_the_work(api, order, worker)
    resp = api(owner).post(f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 5})
    assert resp.status_code == 200
    # Platform cumulative method, first month: 8,000 × 80 % − 5,000 = 1,400 taxable × 3 % = 42.
    expected = tax.platform_cumulative(
        income_fen=800_000, ytd_income_fen=0, ytd_tax_fen=0, months=1
    )
    assert expected.tax_fen == 4_200
    wallet = api(worker.user).get("/workers/me/wallet").json()
    assert wallet["balance_fen"] == 800_000 - 4_200
    [w] = wallet["withholdings"]
    assert (w["income_fen"], w["tax_fen"], w["fee_fen"]) == (800_000, 4_200, 48_000)
    assert balance(purpose=P.TAX_PAYABLE) == 4_200
    assert balance(purpose=P.FEE_REVENUE) == 48_000
    assert balance(purpose=P.ESCROW, organization=org) == 1_000_000 - 848_000
    assert balance(purpose=P.ESCROW_RESERVED, organization=org) == 0
    assert ledger.ledger_verify() == []
    assert sum(a.balance_fen for a in LedgerAccount.objects.all()) == 0


def test_a_settled_order_is_never_settled_again(
    api, make_employer, make_order, make_eligible_worker
):
    from xinghuo.settlement import services

    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, price_fen=30_000)
    worker = make_eligible_worker()
    do_the_work(api, order, worker)
    api(owner).post(f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 4})
    transfers = Transfer.objects.count()
    order.refresh_from_db()
    services.order_settle(order=order)
    assert Transfer.objects.count() == transfers
    assert Withholding.objects.count() == 1
    assert (
        api(owner)
        .post(f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 4})
        .status_code
        == 409
    )


def test_two_payments_in_a_month_are_taxed_cumulatively(
    api, make_employer, make_order, make_eligible_worker
):
    owner, org = make_employer(escrow_fen=5_000_000)
    worker = make_eligible_worker()
    from xinghuo.accounts.models import Organization

    Organization.objects.filter(pk=org.pk).update(max_open_orders_per_worker=5)
    paid = []
    for price in (600_000, 900_000):
        order = make_order(owner=owner, organization=org, price_fen=price, title=f"单{price}")
        do_the_work(api, order, worker)
        api(owner).post(f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 5})
        paid.append(Withholding.objects.get(order=order).tax_fen)
    # 15,000 in the month: 15,000 × 0.8 − 5,000 = 7,000 × 3 % = 210 in all; the first paid 6,000
    # × 0.8 − 5,000 = −200 → 0, so the second withholds all 210.
    assert paid == [0, 21_000]


@pytest.mark.parametrize(
    ("mode", "fee_payer", "tax_fen", "fee_fen", "net_fen"),
    [
        # natural-person invoicing without a business registration: labour remuneration per
        # payment (issue 11; it was the deemed rate before), 10,000 × 0.8 × 20 % = 1,600
        ("natural_person_invoice", "employer", 160_000, 60_000, 840_000),
        # cost invoice, per-payment labour method: 10,000 × 0.8 × 20 % = 1,600; worker pays 6 %
        ("cost_invoice", "worker", 160_000, 60_000, 780_000),
        # payroll, cumulative wages: 10,000 − 5,000 = 5,000 × 3 % = 150
        ("payroll", "employer", 15_000, 60_000, 985_000),
    ],
)
def test_each_settlement_mode_applies_its_tax_method_and_fee_payer(
    api, make_employer, make_order, make_eligible_worker, mode, fee_payer, tax_fen, fee_fen, net_fen
):
    owner, org = make_employer(escrow_fen=2_000_000)
    SettlementPolicy.objects.create(organization=org, mode=mode, fee_payer=fee_payer)
    order = make_order(owner=owner, organization=org, price_fen=1_000_000)
    worker = make_eligible_worker()
    do_the_work(api, order, worker)
    api(owner).post(f"/organizations/{org.pk}/work-orders/{order.pk}/accept", {"rating": 5})
    w = Withholding.objects.get(order=order)
    assert (w.tax_fen, w.fee_fen, w.net_fen) == (tax_fen, fee_fen, net_fen)
    assert ledger.ledger_verify() == []


def test_a_signed_bank_credit_tops_up_the_employer_named_in_the_memo_once(
    api, make_employer, settings
):
    from xinghuo.settlement.channels.base import reset_channels
    from xinghuo.settlement.channels.fakes import running_fake_bank
    from xinghuo.settlement.services import topup_code

    owner, org = make_employer(escrow_fen=0)
    with running_fake_bank() as bank:
        settings.PAYOUT_CHANNELS = {"bank": {"BACKEND": "bank", "OPTIONS": bank.client_options()}}
        reset_channels()
        headers, body = bank.credit_notification(
            txn_id="T20261127001", amount_fen=250_000, memo=f"星火平台充值 {topup_code(org)}"
        )
        client = api()
        for _ in range(2):  # the bank retries: credited once
            resp = client.client.post(
                "/api/v1/hooks/bank/credits", body, content_type="application/json", headers=headers
            )
            assert resp.status_code == 200 and resp.content == b"success"
        forged = client.client.post(
            "/api/v1/hooks/bank/credits",
            body.replace(b"250", b"950"),
            content_type="application/json",
            headers=headers,
        )
        assert forged.status_code == 401
        h2, b2 = bank.credit_notification(txn_id="T2", amount_fen=1, memo="no code here")
        unmatched = client.client.post(
            "/api/v1/hooks/bank/credits", b2, content_type="application/json", headers=h2
        )
        assert unmatched.status_code == 422
        assert unmatched.json()["code"] == "unmatched_credit"
    reset_channels()
    assert api(owner).get(f"/organizations/{org.pk}/escrow").json()["available_fen"] == 250_000
    assert ledger.ledger_verify() == []
