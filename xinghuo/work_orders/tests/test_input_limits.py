from __future__ import annotations

import pytest

from xinghuo.work_orders.models import WorkOrder
from xinghuo.work_orders.tests.test_api import deliver, grab_and_arrive, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_delivery_note_over_5000_characters_is_refused_not_cut(world):  # noqa: F811
    grab_and_arrive(world)
    resp = deliver(world, note="修" * 200_000)
    assert resp.status_code == 422, resp.content[:300]
    assert resp.json()["code"] in ("validation_error", "too_long")
    order = WorkOrder.objects.get(pk=world["order"].pk)
    assert order.status == "on_site" and order.delivery_note == ""


def test_a_delivery_note_of_5000_characters_is_kept_whole(world):  # noqa: F811
    grab_and_arrive(world)
    assert deliver(world, note="修" * 5000).status_code == 200
    assert WorkOrder.objects.get(pk=world["order"].pk).delivery_note == "修" * 5000
