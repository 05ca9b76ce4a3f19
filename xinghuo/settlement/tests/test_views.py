"""The finance pages: the employer's escrow and statements, the worker's wallet, the
operator's payouts, reconciliation and declaration — through the test client."""

from __future__ import annotations

import io
import itertools
import json
import re

import openpyxl
import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from xinghuo.accounts import services as account_services
from xinghuo.accounts.models import User
from xinghuo.identity.ocr.base import OcrLine
from xinghuo.settlement import selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import LedgerAccount, Payout, PayoutAccount, ReconciliationReport
from xinghuo.settlement.services import TransferSpec, channels_reset
from xinghuo.settlement.tests.identities import approve_identity
from xinghuo.workforce.models import Worker

pytestmark = pytest.mark.django_db
CMB_DEBIT = "6225880212345673"  # 招商银行 debit card, check digit right
CMB_DEBIT_SPACED = "6225 8802 1234 5673"
P = LedgerAccount.Purpose
PASSWORD = "Xinghuo@2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _fresh_channels():
    channels_reset()
    yield
    channels_reset()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # identity keeps the card photo


@pytest.fixture
def verified_identity(operator):
    """verified_identity(worker): his identity approved (binding an account needs it)."""
    seq = itertools.count(1)

    def verify(worker: Worker) -> Worker:
        approve_identity(worker, reviewer=operator, seq=next(seq))
        return worker

    return verify


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def levels(response) -> list[int]:
    return [m.level for m in response.context["messages"]] if response.context else []


def fund_wallet(worker: Worker, amount_fen: int) -> None:
    clearing = settlement_services.account_for(purpose=P.CHANNEL_CLEARING, channel="test")
    wallet = settlement_services.account_for(purpose=P.WORKER_WALLET, worker_id=worker.pk)
    settlement_services.transfers_post(
        specs=[
            TransferSpec(f"fund:{worker.pk}:{amount_fen}", clearing.pk, wallet.pk, amount_fen, "t")
        ]
    )


def bind(worker: Worker, account: str = "13800138000", channel: str = "alipay"):
    # The sandbox channel decides the outcome by the account's last character.
    return settlement_services.payout_account_add(
        worker=worker, channel=channel, account=account, account_name=worker.user.name
    ).account


@pytest.fixture
def org_payout(make_employer, make_worker, verified_identity):
    """Employer A with a finance member, and a payout of A awaiting a second approval that
    the finance member requested."""
    owner, org = make_employer()
    finance = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=finance.phone, role="finance"
    )
    org.payout_approval_threshold_fen = 50_000
    org.save()
    worker = verified_identity(make_worker(name="钱八"))
    fund_wallet(worker, 100_000)
    bind(worker)
    payout = settlement_services.payout_request(
        worker=worker, amount_fen=60_000, requested_by=finance, organization=org
    )
    assert payout.status == "awaiting_approval"
    return {"owner": owner, "org": org, "finance": finance, "worker": worker, "payout": payout}


# --- employer ----------------------------------------------------------------------------------


def test_the_employer_finance_page_shows_the_escrow_of_the_picked_organization(make_employer):
    owner, org = make_employer()  # 100,000 yuan confirmed
    resp = logged_in(owner).get(f"/employer/finance/?org={org.pk}")
    assert resp.status_code == 200
    assert resp.context["balances"] == {
        "available_fen": "100,000.00",
        "reserved_fen": "0.00",
        "total_fen": "100,000.00",
    }
    assert resp.context["can_topup"] and resp.context["can_approve"]
    assert [(row["t"].code, row["sign"]) for row in resp.context["transfers"]] == [("topup", "+")]
    assert 'id="topup-form"' in resp.content.decode()


