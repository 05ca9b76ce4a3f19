from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinghuo.dispatch import points
from xinghuo.dispatch.models import PointsRule, RegionCoefficient

D = Decimal


@pytest.mark.parametrize(
    ("base", "efficiency", "quality", "region", "expected"),
    [
        (10, "1.00", "1.00", "1.00", 10),
        (10, "1.20", "1.20", "1.00", 14),  # 14.4
        (10, "0.60", "0.20", "1.00", 1),  # 1.2
        (25, "1.00", "0.50", "1.00", 13),  # 12.5 rounds half up
        (10, "1.00", "1.00", "1.50", 15),
        (0, "1.20", "1.20", "2.00", 0),
        (37, "0.60", "0.80", "1.30", 23),  # 23.088
    ],
)
def test_points_table(base, efficiency, quality, region, expected):
    result = points.compute(
        base_points=base, efficiency=D(efficiency), quality=D(quality), region=D(region)
    )
    assert result.points == expected


@given(
    base=st.integers(min_value=0, max_value=10_000),
    low=st.integers(min_value=1, max_value=5),
    high=st.integers(min_value=1, max_value=5),
)
def test_a_better_rating_never_earns_fewer_points(base, low, high):
    rule = PointsRule()
    low, high = sorted((low, high))
    pts = [
        points.compute(
            base_points=base,
            efficiency=rule.on_time_factor,
            quality=points.quality_factor(rule=rule, rating=r),
            region=D("1"),
        ).points
        for r in (low, high)
    ]
    assert pts[0] <= pts[1]


@pytest.mark.django_db
def test_efficiency_early_on_time_late(make_employer, make_order):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org)
    order.assigned_at = order.deadline_at - timedelta(hours=10)
    rule = PointsRule()
    early = order.assigned_at + timedelta(hours=5)  # exactly half the time: early
    on_time = order.deadline_at
    late = order.deadline_at + timedelta(seconds=1)
    assert points.efficiency_factor(rule=rule, order=order, delivered_at=early) == D("1.20")
    assert points.efficiency_factor(rule=rule, order=order, delivered_at=on_time) == D("1.00")
    assert points.efficiency_factor(rule=rule, order=order, delivered_at=late) == D("0.60")


@pytest.mark.django_db
def test_region_coefficient_comes_from_the_nearest_region_that_has_one(
    make_employer, make_order, hangzhou
):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, base_points=20)
    assert points.preview(order=order).points == 24  # 20 × 1.0 × 1.2 × 1
    RegionCoefficient.objects.create(
        organization=org, region=hangzhou["city"], coefficient=D("1.5")
    )
    assert points.preview(order=order).points == 36
    RegionCoefficient.objects.create(
        organization=org, region=hangzhou["district"], coefficient=D("0.8")
    )
    assert points.preview(order=order).points == 19  # 19.2
    # Another employer's coefficients do not apply.
    other_owner, other_org = make_employer()
    other = make_order(owner=other_owner, organization=other_org, base_points=20)
    assert points.preview(order=other).points == 24


@pytest.mark.django_db
def test_an_employer_rule_changes_the_preview_and_the_award_alike(make_employer, make_order):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, base_points=10)
    PointsRule.objects.create(
        organization=org, on_time_factor=D("2.00"), quality_factors={"5": "1.50"}
    )
    preview = points.preview(order=order)
    award = points.for_order(order=order, delivered_at=order.deadline_at, rating=5)
    assert preview == award
    assert preview.points == 30


@pytest.mark.django_db
def test_employer_sets_its_points_rule_over_the_api(api, make_employer, make_worker, make_order):
    owner, org = make_employer()
    client = api(owner)
    default = client.get(f"/organizations/{org.pk}/points-rule").json()
    assert default["on_time_factor"] == "1.00"
    body = {
        "early_factor": "1.50",
        "early_share": "0.30",
        "on_time_factor": "1.10",
        "late_factor": "0.50",
        "quality_factors": {"1": "0.10", "2": "0.40", "3": "0.80", "4": "1.00", "5": "1.30"},
    }
    resp = client.put(f"/organizations/{org.pk}/points-rule", body)
    assert resp.status_code == 200, resp.content
    order = make_order(owner=owner, organization=org, base_points=100)
    assert points.preview(order=order).points == 143  # 100 × 1.10 × 1.30
    # Bad factors change nothing.
    bad = client.put(
        f"/organizations/{org.pk}/points-rule", {**body, "late_factor": "0", "on_time_factor": "9"}
    )
    assert bad.status_code == 422
    missing = client.put(
        f"/organizations/{org.pk}/points-rule", {**body, "quality_factors": {"5": "1"}}
    )
    assert missing.status_code == 422
    assert PointsRule.objects.get(organization=org).on_time_factor == D("1.10")
    # A viewer may read but not change; another employer sees nothing.
    viewer = make_worker().user
    from xinghuo.accounts import services as account_services

    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    assert api(viewer).put(f"/organizations/{org.pk}/points-rule", body).status_code == 403
    stranger, _other = make_employer()
    assert api(stranger).get(f"/organizations/{org.pk}/points-rule").status_code == 404


@pytest.mark.django_db
def test_region_coefficient_over_the_api(api, make_employer, make_order, hangzhou):
    owner, org = make_employer()
    order = make_order(owner=owner, organization=org, base_points=20)
    url = f"/organizations/{org.pk}/region-coefficients/{hangzhou['city'].pk}"
    assert api(owner).put(url, {"coefficient": "1.50"}).status_code == 200
    assert points.preview(order=order).points == 36
    assert api(owner).put(url, {"coefficient": "-1"}).status_code == 422
    missing = f"/organizations/{org.pk}/region-coefficients/999999"
    assert api(owner).put(missing, {"coefficient": "1.2"}).status_code == 404


@pytest.mark.django_db
def test_region_factors_of_a_list_load_every_region_ancestry_in_one_query(
    make_employer, hangzhou, django_assert_num_queries
):
    _owner, org = make_employer()
    RegionCoefficient.objects.create(
        organization=org, region=hangzhou["city"], coefficient=D("1.5")
    )
    regions = [hangzhou["district"].pk, hangzhou["city"].pk]
    with django_assert_num_queries(2):  # the coefficients, then the regions' ancestry
        factors = points.RegionFactors([org.pk], regions)
        for region_id in regions:
            assert factors.factor(organization_id=org.pk, region_id=region_id) == D("1.5")
