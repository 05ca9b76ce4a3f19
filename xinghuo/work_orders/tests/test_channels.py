"""MISSION D1: orders from a spreadsheet, from the REST channel and from monitoring alarms."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.contrib.admin import AdminSite
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from xinghuo.accounts import services as account_services
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.regions import services as region_services
from xinghuo.work_orders import admin_channels
from xinghuo.work_orders.channels import alarms, common, external, spreadsheet
from xinghuo.work_orders.models import (
    AlarmEvent,
    AlarmRule,
    IntegrationKey,
    WorkOrder,
    WorkOrderEvent,
)
from xinghuo.workflows import services as workflows
from xinghuo.workforce.models import Role, Skill

pytestmark = pytest.mark.django_db

CHINA = common.CHINA_TZ
HEADERS_ZH = [
    "站址编码",
    "标题",
    "类型",
    "岗位",
    "技能",
    "优先级",
    "截止时间",
    "价格(元)",
    "外部编号",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def in_days(days: int, hour: int = 18) -> datetime:
    """A naive Beijing wall-clock time, as a spreadsheet holds it."""
    day = timezone.localtime(timezone.now(), CHINA).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0)


def text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


def make_site(org, code: str = "HZ-XH-0001"):
    return region_services.site_create(
        organization=org, code=code, name=f"{code}铁塔站", lat=30.26, lng=120.10
    )


def xlsx_bytes(rows: list[list[object]], headers: list[str] = HEADERS_ZH) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], headers: list[str], encoding: str) -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, org, name: str, data: bytes, content_type: str = XLSX):
    return client.client.post(
        f"/api/v1/organizations/{org.pk}/work-orders/import",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        headers=client.headers,
    )


@pytest.fixture
def employer(make_employer, hangzhou):
    owner, org = make_employer()
    make_site(org)
    return owner, org


def mixed_rows() -> list[list[object]]:
    """Two good rows (lines 2 and 7) around four bad ones (lines 3-6)."""
    return [
        ["HZ-XH-0001", "市电停电发电", "工单", "发电人员", "油机发电、电工作业", "紧急",
         in_days(2), 350.5, "ERP-1"],
        ["HZ-XH-9999", "站址不存在", "工单", "", "", "", in_days(2), 100, "ERP-2"],
        ["HZ-XH-0001", "截止已过", "工单", "", "", "", in_days(-1), 100, "ERP-3"],
        ["HZ-XH-0001", "价格三位小数", "工单", "", "", "", in_days(2), "12.345", "ERP-4"],
        ["HZ-XH-0001", "未知技能", "工单", "", "油机发电，水下焊接", "", in_days(2), 1, "ERP-5"],
        ["HZ-XH-0001", "空调巡检", "order", "repair", "air_conditioning", "普通",
         text(in_days(3)), "80", "ERP-6"],
    ]  # fmt: skip


# --- spreadsheet import ------------------------------------------------------------------------


def test_xlsx_import_creates_good_rows_and_reports_bad_rows_by_line(api, employer):
    owner, org = employer
    resp = upload(api(owner), org, "orders.xlsx", xlsx_bytes(mixed_rows()))
    assert resp.status_code == 200, resp.content
    report = resp.json()
    assert report["rows"] == 6
    assert len(report["created"]) == 2
    assert report["duplicates"] == []
    assert [(e["line"], e["code"], e["field"]) for e in report["errors"]] == [
        (3, "site_not_found", "site_code"),
        (4, "deadline_in_past", "deadline"),
        (5, "invalid_price", "price_yuan"),
        (6, "skill_not_found", "skills"),
    ]
    assert all(e["message"] for e in report["errors"])
    assert "水下焊接" in report["errors"][3]["message"]
    # Nothing but the two good rows was written.
    assert WorkOrder.objects.count() == 2
    assert WorkOrderEvent.objects.count() == 4  # create + publish for each

    first = WorkOrder.objects.get(external_ref="ERP-1")
    assert first.pk == report["created"][0]
    assert first.channel == WorkOrder.Channel.IMPORT
    assert first.status == WorkOrder.Status.PUBLISHED
    assert first.priority == WorkOrder.Priority.URGENT
    assert first.price_fen == 35050
    assert first.required_role.code == "power_generation"
    assert {s.code for s in first.required_skills.all()} == {"generator", "electrician"}
    # The Excel datetime is Beijing time.
    assert timezone.localtime(first.deadline_at, CHINA).replace(tzinfo=None) == in_days(2)

    second = WorkOrder.objects.get(external_ref="ERP-6")
    assert second.priority == WorkOrder.Priority.NORMAL
    assert second.price_fen == 8000
    assert second.required_role.code == "repair"
    assert [s.code for s in second.required_skills.all()] == ["air_conditioning"]


def test_a_shift_row_without_its_start_is_reported(api, employer):
    owner, org = employer
    data = xlsx_bytes([["HZ-XH-0001", "值守", "值守", "", "", "", in_days(2), 0, "S-1"]])
    report = upload(api(owner), org, "shift.xlsx", data).json()
    assert report["created"] == []
    assert report["errors"][0]["field"] == "earliest_start"


def test_reimport_is_idempotent(api, employer):
    owner, org = employer
    data = xlsx_bytes(mixed_rows())
    first = upload(api(owner), org, "orders.xlsx", data).json()
    events = WorkOrderEvent.objects.count()
    again = upload(api(owner), org, "orders.xlsx", data).json()
    assert again["created"] == []
    assert [(d["line"], d["external_ref"], d["order_id"]) for d in again["duplicates"]] == [
        (2, "ERP-1", first["created"][0]),
        (7, "ERP-6", first["created"][1]),
    ]
    assert [e["line"] for e in again["errors"]] == [3, 4, 5, 6]
    assert WorkOrder.objects.count() == 2
    assert WorkOrderEvent.objects.count() == events


def test_a_reference_repeated_within_one_file_is_a_duplicate(api, employer):
    owner, org = employer
    row = ["HZ-XH-0001", "巡检", "", "", "", "", in_days(2), 10, "SAME"]
    report = upload(api(owner), org, "orders.xlsx", xlsx_bytes([row, row])).json()
    assert len(report["created"]) == 1
    assert report["duplicates"] == [
        {"line": 3, "external_ref": "SAME", "order_id": report["created"][0]}
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(api, employer, encoding):
    owner, org = employer
    headers = ["站址编码", "标题", "技能", "截止时间", "预计时长（分钟）", "价格（元）", "外部编号"]
    rows = [
        ["HZ-XH-0001", "蓄电池核容", "蓄电池维护", text(in_days(4)), 90, "1200.00", "C-1"],
        ["HZ-XH-0001", "光缆熔接", "光缆熔接", "2020/1/1 08:00", 30, "5", "C-2"],
    ]
    resp = upload(api(owner), org, "工单.csv", csv_bytes(rows, headers, encoding), "text/csv")
    assert resp.status_code == 200, resp.content
    report = resp.json()
    assert len(report["created"]) == 1
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(3, "deadline_in_past")]
    order = WorkOrder.objects.get()
    assert order.title == "蓄电池核容"
    assert order.estimated_minutes == 90
    assert order.price_fen == 120000
    assert [s.code for s in order.required_skills.all()] == ["battery_maintenance"]


def test_english_headers_in_any_order_and_unknown_columns_are_listed(api, employer):
    owner, org = employer
    headers = ["deadline", "remark", "title", "site_code", "priority", "role", "skills"]
    rows = [[text(in_days(1)), "x", "Tower check", "HZ-XH-0001", "urgent", "Repair",
             "tower_maintenance;work_at_height"]]  # fmt: skip
    report = upload(
        api(owner), org, "orders.csv", csv_bytes(rows, headers, "utf-8"), "text/csv"
    ).json()
    assert report["errors"] == []
    assert report["ignored_columns"] == ["remark"]
    order = WorkOrder.objects.get()
    assert order.priority == "urgent"
    assert order.required_role.code == "repair"
    assert order.required_skills.count() == 2


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "unsupported_file_type"),
        (
            "orders.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "unsupported_file_type",
        ),
        ("orders.pdf", b"%PDF-1.7 ...", "unsupported_file_type"),
        ("orders.xlsx", b"PK\x03\x04 not really a zip", "bad_spreadsheet"),
        ("orders.csv", b"", "empty_file"),
        ("orders.csv", "标题,截止时间\n巡检,2030-01-01 08:00\n".encode(), "missing_columns"),
    ],
)
def test_a_file_that_cannot_be_read_is_422_and_creates_nothing(api, employer, name, data, code):
    owner, org = employer
    resp = upload(api(owner), org, name, data, "application/octet-stream")
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == code
    assert not WorkOrder.objects.exists()


def test_more_than_5000_rows_refuses_the_whole_file(api, employer):
    owner, org = employer
    rows = [["HZ-XH-0001", f"巡检{i}", text(in_days(2))] for i in range(5_001)]
    data = csv_bytes(rows, ["站址编码", "标题", "截止时间"], "utf-8")
    resp = upload(api(owner), org, "big.csv", data, "text/csv")
    assert resp.status_code == 422
    assert resp.json()["code"] == "too_many_rows"
    assert not WorkOrder.objects.exists()


def test_a_file_over_5_mb_is_refused(api, employer):
    owner, org = employer
    data = b"site_code,title,deadline\n" + b"x" * (5 * 1024 * 1024)
    resp = upload(api(owner), org, "big.csv", data, "text/csv")
    assert resp.status_code == 422
    assert resp.json()["code"] == "file_too_large"


def test_another_organizations_import_is_not_found(api, employer, make_employer):
    _owner, org = employer
    stranger, _other = make_employer()
    resp = upload(api(stranger), org, "orders.xlsx", xlsx_bytes(mixed_rows()))
    assert resp.status_code == 404
    assert resp.json()["code"] == "organization_not_found"
    template = api(stranger).get(f"/organizations/{org.pk}/work-orders/import-template.xlsx")
    assert template.status_code == 404
    assert not WorkOrder.objects.exists()


def test_a_viewer_may_not_import(api, employer, make_worker):
    owner, org = employer
    viewer = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    resp = upload(api(viewer), org, "orders.xlsx", xlsx_bytes(mixed_rows()))
    assert resp.status_code == 403
    assert not WorkOrder.objects.exists()


def test_the_template_has_chinese_headers_and_its_example_row_imports(api, employer):
    owner, org = employer
    resp = api(owner).get(f"/organizations/{org.pk}/work-orders/import-template.xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"] == XLSX
    assert "attachment" in resp["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(resp.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["站址编码", "标题", "描述"]
    assert "外部编号" in headers and "价格(元)" in headers
    assert isinstance(sheet.cell(row=2, column=headers.index("截止时间") + 1).value, datetime)
    assert "填写说明" in workbook.sheetnames

    report = upload(api(owner), org, "模板.xlsx", resp.content).json()
    assert report["errors"] == []
    order = WorkOrder.objects.get(pk=report["created"][0])
    assert order.priority == "urgent"
    assert order.price_fen == 35000
    assert order.required_role.code == "power_generation"
    assert {s.code for s in order.required_skills.all()} == {"generator", "electrician"}


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("12.3", 1230),
        ("12.30", 1230),
        ("12.340", 1234),
        (12.3, 1230),
        (0.1, 10),
        (350, 35000),
        ("¥1,200.50", 120050),
        ("", None),
        (None, None),
    ],
)
def test_yuan_to_fen_is_exact(value, fen):
    assert common.yuan_to_fen(value, field="price_yuan") == fen


@pytest.mark.parametrize("value", ["12.345", 12.345, "-1", "abc", "NaN", "Infinity", "12,5", True])
def test_yuan_to_fen_rejects_bad_prices(value):
    with pytest.raises(ValidationFailed) as exc:
        common.yuan_to_fen(value, field="price_yuan")
    assert exc.value.code in ("invalid_price", "invalid_number")
    assert exc.value.detail["field"] == "price_yuan"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01 18:00", datetime(2026, 12, 1, 18, 0, tzinfo=CHINA)),
        ("2026/12/1 8:05:30", datetime(2026, 12, 1, 8, 5, 30, tzinfo=CHINA)),
        ("2026年12月1日 18:00", datetime(2026, 12, 1, 18, 0, tzinfo=CHINA)),
        ("2026-12-01T10:00:00+00:00", datetime(2026, 12, 1, 18, 0, tzinfo=CHINA)),
        (datetime(2026, 12, 1, 18, 0), datetime(2026, 12, 1, 18, 0, tzinfo=CHINA)),
    ],
)
def test_datetimes_are_beijing_time_unless_they_say_otherwise(value, expected):
    assert common.parse_datetime(value, field="deadline") == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-12-01", "no_time"),
        ("明天", "invalid_datetime"),
        ("2026-13-01 18:00", "invalid_datetime"),
    ],
)
def test_bad_datetimes_are_rejected(value, code):
    with pytest.raises(ValidationFailed) as exc:
        common.parse_datetime(value, field="deadline")
    assert exc.value.code == code


def test_import_service_keeps_good_rows_when_a_row_fails_inside_work_order_create(employer):
    owner, org = employer
    rows = [
        ["HZ-XH-0001", "x" * 200, "", "", "", "", in_days(2), 1, "T-1"],  # title too long
        ["HZ-XH-0001", "好的", "", "", "", "", in_days(2), 1, "T-2"],
    ]
    file = SimpleUploadedFile("o.xlsx", xlsx_bytes(rows))
    report = spreadsheet.work_order_import(
        actor=owner, organization=org, file=file, create=workflows.work_order_create
    )
    assert [(e["line"], e["field"]) for e in report.errors] == [(2, "title")]
    assert WorkOrder.objects.get().external_ref == "T-2"


# --- REST channel ------------------------------------------------------------------------------


def order_body(**fields):
    body = {
        "external_ref": "CRM-2026-0001",
        "site_code": "HZ-XH-0001",
        "title": "基站巡检",
        "deadline_at": text(in_days(3)).replace(" ", "T"),
        "priority": "normal",
        "required_role": "日常维护人员",
        "required_skills": ["bts_maintenance"],
        "price_fen": 15000,
    }
    body.update(fields)
    return body


def test_api_channel_is_idempotent_on_external_ref(api, employer):
    owner, org = employer
    client = api(owner)
    url = f"/organizations/{org.pk}/work-orders/external"
    first = client.post(url, order_body())
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    again = client.post(url, order_body())
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    # Different fields, same reference: still the first order, unchanged.
    changed = client.post(url, order_body(title="改过的标题", price_fen=99999))
    assert changed.status_code == 200
    assert changed.json()["id"] == first.json()["id"]
    order = WorkOrder.objects.get()
    assert (order.title, order.price_fen) == ("基站巡检", 15000)
    assert order.channel == WorkOrder.Channel.API
    assert order.required_role.code == "daily_maintenance"
    assert [s.code for s in order.required_skills.all()] == ["bts_maintenance"]
    # Naive times are Beijing time.
    assert timezone.localtime(order.deadline_at, CHINA).replace(tzinfo=None) == in_days(3)


def test_api_channel_accepts_site_id_and_rejects_bad_fields(api, employer):
    owner, org = employer
    client = api(owner)
    url = f"/organizations/{org.pk}/work-orders/external"
    site = org.sites.get()
    by_id = client.post(url, order_body(site_code=None, site_id=site.pk, external_ref="B-1"))
    assert by_id.status_code == 201
    unknown = client.post(url, order_body(site_code="NOPE", external_ref="B-2"))
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "site_not_found"
    past = client.post(url, order_body(deadline_at="2020-01-01T08:00:00", external_ref="B-3"))
    assert past.json()["code"] == "deadline_in_past"
    no_ref = client.post(url, order_body(external_ref=""))
    assert no_ref.status_code == 422
    assert WorkOrder.objects.count() == 1


def test_api_channel_of_another_organization_is_not_found(api, employer, make_employer):
    _owner, org = employer
    stranger, _other = make_employer()
    resp = api(stranger).post(f"/organizations/{org.pk}/work-orders/external", order_body())
    assert resp.status_code == 404
    assert not WorkOrder.objects.exists()


# --- alarm webhook -----------------------------------------------------------------------------


@pytest.fixture
def monitoring(api, employer):
    """An organization with a 市电停电 rule and an integration key for its monitoring system."""
    owner, org = employer
    client = api(owner)
    rule = client.post(
        f"/organizations/{org.pk}/alarm-rules",
        {
            "alarm_type": "mains_power_failure",
            "name": "市电停电",
            "title_template": "{alarm_name}发电：{site_name}",
            "priority": "urgent",
            "required_role": "power_generation",
            "required_skills": ["generator", "电工作业"],
            "deadline_minutes": 120,
            "estimated_minutes": 240,
            "price_fen": 30000,
            "base_points": 30,
        },
    )
    assert rule.status_code == 201, rule.content
    key = client.post(f"/organizations/{org.pk}/integration-keys", {"name": "动环监控"})
    assert key.status_code == 201, key.content
    return {"owner": owner, "org": org, "key": key.json(), "client": client}


def alarm(**fields):
    body = {
        "alarm_id": "A-1001",
        "alarm_type": "mains_power_failure",
        "site_code": "HZ-XH-0001",
        "occurred_at": timezone.now().isoformat(),
        "state": "raised",
        "message": "市电输入电压 0V",
    }
    body.update(fields)
    return body


def send(api, key, body, *, timestamp=None, secret=None, key_id=None):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = alarms.signature_for(secret=secret or key["secret"], timestamp=ts, body=raw)
    return api().client.post(
        f"/api/v1/hooks/alarms/{key_id or key['key_id']}",
        raw,
        content_type="application/json",
        headers={"X-Xinghuo-Timestamp": ts, "X-Xinghuo-Signature": signature},
    )


def test_signed_alarm_creates_an_urgent_order_with_the_rules_skills(api, monitoring):
    resp = send(api, monitoring["key"], alarm())
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["outcome"] == "created"
    assert body["duplicate"] is False
    assert body["alarm_count"] == 1
    order = WorkOrder.objects.get(pk=body["order_id"])
    assert order.channel == WorkOrder.Channel.ALARM
    assert order.external_ref == "A-1001"
    assert order.alarm_type == "mains_power_failure"
    assert order.alarm_count == 1
    assert order.priority == WorkOrder.Priority.URGENT
    assert order.status == WorkOrder.Status.PUBLISHED
    assert order.title == "市电停电发电：HZ-XH-0001铁塔站"
    assert order.required_role.code == "power_generation"
    assert {s.code for s in order.required_skills.all()} == {"generator", "electrician"}
    assert order.price_fen == 30000
    assert timedelta(minutes=119) < order.deadline_at - timezone.now() <= timedelta(minutes=120)
    event = AlarmEvent.objects.get()
    assert (event.order, event.outcome, event.state) == (order, "created", "raised")


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "not-the-secret"},
        {"key_id": "xhk_unknown"},
    ],
)
def test_bad_signature_or_unknown_key_is_401_and_creates_nothing(api, monitoring, tamper):
    resp = send(api, monitoring["key"], alarm(), **tamper)
    assert resp.status_code == 401
    assert resp.json()["code"] == "bad_signature"
    assert not WorkOrder.objects.exists()
    assert not AlarmEvent.objects.exists()


def test_unsigned_and_tampered_bodies_are_refused(api, monitoring):
    key = monitoring["key"]
    raw = json.dumps(alarm()).encode()
    ts = str(int(time.time()))
    good = alarms.signature_for(secret=key["secret"], timestamp=ts, body=raw)
    url = f"/api/v1/hooks/alarms/{key['key_id']}"
    client = api().client
    unsigned = client.post(url, raw, content_type="application/json")
    tampered = client.post(
        url,
        raw.replace(b"A-1001", b"A-1002"),
        content_type="application/json",
        headers={"X-Xinghuo-Timestamp": ts, "X-Xinghuo-Signature": good},
    )
    other_time = client.post(
        url,
        raw,
        content_type="application/json",
        headers={"X-Xinghuo-Timestamp": str(int(ts) + 1), "X-Xinghuo-Signature": good},
    )
    for resp in (unsigned, tampered, other_time):
        assert resp.status_code == 401
        assert resp.json()["code"] == "bad_signature"
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("offset", [-301, 301])
def test_stale_timestamp_is_401_and_creates_nothing(api, monitoring, offset):
    resp = send(api, monitoring["key"], alarm(), timestamp=int(time.time()) + offset)
    assert resp.status_code == 401
    assert resp.json()["code"] == "stale_timestamp"
    assert not WorkOrder.objects.exists()
    assert not AlarmEvent.objects.exists()


def test_a_revoked_key_is_refused(api, monitoring):
    org, key = monitoring["org"], monitoring["key"]
    revoked = monitoring["client"].post(
        f"/organizations/{org.pk}/integration-keys/{key['key_id']}/revoke"
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    resp = send(api, key, alarm())
    assert resp.status_code == 401
    assert resp.json()["code"] == "bad_signature"


def test_second_alarm_at_the_same_site_is_merged_into_the_open_order(api, monitoring):
    key = monitoring["key"]
    first = send(api, key, alarm()).json()
    second = send(api, key, alarm(alarm_id="A-1002", message="再次停电")).json()
    assert second["outcome"] == "merged"
    assert second["order_id"] == first["order_id"]
    assert second["alarm_count"] == 2
    order = WorkOrder.objects.get()
    assert order.alarm_count == 2
    merged = order.events.get(type="alarm_merged")
    assert merged.data["alarm_id"] == "A-1002"
    assert merged.note == "再次停电"
    assert merged.from_status == merged.to_status == WorkOrder.Status.PUBLISHED


def test_the_same_alarm_twice_is_counted_once(api, monitoring):
    key = monitoring["key"]
    first = send(api, key, alarm()).json()
    again = send(api, key, alarm())
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["order_id"] == first["order_id"]
    assert WorkOrder.objects.get().alarm_count == 1
    assert not WorkOrderEvent.objects.filter(type="alarm_merged").exists()
    assert AlarmEvent.objects.count() == 1


def test_a_cleared_alarm_is_recorded_on_its_order(api, monitoring):
    key = monitoring["key"]
    order_id = send(api, key, alarm()).json()["order_id"]
    cleared_at = timezone.now().replace(microsecond=0)
    clear = send(api, key, alarm(state="cleared", occurred_at=cleared_at.isoformat()))
    assert clear.status_code == 200
    assert clear.json()["outcome"] == "cleared"
    assert clear.json()["order_id"] == order_id
    order = WorkOrder.objects.get()
    assert order.alarm_cleared_at == cleared_at
    assert order.status == WorkOrder.Status.PUBLISHED
    assert order.events.filter(type="alarm_cleared").count() == 1
    again = send(api, key, alarm(state="cleared", occurred_at=cleared_at.isoformat())).json()
    assert again["duplicate"] is True
    assert order.events.filter(type="alarm_cleared").count() == 1


def test_a_new_alarm_after_the_order_is_closed_makes_a_new_order(api, monitoring):
    key, owner, org = monitoring["key"], monitoring["owner"], monitoring["org"]
    first = send(api, key, alarm()).json()["order_id"]
    workflows.work_order_cancel(actor=owner, organization=org, order_id=first, reason="误报")
    second = send(api, key, alarm(alarm_id="A-2001")).json()
    assert second["outcome"] == "created"
    assert second["order_id"] != first
    # A late clearance of the first alarm still goes to the order it raised.
    clear = send(api, key, alarm(state="cleared")).json()
    assert clear["order_id"] == first


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"alarm_type": "door_open"}, "unknown_alarm_type"),
        ({"site_code": "HZ-XH-9999"}, "site_not_found"),
        ({"state": "flapping"}, "validation_error"),
        ({"occurred_at": "yesterday"}, "validation_error"),
    ],
)
def test_unknown_alarm_type_or_site_is_422_and_records_nothing(api, monitoring, fields, code):
    resp = send(api, monitoring["key"], alarm(**fields))
    assert resp.status_code == 422, resp.content
    assert resp.json()["code"] == code
    assert not WorkOrder.objects.exists()
    assert not AlarmEvent.objects.exists()


def test_a_malformed_body_with_a_good_signature_is_422(api, monitoring):
    resp = send(api, monitoring["key"], b"{not json")
    assert resp.status_code == 422
    assert resp.json()["code"] == "validation_error"


def test_the_secret_is_shown_once_only(api, monitoring):
    org, key = monitoring["org"], monitoring["key"]
    assert len(key["secret"]) == 64
    assert key["webhook_path"].endswith(key["key_id"])
    listed = monitoring["client"].get(f"/organizations/{org.pk}/integration-keys").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert key["secret"] not in json.dumps(listed)


def test_alarm_rules_are_listed_and_unique_per_type(api, monitoring):
    org, client = monitoring["org"], monitoring["client"]
    rules = client.get(f"/organizations/{org.pk}/alarm-rules").json()
    assert rules["count"] == 1
    rule = rules["items"][0]
    assert rule["required_role"] == "power_generation"
    assert sorted(rule["required_skills"]) == ["electrician", "generator"]
    dup = client.post(
        f"/organizations/{org.pk}/alarm-rules",
        {"alarm_type": "mains_power_failure", "name": "重复", "deadline_minutes": 60},
    )
    assert dup.status_code == 409
    assert dup.json()["code"] == "alarm_rule_exists"
    bad_skill = client.post(
        f"/organizations/{org.pk}/alarm-rules",
        {"alarm_type": "smoke", "name": "烟感", "deadline_minutes": 60, "required_skills": ["x"]},
    )
    assert bad_skill.status_code == 422
    assert bad_skill.json()["code"] == "skill_not_found"


def test_a_dispatcher_may_not_manage_integration_keys(api, employer, make_worker):
    owner, org = employer
    dispatcher = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=dispatcher.phone, role="dispatcher"
    )
    resp = api(dispatcher).post(f"/organizations/{org.pk}/integration-keys", {})
    assert resp.status_code == 403


def test_an_alarm_is_scoped_to_the_keys_organization(api, monitoring, make_employer):
    # Another organization with a site of the same code and the same rule: the key decides.
    _owner_b, org_b = make_employer()
    make_site(org_b)
    send(api, monitoring["key"], alarm())
    assert WorkOrder.objects.get().organization == monitoring["org"]


def test_alarm_receive_service_is_idempotent_without_http(monitoring):
    org = monitoring["org"]
    message = alarms.Alarm(
        alarm_id="S-1",
        alarm_type="mains_power_failure",
        site_code="HZ-XH-0001",
        occurred_at=datetime(2026, 1, 1, 8, 0),  # naive: Beijing time
        state="raised",
    )
    first = alarms.alarm_receive(
        organization=org, alarm=message, create=workflows.work_order_create
    )
    second = alarms.alarm_receive(
        organization=org, alarm=message, create=workflows.work_order_create
    )
    assert first.order == second.order
    assert (first.duplicate, second.duplicate) == (False, True)
    assert AlarmEvent.objects.get().occurred_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


def test_roles_and_skills_resolve_by_code_or_name(employer):
    _owner, org = employer
    catalogue = common.Catalogue.load(organization=org)
    assert catalogue.role_id("发电人员") == Role.objects.get(code="power_generation").pk
    assert catalogue.skill_ids("油机发电、electrician，Welding;登高作业") == [
        Skill.objects.get(code=c).pk
        for c in ("generator", "electrician", "welding", "work_at_height")
    ]


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


def run_concurrently(calls):
    """Run the callables at once in threads; their results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locking under real concurrency is tested on PostgreSQL (CI runs it)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_alarms_at_one_site_make_one_order(make_employer, hangzhou):
    needs_postgresql()
    owner, org = make_employer()
    make_site(org)
    alarms.alarm_rule_create(
        actor=owner, organization=org, alarm_type="mains_power_failure", name="市电停电",
        deadline_minutes=120,
    )  # fmt: skip

    def raise_alarm(alarm_id):
        return lambda: alarms.alarm_receive(
            organization=org,
            create=workflows.work_order_create,
            alarm=alarms.Alarm(
                alarm_id=alarm_id,
                alarm_type="mains_power_failure",
                site_code="HZ-XH-0001",
                occurred_at=timezone.now(),
                state="raised",
            ),
        )

    # Ten different alarms and, among them, five copies of one alarm.
    calls = [raise_alarm(f"C-{i}") for i in range(10)] + [raise_alarm("C-0")] * 4
    results = run_concurrently(calls)
    assert all(isinstance(r, alarms.AlarmResult) for r in results), results
    order = WorkOrder.objects.get()
    assert order.alarm_count == 10
    assert order.events.filter(type="alarm_merged").count() == 9
    assert AlarmEvent.objects.count() == 10
    assert sum(r.duplicate for r in results) == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_calls_with_one_reference_make_one_order(make_employer, hangzhou):
    needs_postgresql()
    owner, org = make_employer()
    make_site(org)
    order = external.ExternalOrder(
        external_ref="RACE-1",
        site_code="HZ-XH-0001",
        title="并发",
        deadline_at=timezone.now() + timedelta(days=1),
    )
    results = run_concurrently(
        [
            lambda: external.work_order_create_external(
                actor=owner, organization=org, order=order, create=workflows.work_order_create
            )
        ]
        * 8
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.order.pk for r in results}) == 1
    assert WorkOrder.objects.count() == 1


