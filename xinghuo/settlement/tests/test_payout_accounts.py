"""Payout accounts: encryption at rest, masking, bank recognition from the BIN, the rules of
binding (debit cards only, Alipay mobile or e-mail, the verified name), the operators'
audited reveal, key rotation and the data migration — through the services and the API."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from stdnum import luhn

from xinghuo.core import crypto
from xinghuo.core.exceptions import ApplicationError
from xinghuo.identity.models import RevealAudit
from xinghuo.settlement.models import PayoutAccount
from xinghuo.settlement.services import payout_accounts

from .identities import submit_identity

pytestmark = pytest.mark.django_db


def card(prefix: str, length: int, fill: str = "0123456789") -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = (prefix + fill * 3)[: length - 1]
    return body + luhn.calc_check_digit(body)


def bad_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


ICBC_DEBIT = card("622202", 19)


@pytest.fixture
def worker(make_worker, verified_identity):
    return verified_identity(make_worker(name="张伟"))


def add(worker, account, channel="bank", **kw):
    return payout_accounts.payout_account_add(worker=worker, channel=channel, account=account, **kw)


def refused(code: str, **call):
    with pytest.raises(ApplicationError) as exc:
        add(**call)
    assert exc.value.code == code
    return exc.value


def raw_row(pk: int) -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM settlement_payoutaccount WHERE id = %s", [pk])
        columns = [c[0] for c in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


# --- encryption and masking --------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "number"), [("bank", ICBC_DEBIT), ("alipay", "13812345678")])
def test_the_number_is_not_stored_in_clear(worker, channel, number):
    account = add(worker, number, channel=channel).account
    row = raw_row(account.pk)
    assert all(number not in str(value) for value in row.values())
    assert row["account"] != number and crypto.decrypt_str(row["account"]) == number
    assert PayoutAccount.objects.get(pk=account.pk).account == number  # the ORM decrypts
    assert row["account_index"] == crypto.blind_index(number)


def test_a_bank_card_is_shown_masked_everywhere(worker):
    account = add(worker, ICBC_DEBIT).account
    assert account.account_masked == f"{ICBC_DEBIT[:4]} **** **** {ICBC_DEBIT[-4:]}"
    assert ICBC_DEBIT not in str(account) and account.account_masked in str(account)


@pytest.mark.parametrize(
    ("typed", "stored", "masked"),
    [
        ("13812345678", "13812345678", "138****5678"),
        ("138 1234 5678", "13812345678", "138****5678"),
        ("+86 138-1234-5678", "13812345678", "138****5678"),
        ("abcdef@Example.COM", "abcdef@example.com", "ab***@example.com"),
        ("ab@example.com", "ab@example.com", "a***@example.com"),
        ("x@qq.com", "x@qq.com", "x***@qq.com"),
    ],
)
def test_alipay_takes_a_mainland_mobile_or_an_e_mail(worker, typed, stored, masked):
    account = add(worker, typed, channel="alipay").account
    assert (account.account, account.account_masked) == (stored, masked)
    assert (account.bank_code, account.card_type) == ("", "")


@pytest.mark.parametrize(
    "typed",
    ["12812345678", "1381234567", "138123456789", "2088102146225135", "abc@", "name at qq.com", ""],
)
def test_alipay_refuses_anything_else(worker, typed):
    error = refused("invalid_account", worker=worker, account=typed, channel="alipay")
    assert error.detail["field"] == "account"
    assert not PayoutAccount.objects.exists()


# --- bank cards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "length", "bank_code", "bank_name"),
    [
        ("622202", 19, "ICBC", "中国工商银行"),
        ("621700", 19, "CCB", "中国建设银行"),
        ("622848", 19, "ABC", "中国农业银行"),
        ("621661", 19, "BOC", "中国银行"),
        ("622588", 16, "CMB", "招商银行"),
        ("622260", 19, "COMM", "中国交通银行"),
        ("621096", 19, "PSBC", "中国邮政储蓄银行"),
    ],
)
def test_the_bank_is_recognised_from_the_bin(worker, prefix, length, bank_code, bank_name):
    added = add(worker, card(prefix, length))
    account = PayoutAccount.objects.get(pk=added.account.pk)
    assert (account.bank_code, account.bank_name, account.card_type) == (bank_code, bank_name, "DC")
    assert added.warnings == []


def test_spaces_and_dashes_in_a_card_number_are_dropped(worker):
    typed = " ".join(ICBC_DEBIT[i : i + 4] for i in range(0, 19, 4)).replace(" ", "-", 1)
    assert add(worker, typed).account.account == ICBC_DEBIT


def test_a_failed_check_digit_warns_but_does_not_block(worker):
    added = add(worker, bad_check_digit(card("622848", 19)))
    assert [w.code for w in added.warnings] == ["card_number_check_failed"]
    assert str(added.warnings[0].message)
    assert added.account.pk and added.account.bank_code == "ABC"


def test_an_unknown_bank_warns_but_does_not_block(worker):
    added = add(worker, card("100000", 16))
    assert [w.code for w in added.warnings] == ["bank_not_recognised"]
    assert (added.account.bank_name, added.account.card_type) == ("", "")
    assert PayoutAccount.objects.filter(pk=added.account.pk).exists()


@pytest.mark.parametrize(
    ("number", "bank_name"),
    [
        (card("628288", 16), "中国工商银行"),  # ICBC credit card
        (card("439188", 16), "招商银行"),  # CMB credit card
        (card("622210", 16), "中国工商银行"),  # ICBC semi-credit card (准贷记卡)
    ],
)
def test_a_credit_card_is_refused(worker, number, bank_name):
    error = refused("credit_card_not_allowed", worker=worker, account=number)
    assert error.detail == {"field": "account", "bank_name": bank_name}
    assert not PayoutAccount.objects.exists()


@pytest.mark.parametrize(
    "typed", ["12345678901", "62220212345678901234", "6222abcd12345678", "", "   "]
)
def test_a_card_number_has_12_to_19_digits(worker, typed):
    error = refused("invalid_account", worker=worker, account=typed)
    assert error.detail["field"] == "account"


def test_an_unknown_channel_is_refused(worker):
    refused("invalid_channel", worker=worker, account="13812345678", channel="wechat")


# --- the holder and the identity -----------------------------------------------------------------


def test_the_account_is_held_in_the_verified_name(make_worker, verified_identity):
    # The login name and the name on the ID card differ: the card's wins.
    worker = verified_identity(make_worker(name="小王"), name="王小明")
    assert add(worker, ICBC_DEBIT).account.account_name == "王小明"
    assert add(worker, "13812345678", channel="alipay", account_name=" 王 小明 ").account
    refused("account_name_mismatch", worker=worker, account=card("621700", 19), account_name="小王")
    assert PayoutAccount.objects.count() == 2


def test_a_name_with_a_middle_dot_matches_however_the_dot_is_typed(make_worker, verified_identity):
    worker = verified_identity(make_worker(name="买买提"), name="买买提·艾力")
    account = add(worker, ICBC_DEBIT, account_name="买买提.艾力").account
    assert account.account_name == "买买提·艾力"


def test_a_worker_without_an_approved_identity_cannot_bind(make_worker):
    unverified = make_worker(name="赵六")
    error = refused("identity_not_verified", worker=unverified, account=ICBC_DEBIT)
    assert error.status_code == 403
    pending = make_worker(name="钱七")
    submit_identity(pending, seq=500)  # confirmed, not yet reviewed
    refused("identity_not_verified", worker=pending, account=ICBC_DEBIT)
    assert not PayoutAccount.objects.exists()


# --- duplicates and the default ------------------------------------------------------------------


def test_the_same_number_twice_is_refused_with_the_existing_account(
    worker, make_worker, verified_identity
):
    first = add(worker, ICBC_DEBIT).account
    spaced = " ".join(ICBC_DEBIT[i : i + 4] for i in range(0, 19, 4))
    error = refused("account_exists", worker=worker, account=spaced)
    assert error.status_code == 409 and error.detail["account_id"] == first.pk
    add(worker, "Zhang.Wei@example.com", channel="alipay")
    refused("account_exists", worker=worker, account="zhang.wei@EXAMPLE.com", channel="alipay")
    # Another worker may bind the same number (a shared family card is his business).
    other = verified_identity(make_worker(name="张伟"))
    assert add(other, ICBC_DEBIT).account.pk != first.pk


def test_the_newest_account_becomes_the_default(worker):
    first = add(worker, ICBC_DEBIT).account
    second = add(worker, "13812345678", channel="alipay", auto_withdraw=True).account
    first.refresh_from_db()
    assert not first.is_default and second.is_default and second.auto_withdraw


# --- reveal --------------------------------------------------------------------------------------


def test_an_operator_sees_the_number_and_the_reveal_is_recorded(worker, operator):
    account = add(worker, ICBC_DEBIT).account
    number = payout_accounts.payout_account_reveal(
        reviewer=operator, account_id=account.pk, reason="核对退票原因", ip_address="10.0.0.8"
    )
    assert number == ICBC_DEBIT
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.field, audit.subject, audit.reason, audit.ip_address) == (
        operator,
        "card_number",
        f"settlement.payoutaccount:{account.pk}",
        "核对退票原因",
        "10.0.0.8",
    )
    assert audit.verification is None


def test_nobody_but_an_operator_reveals_a_number(worker, make_worker):
    account = add(worker, ICBC_DEBIT).account
    for user in (worker.user, make_worker().user):
        with pytest.raises(ApplicationError) as exc:
            payout_accounts.payout_account_reveal(
                reviewer=user, account_id=account.pk, reason="看看", ip_address=None
            )
        assert exc.value.code == "payout_account_not_found"
    assert not RevealAudit.objects.exists()


def test_a_reveal_without_a_reason_or_of_a_missing_account_shows_nothing(worker, operator):
    account = add(worker, ICBC_DEBIT).account
    with pytest.raises(ApplicationError) as blank:
        payout_accounts.payout_account_reveal(
            reviewer=operator, account_id=account.pk, reason="  ", ip_address=None
        )
    assert blank.value.code == "invalid_field" and blank.value.detail == {"field": "reason"}
    with pytest.raises(ApplicationError) as missing:
        payout_accounts.payout_account_reveal(
            reviewer=operator, account_id=account.pk + 999, reason="核对", ip_address=None
        )
    assert missing.value.code == "payout_account_not_found"
    assert not RevealAudit.objects.exists()


# --- key rotation --------------------------------------------------------------------------------


def test_key_rotation_re_encrypts_payout_accounts(make_worker, verified_identity, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    worker = verified_identity(make_worker(name="张伟"))
    account = add(worker, ICBC_DEBIT).account
    before = raw_row(account.pk)["account"]
    settings.IDENTITY_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("identity_rotate_keys", stdout=out)
    assert "re-encrypted 1 payout accounts" in out.getvalue()
    after = raw_row(account.pk)["account"]
    assert after != before
    settings.IDENTITY_ENCRYPTION_KEYS = [new]  # the old key dropped
    assert PayoutAccount.objects.get(pk=account.pk).account == ICBC_DEBIT
    settings.IDENTITY_ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_str(after)


# --- API -----------------------------------------------------------------------------------------


def test_the_api_shows_accounts_masked_with_the_bank_never_the_number(api, worker):
    me = api(worker.user)
    resp = me.post("/workers/me/payout-accounts", {"channel": "bank", "account": ICBC_DEBIT})
    assert resp.status_code == 201
    body = resp.json()["account"]
    assert resp.json()["warnings"] == []
    assert body["account_masked"] == f"6222 **** **** {ICBC_DEBIT[-4:]}"
    assert body["bank_code"] == "ICBC" and body["bank_name"] == "中国工商银行"
    assert body["card_type"] == "DC"
    assert body["card_type_label"] and body["account_name"] == "张伟"
    listed = me.get("/workers/me/payout-accounts")
    assert [a["account_masked"] for a in listed.json()] == [body["account_masked"]]
    for response in (resp, listed):
        assert ICBC_DEBIT not in response.content.decode()
    assert "account" not in body and "account" not in listed.json()[0]


def test_the_api_returns_warnings_with_the_bound_account(api, worker):
    resp = api(worker.user, language="en").post(
        "/workers/me/payout-accounts",
        {"channel": "bank", "account": bad_check_digit(card("100000", 16))},
    )
    assert resp.status_code == 201
    assert [w["code"] for w in resp.json()["warnings"]] == [
        "card_number_check_failed",
        "bank_not_recognised",
    ]
    assert all(w["message"] for w in resp.json()["warnings"])


def test_the_api_refuses_with_a_code_and_a_message(api, worker, make_worker):
    me = api(worker.user)
    cases = [
        ({"channel": "bank", "account": card("628288", 16)}, 422, "credit_card_not_allowed"),
        ({"channel": "alipay", "account": "2088102146225135"}, 422, "invalid_account"),
        (
            {"channel": "bank", "account": ICBC_DEBIT, "account_name": "别人"},
            422,
            "account_name_mismatch",
        ),
    ]
    for payload, status, code in cases:
        resp = me.post("/workers/me/payout-accounts", payload)
        assert (resp.status_code, resp.json()["code"]) == (status, code)
        assert resp.json()["message"]
    first = me.post("/workers/me/payout-accounts", {"channel": "bank", "account": ICBC_DEBIT})
    assert first.status_code == 201
    again = me.post("/workers/me/payout-accounts", {"channel": "bank", "account": ICBC_DEBIT})
    assert (again.status_code, again.json()["code"]) == (409, "account_exists")
    stranger = api(make_worker(name="孙八").user).post(
        "/workers/me/payout-accounts", {"channel": "bank", "account": ICBC_DEBIT}
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "identity_not_verified")


def test_the_api_reveal_is_for_operators_and_recorded(api, worker, operator):
    account = add(worker, ICBC_DEBIT).account
    path = f"/payout-accounts/{account.pk}/reveal"
    mine = api(worker.user).post(path, {"reason": "我自己的卡"})
    assert (mine.status_code, mine.json()["code"]) == (404, "payout_account_not_found")
    assert not RevealAudit.objects.exists()
    no_reason = api(operator).post(path, {})
    assert no_reason.status_code == 422 and not RevealAudit.objects.exists()
    resp = api(operator).post(path, {"reason": "代付退票核对"})
    assert resp.status_code == 200
    assert resp.json() == {
        "id": account.pk,
        "channel": "bank",
        "account": ICBC_DEBIT,
        "account_masked": account.account_masked,
    }
    audit = RevealAudit.objects.get()
    assert (audit.actor, audit.subject, audit.ip_address) == (
        operator,
        f"settlement.payoutaccount:{account.pk}",
        "127.0.0.1",
    )


# --- the data migration --------------------------------------------------------------------------

BEFORE = ("settlement", "0005_payout_settlement__created_0df95d_idx")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_encrypts_existing_rows_and_recognises_their_banks(make_worker):
    owner = make_worker(name="周九")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    rows = [
        ("bank", "6222 0202 0011 2233 444"),
        ("bank", "6222020200112233444"),  # the same card again: kept, left unindexed
        ("alipay", "13812345678"),
        ("alipay", "Ab.Cd@Example.com"),
        ("alipay", "2088102146225135"),  # an old Alipay user id
    ]
    try:
        with connection.cursor() as cursor:
            for channel, account in rows:
                cursor.execute(
                    "INSERT INTO settlement_payoutaccount (worker_id, channel, account, "
                    "account_name, is_default, auto_withdraw, created_at) "
                    "VALUES (%s, %s, %s, '周九', %s, %s, CURRENT_TIMESTAMP)",
                    [owner.pk, channel, account, False, False],
                )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    accounts = list(PayoutAccount.objects.order_by("pk"))
    assert [(a.account, a.account_masked, a.bank_code, a.card_type) for a in accounts] == [
        ("6222020200112233444", "6222 **** **** 3444", "ICBC", "DC"),
        ("6222020200112233444", "6222 **** **** 3444", "ICBC", "DC"),
        ("13812345678", "138****5678", "", ""),
        ("Ab.Cd@example.com", "Ab***@example.com", "", ""),
        ("2088102146225135", "208*********5135", "", ""),
    ]
    assert [bool(a.account_index) for a in accounts] == [True, False, True, True, True]
    for account in accounts:
        assert raw_row(account.pk)["account"].startswith("gAAAAA")
