"""A fake Alipay open-API gateway: checks our signatures and answers signed, like Alipay.

Paths under its prefix: ``POST /gateway.do`` (transfer, query, bill URL) and
``GET /bill/<token>.zip`` (the bill file). Accounts ending in "4" or listed in
``missing_accounts`` do not exist. Error sub_codes that Alipay documents are used
where known; the certificate-SN mismatch codes are the fake's own.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import re
import secrets
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from .. import _crypto, _http
from ..alipay import (
    BILL_URL_QUERY,
    BIZ_SCENE,
    ORDER_CHANGED,
    PRODUCT_CODE,
    QUERY,
    TIMESTAMP_FORMAT,
    TRANSFER,
    AlipayChannel,
    cert_sn,
    root_cert_sn,
    sign_content,
)
from ..base import BEIJING, ChannelError, fen_to_yuan, yuan_to_fen
from ._server import FakeApp, Response
from .pki import AlipayPKI, make_alipay_pki

logger = logging.getLogger(__name__)

_AMOUNT = re.compile(r"^\d{1,9}\.\d{2}$")
_REQUIRED = ("app_id", "method", "charset", "sign_type", "sign", "timestamp", "version")


def _ok(**fields: Any) -> dict[str, Any]:
    return {"code": "10000", "msg": "Success", **fields}


def _error(code: str, sub_code: str, sub_msg: str) -> dict[str, Any]:
    msg = {
        "40001": "Missing Required Arguments",
        "40002": "Invalid Arguments",
        "40004": "Business Failed",
    }.get(code, "Error")
    return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}


def _bill_rows(out: Any, rows: list[dict[str, Any]], returns: list[dict[str, Any]]) -> int:
    """The bill's lines: each payout out, then each return back, with the running balance;
    returns the fen paid out."""
    balance = 10_000_000_00
    total_out = 0
    for n, row in enumerate(rows, start=1):
        fen = yuan_to_fen(row["trans_amount"])
        balance -= fen
        total_out += fen
        out.writerow(
            [
                f"{20000000000 + n}\t",
                f"{row['order_id']}\t",
                f"{row['out_biz_no']}\t",
                f"{row['order_title']}\t",
                f"{row['finished_at'].astimezone(BEIJING):%Y-%m-%d %H:%M:%S}\t",
                f"{row['identity']}\t",
                "0.00\t",
                f"-{row['trans_amount']}\t",
                f"{fen_to_yuan(balance)}\t",
                "\t",
                "转账\t",
                "\t",
            ]
        )
    for n, row in enumerate(returns, start=len(rows) + 1):
        fen = yuan_to_fen(row["trans_amount"])
        balance += fen
        out.writerow(
            [
                f"{20000000000 + n}\t",
                f"{row['order_id']}\t",
                f"{row['out_biz_no']}\t",
                f"{row['order_title']}\t",
                f"{row['returned_at'].astimezone(BEIJING):%Y-%m-%d %H:%M:%S}\t",
                f"{row['identity']}\t",
                f"{row['trans_amount']}\t",
                "0.00\t",
                f"{fen_to_yuan(balance)}\t",
                "\t",
                "退款\t",
                f"{row['fail_reason']}\t",
            ]
        )
    return total_out


class FakeAlipay(FakeApp):
    prefix = "/alipay"
    api_paths = frozenset({"/gateway.do"})

    def __init__(
        self,
        *,
        pki: AlipayPKI | None = None,
        missing_accounts: Iterable[str] = (),
        clock: Callable[[], datetime] | None = None,
        notify_delay: float = 0.05,
    ) -> None:
        super().__init__()
        self.pki = pki or make_alipay_pki()
        self.app_id = self.pki.app_id
        self.missing_accounts = set(missing_accounts)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.notify_delay = notify_delay
        self.app_cert_sn = cert_sn(self.pki.app_cert)
        self.alipay_cert_sn = cert_sn(self.pki.alipay_cert)
        self.alipay_root_cert_sn = root_cert_sn(self.pki.root_bundle_pem)
        self._app_public_key = _crypto.load_public_key(self.pki.app_cert_pem)
        self._answers: dict[str, tuple[tuple[str, str, str], dict[str, Any]]] = {}
        self._orders: dict[str, dict[str, Any]] = {}
        self._bills: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self.ledger: list[dict[str, Any]] = []  # one row per transfer that moved money
        self.received: list[dict[str, str]] = []  # every verified request's parameters
        self.notifications_sent: list[tuple[str, int]] = []

    # -- for tests and the demo --

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "app_id": self.app_id,
            "app_private_key": self.pki.app_private_key_pem,
            "app_cert": self.pki.app_cert_pem,
            "alipay_cert": self.pki.alipay_cert_pem,
            "alipay_root_cert": self.pki.root_bundle_pem,
            "gateway_url": self.base_url + "/gateway.do",
            "timeout": 5.0,
        }
        options.update(overrides)
        return options

    def client(self, **overrides: Any) -> AlipayChannel:
        return AlipayChannel(**self.client_options(**overrides))

    def is_missing(self, account: str) -> bool:
        return account in self.missing_accounts or account.endswith("4")

    def order(self, out_biz_no: str) -> dict[str, Any] | None:
        with self._lock:
            order = self._orders.get(out_biz_no)
            return dict(order) if order else None

    def payments(self, out_biz_no: str) -> int:
        with self._lock:
            return sum(1 for row in self.ledger if row["out_biz_no"] == out_biz_no)

    def return_transfer(self, out_biz_no: str, reason: str = "收款账户被冻结，资金退回") -> None:
        """A SUCCESS transfer came back (退票): status REFUND, money in on the bill."""
        with self._lock:
            self._orders[out_biz_no].update(
                status="REFUND", fail_reason=reason, returned_at=self.clock()
            )

    def notification(self, out_biz_no: str) -> tuple[dict[str, str], bytes]:
        """The form POST Alipay sends about a transfer (alipay.fund.trans.order.changed)."""
        order = self.order(out_biz_no)
        if order is None:
            raise KeyError(out_biz_no)
        biz = {
            "action_type": "FINISH",
            "biz_scene": BIZ_SCENE,
            "order_id": order["order_id"],
            "origin_interface": TRANSFER,
            "out_biz_no": out_biz_no,
            "pay_date": order["pay_date"],
            "pay_fund_order_id": order["pay_fund_order_id"],
            "product_code": PRODUCT_CODE,
            "status": order["status"],
            "trans_amount": order["trans_amount"],
        }
        if order.get("fail_reason"):
            biz["fail_reason"] = order["fail_reason"]
        params = {
            "notify_id": secrets.token_hex(16),
            "utc_timestamp": str(int(self.clock().timestamp() * 1000)),
            "msg_method": ORDER_CHANGED,
            "app_id": self.app_id,
            "version": "1.1",
            "charset": "utf-8",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params["sign"] = _crypto.sign(self.pki.alipay_key, sign_content(params).encode())
        params["sign_type"] = "RSA2"
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return headers, urllib.parse.urlencode(params).encode("ascii")

    def send_notification(self, out_biz_no: str, url: str) -> int:
        headers, body = self.notification(out_biz_no)
        status = _http.request("POST", url, body=body, headers=headers, timeout=5.0).status
        self.notifications_sent.append((out_biz_no, status))
        return status

    # -- HTTP --

    def process(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        if method == "GET" and path.startswith("/bill/"):
            data = self._bills.get(path.removeprefix("/bill/").removesuffix(".zip"))
            if data is None:
                return Response(404, b"no such bill")
            return Response(200, data, {"Content-Type": "application/zip"})
        if method != "POST" or path != "/gateway.do":
            return Response(404, b"not found")
        charset = query.get("charset", "utf-8")
        params = dict(urllib.parse.parse_qsl(body.decode(charset), encoding=charset))
        api = params.get("method", "")
        content = self._check(params)
        if content is None:
            with self._lock:
                self.received.append(params)
            biz = json.loads(params.get("biz_content") or "{}")
            if api == TRANSFER:
                content = self._transfer(biz, params.get("notify_url", ""))
            elif api == QUERY:
                content = self._query(biz)
            elif api == BILL_URL_QUERY:
                content = self._bill_url(biz)
            else:
                return self._answer("error_response", _error("40004", "isv.invalid-method", api))
        return self._answer(api.replace(".", "_") + "_response", content)

    def call_name(self, path: str, body: bytes) -> str:
        """The open-API method of a gateway call (``alipay.fund.trans.uni.transfer``, …)."""
        params = urllib.parse.parse_qs(body.decode("latin-1"))
        return params.get("method", [path])[0]

    def tamper(self, body: bytes) -> bytes:
        return body.replace(b'"msg":"', b'"msg":"tampered ', 1)

    def _answer(self, key: str, content: Mapping[str, Any]) -> Response:
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        signature = _crypto.sign(self.pki.alipay_key, inner.encode())
        text = f'{{"{key}":{inner},"alipay_cert_sn":"{self.alipay_cert_sn}","sign":"{signature}"}}'
        return Response(200, text.encode(), {"Content-Type": "application/json;charset=utf-8"})

    def _check(self, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The gateway's checks of the common parameters; None when all pass."""
        missing = [name for name in _REQUIRED if not params.get(name)]
        if missing:
            return _error("40001", f"isv.missing-{missing[0].replace('_', '-')}", "缺少参数")
        if params["app_id"] != self.app_id:
            return _error("40002", "isv.invalid-app-id", "无效的AppID参数")
        if params["sign_type"] != "RSA2":
            return _error("40002", "isv.invalid-signature-type", "无效的签名类型")
        if params.get("app_cert_sn") != self.app_cert_sn:
            return _error("40002", "isv.invalid-app-cert-sn", "应用公钥证书序列号不匹配")
        if params.get("alipay_root_cert_sn") != self.alipay_root_cert_sn:
            return _error("40002", "isv.invalid-alipay-root-cert-sn", "支付宝根证书序列号不匹配")
        try:
            datetime.strptime(params["timestamp"], TIMESTAMP_FORMAT)
        except ValueError:
            return _error("40002", "isv.invalid-timestamp", "非法的时间戳参数")
        content = sign_content(params).encode(params["charset"])
        if not _crypto.verify(self._app_public_key, content, params["sign"]):
            return _error("40002", "isv.invalid-signature", "验签出错")
        return None

    def _transfer(self, biz: Mapping[str, Any], notify_url: str) -> dict[str, Any]:
        payee = biz.get("payee_info") or {}
        amount = str(biz.get("trans_amount", ""))
        out_biz_no = str(biz.get("out_biz_no", ""))
        if (
            not out_biz_no
            or biz.get("product_code") != PRODUCT_CODE
            or biz.get("biz_scene") != BIZ_SCENE
            or payee.get("identity_type") != "ALIPAY_LOGON_ID"
            or not payee.get("identity")
            or not _AMOUNT.match(amount)
            or yuan_to_fen(amount) <= 0
        ):
            return _error("40004", "INVALID_PARAMETER", "参数有误")
        fingerprint = (amount, str(payee["identity"]), str(payee.get("name", "")))
        with self._lock:
            if out_biz_no in self._answers:
                first_fingerprint, first_answer = self._answers[out_biz_no]
                if first_fingerprint != fingerprint:
                    return _error("40004", "PAYMENT_INFO_INCONSISTENCY", "两次请求的付款信息不一致")
                return first_answer
            now = self.clock()
            if self.is_missing(fingerprint[1]):
                answer = _error("40004", "PAYEE_NOT_EXIST", "收款账号不存在")
            else:
                n = next(self._ids)
                day = now.astimezone(BEIJING)
                order = {
                    "out_biz_no": out_biz_no,
                    "order_id": f"{day:%Y%m%d}110070000006{n:012d}",
                    "pay_fund_order_id": f"{day:%Y%m%d}110070001506{n:012d}",
                    "status": "SUCCESS",
                    "trans_amount": amount,
                    "pay_date": day.strftime(TIMESTAMP_FORMAT),
                    "identity": fingerprint[1],
                    "name": fingerprint[2],
                    "order_title": str(biz.get("order_title", "")),
                    "finished_at": now,
                }
                self._orders[out_biz_no] = order
                self.ledger.append(order)
                answer = _ok(
                    out_biz_no=out_biz_no,
                    order_id=order["order_id"],
                    pay_fund_order_id=order["pay_fund_order_id"],
                    status="SUCCESS",
                    trans_date=order["pay_date"],
                )
                if notify_url:
                    threading.Thread(
                        target=self._notify_later, args=(out_biz_no, notify_url), daemon=True
                    ).start()
            self._answers[out_biz_no] = (fingerprint, answer)
            return answer

    def _notify_later(self, out_biz_no: str, url: str) -> None:
        time.sleep(self.notify_delay)  # after the synchronous answer, as Alipay does
        try:
            self.send_notification(out_biz_no, url)
        except (OSError, ChannelError):
            logger.warning("fake Alipay could not notify %s about %s", url, out_biz_no)

    def _query(self, biz: Mapping[str, Any]) -> dict[str, Any]:
        order = self.order(str(biz.get("out_biz_no", "")))
        if order is None:
            return _error("40004", "ORDER_NOT_EXIST", "转账订单不存在")
        return _ok(
            order_id=order["order_id"],
            pay_fund_order_id=order["pay_fund_order_id"],
            out_biz_no=order["out_biz_no"],
            trans_amount=order["trans_amount"],
            status=order["status"],
            pay_date=order["pay_date"],
            order_fee="0.00",
        )

    def _bill_url(self, biz: Mapping[str, Any]) -> dict[str, Any]:
        if biz.get("bill_type") != "signcustomer":
            return _error("40004", "isv.invalid-bill-type", "账单类型不支持")
        try:
            day = date.fromisoformat(str(biz.get("bill_date", "")))
        except ValueError:
            return _error("40004", "isv.invalid-bill-date", "账单日期格式不正确")
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._bills[token] = self.bill_zip(day)
        return _ok(bill_download_url=f"{self.base_url}/bill/{token}.zip")

    def bill_zip(self, day: date) -> bytes:
        """The ``signcustomer`` bill for ``day``: a zip of GBK CSV files (detail and
        summary) laid out like Alipay's, cells padded with tabs."""
        with self._lock:
            rows = [r for r in self.ledger if r["finished_at"].astimezone(BEIJING).date() == day]
            returns = [
                order
                for order in self._orders.values()
                if order.get("returned_at")
                and order["returned_at"].astimezone(BEIJING).date() == day
            ]
        detail = io.StringIO()
        out = csv.writer(detail, lineterminator="\r\n")
        self._bill_header(detail, out, day)
        total_out = _bill_rows(out, rows, returns)
        detail.write(
            "#-----------------------------------------账务明细列表结束------------------------------------\r\n"
        )
        detail.write(f"#支出合计：{len(rows)}笔，共{fen_to_yuan(total_out)}元\r\n")
        detail.write(f"#导出时间：[{self.clock().astimezone(BEIJING):%Y年%m月%d日 %H:%M:%S}]\r\n")
        summary = f"#支付宝账务明细汇总\r\n业务类型,收入笔数,支出笔数\r\n转账,0,{len(rows)}\r\n"
        buffer = io.BytesIO()
        stem = f"2088{self.app_id[-12:]}_{day:%Y%m%d}"
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{stem}_detail.csv", detail.getvalue().encode("gbk"))
            archive.writestr(f"{stem}_summary.csv", summary.encode("gbk"))
        return buffer.getvalue()

    def _bill_header(self, detail: io.StringIO, out: Any, day: date) -> None:
        detail.write("#支付宝账务明细查询\r\n")
        detail.write(f"#账号：[2088{self.app_id[-12:]}]\r\n")
        detail.write(f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   ")
        detail.write(f"终止日期：[{day:%Y年%m月%d日} 23:59:59]\r\n")
        detail.write(
            "#-----------------------------------------账务明细列表----------------------------------------\r\n"
        )
        out.writerow(
            [
                "账务流水号",
                "业务流水号",
                "商户订单号",
                "商品名称",
                "发生时间",
                "对方账号",
                "收入金额（+元）",
                "支出金额（-元）",
                "账户余额（元）",
                "交易渠道",
                "业务类型",
                "备注",
            ]
        )