# The admin of this module's models on a site of its own, so the test does not depend on
# when work_orders.admin imports admin_channels (admin.site's URLs are built once).
channels_admin_site = AdminSite(name="channels_admin")
for _model, _model_admin in admin_channels.admin.site._registry.items():
    if _model in (AlarmRule, AlarmEvent, IntegrationKey):
        channels_admin_site.register(_model, type(_model_admin))
urlpatterns = [path("admin/", channels_admin_site.urls)]


@override_settings(ROOT_URLCONF=__name__)
def test_the_admin_never_shows_an_integration_secret(monitoring, operator):
    operator.is_superuser = True
    operator.save(update_fields=["is_superuser"])
    key = IntegrationKey.objects.get()
    alarms.alarm_receive(
        organization=monitoring["org"],
        create=workflows.work_order_create,
        alarm=alarms.Alarm(
            alarm_id="ADM-1",
            alarm_type="mains_power_failure",
            site_code="HZ-XH-0001",
            occurred_at=timezone.now(),
            state="raised",
        ),
        integration_key=key,
    )
    client = Client()
    client.force_login(operator)
    pages = [
        "/admin/work_orders/integrationkey/",
        f"/admin/work_orders/integrationkey/{key.pk}/change/",
        "/admin/work_orders/alarmevent/",
        f"/admin/work_orders/alarmevent/{AlarmEvent.objects.get().pk}/change/",
        "/admin/work_orders/alarmrule/",
        f"/admin/work_orders/alarmrule/{AlarmRule.objects.get().pk}/change/",
    ]
    for page in pages:
        resp = client.get(page)
        assert resp.status_code == 200, page
        assert monitoring["key"]["secret"] not in resp.content.decode()
    assert client.get("/admin/work_orders/integrationkey/add/").status_code == 403
