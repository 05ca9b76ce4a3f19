"""The publishing gate: an employer publishes paid orders only once verified (企业认证),
through every channel (console, API, spreadsheet, external system, alarms)."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinghuo.core.exceptions import PermissionDenied
from xinghuo.identity.services import employer as services_employer
from xinghuo.regions import services as region_services
from xinghuo.work_orders import services as order_services
from xinghuo.work_orders.channels import alarms, external, spreadsheet
from xinghuo.work_orders.models import AlarmRule, WorkOrder
from xinghuo.workflows import services as workflows

from .employer import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(make_employer, hangzhou):  # type: ignore[no-untyped-def]
    owner, org = make_employer(verified=False)
    site = region_services.site_create(
        organization=org, code="HZ-XH-0001", name="文三路铁塔站", lat=30.26, lng=120.10
    )
    return owner, org, site


def draft(site, **fields):  # type: ignore[no-untyped-def]
    return order_services.OrderDraft(
        site_id=site.pk,
        title="基站巡检",
        deadline_at=timezone.now() + timedelta(hours=8),
        **{"price_fen": 20_000, **fields},
    )


def test_an_unverified_employer_cannot_publish_a_paid_order(unverified) -> None:  # type: ignore[no-untyped-def]
    owner, org, site = unverified
    with pytest.raises(PermissionDenied) as exc:
        workflows.work_order_create(actor=owner, organization=org, draft=draft(site))
    assert exc.value.code == "employer_not_verified"
    assert not WorkOrder.objects.exists()


def test_drafts_and_unpaid_orders_need_no_verification(unverified) -> None:  # type: ignore[no-untyped-def]
    owner, org, site = unverified
    saved = workflows.work_order_create(
        actor=owner, organization=org, draft=draft(site), publish=False
    ).order
    assert saved.status == WorkOrder.Status.DRAFT
    unpaid = workflows.work_order_create(
        actor=owner, organization=org, draft=draft(site, price_fen=0)
    ).order
    assert unpaid.status == WorkOrder.Status.PUBLISHED


def test_a_saved_draft_is_published_once_the_employer_is_verified(unverified, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org, site = unverified
    order = workflows.work_order_create(
        actor=owner, organization=org, draft=draft(site), publish=False
    ).order
    with pytest.raises(PermissionDenied) as exc:
        workflows.work_order_publish(actor=owner, organization=org, order_id=order.pk)
    assert exc.value.code == "employer_not_verified"
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.DRAFT

    v = submit(owner, org)
    with pytest.raises(PermissionDenied):  # submitted is not verified
        workflows.work_order_publish(actor=owner, organization=org, order_id=order.pk)
    services_employer.employer_verification_approve(reviewer=operator, verification_id=v.pk)
    published = workflows.work_order_publish(actor=owner, organization=org, order_id=order.pk)
    assert published.status == WorkOrder.Status.PUBLISHED


def test_a_rejected_employer_stays_blocked(unverified, operator) -> None:  # type: ignore[no-untyped-def]
    owner, org, site = unverified
    v = submit(owner, org)
    services_employer.employer_verification_reject(
        reviewer=operator, verification_id=v.pk, reason="执照过期"
    )
    with pytest.raises(PermissionDenied):
        workflows.work_order_create(actor=owner, organization=org, draft=draft(site))


def test_the_api_answers_403_with_the_code_and_a_message(api, unverified) -> None:  # type: ignore[no-untyped-def]
    owner, org, site = unverified
    body = {
        "site_id": site.pk,
        "title": "基站巡检",
        "deadline_at": (timezone.now() + timedelta(hours=8)).isoformat(),
        "price_fen": 20_000,
    }
    resp = api(owner, language="en").post(f"/organizations/{org.pk}/work-orders", body)
    assert resp.status_code == 403, resp.content
    assert resp.json()["code"] == "employer_not_verified"
    assert "verification" in resp.json()["message"]
    resp = api(owner).post(f"/organizations/{org.pk}/work-orders", body | {"publish": False})
    assert resp.status_code == 201 and resp.json()["status"] == "draft"


def test_the_spreadsheet_import_reports_paid_rows_of_an_unverified_employer(unverified) -> None:  # type: ignore[no-untyped-def]
    owner, org, _site = unverified
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["站址编码", "标题", "截止时间", "价格(元)", "外部编号"])
    deadline = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    sheet.append(["HZ-XH-0001", "付费巡检", deadline, 120, "X-1"])
    sheet.append(["HZ-XH-0001", "免费巡检", deadline, 0, "X-2"])
    buf = io.BytesIO()
    workbook.save(buf)
    report = spreadsheet.work_order_import(
        actor=owner,
        organization=org,
        file=SimpleUploadedFile("o.xlsx", buf.getvalue()),
        create=workflows.work_order_create,
    )
    assert [(e["line"], e["code"]) for e in report.errors] == [(2, "employer_not_verified")]
    assert list(WorkOrder.objects.values_list("external_ref", flat=True)) == ["X-2"]


def test_the_external_channel_goes_through_the_gate(unverified) -> None:  # type: ignore[no-untyped-def]
    owner, org, _site = unverified
    order = external.ExternalOrder(
        external_ref="CRM-1",
        site_code="HZ-XH-0001",
        title="基站巡检",
        deadline_at=timezone.now() + timedelta(days=1),
        price_fen=15_000,
    )
    with pytest.raises(PermissionDenied) as exc:
        external.work_order_create_external(
            actor=owner, organization=org, order=order, create=workflows.work_order_create
        )
    assert exc.value.code == "employer_not_verified"
    assert not WorkOrder.objects.exists()


def test_an_unverified_employer_cannot_make_a_paid_alarm_rule(unverified) -> None:  # type: ignore[no-untyped-def]
    """Refused when the rule is made, not when an alarm comes in the night."""
    owner, org, _site = unverified
    rule = {
        "actor": owner,
        "organization": org,
        "alarm_type": "mains_power_failure",
        "name": "市电停电",
        "deadline_minutes": 120,
    }
    with pytest.raises(PermissionDenied) as exc:
        alarms.alarm_rule_create(**rule, price_fen=30_000)
    assert exc.value.code == "employer_not_verified"
    assert not AlarmRule.objects.exists()
    # An unpaid rule is fine, and its alarms make unpaid orders.
    alarms.alarm_rule_create(**rule, price_fen=0)
    message = alarms.Alarm(
        alarm_id="A-1",
        alarm_type="mains_power_failure",
        site_code="HZ-XH-0001",
        occurred_at=timezone.now(),
        state="raised",
    )
    alarms.alarm_receive(organization=org, alarm=message, create=workflows.work_order_create)
    order = WorkOrder.objects.get()
    assert order.price_fen == 0 and order.status == WorkOrder.Status.PUBLISHED
