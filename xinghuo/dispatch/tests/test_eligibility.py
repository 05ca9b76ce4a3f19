"""The visibility matrix: a worker who may not take an order cannot see it either."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from xinghuo.dispatch import selectors
from xinghuo.regions import services as region_services
from xinghuo.workforce import services as workforce_services
from xinghuo.workforce.models import Role, Skill, WorkerSkill

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def certify(worker, skill_code, *, until_days=365):
    skill = Skill.objects.get(code=skill_code)
    ws, _ = WorkerSkill.objects.get_or_create(worker=worker, skill=skill)
    ws.valid_from = today() - timedelta(days=30)
    ws.valid_until = today() + timedelta(days=until_days)
    ws.save()


@pytest.fixture
def generator_order(make_employer, make_order):
    owner, org = make_employer()
    role = Role.objects.get(code="power_generation")
    skills = list(
        Skill.objects.filter(code__in=["generator", "bts_maintenance"]).values_list("pk", flat=True)
    )
    order = make_order(
        owner=owner,
        organization=org,
        title="市电停电油机发电",
        priority="urgent",
        required_role_id=role.pk,
        required_skill_ids=skills,
    )
    return owner, org, order


@pytest.fixture
def fit_worker(make_eligible_worker):
    """Holds the role and both skills (generator certified, bts uncertified)."""
    worker = make_eligible_worker(role_id=Role.objects.get(code="power_generation").pk)
    workforce_services.worker_set_skills(
        worker=worker,
        skill_ids=Skill.objects.filter(code__in=["generator", "bts_maintenance"]).values_list(
            "pk", flat=True
        ),
    )
    certify(worker, "generator")
    return worker


def spoil(worker, how, hangzhou):
    if how == "outside_region":
        zj = hangzhou["province"]
        other = region_services.region_create(code="330200", name="宁波市", level=2, parent=zj)
        workforce_services.worker_set_areas(worker=worker, region_ids=[other.pk])
    elif how == "wrong_role":
        worker.role = Role.objects.get(code="repair")
        worker.save()
    elif how == "missing_skill":
        WorkerSkill.objects.filter(worker=worker, skill__code="bts_maintenance").delete()
    elif how == "expired_certificate":
        WorkerSkill.objects.filter(worker=worker, skill__code="generator").update(
            valid_until=today() - timedelta(days=1)
        )
    elif how == "never_certified":
        WorkerSkill.objects.filter(worker=worker, skill__code="generator").update(
            valid_from=None, valid_until=None
        )
    elif how == "inactive":
        worker.is_active = False
        worker.save()


def test_a_fit_worker_sees_takes_the_order(api, generator_order, fit_worker):
    _owner, _org, order = generator_order
    client = api(fit_worker.user)
    hall = client.get("/workers/me/order-hall").json()
    assert [r["order"]["id"] for r in hall] == [order.pk]
    assert client.get(f"/work-orders/{order.pk}").status_code == 200
    assert client.post(f"/work-orders/{order.pk}/grab").status_code == 200


@pytest.mark.parametrize(
    "how",
    [
        "outside_region",
        "wrong_role",
        "missing_skill",
        "expired_certificate",
        "never_certified",
        "inactive",
    ],
)
def test_an_ineligible_worker_gets_404_everywhere_like_a_missing_order(
    api, generator_order, fit_worker, hangzhou, how
):
    _owner, _org, order = generator_order
    spoil(fit_worker, how, hangzhou)
    client = api(fit_worker.user)
    assert client.get("/workers/me/order-hall").json() == []
    missing = client.get("/work-orders/999999")
    for resp in (
        client.get(f"/work-orders/{order.pk}"),
        client.post(f"/work-orders/{order.pk}/grab"),
        client.post(f"/work-orders/{order.pk}/check-in", {"lat": 30.26, "lng": 120.10}),
        client.post(f"/work-orders/{order.pk}/depart", {}),
    ):
        assert resp.status_code == 404
        assert resp.json() == missing.json()
    order.refresh_from_db()
    assert order.status == "published" and order.worker_id is None


def test_a_grid_member_sees_orders_in_his_grid_only(api, generator_order, fit_worker, hangzhou):
    _owner, _org, order = generator_order
    workforce_services.worker_set_areas(
        worker=fit_worker, region_ids=[], grid_ids=[hangzhou["south_west"].pk]
    )
    assert api(fit_worker.user).get(f"/work-orders/{order.pk}").status_code == 404
    workforce_services.worker_set_areas(
        worker=fit_worker, region_ids=[], grid_ids=[hangzhou["north"].pk]
    )
    assert api(fit_worker.user).get(f"/work-orders/{order.pk}").status_code == 200


def test_a_certificate_stops_counting_the_day_after_it_expires(generator_order, fit_worker):
    _owner, _org, order = generator_order
    WorkerSkill.objects.filter(worker=fit_worker, skill__code="generator").update(
        valid_until=today()
    )
    assert selectors.worker_is_eligible(worker=fit_worker, order=order, on=today())
    assert not selectors.worker_is_eligible(
        worker=fit_worker, order=order, on=today() + timedelta(days=1)
    )


def test_the_two_directions_of_the_rule_agree(
    make_employer, make_order, make_eligible_worker, hangzhou
):
    """orders_eligible_for_worker and workers_eligible_for_order are the same relation
    (paid and unpaid orders, cleared and uncleared workers)."""
    rng = random.Random(7)
    owner, org = make_employer()
    roles = list(Role.objects.filter(organization__isnull=True))
    skills = list(Skill.objects.all())
    sites = [(30.26, 120.10), (30.18, 120.07), (30.18, 120.13)]  # north grid, south-west, no grid
    orders = []
    for i in range(12):
        lat, lng = rng.choice(sites)
        orders.append(
            make_order(
                owner=owner,
                organization=org,
                lat=lat,
                lng=lng,
                title=f"单{i}",
                required_role_id=rng.choice([None, *[r.pk for r in roles[:3]]]),
                required_skill_ids=[s.pk for s in rng.sample(skills, rng.randint(0, 2))],
                price_fen=rng.choice([0, 12_000, 30_000]),
            )
        )
    workers = []
    for _ in range(15):
        w = make_eligible_worker(role_id=rng.choice(roles[:3]).pk, cleared=rng.random() < 0.7)
        areas = rng.choice([[hangzhou["district"].pk], [hangzhou["city"].pk], []])
        grids = rng.choice([[], [hangzhou["north"].pk]])
        workforce_services.worker_set_areas(worker=w, region_ids=areas, grid_ids=grids)
        chosen = rng.sample(skills, rng.randint(0, 4))
        workforce_services.worker_set_skills(worker=w, skill_ids=[s.pk for s in chosen])
        for s in chosen:
            if s.requires_certification and rng.random() < 0.7:
                certify(w, s.code, until_days=rng.choice([-5, 0, 200]))
        w.is_active = rng.random() > 0.1
        w.save()
        workers.append(w)
    by_worker = {
        (w.pk, o_pk)
        for w in workers
        for o_pk in selectors.orders_eligible_for_worker(worker=w).values_list("pk", flat=True)
    }
    by_order = {
        (w_pk, o.pk)
        for o in orders
        for w_pk in selectors.workers_eligible_for_order(order=o).values_list("pk", flat=True)
    }
    assert by_worker == by_order
    assert by_worker  # the random world has some matches…
    assert len(by_worker) < len(workers) * len(orders)  # …and some refusals


def test_recommendation_ranks_urgent_and_near_first_with_a_points_preview(
    api, make_employer, make_order, make_eligible_worker
):
    owner, org = make_employer()
    far = make_order(
        owner=owner, organization=org, lat=30.29, lng=120.14, title="远", base_points=20
    )
    near = make_order(owner=owner, organization=org, title="近", base_points=20)
    urgent_far = make_order(
        owner=owner, organization=org, lat=30.29, lng=120.14, title="急", priority="urgent"
    )
    worker = make_eligible_worker()
    hall = api(worker.user).get("/workers/me/order-hall").json()
    assert [r["order"]["id"] for r in hall] == [urgent_far.pk, near.pk, far.pk]
    assert hall[1]["distance_m"] < 50
    # Default rule: on time × rating 5 (1.2) × region 1 → 20 × 1.2 = 24 points.
    assert hall[1]["preview_points"] == 24
    assert hall[1]["preview_pay_fen"] == near.price_fen
