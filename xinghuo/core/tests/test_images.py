"""core.images.check_image: every hostile image is a 422 bad_image, cheaply."""

from __future__ import annotations

import resource
import time
import tracemalloc

import pytest

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.core.images import check_image

from .bombs import hostile_images, jpeg, png, png_bomb, png_bomb_300kb, png_bomb_full


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.mark.parametrize(
    "data", [png_bomb_300kb(), png_bomb(20_000, 20_000, rows=1)], ids=["50000²_300kb", "20000²"]
)
def test_a_bomb_is_refused_from_its_header_in_under_a_second_and_100_mb(data: bytes) -> None:
    rss_before = _peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as exc:
        check_image(data)
    elapsed = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert exc.value.code == "bad_image"
    assert exc.value.detail["reason"] == "too_many_pixels"
    assert elapsed < 1.0
    assert traced_peak < 100 * 1024 * 1024
    # Pillow allocates pixels outside tracemalloc's view: the process's peak must not grow.
    assert _peak_rss_mb() - rss_before < 100


def test_a_png_under_the_pixel_limit_still_decodes_within_100_mb() -> None:
    """6300 × 6300 RGBA is under 40 MP but 160 MB once decoded in full (a PNG has no
    reduced-scale decode): refused from its header like a bomb."""
    data = png_bomb_full(6300, 6300)
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as exc:
        check_image(data)
    assert time.perf_counter() - started < 1.0
    assert _peak_rss_mb() - rss_before < 100
    assert exc.value.code == "bad_image"
    assert exc.value.detail["reason"] == "too_many_pixels"


def test_a_large_grey_png_within_the_decode_budget_passes() -> None:
    assert check_image(png_bomb_full(3000, 3000, color_type=0)).width == 3000


@pytest.mark.parametrize("name,data", hostile_images(), ids=[n for n, _ in hostile_images()])
def test_every_hostile_image_is_bad_image(name: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_image(data, field="photos")
    assert exc.value.status_code == 422
    assert exc.value.code == "bad_image"
    assert exc.value.detail["field"] == "photos"


def test_the_maximum_is_a_setting(settings) -> None:  # type: ignore[no-untyped-def]
    assert check_image(jpeg(64, 40)).width == 64
    settings.UPLOAD_MAX_PIXELS = 2000
    with pytest.raises(ValidationFailed) as exc:
        check_image(jpeg(64, 40))
    assert exc.value.detail == {
        "field": "image",
        "reason": "too_many_pixels",
        "width": 64,
        "height": 40,
        "max_pixels": 2000,
    }


def test_good_images_pass_with_their_type_from_the_bytes() -> None:
    assert check_image(jpeg()).content_type == "image/jpeg"
    assert check_image(png()).content_type == "image/png"
    with pytest.raises(ValidationFailed) as exc:
        check_image(b"GIF89a" + b"\x00" * 40, type_message="photo please")
    assert exc.value.code == "image_type"
    assert str(exc.value.message) == "photo please"
