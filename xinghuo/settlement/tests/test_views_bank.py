"""The operator's bank credits page and the employer's declared top-ups (issue 11)."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinghuo.accounts.models import User
from xinghuo.notifications.models import Notification
from xinghuo.settlement import selectors
from xinghuo.settlement import services as settlement_services
from xinghuo.settlement.models import BankMatchAttempt, BankTransaction, TopUpDeclaration


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def levels(response) -> list[int]:
    return [m.level for m in response.context["messages"]] if response.context else []


STATEMENT = (
    "交易流水号,记账日期,金额,付款人名称,付款人账号,附言\n"
    "ICBC-0001,2026-11-27,3000.00,某运维公司,6222,转账\n"
)


def test_the_operator_imports_the_statement_and_credits_a_line_once(make_employer, operator):
    owner, org = make_employer(escrow_fen=0)
    declaration = settlement_services.topup_declare(
        actor=owner, organization=org, amount_fen=300_000, bank_serial="MY-SERIAL"
    )
    client = logged_in(operator)
    upload = SimpleUploadedFile("statement.csv", STATEMENT.encode(), content_type="text/csv")
    imported = client.post(
        "/operator/finance/bank/", {"action": "import", "file": upload}, follow=True
    )
    assert levels(imported) == [messages.SUCCESS]
    line = BankTransaction.objects.get(txn_id="ICBC-0001")
    page = client.get("/operator/finance/bank/")
    assert [row["line"].pk for row in page.context["lines"]] == [line.pk]
    assert [row["candidates"] for row in page.context["lines"]] == [[declaration]]
    assert [row["d"].pk for row in page.context["declarations"]] == [declaration.pk]
    match = {"action": "match", "line": line.pk, "declaration": declaration.pk}
    first = client.post("/operator/finance/bank/", match, follow=True)
    assert levels(first) == [messages.SUCCESS]
    again = client.post(
        "/operator/finance/bank/",
        {"action": "match", "line": line.pk, "topup_code": settlement_services.topup_code(org)},
        follow=True,
    )
    assert levels(again) == [messages.ERROR]
    assert selectors.escrow_balances(organization=org)["available_fen"] == 300_000
    assert TopUpDeclaration.objects.get().status == "matched"
    assert BankMatchAttempt.objects.count() == 1
    page = client.get("/operator/finance/bank/")
    assert page.context["lines"] == [] and page.context["declarations"] == []
    assert len(page.context["attempts"]) == 1
    assert Notification.objects.filter(user=owner, kind="topup_arrived").count() == 1
    employer_page = logged_in(owner).get(f"/employer/finance/?org={org.pk}").content.decode()
    assert "已到账" in employer_page


def test_the_bank_page_is_for_operators_and_refuses_a_bad_file(make_employer, operator):
    owner, _org = make_employer(escrow_fen=0)
    assert logged_in(owner).get("/operator/finance/bank/").status_code == 302
    upload = SimpleUploadedFile("s.csv", b"txn_id,amount\nA,1\x00", content_type="text/csv")
    resp = logged_in(operator).post("/operator/finance/bank/", {"action": "import", "file": upload})
    assert resp.status_code == 200 and resp.context["statement_form"].errors
    assert not BankTransaction.objects.exists()


def test_the_operator_opens_a_declarations_transfer_receipt(make_employer, operator):
    """The receipt a finance member attaches is what the operator checks before matching:
    the bank page links it; only operators may open it."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    owner, org = make_employer(escrow_fen=0)
    declaration = settlement_services.topup_declare(
        actor=owner,
        organization=org,
        amount_fen=300_000,
        bank_serial="WITH-PROOF",
        proof=buffer.getvalue(),
    )
    url = f"/operator/finance/bank/declarations/{declaration.pk}/receipt/"
    page = logged_in(operator).get("/operator/finance/bank/").content.decode()
    assert f'href="{url}"' in page
    receipt = logged_in(operator).get(url)
    assert receipt.status_code == 200 and receipt["Content-Type"] == "image/png"
    assert receipt.content == buffer.getvalue()  # decrypted
    assert logged_in(owner).get(url).status_code == 404
    bare = settlement_services.topup_declare(
        actor=owner, organization=org, amount_fen=100, bank_serial="NO-PROOF"
    )
    missing = f"/operator/finance/bank/declarations/{bare.pk}/receipt/"
    assert logged_in(operator).get(missing).status_code == 404


def test_the_bank_page_reads_a_fixed_number_of_queries_however_many_lines(
    make_employer, operator, django_assert_num_queries
):
    """Each credited line shows its employer and who matched it: read with the lines, not
    one query per line."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _owner, org = make_employer(escrow_fen=0)
    client = logged_in(operator)

    def credit(serial: str) -> None:
        settlement_services.bank_statement_import(
            operator=operator,
            data=(
                "交易流水号,记账日期,金额,付款人名称,付款人账号,附言\n"
                f"{serial},2026-11-27,10.00,某运维公司,6222,转账\n"
            ).encode(),
        )
        settlement_services.bank_transaction_match(
            operator=operator,
            bank_transaction_id=BankTransaction.objects.get(txn_id=serial).pk,
            organization_id=org.pk,
        )

    credit("ICBC-1")
    with CaptureQueriesContext(connection) as one:
        client.get("/operator/finance/bank/")
    credit("ICBC-2")
    credit("ICBC-3")
    with django_assert_num_queries(len(one)):
        page = client.get("/operator/finance/bank/")
    assert len(page.context["credited"]) == 3
