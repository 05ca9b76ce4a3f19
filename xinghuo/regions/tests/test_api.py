from __future__ import annotations

import prcoords
import pytest

from conftest import rect
from xinghuo.accounts import services as account_services
from xinghuo.regions.models import Region, Site

pytestmark = pytest.mark.django_db


def site_body(**fields):
    body = {"code": "HZ-XH-0001", "name": "西湖文化广场铁塔站", "lat": 30.26, "lng": 120.10}
    body.update(fields)
    return body


def test_site_resolves_grid_and_region_from_its_coordinates(api, make_employer, hangzhou):
    owner, org = make_employer()
    resp = api(owner).post(f"/organizations/{org.pk}/sites", site_body())
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["grid_id"] == hangzhou["north"].pk
    assert body["region_id"] == hangzhou["district"].pk
    south = api(owner).post(
        f"/organizations/{org.pk}/sites", site_body(code="HZ-XH-0002", lat=30.18, lng=120.07)
    )
    assert south.json()["grid_id"] == hangzhou["south_west"].pk


def test_site_outside_every_grid_takes_the_deepest_covering_region(api, make_employer, hangzhou):
    owner, org = make_employer()
    # South-east quarter of Xihu district: no grid there.
    in_district = api(owner).post(
        f"/organizations/{org.pk}/sites", site_body(lat=30.18, lng=120.13)
    )
    assert in_district.json()["grid_id"] is None
    assert in_district.json()["region_id"] == hangzhou["district"].pk
    # In Hangzhou but outside Xihu district.
    in_city = api(owner).post(
        f"/organizations/{org.pk}/sites", site_body(code="B", lat=30.40, lng=120.30)
    )
    assert in_city.json()["region_id"] == hangzhou["city"].pk


def test_gcj02_input_is_converted_to_wgs84(api, make_employer, hangzhou):
    owner, org = make_employer()
    # A point just north of the border of the two grids, as an AMap user reads it (GCJ-02):
    # the raw GCJ-02 numbers fall ~250 m south, in the other grid.
    wgs_lat, wgs_lng = 30.2260, 120.0800
    gcj = prcoords.wgs_gcj(prcoords.Coords(wgs_lat, wgs_lng))
    assert gcj.lat < 30.225  # the unconverted value would be resolved to the south-west grid
    resp = api(owner).post(
        f"/organizations/{org.pk}/sites", site_body(lat=gcj.lat, lng=gcj.lon, datum="gcj02")
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["lat"] == pytest.approx(wgs_lat, abs=1e-6)
    assert body["lng"] == pytest.approx(wgs_lng, abs=1e-6)
    assert body["grid_id"] == hangzhou["north"].pk


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        (48.85, 2.35, "coordinates_outside_china"),  # Paris
        (-30.26, 120.10, "coordinates_outside_china"),  # the sign lost
        (120.10, 30.26, "coordinates_malformed"),  # latitude and longitude swapped
        (95.0, 120.0, "coordinates_malformed"),
        (39.90, 116.40, "outside_regions"),  # Beijing: China, but no region of ours
    ],
)
def test_bad_coordinates_are_rejected_and_nothing_is_saved(
    api, make_employer, hangzhou, lat, lng, code
):
    owner, org = make_employer()
    resp = api(owner).post(f"/organizations/{org.pk}/sites", site_body(lat=lat, lng=lng))
    assert resp.status_code == 422
    assert resp.json()["code"] == code
    assert not Site.objects.exists()


def test_non_numeric_coordinates_are_a_validation_error(api, make_employer, hangzhou):
    owner, org = make_employer()
    resp = api(owner).post(f"/organizations/{org.pk}/sites", site_body(lat="north", lng=None))
    assert resp.status_code == 422
    assert resp.json()["code"] == "validation_error"
    assert {e["field"] for e in resp.json()["detail"]["errors"]} == {"lat", "lng"}


def test_moving_a_site_moves_its_grid(api, make_employer, hangzhou):
    owner, org = make_employer()
    site_id = api(owner).post(f"/organizations/{org.pk}/sites", site_body()).json()["id"]
    resp = api(owner).put(
        f"/organizations/{org.pk}/sites/{site_id}/position", {"lat": 30.17, "lng": 120.06}
    )
    assert resp.status_code == 200
    assert resp.json()["grid_id"] == hangzhou["south_west"].pk