def test_the_employer_finance_page_reads_the_callers_role_once(make_employer):
    """The role answers both buttons: no membership query per capability asked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner, org = make_employer()
    client = logged_in(owner)
    with CaptureQueriesContext(connection) as queries:
        resp = client.get(f"/employer/finance/?org={org.pk}")
    assert resp.status_code == 200
    role_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "accounts_membership"' in q["sql"]
        and '"accounts_membership"."role"' in q["sql"]
        and "JOIN" not in q["sql"]
    ]
    assert len(role_reads) == 1, role_reads


def test_a_top_up_through_the_form_is_declared_and_credits_nothing(make_employer):
    owner, org = make_employer(escrow_fen=0)
    client = logged_in(owner)
    form = {"action": "topup", "amount_yuan": "2500.50", "reference": "CMB-20261127-01"}
    first = client.post(f"/employer/finance/?org={org.pk}", form, follow=True)
    again = client.post(f"/employer/finance/?org={org.pk}", form, follow=True)
    assert levels(first) == [messages.SUCCESS]
    assert levels(again) == [messages.INFO]  # declared before
    assert selectors.escrow_balances(organization=org)["available_fen"] == 0
    page = client.get(f"/employer/finance/?org={org.pk}").content.decode()
    assert "CMB-20261127-01" in page and "待到账" in page
    other = client.post(
        f"/employer/finance/?org={org.pk}", {**form, "amount_yuan": "2500.51"}, follow=True
    )
    assert other.status_code == 200 and other.context["topup_form"].errors  # conflict shown
    assert selectors.escrow_balances(organization=org)["total_fen"] == 0


def test_a_receipt_that_is_not_a_photo_is_refused_on_the_form(make_employer):
    owner, org = make_employer(escrow_fen=0)
    resp = logged_in(owner).post(
        f"/employer/finance/?org={org.pk}",
        {
            "action": "topup",
            "amount_yuan": "10.00",
            "reference": "R9",
            "proof": SimpleUploadedFile("r.png", b"GIF89a not really", content_type="image/png"),
        },
    )
    assert resp.status_code == 200 and "proof" in resp.context["topup_form"].errors


def test_a_top_up_finer_than_a_fen_or_by_a_dispatcher_credits_nothing(make_employer, make_worker):
    owner, org = make_employer(escrow_fen=0)
    resp = logged_in(owner).post(
        "/employer/finance/", {"action": "topup", "amount_yuan": "10.005", "reference": "R1"}
    )
    assert resp.status_code == 200 and "amount_yuan" in resp.context["topup_form"].errors
    dispatcher = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=dispatcher.phone, role="dispatcher"
    )
    client = logged_in(dispatcher)
    page = client.get("/employer/finance/")
    assert page.status_code == 200 and not page.context["can_topup"]
    assert 'id="topup-form"' not in page.content.decode()
    denied = client.post(
        "/employer/finance/", {"action": "topup", "amount_yuan": "10.00", "reference": "R2"}
    )
    assert denied.status_code == 200 and denied.context["topup_form"].errors
    assert selectors.escrow_balances(organization=org)["total_fen"] == 0


def test_another_employers_payouts_are_not_shown_and_cannot_be_approved(
    org_payout, make_employer, django_capture_on_commit_callbacks
):
    stranger, other_org = make_employer()
    client = logged_in(stranger)
    page = client.get("/employer/finance/")
    assert page.context["organization"] == other_org
    assert page.context["awaiting"] == []
    # Asking for A's page falls back to his own organization.
    assert client.get(f"/employer/finance/?org={org_payout['org'].pk}").context["organization"] == (
        other_org
    )
    payout = org_payout["payout"]
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            "/employer/finance/", {"action": "approve", "payout_id": payout.pk}, follow=True
        )
    assert levels(resp) == [messages.ERROR]
    payout.refresh_from_db()
    assert payout.status == "awaiting_approval" and payout.approved_by is None


def test_the_approve_button_needs_a_second_person(org_payout, django_capture_on_commit_callbacks):
    payout, org = org_payout["payout"], org_payout["org"]
    requester = logged_in(org_payout["finance"])
    page = requester.get(f"/employer/finance/?org={org.pk}")
    assert [row["payout"].pk for row in page.context["awaiting"]] == [payout.pk]
    resp = requester.post(
        f"/employer/finance/?org={org.pk}",
        {"action": "approve", "payout_id": payout.pk},
        follow=True,
    )
    assert levels(resp) == [messages.ERROR]  # the requester cannot approve his own payout
    assert Payout.objects.get(pk=payout.pk).status == "awaiting_approval"
    with django_capture_on_commit_callbacks(execute=True):
        resp = logged_in(org_payout["owner"]).post(
            f"/employer/finance/?org={org.pk}",
            {"action": "approve", "payout_id": payout.pk},
            follow=True,
        )
    assert levels(resp) == [messages.SUCCESS]
    payout.refresh_from_db()
    assert payout.status == "succeeded" and payout.approved_by == org_payout["owner"]
    assert resp.context["awaiting"] == []
    assert settlement_services.ledger_verify() == []


def test_the_monthly_statement_download_is_the_picked_organizations_own(make_employer):
    owner, org = make_employer(name="甲公司")
    _stranger_owner, stranger_org = make_employer(name="乙公司")
    month = timezone.localdate().strftime("%Y-%m")
    client = logged_in(owner)
    resp = client.get(f"/employer/finance/statement/?org={stranger_org.pk}&month={month}")
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    assert "attachment" in resp["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    facts = book.worksheets[0]["A2"].value
    assert org.name in facts and stranger_org.name not in facts
    bad = client.get("/employer/finance/statement/?month=2026-13", follow=True)
    assert levels(bad) == [messages.ERROR]


# --- worker ------------------------------------------------------------------------------------


@pytest.fixture
def worker_with_money(make_worker, verified_identity):
    worker = verified_identity(make_worker(name="周九"))
    fund_wallet(worker, 1_000_000)  # 10,000 yuan
    return worker


def test_the_wallet_page_shows_the_balance_and_binds_an_account(worker_with_money):
    client = logged_in(worker_with_money.user)
    page = client.get("/worker/wallet/")
    assert page.status_code == 200
    assert page.context["balance_yuan"] == "10,000.00"
    assert page.context["default_account"] is None
    assert 'id="account-form"' in page.content.decode()
    assert page.context["holder_name"] == "周九"
    resp = client.post(
        "/worker/wallet/",
        {
            "action": "account",
            "channel": "bank",
            "account": CMB_DEBIT_SPACED,
            "auto_withdraw": "on",
        },
        follow=True,
    )
    assert levels(resp) == [messages.SUCCESS]
    default = resp.context["default_account"]
    assert default["masked"] == "6225 **** **** 5673"
    assert default["account"].auto_withdraw and default["account"].channel == "bank"
    html = resp.content.decode()
    assert "招商银行" in html and "6225 **** **** 5673" in html
    assert CMB_DEBIT not in html and CMB_DEBIT_SPACED not in html


def test_a_card_failing_the_check_digit_is_bound_with_a_warning(worker_with_money):
    resp = logged_in(worker_with_money.user).post(
        "/worker/wallet/",
        {"action": "account", "channel": "bank", "account": "6225880212345678"},
        follow=True,
    )
    assert levels(resp) == [messages.SUCCESS, messages.WARNING]
    assert PayoutAccount.objects.get().bank_name == "招商银行"


def test_a_credit_card_or_another_name_is_refused_on_the_page(worker_with_money):
    client = logged_in(worker_with_money.user)
    credit = client.post(
        "/worker/wallet/",
        {"action": "account", "channel": "bank", "account": "6282880123456789"},
    )
    assert credit.status_code == 200 and credit.context["account_form"].errors["account"]
    alipay = client.post(
        "/worker/wallet/", {"action": "account", "channel": "alipay", "account": "2088102146"}
    )
    assert alipay.context["account_form"].errors["account"]
    assert not PayoutAccount.objects.exists()


def test_without_an_approved_identity_the_wallet_links_to_verification(make_worker):
    worker = make_worker(name="冯二")
    client = logged_in(worker.user)
    page = client.get("/worker/wallet/")
    html = page.content.decode()
    assert not page.context["identity_verified"]
    assert 'id="identity-needed"' in html and 'href="/worker/identity/"' in html
    assert 'id="account-form"' not in html
    client.post("/worker/wallet/", {"action": "account", "channel": "bank", "account": CMB_DEBIT})
    assert not PayoutAccount.objects.exists()


def test_the_bind_form_recognises_the_bank_through_the_api_with_the_session(worker_with_money):
    """What the page's script does: the recognition endpoint with the session cookie and the
    form's CSRF token (and is refused without the token)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker_with_money.user)
    page = client.get("/worker/wallet/")
    html = page.content.decode()
    url = "/api/v1/identity/bank-card/recognise"
    assert f'data-recognise-url="{url}"' in html and 'id="card-info"' in html
    # The script reads the form's hidden token, as here.
    form = html[html.index('id="account-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = json.dumps({"number": CMB_DEBIT_SPACED})
    without = client.post(url, body, content_type="application/json")
    assert without.status_code in (401, 403)
    resp = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert resp.status_code == 200
    assert (resp.json()["bank_name"], resp.json()["card_type"]) == ("招商银行", "DC")


class CardPhotoEngine:
    """The OCR engine of the photo test below: it reads CMB_DEBIT_SPACED off any image."""

    def read(self, image):
        box = ((40.0, 300.0), (600.0, 300.0), (600.0, 350.0), (40.0, 350.0))
        return [OcrLine(CMB_DEBIT_SPACED, 0.99, box)]


def test_the_bind_form_reads_the_card_number_from_a_photo_with_the_session(
    worker_with_money, settings
):
    """What the page's photo input does: the card reader endpoint with the session cookie and
    the form's CSRF token, multipart (and is refused without the token)."""
    settings.IDENTITY_OCR_ENGINE = f"{__name__}.CardPhotoEngine"
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker_with_money.user)
    html = client.get("/worker/wallet/").content.decode()
    url = "/api/v1/identity/bank-card/photo"
    form = html[html.index('id="account-form"') :]
    assert f'data-photo-url="{url}"' in form
    photo_input = re.search(r'<input type="file" id="card-photo-input"[^>]*>', form).group(0)
    assert 'accept="image/*"' in photo_input and 'capture="environment"' in photo_input
    assert "name=" not in photo_input  # the photo is not sent with the bind form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    def photo():
        buf = io.BytesIO()
        Image.new("RGB", (640, 400), (200, 200, 190)).save(buf, "JPEG")
        buf.seek(0)
        buf.name = "card.jpg"
        return buf

    without = client.post(url, {"image": photo()})
    assert without.status_code in (401, 403)
    resp = client.post(url, {"image": photo()}, headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["number"], body["bank_name"], body["card_type"]) == (CMB_DEBIT, "招商银行", "DC")


def test_a_withdrawal_finer_than_a_fen_is_rejected(worker_with_money):
    bind(worker_with_money)
    client = logged_in(worker_with_money.user)
    resp = client.post(
        "/worker/wallet/", {"action": "withdraw", "amount_yuan": "12.345", "payout_id": "W-t-1"}
    )
    assert resp.status_code == 200
    assert "amount_yuan" in resp.context["withdraw_form"].errors
    assert not Payout.objects.exists()
    assert selectors.wallet_balance(worker=worker_with_money) == 1_000_000


def test_a_withdrawal_is_paid_out_once_even_when_the_form_is_sent_twice(
    worker_with_money, django_capture_on_commit_callbacks
):
    bind(worker_with_money)
    client = logged_in(worker_with_money.user)
    payout_id = client.get("/worker/wallet/").context["withdraw_form"].initial["payout_id"]
    form = {"action": "withdraw", "amount_yuan": "123.45", "payout_id": payout_id}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/worker/wallet/", form, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/worker/wallet/", form, follow=True)
    assert levels(first) == [messages.SUCCESS]
    payout = Payout.objects.get()
    assert (payout.payout_id, payout.amount_fen, payout.status) == (payout_id, 12_345, "succeeded")
    assert selectors.wallet_balance(worker=worker_with_money) == 1_000_000 - 12_345
    [row] = first.context["payouts"]
    assert row["payout"].pk == payout.pk and row["amount_yuan"] == "123.45"
    too_much = client.post(
        "/worker/wallet/",
        {"action": "withdraw", "amount_yuan": "99999.00", "payout_id": "W-t-2"},
    )
    assert too_much.status_code == 200 and too_much.context["withdraw_form"].errors


