from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.geo import Point, haversine_m, validate_point, wgs84_to_gcj02

# Mainland points well inside the GCJ-02 area (the obfuscation applies there).
mainland_lat = st.floats(min_value=22.0, max_value=45.0)
mainland_lng = st.floats(min_value=100.0, max_value=122.0)


@given(lat=mainland_lat, lng=mainland_lng)
def test_gcj02_input_round_trips_to_the_same_wgs84_point(lat, lng):
    wgs = Point(lat=lat, lng=lng)
    gcj = wgs84_to_gcj02(wgs)
    back = validate_point(lat=gcj.lat, lng=gcj.lng, datum="gcj02")
    assert haversine_m(wgs, back) < 0.05  # centimetres, after rounding to 1e-7°


@given(lat=mainland_lat, lng=mainland_lng)
def test_gcj02_shift_is_real_but_below_a_kilometre(lat, lng):
    wgs = Point(lat=lat, lng=lng)
    shift = haversine_m(wgs, wgs84_to_gcj02(wgs))
    assert 1 < shift < 1000


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        ("30.2", "120.1", None),
        (30.2, 120.1, None),
        (float("nan"), 120.1, "coordinates_malformed"),
        (math.inf, 120.1, "coordinates_malformed"),
        ("abc", 120.1, "coordinates_malformed"),
        (None, 120.1, "coordinates_malformed"),
        (91, 120.1, "coordinates_malformed"),
        (30.2, 181, "coordinates_malformed"),
        (35.68, 139.69, "coordinates_outside_china"),  # Tokyo
        (0, 0, "coordinates_outside_china"),
    ],
)
def test_validate_point(lat, lng, code):
    if code is None:
        point = validate_point(lat=lat, lng=lng)
        assert point == Point(lat=30.2, lng=120.1)
    else:
        with pytest.raises(ValidationFailed) as err:
            validate_point(lat=lat, lng=lng)
        assert err.value.code == code


def test_unknown_datum_is_rejected():
    with pytest.raises(ValidationFailed) as err:
        validate_point(lat=30.2, lng=120.1, datum="bd09")
    assert err.value.code == "coordinates_malformed"


def test_haversine_matches_known_distances():
    # One degree along a meridian is 2πR/360 = 111.195 km on the mean-radius sphere.
    assert haversine_m(Point(lat=30.0, lng=120.0), Point(lat=31.0, lng=120.0)) == pytest.approx(
        111_195, abs=1
    )
    # One degree along the 60th parallel is half of that at the equator (cos 60° = 0.5).
    assert haversine_m(Point(lat=60.0, lng=120.0), Point(lat=60.0, lng=121.0)) == pytest.approx(
        55_597, rel=1e-3
    )
