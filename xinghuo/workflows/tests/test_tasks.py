"""The periodic jobs: beat names tasks that exist, and the order sweep runs as a task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from xinghuo.settlement.models import Transfer
from xinghuo.work_orders.models import WorkOrder
from xinghuo.workflows import tasks


def test_every_task_of_the_beat_schedule_is_registered():
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "workflows.work_orders_sweep" in names
    assert [name for name in names if name not in app.tasks] == []


@pytest.mark.django_db
def test_the_order_sweep_task_expires_and_releases(make_employer, make_order):
    owner, org = make_employer()
    order = make_order(
        owner=owner,
        organization=org,
        price_fen=5_000,
        deadline_at=timezone.now() + timedelta(seconds=1),
    )
    WorkOrder.objects.filter(pk=order.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    assert tasks.sweep_work_orders.delay().get()["expired"] == 1
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.EXPIRED
    assert Transfer.objects.filter(key=f"release:{order.pk}").exists()
