"""Money enters escrow only from the bank (issue 11, item 1): a finance member's declaration
moves nothing; the bank's signed notification or an operator's match of a statement line
credits once per bank serial, whichever comes first."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from xinghuo.accounts import services as account_services
from xinghuo.core import crypto
from xinghuo.notifications.models import Notification
from xinghuo.settlement.models import (
    BankMatchAttempt,
    BankTransaction,
    LedgerAccount,
    TopUpDeclaration,
    Transfer,
)
from xinghuo.settlement.services import ledger, topup_code
from xinghuo.settlement.services.ledger import TransferSpec

P = LedgerAccount.Purpose


def escrow_fen(api: Any, owner: Any, org: Any) -> int:
    return api(owner).get(f"/organizations/{org.pk}/escrow").json()["available_fen"]


@pytest.fixture
def bank(settings: Any) -> Iterator[Any]:
    from xinghuo.settlement.channels.base import reset_channels
    from xinghuo.settlement.channels.fakes import running_fake_bank

    with running_fake_bank() as fake:
        settings.PAYOUT_CHANNELS = {"bank": {"BACKEND": "bank", "OPTIONS": fake.client_options()}}
        reset_channels()
        yield fake
    reset_channels()


def notify_credit(api: Any, bank: Any, *, txn_id: str, amount_fen: int, memo: str) -> Any:
    headers, body = bank.credit_notification(txn_id=txn_id, amount_fen=amount_fen, memo=memo)
    return api().client.post(
        "/api/v1/hooks/bank/credits", body, content_type="application/json", headers=headers
    )


def statement(*rows: str) -> bytes:
    head = "交易流水号,记账日期,金额,付款人名称,付款人账号,附言\n"
    return (head + "\n".join(rows) + "\n").encode()


def import_statement(api: Any, operator: Any, data: bytes) -> Any:
    client = api(operator)
    return client.client.post(
        "/api/v1/bank-statements",
        {"file": io.BytesIO(data)},
        headers=client.headers,
    )


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 220, 240)).save(out, "PNG")
    return out.getvalue()


# --- the declaration -------------------------------------------------------------------------


def test_a_typed_top_up_is_a_declaration_that_moves_no_money(api, make_employer, make_worker):
    owner, org = make_employer(escrow_fen=0)
    client = api(owner)
    url = f"/organizations/{org.pk}/escrow/top-ups"
    first = client.post(url, {"amount_fen": 500_000, "reference": "CMB20261127001"})
    again = client.post(url, {"amount_fen": 500_000, "reference": "CMB20261127001"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "declared"
    assert first.json()["topup_code"] == topup_code(org)
    assert escrow_fen(api, owner, org) == 0
    assert not Transfer.objects.exists()
    other = client.post(url, {"amount_fen": 400_000, "reference": "CMB20261127001"})
    assert other.status_code == 409 and other.json()["code"] == "declaration_conflict"
    listed = client.get(url).json()
    assert [d["bank_serial"] for d in listed["items"]] == ["CMB20261127001"]
    dispatcher = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=dispatcher.phone, role="dispatcher"
    )
    assert api(dispatcher).post(url, {"amount_fen": 1, "reference": "X"}).status_code == 403


def test_another_employers_declarations_are_not_found(api, make_employer):
    owner, org = make_employer(escrow_fen=0)
    stranger, other_org = make_employer(escrow_fen=0)
    made = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 100, "reference": "R1"}
    )
    declaration_id = made.json()["id"]
    assert (
        api(owner).get(f"/organizations/{org.pk}/escrow/top-ups/{declaration_id}").status_code
        == 200
    )
    for path in (
        f"/organizations/{org.pk}/escrow/top-ups/{declaration_id}",
        f"/organizations/{other_org.pk}/escrow/top-ups/{declaration_id}",
        f"/organizations/{org.pk}/escrow/top-ups",
    ):
        answer = api(stranger).get(path)
        assert answer.status_code == 404, path
        assert set(answer.json()) == {"code", "message", "detail"}
    assert (
        api(stranger)
        .post(f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 1, "reference": "Y"})
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"amount_fen": 10**18, "reference": "HUGE"},
        {"amount_fen": 10_000_000_001, "reference": "OVER"},
        {"amount_fen": -500, "reference": "NEG"},
        {"amount_fen": 0, "reference": "ZERO"},
        {"amount_fen": "a lot", "reference": "STR"},
        {"amount_fen": 100.5, "reference": "FLOAT"},
        {"amount_fen": 100, "reference": "NUL\x00X"},
        {"amount_fen": 100, "reference": ""},
        {"amount_fen": 100, "reference": "R" * 65},
        {"amount_fen": 100},
    ],
)
def test_hostile_declarations_are_refused_and_change_nothing(api, make_employer, payload):
    owner, org = make_employer(escrow_fen=0)
    answer = api(owner).post(f"/organizations/{org.pk}/escrow/top-ups", payload)
    assert answer.status_code in (400, 422)
    assert set(answer.json()) == {"code", "message", "detail"}
    assert not TopUpDeclaration.objects.exists()
    assert not Transfer.objects.exists()


def test_a_receipt_photo_must_be_an_image(api, make_employer):
    owner, org = make_employer(escrow_fen=0)
    client = api(owner)
    url = f"/api/v1/organizations/{org.pk}/escrow/top-ups/with-proof"

    def send(data: bytes, serial: str) -> Any:
        return client.client.post(
            url,
            {"amount_fen": "1000", "reference": serial, "proof": io.BytesIO(data)},
            headers=client.headers,
        )

    bad = send(b"%PDF-1.4 not a photo", "P1")
    assert bad.status_code == 422 and bad.json()["code"] == "image_type"
    broken = send(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "P2")
    assert broken.status_code == 422 and broken.json()["code"] == "bad_image"
    assert not TopUpDeclaration.objects.exists()
    photo = png()
    good = send(photo, "P3")
    assert good.status_code == 201 and good.json()["has_proof"] is True
    stored = TopUpDeclaration.objects.get(pk=good.json()["id"]).proof
    assert re.fullmatch(r"topup-proofs/\d{4}/\d{2}/[0-9a-f]{32}\.bin", stored.name)
    with stored.open("rb") as fh:
        assert fh.read() != photo  # encrypted at rest
    assert crypto.read_encrypted(stored) == photo
    assert escrow_fen(api, owner, org) == 0


# --- the bank's notification and the operator's match ---------------------------------------


def test_the_notification_credits_once_and_matches_the_declaration(api, make_employer, bank):
    owner, org = make_employer(escrow_fen=0)
    api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 250_000, "reference": "T900"}
    )
    for _ in range(2):  # the bank retries
        answer = notify_credit(
            api, bank, txn_id="T900", amount_fen=250_000, memo=f"充值 {topup_code(org)}"
        )
        assert answer.status_code == 200 and answer.content == b"success"
    assert escrow_fen(api, owner, org) == 250_000
    declaration = TopUpDeclaration.objects.get()
    assert declaration.status == "matched"
    assert declaration.bank_transaction.txn_id == "T900"
    line = BankTransaction.objects.get()
    assert line.source == "notification" and line.transfer.key == "bank:bank:T900"
    note = Notification.objects.get(user=owner, kind="topup_arrived")
    assert "2500.00" in note.title
    assert api(owner).get(f"/organizations/{org.pk}/escrow/top-ups").json()["items"][0][
        "status"
    ] == ("matched")


def test_a_notified_credit_cannot_be_matched_again_by_an_operator(
    api, make_employer, operator, bank
):
    owner, org = make_employer(escrow_fen=0)
    notify_credit(api, bank, txn_id="T100", amount_fen=80_000, memo=topup_code(org))
    imported = import_statement(api, operator, statement("T100,2026-11-27,800.00,某公司,62,x"))
    assert imported.status_code == 201
    assert imported.json()["created"] == 0 and imported.json()["existing"] == 1
    line = BankTransaction.objects.get(txn_id="T100")
    again = api(operator).post(f"/bank-transactions/{line.pk}/match", {"organization_id": org.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_credited"
    assert escrow_fen(api, owner, org) == 80_000
    assert BankMatchAttempt.objects.filter(bank_transaction=line, actor=operator).count() == 1
    report = api(operator).get("/bank-reconciliation").json()
    assert [a["bank_transaction_id"] for a in report["refused_attempts"]] == [line.pk]


def test_a_matched_statement_line_is_not_credited_again_by_the_notification(
    api, make_employer, operator, bank
):
    owner, org = make_employer(escrow_fen=0)
    # The memo names no employer: the line waits for an operator.
    imported = import_statement(api, operator, statement("T200,2026-11-27,1200.50,某公司,62,货款"))
    assert imported.json()["created"] == 1
    line_id = imported.json()["lines"][0]["id"]
    unmatched = api(operator).get("/bank-transactions", {"unmatched": "true"}).json()
    assert [row["id"] for row in unmatched["items"]] == [line_id]
    matched = api(operator).post(f"/bank-transactions/{line_id}/match", {"organization_id": org.pk})
    assert matched.status_code == 200 and matched.json()["organization_id"] == org.pk
    twice = api(operator).post(f"/bank-transactions/{line_id}/match", {"organization_id": org.pk})
    assert twice.status_code == 409 and twice.json()["code"] == "already_credited"
    answer = notify_credit(api, bank, txn_id="T200", amount_fen=120_050, memo=topup_code(org))
    assert answer.status_code == 200 and answer.content == b"success"
    assert escrow_fen(api, owner, org) == 120_050
    assert Transfer.objects.filter(code="topup").count() == 1
    assert BankMatchAttempt.objects.count() == 1


def test_an_operator_matches_a_line_to_a_declaration(api, make_employer, operator):
    owner, org = make_employer(escrow_fen=0)
    _other_owner, _other = make_employer(escrow_fen=0)
    declared = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 30_000, "reference": "MY-REF"}
    )
    imported = import_statement(api, operator, statement("B77,20261127,300,某公司,62,转账"))
    line_id = imported.json()["lines"][0]["id"]
    report = api(operator).get("/bank-reconciliation").json()
    assert [d["id"] for d in report["unmatched_declarations"]] == [declared.json()["id"]]
    assert [line["id"] for line in report["unmatched_lines"]] == [line_id]
    employer = api(owner).post(
        f"/bank-transactions/{line_id}/match", {"declaration_id": declared.json()["id"]}
    )
    assert employer.status_code == 403  # an employer cannot match lines
    done = api(operator).post(
        f"/bank-transactions/{line_id}/match", {"declaration_id": declared.json()["id"]}
    )
    assert done.status_code == 200
    assert escrow_fen(api, owner, org) == 30_000
    assert TopUpDeclaration.objects.get().status == "matched"
    report = api(operator).get("/bank-reconciliation").json()
    assert report["unmatched_declarations"] == report["unmatched_lines"] == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"txn_id,amount\nA1,1\x00\n", "statement_type"),
        (b"serialnumber,value\nA1,1\n", "statement_columns"),
        (b"txn_id,amount\nA1,abc\n", "statement_amount"),
        (b"txn_id,amount\nA1,100000000000\n", "invalid_amount"),
        (b"txn_id,amount\nA1,1.001\n", "statement_amount"),
        (b"txn_id,amount\nA1,1e999999999\n", "statement_amount"),
        (b"txn_id,amount\nA1,1e30\n", "statement_amount"),
        (b"txn_id,amount\nA1," + b"9" * 5000 + b"\n", "statement_amount"),
        (b"txn_id,amount\nA1,1_000\n", "statement_amount"),
        (b"txn_id,amount\n" + b"A1,1\n" * 600_000, "statement_too_large"),
    ],
)
def test_hostile_statements_are_refused_and_record_nothing(api, operator, data, code):
    answer = import_statement(api, operator, data)
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert not BankTransaction.objects.exists()


def test_a_statement_is_imported_once_and_debits_are_skipped(api, operator, make_employer):
    owner, _org = make_employer(escrow_fen=0)
    data = statement("S1,2026-11-27,10.00,甲,1,a", "S2,2026-11-27,-5.00,乙,2,b")
    first = import_statement(api, operator, data).json()
    second = import_statement(api, operator, data).json()
    assert (first["created"], first["skipped"]) == (1, 1)
    assert (second["created"], second["existing"]) == (0, 1)
    assert BankTransaction.objects.count() == 1
    assert import_statement(api, owner, data).status_code == 403


def test_a_statement_whose_columns_carry_units_is_read(api, operator):
    """The import form names the columns "交易流水号、记账日期、金额（元）…": a file with
    exactly those headers (and a BOM, as Excel writes CSV) is read."""
    head = "\ufeff交易流水号,记账日期,金额（元）,付款人名称,付款人账号,附言\n"
    data = (head + "S9,2026-11-27,12.34,甲,1,a\n").encode()
    response = import_statement(api, operator, data)
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    assert BankTransaction.objects.get(txn_id="S9").amount_fen == 1_234


# --- verify_ledger ---------------------------------------------------------------------------


def test_verify_ledger_fails_on_an_escrow_credit_without_a_bank_transaction(make_employer):
    _owner, org = make_employer(escrow_fen=5_000)  # funded through a bank transaction
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "1 escrow credits backed" in out.getvalue()
    clearing = ledger.account_for(purpose=P.CHANNEL_CLEARING, channel="bank")
    escrow = ledger.account_for(purpose=P.ESCROW, organization_id=org.pk)
    ledger.transfers_post(
        specs=[TransferSpec("typed:1", clearing.pk, escrow.pk, 100_000, "topup", "TYPED")]
    )
    assert ledger.ledger_verify() == []  # the totals still replay…
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 escrow credits without a bank transaction"):
        call_command("verify_ledger", stdout=io.StringIO(), stderr=err)
    assert "typed:1" in err.getvalue()


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_notifications_and_operator_matches_racing_credit_a_serial_once(make_employer, operator):
    import threading

    from django.db import connection, connections

    from xinghuo.settlement.services import bank_credits

    if connection.vendor != "postgresql":
        pytest.skip("real row locking is tested on PostgreSQL (CI runs it)")
    _owner, org = make_employer(escrow_fen=0)
    result = bank_credits.bank_statement_import(
        operator=operator, data=statement("RACE-1,2026-11-27,500.00,某公司,62,x")
    )
    line_id = result.created[0].pk
    barrier = threading.Barrier(8)
    errors: list[str] = []
    refused: list[int] = []

    def notify() -> None:
        try:
            barrier.wait()
            bank_credits.bank_credit_receive(
                txn_id="RACE-1", amount_fen=50_000, memo=topup_code(org)
            )
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    def match() -> None:
        try:
            barrier.wait()
            bank_credits.bank_transaction_match(
                operator=operator, bank_transaction_id=line_id, organization_id=org.pk
            )
        except bank_credits.AlreadyCredited:
            refused.append(1)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fn) for fn in [notify] * 4 + [match] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Transfer.objects.filter(code="topup").count() == 1
    escrow = ledger.account_for(purpose=P.ESCROW, organization_id=org.pk)
    escrow.refresh_from_db()
    assert escrow.balance_fen == 50_000
    assert BankMatchAttempt.objects.count() == len(refused) >= 3
    assert ledger.ledger_verify() == []


def test_an_excel_statement_is_read_like_a_csv(api, operator):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["交易流水号", "记账日期", "金额", "付款人名称", "付款人账号", "附言"])
    sheet.append(["X-1", "2026-11-27", 1234.5, "甲公司", "6222", "转账"])
    sheet.append(["X-2", "2026-11-27", -10, "乙", "1", "支出"])
    out = io.BytesIO()
    book.save(out)
    answer = import_statement(api, operator, out.getvalue())
    assert answer.status_code == 201
    assert (answer.json()["created"], answer.json()["skipped"]) == (1, 1)
    assert BankTransaction.objects.get().amount_fen == 123_450
    broken = import_statement(api, operator, b"PK\x03\x04 not a workbook")
    assert broken.status_code == 422 and broken.json()["code"] == "statement_type"


def test_a_declaration_made_after_the_bank_credit_shows_as_arrived(api, make_employer, bank):
    owner, org = make_employer(escrow_fen=0)
    notify_credit(api, bank, txn_id="EARLY-1", amount_fen=7_000, memo=topup_code(org))
    made = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 7_000, "reference": "EARLY-1"}
    )
    assert made.status_code == 201 and made.json()["status"] == "matched"
    assert escrow_fen(api, owner, org) == 7_000  # credited once, by the bank


def test_a_serial_with_another_amount_or_a_mismatched_declaration_is_refused(
    api, make_employer, operator
):
    owner, org = make_employer(escrow_fen=0)
    import_statement(api, operator, statement("D-1,2026-11-27,100.00,甲,1,a"))
    changed = import_statement(api, operator, statement("D-1,2026-11-27,900.00,甲,1,a"))
    assert changed.status_code == 409 and changed.json()["code"] == "bank_amount_conflict"
    assert BankTransaction.objects.get().amount_fen == 10_000
    declared = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 20_000, "reference": "D-1"}
    )
    line = BankTransaction.objects.get()
    wrong = api(operator).post(
        f"/bank-transactions/{line.pk}/match", {"declaration_id": declared.json()["id"]}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "amount_differs"
    neither = api(operator).post(f"/bank-transactions/{line.pk}/match", {})
    assert neither.status_code == 422
    missing = api(operator).post("/bank-transactions/999999/match", {"organization_id": org.pk})
    assert missing.status_code == 404
    assert escrow_fen(api, owner, org) == 0 and not Transfer.objects.exists()


def test_one_serial_in_another_case_or_spacing_is_not_credited_twice(
    api, make_employer, operator, bank
):
    """The bank's notification says `t300`; the statement writes ` T 300 ` (or full-width):
    one bank transaction, one credit; the operator cannot match it a second time."""
    owner, org = make_employer(escrow_fen=0)
    assert notify_credit(api, bank, txn_id="t300", amount_fen=1_000, memo=topup_code(org)).content
    lines = statement(" T 300 ,2026-11-27,10.00,甲,1,x", "Ｔ３００,2026-11-27,10.00,甲,1,x")
    imported = import_statement(api, operator, lines)
    assert imported.status_code == 201
    assert (imported.json()["created"], imported.json()["existing"]) == (0, 2)
    assert not BankTransaction.objects.filter(transfer__isnull=True).exists()
    assert escrow_fen(api, owner, org) == 1_000
    declared = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 1_000, "reference": "t-300"}
    )
    assert declared.json()["status"] == "declared"  # another serial: not this line
    again = api(owner).post(
        f"/organizations/{org.pk}/escrow/top-ups", {"amount_fen": 1_000, "reference": " T300"}
    )
    assert again.json()["status"] == "matched" and again.json()["bank_serial"] == "T300"
    call_command("verify_ledger")  # every escrow credit backed by one bank transaction


def test_an_unmatched_notification_in_another_spelling_is_one_line(api, make_employer, bank):
    owner, org = make_employer(escrow_fen=0)
    for txn_id in ("u77", " U77 "):  # the memo names nobody: the line waits for an operator
        answer = notify_credit(api, bank, txn_id=txn_id, amount_fen=500, memo="货款")
        assert answer.status_code == 422 and answer.json()["code"] == "unmatched_credit"
    assert list(BankTransaction.objects.values_list("txn_id", flat=True)) == ["U77"]
    notify_credit(api, bank, txn_id="U77", amount_fen=500, memo=topup_code(org))
    assert escrow_fen(api, owner, org) == 500
    assert BankTransaction.objects.get().transfer.key == "bank:bank:U77"


def _zip(**parts: str) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name.replace("__", "/"), text)
    return out.getvalue()


_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


@pytest.mark.parametrize(
    "data",
    [
        _zip(**{"[Content_Types].xml": "<not xml"}),
        _zip(**{"[Content_Types].xml": _TYPES, "xl__workbook.xml": "<broken"}),
        b"PK\x03\x04" + b"\x00" * 100,
    ],
    ids=["types-not-xml", "workbook-not-xml", "zip-header-only"],
)
def test_a_malformed_excel_statement_is_refused_not_a_500(api, operator, data):
    answer = import_statement(api, operator, data)
    assert answer.status_code == 422 and answer.json()["code"] == "statement_type"
    assert not BankTransaction.objects.exists()