def test_another_organizations_site_is_not_found(api, make_employer, hangzhou):
    alice, org_a = make_employer()
    bob, org_b = make_employer()
    bobs_site = api(bob).post(f"/organizations/{org_b.pk}/sites", site_body()).json()["id"]
    client = api(alice)
    # Through Alice's own organization: the site is not there.
    hidden = client.get(f"/organizations/{org_a.pk}/sites/{bobs_site}")
    missing = client.get(f"/organizations/{org_a.pk}/sites/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # Through Bob's organization: Alice is no member.
    assert client.get(f"/organizations/{org_b.pk}/sites/{bobs_site}").status_code == 404
    assert client.get(f"/organizations/{org_b.pk}/sites").status_code == 404
    moved = client.put(
        f"/organizations/{org_a.pk}/sites/{bobs_site}/position", {"lat": 30.17, "lng": 120.06}
    )
    assert moved.status_code == 404
    assert client.get(f"/organizations/{org_a.pk}/sites").json()["count"] == 0


def test_site_code_is_unique_per_organization_only(api, make_employer, hangzhou):
    alice, org_a = make_employer()
    bob, org_b = make_employer()
    assert api(alice).post(f"/organizations/{org_a.pk}/sites", site_body()).status_code == 201
    dup = api(alice).post(f"/organizations/{org_a.pk}/sites", site_body())
    assert dup.status_code == 409
    assert dup.json()["code"] == "site_code_taken"
    assert api(bob).post(f"/organizations/{org_b.pk}/sites", site_body()).status_code == 201


def test_viewer_may_list_but_not_create_sites(api, make_employer, make_worker, hangzhou):
    owner, org = make_employer()
    viewer = make_worker().user
    account_services.membership_add(
        actor=owner, organization=org, phone=viewer.phone, role="viewer"
    )
    client = api(viewer)
    assert client.get(f"/organizations/{org.pk}/sites").status_code == 200
    denied = client.post(f"/organizations/{org.pk}/sites", site_body())
    assert denied.status_code == 403
    assert not Site.objects.exists()


def test_site_list_filters_by_region_and_below(api, make_employer, hangzhou):
    owner, org = make_employer()
    client = api(owner)
    client.post(f"/organizations/{org.pk}/sites", site_body(code="A"))
    client.post(f"/organizations/{org.pk}/sites", site_body(code="B", lat=30.40, lng=120.30))
    in_city = client.get(f"/organizations/{org.pk}/sites", {"region_id": hangzhou["city"].pk})
    in_district = client.get(
        f"/organizations/{org.pk}/sites", {"region_id": hangzhou["district"].pk}
    )
    assert in_city.json()["count"] == 2
    assert [s["code"] for s in in_district.json()["items"]] == ["A"]


# --- regions and grids (operators) -----------------------------------------------------


def test_only_operators_create_regions(api, make_worker, operator):
    body = {
        "code": "440000",
        "name": "广东省",
        "level": 1,
        "boundary": rect(109.6, 20.2, 117.3, 25.5),
    }
    denied = api(make_worker().user).post("/regions", body)
    assert denied.status_code == 403
    assert not Region.objects.exists()
    assert api(operator).post("/regions", body).status_code == 201


def test_region_level_must_follow_its_parent(api, operator, hangzhou):
    resp = api(operator).post(
        "/regions", {"code": "X", "name": "错层", "level": 4, "parent_id": hangzhou["city"].pk}
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_level"
    assert resp.json()["detail"]["expected"] == 3


@pytest.mark.parametrize(
    ("polygon", "why"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [120.06, 30.16],
                        [120.09, 30.20],
                        [120.09, 30.16],
                        [120.06, 30.20],
                        [120.06, 30.16],
                    ]
                ],
            },
            "self-intersecting bow tie",
        ),
        (rect(120.20, 30.16, 120.25, 30.20), "outside the district"),
        ({"type": "Point", "coordinates": [120.1, 30.2]}, "not a polygon"),
        ({"type": "Polygon", "coordinates": [[[1, 2]]]}, "malformed ring"),
        (rect(30.16, 120.06, 30.20, 120.09), "latitude and longitude swapped"),
    ],
)
def test_bad_grid_polygons_are_rejected(api, operator, hangzhou, polygon, why):
    resp = api(operator).post(
        "/grids",
        {"region_id": hangzhou["district"].pk, "code": "BAD", "name": why, "polygon": polygon},
    )
    assert resp.status_code == 422, why
    assert resp.json()["code"] == "invalid_geometry"


def test_location_resolve_answers_region_and_grid(api, make_worker, hangzhou):
    client = api(make_worker().user)
    resp = client.get("/geo/resolve", {"lat": 30.26, "lng": 120.10})
    assert resp.json()["grid"]["code"] == "XH-N"
    assert resp.json()["region"]["code"] == "330106"
    outside = client.get("/geo/resolve", {"lat": 39.9, "lng": 116.4})
    assert outside.json()["region"] is None


def test_region_list_is_paginated_and_filtered(api, make_worker, hangzhou):
    client = api(make_worker().user)
    page = client.get("/regions", {"limit": 2})
    assert page.json()["count"] == 3
    assert len(page.json()["items"]) == 2
    children = client.get("/regions", {"parent_id": hangzhou["city"].pk}).json()
    assert [r["code"] for r in children["items"]] == ["330106"]