def test_a_worker_sees_only_his_own_wallet_and_statement(
    worker_with_money, make_worker, make_employer, django_capture_on_commit_callbacks
):
    bind(worker_with_money)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_services.payout_request(
            worker=worker_with_money, amount_fen=5_000, requested_by=None
        )
    other = make_worker(name="吴十")
    page = logged_in(other.user).get("/worker/wallet/")
    assert page.context["balance_yuan"] == "0.00"
    assert page.context["payouts"] == [] and page.context["accounts"] == []
    statement = logged_in(other.user).get(
        f"/worker/wallet/statement/?year={timezone.localdate().year}"
    )
    assert statement.status_code == 200 and statement["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(b"".join(statement.streaming_content)))
    assert "吴十" in book.worksheets[0]["A2"].value
    # An employer without a worker profile has no wallet.
    owner, _org = make_employer()
    assert logged_in(owner).get("/worker/wallet/").status_code == 302


def test_the_wallet_groups_tax_withheld_by_month(
    api, make_employer, make_order, make_eligible_worker
):
    from xinghuo.settlement.tests.test_declaration import settle

    owner, org = make_employer()
    worker = make_eligible_worker(name="郑一")
    settle(api, owner, org, worker, make_order, 800_000)
    settle(api, owner, org, worker, make_order, 200_000)
    page = logged_in(worker.user).get("/worker/wallet/")
    [month] = page.context["months"]
    assert month["month"] == timezone.localdate().month and month["payments"] == 2
    assert (month["income_yuan"], month["tax_yuan"], month["net_yuan"]) == (
        "10000.00",
        "90.00",
        "9910.00",
    )
    assert page.context["year_totals"]["tax_fen"] == "90.00"
    assert page.context["balance_yuan"] == "9,910.00"


# --- operator ----------------------------------------------------------------------------------


def test_the_operator_finance_page_is_for_operators_only(make_employer, make_worker):
    owner, _org = make_employer()
    worker = make_worker()
    for user in (owner, worker.user):
        client = logged_in(user)
        assert client.get("/operator/finance/").status_code == 302
        assert client.post("/operator/finance/", {"action": "reconcile"}).status_code == 302
        assert client.get("/operator/finance/declaration/?month=2026-01").status_code == 302
    assert Client().get("/operator/finance/").status_code == 302  # to the login page


def test_the_operator_approves_a_large_withdrawal_and_sees_a_sound_ledger(
    operator, worker_with_money, django_capture_on_commit_callbacks
):
    bind(worker_with_money)
    client = logged_in(worker_with_money.user)
    form = {"action": "withdraw", "amount_yuan": "6000.00", "payout_id": "W-big-1"}
    client.post("/worker/wallet/", form)
    payout = Payout.objects.get(payout_id="W-big-1")
    assert payout.status == "awaiting_approval" and payout.organization is None
    console = logged_in(operator)
    page = console.get("/operator/finance/")
    assert page.status_code == 200
    assert [row["payout"].pk for row in page.context["awaiting"]] == [payout.pk]
    assert page.context["ledger_mismatches"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        resp = console.post(
            "/operator/finance/", {"action": "approve", "payout_id": payout.pk}, follow=True
        )
    assert levels(resp) == [messages.SUCCESS]
    payout.refresh_from_db()
    assert payout.status == "succeeded" and payout.approved_by == operator
    assert resp.context["awaiting"] == []


def test_an_employers_payout_is_not_approved_from_the_operator_page(operator, org_payout):
    resp = logged_in(operator).post(
        "/operator/finance/",
        {"action": "approve", "payout_id": org_payout["payout"].pk},
        follow=True,
    )
    assert levels(resp) == [messages.ERROR]
    assert Payout.objects.get(pk=org_payout["payout"].pk).status == "awaiting_approval"


def test_the_operator_lists_stuck_and_failed_payouts(
    operator, worker_with_money, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    bind(worker_with_money, account="13800000009")  # paid, but the answer is lost
    with django_capture_on_commit_callbacks(execute=True):
        stuck = settlement_services.payout_request(
            worker=worker_with_money, amount_fen=1_000, requested_by=None
        )
    bind(worker_with_money, account="6222020200112233444", channel="bank")  # account unknown
    with django_capture_on_commit_callbacks(execute=True):
        failed = settlement_services.payout_request(
            worker=worker_with_money, amount_fen=2_000, requested_by=None
        )
    page = logged_in(operator).get("/operator/finance/")
    assert page.context["stuck"] == []  # submitted only just now
    assert [row["payout"].pk for row in page.context["failed"]] == [failed.pk]
    Payout.objects.filter(pk=stuck.pk).update(submitted_at=timezone.now() - timedelta(minutes=11))
    page = logged_in(operator).get("/operator/finance/")
    assert [row["payout"].pk for row in page.context["stuck"]] == [stuck.pk]


def test_the_operator_runs_a_reconciliation_from_the_form(
    operator, worker_with_money, django_capture_on_commit_callbacks
):
    bind(worker_with_money)
    with django_capture_on_commit_callbacks(execute=True):
        settlement_services.payout_request(
            worker=worker_with_money, amount_fen=1_000, requested_by=None
        )
    client = logged_in(operator)
    today = timezone.localdate().isoformat()
    resp = client.post(
        "/operator/finance/",
        {"action": "reconcile", "channel": "alipay", "day": today},
        follow=True,
    )
    assert levels(resp) == [messages.SUCCESS]
    report = ReconciliationReport.objects.get()
    assert (report.channel, report.day.isoformat(), report.matched) == ("alipay", today, 1)
    assert [row["report"].pk for row in resp.context["reports"]] == [report.pk]
    bad = client.post("/operator/finance/", {"action": "reconcile", "channel": "paypal"})
    assert bad.status_code == 200 and bad.context["reconcile_form"].errors
    assert ReconciliationReport.objects.count() == 1


def test_the_operator_downloads_the_monthly_declaration(
    operator, api, make_employer, make_order, make_eligible_worker
):
    from xinghuo.settlement.tests.test_declaration import settle

    owner, org = make_employer()
    settle(api, owner, org, make_eligible_worker(name="王五"), make_order, 800_000)
    client = logged_in(operator)
    page = client.get("/operator/finance/")
    [period] = page.context["periods"]
    assert (period["workers"], period["income_yuan"], period["tax_yuan"]) == (
        1,
        "8000.00",
        "42.00",
    )
    month = timezone.localdate().strftime("%Y-%m")
    resp = client.get(f"/operator/finance/declaration/?month={month}")
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    names = [row[1] for row in book["扣缴申报表"].iter_rows(values_only=True)]
    assert "王五" in names
    bad = client.get("/operator/finance/declaration/?month=nonsense", follow=True)
    assert levels(bad) == [messages.ERROR]


@pytest.mark.parametrize("number", ["²", "٣", "9" * 5000])
def test_a_number_that_int_refuses_is_not_found_not_a_500(org_payout, operator, number):
    """ "²".isdigit() is true but int() refuses it, like 5,000 digits: no 500 anywhere."""
    payout, org = org_payout["payout"], org_payout["org"]
    owner = logged_in(org_payout["owner"])
    resp = owner.post(
        f"/employer/finance/?org={org.pk}", {"action": "approve", "payout_id": number}, follow=True
    )
    assert levels(resp) == [messages.ERROR]
    resp = logged_in(operator).post(
        "/operator/finance/", {"action": "approve", "payout_id": number}, follow=True
    )
    assert levels(resp) == [messages.ERROR]
    assert Payout.objects.get(pk=payout.pk).status == "awaiting_approval"
    worker = logged_in(payout.worker.user)
    assert worker.get(f"/worker/wallet/?year={number}").status_code == 200
    assert worker.get(f"/worker/wallet/statement/?year={number}").status_code == 200
