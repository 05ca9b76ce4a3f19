"""Payout channels: the real Alipay and bank clients against their local fake servers,
the signed strings byte for byte, Alipay's certificate SNs, and the sandbox.

No database: channels hold no models.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID
from hypothesis import given
from hypothesis import strategies as st

from xinghuo.settlement.channels import (
    BadSignature,
    ChannelRejected,
    ChannelUnavailable,
    PayoutRequest,
    UnknownChannel,
    _crypto,
    get_channel,
)
from xinghuo.settlement.channels.alipay import (
    AlipayChannel,
    cert_sn,
    root_cert_sn,
    sign_content,
    top_level_raw_values,
)
from xinghuo.settlement.channels.bank import BankChannel
from xinghuo.settlement.channels.base import fen_to_yuan, yuan_to_fen
from xinghuo.settlement.channels.fakes import (
    FakeApp,
    FakeServer,
    Response,
    make_alipay_pki,
    make_bank_keys,
    running_fake_alipay,
    running_fake_bank,
)
from xinghuo.settlement.channels.fakes.pki import certificate, private_pem, rsa_key
from xinghuo.settlement.channels.sandbox import SandboxChannel

# 2025-03-14 09:02:03 in Beijing.
NOW = datetime(2025, 3, 14, 1, 2, 3, tzinfo=UTC)
TODAY = date(2025, 3, 14)


def clock() -> datetime:
    return NOW


def payout(payout_id: str = "P1", amount_fen: int = 123456, account: str = "worker@example.com"):
    return PayoutRequest(payout_id, amount_fen, account, "张三", "3月劳务费")


@pytest.fixture(scope="module")
def alipay_pki():
    return make_alipay_pki()


@pytest.fixture(scope="module")
def bank_keys():
    return make_bank_keys()


@pytest.fixture
def fake_alipay(alipay_pki):
    with running_fake_alipay(pki=alipay_pki, clock=clock) as fake:
        yield fake


@pytest.fixture
def alipay(fake_alipay) -> AlipayChannel:
    return fake_alipay.client(timeout=0.5)


@pytest.fixture
def fake_bank(bank_keys):
    with running_fake_bank(keys=bank_keys, clock=clock) as fake:
        yield fake


@pytest.fixture
def bank(fake_bank) -> BankChannel:
    return fake_bank.client(timeout=0.5, clock=clock)


def biz_content(fake) -> dict:
    return json.loads(fake.received[-1]["biz_content"])


# --- money and requests ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "yuan"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (123456, "1234.56"), (10**12 + 7, "10000000000.07")],
)
def test_fen_become_yuan_exactly(fen, yuan):
    assert fen_to_yuan(fen) == yuan
    assert yuan_to_fen(yuan) == fen


@given(st.integers(min_value=0, max_value=10**15))
def test_fen_to_yuan_round_trips(fen):
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@pytest.mark.parametrize("text", ["1.001", "abc", "NaN", "Infinity", ""])
def test_yuan_with_more_than_two_decimals_or_garbage_is_refused(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"amount_fen": 0},
        {"amount_fen": -5},
        {"amount_fen": 1.5},
        {"amount_fen": True},
        {"payout_id": ""},
        {"payout_id": "has space"},
        {"payout_id": "x" * 65},
        {"account": " "},
        {"account_name": ""},
    ],
)
def test_invalid_payout_request_is_refused(kwargs):
    fields = {
        "payout_id": "P1",
        "amount_fen": 100,
        "account": "a@example.com",
        "account_name": "张三",
    }
    with pytest.raises(ValueError):
        PayoutRequest(**{**fields, **kwargs})


# --- Alipay: certificates and signing strings ------------------------------------------------


def test_cert_sn_is_md5_of_issuer_dn_and_decimal_serial():
    key = rsa_key()
    issuer = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fake Ant"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Certification Authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Fake Root"),
        ]
    )
    cert = certificate(issuer, key, serial=4242)
    expected = hashlib.md5(
        b"CN=Fake Root,OU=Certification Authority,O=Fake Ant,C=CN4242", usedforsecurity=False
    ).hexdigest()
    assert cert_sn(cert) == expected


def _sn_by_hand(cert: x509.Certificate) -> str:
    # The way Alipay's PHP SDK does it: issuer attributes in reverse, "k=v" joined by ",".
    short = {NameOID.COUNTRY_NAME: "C", NameOID.ORGANIZATION_NAME: "O"}
    short |= {NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COMMON_NAME: "CN"}
    issuer = ",".join(f"{short[a.oid]}={a.value}" for a in reversed(list(cert.issuer)))
    return hashlib.md5(f"{issuer}{cert.serial_number}".encode(), usedforsecurity=False).hexdigest()


def test_root_cert_sn_joins_the_rsa_roots_and_skips_the_ecc_one(alipay_pki):
    rsa_roots = [
        c
        for c in alipay_pki.roots
        if c.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA256
    ]
    assert len(rsa_roots) == 2 and len(alipay_pki.roots) == 3
    expected = "_".join(_sn_by_hand(c) for c in rsa_roots)
    assert root_cert_sn(alipay_pki.root_bundle_pem) == expected


def test_client_takes_the_leaf_of_certificate_files_with_chains(alipay_pki, fake_alipay):
    client = fake_alipay.client()
    assert client.app_cert_sn == _sn_by_hand(alipay_pki.app_cert)
    assert client.alipay_cert_sn == _sn_by_hand(alipay_pki.alipay_cert)
    assert client.app_cert_sn != _sn_by_hand(alipay_pki.app_ca)


def test_sign_content_sorts_skips_empty_and_sign_and_does_not_encode():
    params = {"b": "2", "a": "1", "empty": "", "sign": "xyz", "c": "中 文&=+"}
    assert sign_content(params) == "a=1&b=2&c=中 文&=+"


def test_alipay_transfer_signing_string_is_byte_exact(fake_alipay, alipay_pki):
    client = fake_alipay.client(clock=clock, notify_url="https://xinghuo.example.com/alipay/notify")
    params = client.transfer_params(payout("XH20250314000001", 123456, "13800138000"))
    expected = (
        f"alipay_root_cert_sn={root_cert_sn(alipay_pki.root_bundle_pem)}"
        f"&app_cert_sn={_sn_by_hand(alipay_pki.app_cert)}"
        "&app_id=2021000000000001"
        '&biz_content={"out_biz_no":"XH20250314000001","trans_amount":"1234.56",'
        '"product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",'
        '"payee_info":{"identity":"13800138000","identity_type":"ALIPAY_LOGON_ID","name":"张三"},'
        '"order_title":"3月劳务费","remark":"3月劳务费"}'
        "&charset=utf-8&format=JSON&method=alipay.fund.trans.uni.transfer"
        "&notify_url=https://xinghuo.example.com/alipay/notify"
        "&sign_type=RSA2&timestamp=2025-03-14 09:02:03&version=1.0"
    )
    assert sign_content(params) == expected
    signed = client.sign_params(params)
    alipay_pki.app_cert.public_key().verify(
        base64.b64decode(signed["sign"]),
        expected.encode("utf-8"),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_raw_response_text_is_cut_exactly_even_with_braces_in_strings():
    inner = '{"code":"10000","msg":"a}b{\\"c\\u4e2d","n":{"x":[1,{"y":"}"}]}}'
    text = f'{{ "x_response" : {inner} ,"alipay_cert_sn":"abc","sign":"s=="}}'
    values = top_level_raw_values(text)
    assert values["x_response"] == inner
    assert values["sign"] == '"s=="'
    with pytest.raises(ValueError):
        top_level_raw_values(text[:-3])


# --- Alipay: against the fake gateway ----------------------------------------------------------


@pytest.mark.parametrize(("fen", "yuan"), [(1, "0.01"), (123456, "1234.56")])
def test_alipay_transfer_succeeds_with_amount_in_exact_yuan(fake_alipay, alipay, fen, yuan):
    result = alipay.submit(payout("P1", fen))
    order = fake_alipay.order("P1")
    assert result.status == "succeeded"
    assert result.channel_ref == order["order_id"]
    assert order["trans_amount"] == yuan
    sent = biz_content(fake_alipay)
    assert sent["trans_amount"] == yuan
    assert sent["out_biz_no"] == "P1"
    assert sent["product_code"] == "TRANS_ACCOUNT_NO_PWD"
    assert sent["biz_scene"] == "DIRECT_TRANSFER"
    assert sent["payee_info"] == {
        "identity": "worker@example.com",
        "identity_type": "ALIPAY_LOGON_ID",
        "name": "张三",
    }
    assert fake_alipay.payments("P1") == 1


def test_alipay_transfer_to_missing_account_fails_with_code(fake_alipay, alipay):
    result = alipay.submit(payout("P1", account="nobody@example.com4"))
    assert result.status == "failed"
    assert result.failure_code == "PAYEE_NOT_EXIST"
    assert result.failure_message
    assert fake_alipay.ledger == []


def test_alipay_same_payout_id_twice_pays_once(fake_alipay, alipay):
    first = alipay.submit(payout("P1"))
    second = alipay.submit(payout("P1"))
    assert first == second
    assert first.status == "succeeded"
    assert fake_alipay.payments("P1") == 1
    assert len(fake_alipay.ledger) == 1


def test_alipay_same_payout_id_with_other_amount_is_unknown_and_pays_once(fake_alipay, alipay):
    alipay.submit(payout("P1", 100))
    result = alipay.submit(payout("P1", 200))
    assert result.status == "unknown"
    assert result.failure_code == "PAYMENT_INFO_INCONSISTENCY"
    assert fake_alipay.payments("P1") == 1


@pytest.mark.serial
def test_alipay_timeout_is_unavailable_and_query_finds_the_real_outcome(fake_alipay):
    client = fake_alipay.client(timeout=0.3)
    fake_alipay.inject_fault("timeout", seconds=1.5)
    started = time.monotonic()
    with pytest.raises(ChannelUnavailable):
        client.submit(payout("P1"))
    assert time.monotonic() - started < 1.2
    result = client.query("P1")
    assert result.status == "succeeded"
    assert result.channel_ref == fake_alipay.order("P1")["order_id"]
    assert fake_alipay.payments("P1") == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_alipay_5xx_is_unavailable_and_pays_nothing(fake_alipay, alipay, status):
    fake_alipay.inject_fault("http_error", status=status)
    with pytest.raises(ChannelUnavailable):
        alipay.submit(payout("P1"))
    assert fake_alipay.ledger == []
    assert alipay.query("P1").status == "unknown"  # ORDER_NOT_EXIST: safe to resubmit
    assert alipay.submit(payout("P1")).status == "succeeded"
    assert fake_alipay.payments("P1") == 1


def test_alipay_tampered_answer_is_bad_signature(fake_alipay, alipay):
    fake_alipay.inject_fault("tamper")
    with pytest.raises(BadSignature):
        alipay.submit(payout("P1"))
    assert alipay.query("P1").status == "succeeded"


def test_alipay_unsigned_answer_is_bad_signature(alipay):
    body = (
        b'{"alipay_fund_trans_uni_transfer_response":{"code":"10000","msg":"Success",'
        b'"out_biz_no":"P1","status":"SUCCESS"}}'
    )
    with pytest.raises(BadSignature):
        alipay.verify_response(body, "alipay.fund.trans.uni.transfer")
    with pytest.raises(ChannelUnavailable):
        alipay.verify_response(b"<html>gateway error</html>", "alipay.fund.trans.uni.transfer")


def test_alipay_answer_from_another_alipay_certificate_is_bad_signature(fake_alipay):
    impostor = make_alipay_pki()
    client = fake_alipay.client(alipay_cert=impostor.alipay_cert_pem)
    with pytest.raises(BadSignature):
        client.query("P1")


def test_fake_alipay_rejects_a_request_signed_with_a_wrong_key(fake_alipay, alipay):
    alipay._private_key = rsa_key()  # the right certificate, the wrong key
    with pytest.raises(ChannelRejected) as excinfo:
        alipay.submit(payout("P1"))
    assert excinfo.value.code == "isv.invalid-signature"
    assert fake_alipay.received == []
    assert fake_alipay.ledger == []


def test_fake_alipay_rejects_a_client_with_another_app_certificate(fake_alipay):
    other = make_alipay_pki()
    client = fake_alipay.client(
        app_private_key=other.app_private_key_pem, app_cert=other.app_cert_pem
    )
    with pytest.raises(ChannelRejected) as excinfo:
        client.submit(payout("P1"))
    assert excinfo.value.code == "isv.invalid-app-cert-sn"
    assert fake_alipay.ledger == []


def test_alipay_client_refuses_an_app_certificate_that_is_not_its_key(fake_alipay):
    with pytest.raises(ValueError, match="app_cert"):
        fake_alipay.client(app_private_key=private_pem(rsa_key()))


def test_alipay_notification_is_verified_and_parsed(fake_alipay, alipay):
    alipay.submit(payout("P1"))
    headers, body = fake_alipay.notification("P1")
    result = alipay.parse_notification(headers, body)
    assert result.payout_id == "P1"
    assert result.status == "succeeded"
    assert result.channel_ref == fake_alipay.order("P1")["order_id"]


def test_alipay_tampered_or_unsigned_notification_is_rejected(fake_alipay, alipay):
    alipay.submit(payout("P1"))
    headers, body = fake_alipay.notification("P1")
    params = dict(urllib.parse.parse_qsl(body.decode()))
    biz = json.loads(params["biz_content"])
    params["biz_content"] = json.dumps({**biz, "trans_amount": "99999.00"}, ensure_ascii=False)
    with pytest.raises(BadSignature):
        alipay.parse_notification(headers, urllib.parse.urlencode(params).encode())
    del params["sign"]
    with pytest.raises(BadSignature):
        alipay.parse_notification(headers, urllib.parse.urlencode(params).encode())


def test_alipay_genuine_notification_of_another_kind_is_a_value_error(alipay, alipay_pki):
    params = {
        "app_id": alipay.app_id,
        "charset": "utf-8",
        "msg_method": "alipay.trade.refund.changed",
        "biz_content": "{}",
    }
    params["sign"] = _crypto.sign(alipay_pki.alipay_key, sign_content(params).encode())
    body = urllib.parse.urlencode(params).encode()
    with pytest.raises(ValueError, match="not a transfer notification"):
        alipay.parse_notification({}, body)


class _Inbox(FakeApp):
    """Our notify_url, to catch what the fake Alipay posts."""

    prefix = "/inbox"

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[dict, bytes]] = []

    def process(self, method, path, query, headers, body):
        self.messages.append((headers, body))
        return Response(200, b"success")


def test_fake_alipay_posts_the_notification_to_notify_url(fake_alipay):
    inbox = _Inbox()
    server = FakeServer([inbox]).start()
    try:
        client = fake_alipay.client(notify_url=inbox.base_url + "/alipay")
        client.submit(payout("P1"))
        deadline = time.monotonic() + 3
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.stop()
    headers, body = inbox.messages[0]
    assert client.parse_notification(headers, body).status == "succeeded"


def test_alipay_statement_is_downloaded_and_parsed(fake_alipay, alipay):
    alipay.submit(payout("P1", 1))
    alipay.submit(payout("P2", 123456, account="other@example.com"))
    alipay.submit(payout("P3", 500, account="missing4"))
    lines = sorted(alipay.statement(TODAY), key=lambda line: line.payout_id)
    assert [(line.payout_id, line.amount_fen, line.status) for line in lines] == [
        ("P1", 1, "succeeded"),
        ("P2", 123456, "succeeded"),
    ]
    assert lines[0].channel_ref == fake_alipay.order("P1")["order_id"]
    assert all(line.finished_at == NOW for line in lines)
    assert alipay.statement(TODAY - timedelta(days=1)) == []


# --- bank -------------------------------------------------------------------------------------


def test_bank_canonical_json_is_byte_exact(fake_bank, bank_keys):
    envelope = {
        "head": {"timestamp": "2025-03-14T09:02:03+08:00", "request_id": "P1", "nonce": "n1"},
        "body": {"payee_name": "张三", "amount": "1234.56", "currency": "CNY", "n": 1},
    }
    expected = (
        '{"body":{"amount":"1234.56","currency":"CNY","n":1,"payee_name":"张三"},'
        '"head":{"nonce":"n1","request_id":"P1","timestamp":"2025-03-14T09:02:03+08:00"}}'
    ).encode()
    assert _crypto.canonical_json(envelope) == expected
    data, signature = fake_bank.client().sign_envelope(envelope)
    assert data == expected
    bank_keys.merchant_key.public_key().verify(
        base64.b64decode(signature), expected, padding.PKCS1v15(), hashes.SHA256()
    )


@pytest.mark.parametrize(("fen", "yuan"), [(1, "0.01"), (123456, "1234.56")])
def test_bank_transfer_is_submitted_then_succeeds(fake_bank, bank, fen, yuan):
    result = bank.submit(payout("P1", fen, account="6222020000000001"))
    assert result.status == "submitted"
    assert fake_bank.payout("P1")["amount"] == yuan
    queried = bank.query("P1")
    assert queried.status == "succeeded"
    assert queried.channel_ref == result.channel_ref == fake_bank.payout("P1")["bank_ref"]


def test_bank_transfer_to_missing_account_fails_with_code(fake_bank, bank):
    result = bank.submit(payout("P1", account="6222020000000004"))
    assert result.status == "failed"
    assert result.failure_code == "ACCOUNT_NOT_EXIST"
    assert fake_bank.ledger == []


def test_bank_same_request_id_twice_pays_once(fake_bank, bank):
    bank.submit(payout("P1", account="6222020000000001"))
    again = bank.submit(payout("P1", account="6222020000000001"))
    assert again.status == "submitted"
    conflicting = bank.submit(payout("P1", 999, account="6222020000000001"))
    assert conflicting.status == "unknown"
    assert conflicting.failure_code == "E2001"
    assert fake_bank.payments("P1") == 1


def test_bank_timeout_is_unavailable_and_query_finds_the_real_outcome(fake_bank):
    client = fake_bank.client(timeout=0.3, clock=clock)
    fake_bank.inject_fault("timeout", seconds=1.5)
    with pytest.raises(ChannelUnavailable):
        client.submit(payout("P1", account="6222020000000001"))
    assert client.query("P1").status == "succeeded"
    assert fake_bank.payments("P1") == 1


def test_bank_5xx_is_unavailable_and_pays_nothing(fake_bank, bank):
    fake_bank.inject_fault("http_error", status=503)
    with pytest.raises(ChannelUnavailable):
        bank.submit(payout("P1", account="6222020000000001"))
    assert fake_bank.ledger == []
    result = bank.query("P1")
    assert (result.status, result.failure_code) == ("unknown", "E3001")


def test_bank_tampered_answer_is_bad_signature(fake_bank, bank):
    fake_bank.inject_fault("tamper")
    with pytest.raises(BadSignature):
        bank.submit(payout("P1", account="6222020000000001"))


def test_bank_answer_signed_by_another_bank_is_bad_signature(fake_bank):
    client = fake_bank.client(bank_public_key=_crypto_public_pem(rsa_key()), clock=clock)
    with pytest.raises(BadSignature):
        client.query("P1")


def _crypto_public_pem(key) -> bytes:
    from xinghuo.settlement.channels.fakes.pki import public_pem

    return public_pem(key)


def test_fake_bank_rejects_a_request_signed_with_a_wrong_key(fake_bank):
    client = fake_bank.client(private_key=private_pem(rsa_key()), clock=clock)
    with pytest.raises(ChannelRejected) as excinfo:
        client.submit(payout("P1", account="6222020000000001"))
    assert excinfo.value.code == "E1001"
    assert fake_bank.ledger == []
    assert fake_bank.payout("P1") is None


def test_bank_notification_is_verified_and_tampering_is_rejected(fake_bank, bank):
    bank.submit(payout("P1", account="6222020000000001"))
    fake_bank.settle("P1")
    headers, body = fake_bank.notification("P1")
    result = bank.parse_notification(headers, body)
    assert (result.payout_id, result.status) == ("P1", "succeeded")
    tampered = body.replace(b'"status": "SUCCESS"', b'"status": "FAILED"')
    assert tampered != body
    with pytest.raises(BadSignature):
        bank.parse_notification(headers, tampered)
    with pytest.raises(BadSignature):
        bank.parse_notification({}, body)


def test_bank_stale_notification_is_rejected(fake_bank):
    client = fake_bank.client(clock=lambda: NOW + timedelta(hours=1))
    client.submit(payout("P1", account="6222020000000001"))
    headers, body = fake_bank.notification("P1")
    with pytest.raises(BadSignature, match="timestamp"):
        client.parse_notification(headers, body)


def test_bank_message_with_floats_is_refused(fake_bank, bank_keys):
    envelope = b'{"head":{"merchant_id":"XH0000000001"},"body":{"amount":1.5}}'
    signature = _crypto.sign(bank_keys.bank_key, envelope)
    with pytest.raises(BadSignature):
        fake_bank.client().parse_notification({"X-Signature": signature}, envelope)


def test_bank_statement_is_parsed(fake_bank, bank):
    bank.submit(payout("P1", 1, account="6222020000000001"))
    bank.submit(payout("P2", 123456, account="6222020000000002"))
    bank.submit(payout("P3", 500, account="6222020000000004"))
    bank.submit(payout("P4", 700, account="6222020000000005"))
    fake_bank.settle("P1")
    fake_bank.settle("P2")
    fake_bank.return_payout("P2")
    lines = sorted(bank.statement(TODAY), key=lambda line: line.payout_id)
    assert [(line.payout_id, line.amount_fen, line.status) for line in lines] == [
        ("P1", 1, "succeeded"),
        ("P2", 123456, "returned"),
        ("P3", 500, "failed"),
    ]
    assert lines[0].channel_ref == fake_bank.payout("P1")["bank_ref"]
    assert all(line.finished_at == NOW for line in lines)
    assert bank.query("P2").failure_code == "RETURNED"


# --- sandbox ----------------------------------------------------------------------------------


def test_sandbox_pays_once_per_payout_id():
    sandbox = SandboxChannel(clock=clock)
    first = sandbox.submit(payout("P1", account="13800000001"))
    assert first.status == "succeeded"
    assert sandbox.submit(payout("P1", account="13800000001")) == first
    assert sandbox.submit(payout("P1", 1, account="13800000001")).status == "unknown"
    assert [p.request.payout_id for p in sandbox.ledger] == ["P1"]
    assert sandbox.query("P1") == first


def test_sandbox_account_ending_in_4_fails():
    result = SandboxChannel().submit(payout("P1", account="13800000004"))
    assert (result.status, result.failure_code) == ("failed", "ACCOUNT_NOT_EXIST")


def test_sandbox_account_ending_in_7_settles_by_the_first_query():
    sandbox = SandboxChannel()
    assert sandbox.submit(payout("P1", account="13800000007")).status == "submitted"
    assert sandbox.query("P1").status == "succeeded"


def test_sandbox_account_ending_in_9_pays_but_loses_the_answer():
    sandbox = SandboxChannel()
    with pytest.raises(ChannelUnavailable):
        sandbox.submit(payout("P1", account="13800000009"))
    assert sandbox.query("P1").status == "succeeded"
    assert sandbox.submit(payout("P1", account="13800000009")).status == "succeeded"
    assert len(sandbox.ledger) == 1


def test_sandbox_unknown_payout_is_unknown():
    assert SandboxChannel().query("nope").status == "unknown"


def test_sandbox_notification_is_signed():
    sandbox = SandboxChannel()
    sandbox.submit(payout("P1", account="13800000001"))
    headers, body = sandbox.notification("P1")
    assert sandbox.parse_notification(headers, body).status == "succeeded"
    with pytest.raises(BadSignature):
        sandbox.parse_notification(headers, body.replace(b"succeeded", b"failed"))


def test_sandbox_statement_lists_final_payouts_of_the_day():
    sandbox = SandboxChannel(clock=clock)
    sandbox.submit(payout("P1", 100, account="13800000001"))
    sandbox.submit(payout("P2", 200, account="13800000004"))
    sandbox.submit(payout("P3", 300, account="13800000007"))
    lines = sandbox.statement(TODAY)
    assert sorted((line.payout_id, line.status) for line in lines) == [
        ("P1", "succeeded"),
        ("P2", "failed"),
    ]
    assert sandbox.statement(TODAY + timedelta(days=1)) == []


# --- the demo's fake servers -------------------------------------------------------------------


def test_fakes_entry_point_serves_both_channels(tmp_path):
    root = Path(__file__).resolve().parents[3]
    config_dir = tmp_path / "fake-channels"
    command = [sys.executable, "-m", "xinghuo.settlement.channels.fakes", "--port", "0"]
    proc = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [*command, "--config-dir", str(config_dir)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        setting_file = config_dir / "payout_channels.json"
        deadline = time.monotonic() + 20
        while not setting_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        setting = json.loads(setting_file.read_text())
        alipay = AlipayChannel.from_options(setting["alipay"]["OPTIONS"])
        bank = BankChannel.from_options(setting["bank"]["OPTIONS"])
        assert alipay.submit(payout("P1")).status == "succeeded"
        assert bank.submit(payout("P1", account="6222020000000001")).status == "submitted"
        assert bank.query("P1").status == "succeeded"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- registry ---------------------------------------------------------------------------------


def test_without_settings_every_channel_is_a_sandbox(settings):
    settings.PAYOUT_CHANNELS = None
    channel = get_channel("alipay")
    assert isinstance(channel, SandboxChannel)
    assert get_channel("alipay") is channel
    assert get_channel("bank") is not channel
    with pytest.raises(UnknownChannel):
        get_channel("wechat")


def test_settings_choose_the_real_client_with_key_files(settings, tmp_path, fake_alipay):
    options = fake_alipay.client_options()
    for name in ("app_private_key", "app_cert", "alipay_cert", "alipay_root_cert"):
        path = tmp_path / name
        path.write_bytes(options.pop(name))
        options[f"{name}_path"] = str(path)
    settings.PAYOUT_CHANNELS = {"alipay": {"BACKEND": "alipay", "OPTIONS": options}}
    channel = get_channel("alipay")
    assert isinstance(channel, AlipayChannel)
    assert channel.submit(payout("P1")).status == "succeeded"
    assert fake_alipay.payments("P1") == 1
