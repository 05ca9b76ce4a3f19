"""Reading a bank card's number from a photo: the parsing of OCR lines, the reader's
fallback, the real engine on drawn cards, and POST /api/v1/identity/bank-card/photo."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from xinghuo.identity.bins import card_recognise
from xinghuo.identity.ocr import ImageUnreadable
from xinghuo.identity.ocr.bank import find_card_number, read_bank_card
from xinghuo.identity.ocr.base import OcrLine

from .cards import (
    BANK_CARDS,
    VARIANTS,
    BankCard,
    bank_card_photo,
    font_available,
    grouped_number,
    jpeg,
)
from .test_bins import card

ICBC_19 = "6222020212345678909"  # 中国工商银行 debit, Luhn-valid
CMB_16 = "6225880212345673"  # 招商银行 debit, Luhn-valid
UNKNOWN_BIN_16 = card("690000", 16)  # Luhn-valid, no bank in the table has this BIN


def line(text: str, row: int = 0, *, left: float = 40.0, score: float = 0.98) -> OcrLine:
    """A box on text row `row` (60 px apart), starting `left` px from the card's edge."""
    top, right = 60.0 * row + 20, left + 28 * len(text)
    return OcrLine(text, score, ((left, top), (right, top), (right, top + 40), (left, top + 40)))


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# --- find_card_number: the parsing ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "6222 0202 1234 5678 909",  # 4-4-4-4-3
        "622202 0212345678909",  # 6-13
        "6222020212345678909",  # one run
        "卡号:6222 0202 1234 5678 909",  # a label glued to it
        "６２２２ ０２０２ １２３４ ５６７８ ９０９",  # full-width digits
    ],
)
def test_the_number_is_read_whatever_its_grouping(text: str) -> None:
    number = "6222020212345678909"
    lines = [line("中国工商银行", 0), line(text, 3), line("VALID THRU 12/30", 4)]
    assert find_card_number(lines) == [number]


def test_groups_read_as_separate_boxes_on_one_row_are_joined() -> None:
    groups = grouped_number(ICBC_19).split()
    boxes = [line(g, 3, left=40 + 140 * i) for i, g in enumerate(groups)]
    # The detector's order is not the reading order.
    assert find_card_number(list(reversed(boxes))) == [ICBC_19]


def test_groups_on_different_rows_are_not_joined() -> None:
    lines = [line("6222 0202", 2), line("1234 5678 909", 3)]
    assert find_card_number(lines) == []


def test_a_luhn_valid_number_comes_before_a_longer_invalid_one() -> None:
    invalid_19 = wrong_check_digit(ICBC_19)
    lines = [line(grouped_number(invalid_19), 2, score=0.99), line(CMB_16, 3, score=0.90)]
    assert find_card_number(lines) == [CMB_16, invalid_19]


def test_a_recognised_bin_comes_before_an_unknown_one() -> None:
    assert card_recognise(UNKNOWN_BIN_16).bank_code is None
    lines = [line(UNKNOWN_BIN_16, 2, score=0.99), line(CMB_16, 3, score=0.90)]
    assert find_card_number(lines) == [CMB_16, UNKNOWN_BIN_16]


def test_the_usual_lengths_come_before_the_others() -> None:
    unknown_17 = card("690000", 17, fill="5432109876")
    lines = [line(unknown_17, 2, score=0.99), line(UNKNOWN_BIN_16, 3, score=0.90)]
    assert find_card_number(lines) == [UNKNOWN_BIN_16, unknown_17]


def test_the_ocr_score_decides_between_equals() -> None:
    other = card("622588", 16, fill="9876543210")
    lines = [line(CMB_16, 2, score=0.80), line(other, 3, score=0.95)]
    assert find_card_number(lines) == [other, CMB_16]


def test_a_failing_check_digit_is_still_offered() -> None:
    invalid = wrong_check_digit(CMB_16)
    assert find_card_number([line(grouped_number(invalid), 2)]) == [invalid]


@pytest.mark.parametrize(
    "text",
    [
        "VALID THRU 12/30",
        "有效期 12/28",
        "12/28 03/35",
        "客服热线 95588",
        "400-820-5555",  # a hotline: dashes break the chain
        "0755-8319 8888",  # a landline with its area code (12 digits without the dash)
        "010 8888 6666 12",  # 0…: no card starts with 0
        "138 0013 8000",  # a mobile number: 11 digits
        "139 0013 8000 5",  # 1…: a mobile run into a digit, no card starts with 1
        "6222 0202 12",  # 10 digits: a number cut off
        "ZHANG WEI",
        "LI XIUYING",
        "BOC DEBIT",
        "IIII OOOO IIII OOOO",  # look-alikes alone are letters, not digits
    ],
)
def test_dates_phones_short_numbers_and_words_are_not_card_numbers(text: str) -> None:
    assert find_card_number([line("中国银行", 0), line(text, 3)]) == []


def test_nothing_found_on_no_lines() -> None:
    assert find_card_number([]) == []


def test_look_alike_letters_inside_a_number_are_read_as_digits() -> None:
    # O for 0, l and I for 1, B for 8: at most one character in three of a group.
    assert find_card_number([line("6222 O202 l234 5678 9O9", 3)]) == [ICBC_19]
    assert find_card_number([line("6225 8B02 I234 5673", 3)]) == [CMB_16]
    # Two in a group of four are too many: that may be a word.
    assert find_card_number([line("6225 BB02 1234 5673", 3)]) == []


def test_an_expiry_date_without_its_slash_on_the_number_row_is_cut_off() -> None:
    # OCR dropped the slash of 12/30: the run is 23 digits, the card's 19 are in it.
    assert find_card_number([line(f"{grouped_number(ICBC_19)} 1230", 3)])[0] == ICBC_19


def test_the_same_number_on_two_rows_is_listed_once() -> None:
    assert find_card_number([line(CMB_16, 2), line(grouped_number(CMB_16), 5)]) == [CMB_16]


# --- read_bank_card: decoding, straightening, the second read --------------------------------


class ScriptedEngine:
    """Answers each read with the next list of texts (one row each)."""

    def __init__(self, *reads: list[str]) -> None:
        self.reads = list(reads)
        self.shapes: list[tuple[int, ...]] = []

    def read(self, image: np.ndarray) -> list[OcrLine]:
        self.shapes.append(image.shape)
        texts = self.reads.pop(0) if self.reads else []
        return [line(t, i) for i, t in enumerate(texts)]


def light_card_on_a_table() -> bytes:
    """A plain light card (no text) on a dark table: the card outline is found."""
    table = np.full((1000, 1400, 3), 60, np.uint8)
    cv2.rectangle(table, (250, 200), (1150, 770), (230, 230, 225), thickness=-1)
    return jpeg(table)


def test_the_straightened_card_is_read_and_one_read_is_enough() -> None:
    engine = ScriptedEngine(["招商银行", grouped_number(CMB_16)])
    reading = read_bank_card(light_card_on_a_table(), engine=engine)
    assert (reading.number, reading.candidates, reading.card_found) == (CMB_16, [CMB_16], True)
    assert engine.shapes == [(540, 856, 3)]


def test_without_a_valid_number_on_the_card_the_whole_photo_is_read_too() -> None:
    invalid = wrong_check_digit(CMB_16)
    engine = ScriptedEngine([grouped_number(invalid)], [grouped_number(ICBC_19)])
    reading = read_bank_card(light_card_on_a_table(), engine=engine)
    assert reading.number == ICBC_19 and reading.candidates == [ICBC_19, invalid]
    assert engine.shapes == [(540, 856, 3), (1000, 1400, 3)]


def test_a_photo_without_a_card_outline_is_read_once_as_it_is() -> None:
    engine = ScriptedEngine(["nothing here"], [grouped_number(CMB_16)])
    photo = jpeg(np.full((600, 900, 3), 128, np.uint8))
    reading = read_bank_card(photo, engine=engine)
    assert (reading.number, reading.candidates, reading.card_found) == ("", [], False)
    assert len(engine.shapes) == 1


def test_bytes_that_are_no_image_are_unreadable() -> None:
    with pytest.raises(ImageUnreadable):
        read_bank_card(b"\xff\xd8\xff" + b"\x00" * 100, engine=ScriptedEngine())


# --- the real engine on drawn cards ----------------------------------------------------------

needs_font = pytest.mark.skipif(
    not font_available(),
    reason="the CJK font for drawing test cards is missing: apt-get install fonts-noto-cjk",
)


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    rapid = pytest.importorskip("xinghuo.identity.ocr.rapid")
    return rapid.RapidOcrEngine()


@pytest.mark.ocr
@needs_font
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("bank_card", BANK_CARDS[:2], ids=["dark_19_digits", "light_16_digits"])
def test_the_real_engine_reads_the_number_off_a_card_photo(  # type: ignore[no-untyped-def]
    bank_card: BankCard, variant: str, engine
) -> None:
    reading = read_bank_card(bank_card_photo(bank_card, variant, seed=7), engine=engine)
    assert reading.number == bank_card.number, reading.candidates
    # The expiry date and the name give no other candidate.
    assert reading.candidates == [bank_card.number]
    if not bank_card.dark:
        assert reading.card_found  # the straightened card was read


@pytest.mark.ocr
@needs_font
def test_the_real_engine_reads_another_bank_on_a_rotated_photo(engine) -> None:  # type: ignore[no-untyped-def]
    bank_card = BANK_CARDS[2]
    reading = read_bank_card(bank_card_photo(bank_card, "rotated", seed=11), engine=engine)
    assert reading.candidates == [bank_card.number]


# --- the API ---------------------------------------------------------------------------------

PHOTO_URL = "/api/v1/identity/bank-card/photo"


def plain_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 200, 190)).save(buf, "JPEG")
    return buf.getvalue()


def upload(client, data: bytes | None = None):  # type: ignore[no-untyped-def]
    f = io.BytesIO(plain_jpeg() if data is None else data)
    f.name = "card.jpg"
    return client.client.post(PHOTO_URL, {"image": f}, headers=client.headers)


@pytest.mark.django_db
def test_a_photo_gives_the_number_bank_and_card_type(api, make_worker, ocr_reads) -> None:  # type: ignore[no-untyped-def]
    ocr_reads(["招商银行", "6225 8802 1234 5673", "VALID THRU 12/30", "LI XIUYING"])
    r = upload(api(make_worker().user))
    assert r.status_code == 200, r.content
    assert r.json() == {
        "number": CMB_16,
        "number_masked": "6225********5673",
        "bank_code": "CMB",
        "bank_name": "招商银行",
        "card_type": "DC",
        "card_type_label": "借记卡",
        "luhn_ok": True,
        "warnings": [],
        "candidates_masked": ["6225********5673"],
    }


@pytest.mark.django_db
def test_a_number_failing_the_check_digit_comes_back_with_a_warning(  # type: ignore[no-untyped-def]
    api, make_worker, ocr_reads
) -> None:
    invalid = wrong_check_digit(CMB_16)
    ocr_reads([grouped_number(invalid)])
    body = upload(api(make_worker().user)).json()
    assert body["number"] == invalid and not body["luhn_ok"]
    assert body["bank_name"] == "招商银行" and len(body["warnings"]) == 1


@pytest.mark.django_db
def test_the_typed_number_is_not_echoed_back(api, make_worker) -> None:  # type: ignore[no-untyped-def]
    body = api(make_worker().user).post("/identity/bank-card/recognise", {"number": CMB_16}).json()
    assert body["number"] is None and body["candidates_masked"] == []
    assert body["bank_name"] == "招商银行"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an image at all", "image_type"),
        (b"GIF89a" + b"\x00" * 64, "image_type"),
        (b"\xff\xd8\xff" + b"\x00" * 64, "bad_image"),
        (b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024), "image_too_large"),
    ],
    ids=["text", "gif", "broken_jpeg", "over_8_mb"],
)
def test_a_bad_file_is_a_422_with_its_code(api, make_worker, data: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    r = upload(api(make_worker().user, language="en"), data)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == code and r.json()["detail"] == {"field": "image"}
    if code == "image_type":
        assert "bank card" in r.json()["message"]


@pytest.mark.django_db
def test_no_number_on_the_photo_is_a_422_saying_what_to_do(api, make_worker, ocr_reads) -> None:  # type: ignore[no-untyped-def]
    ocr_reads(["中国银行", "VALID THRU 12/30", "ZHANG WEI"])
    r = upload(api(make_worker().user, language="en"))
    assert r.status_code == 422
    assert r.json()["code"] == "card_number_not_found"
    assert r.json()["message"] == (
        "No card number could be read: type it in, or take the photo again in good light."
    )


@pytest.mark.django_db
def test_reading_a_card_photo_needs_a_login(api, ocr_reads) -> None:  # type: ignore[no-untyped-def]
    ocr_reads([CMB_16])
    r = upload(api())
    assert r.status_code == 401
    assert CMB_16 not in r.content.decode()


@pytest.mark.django_db
def test_ocr_reads_are_limited_per_user_across_id_and_bank_card_photos(  # type: ignore[no-untyped-def]
    api, make_worker, ocr_reads, settings
) -> None:
    settings.IDENTITY_OCR_READS_PER_HOUR = 2
    ocr_reads(["招商银行", "6225 8802 1234 5673"])
    worker = make_worker()
    client = api(worker.user)
    # A file that is no photo is refused before any reading: it spends nothing.
    for _ in range(3):
        assert upload(client, b"%PDF-1.4 not a photo").status_code == 422
    assert upload(client).status_code == 200
    # An ID-card photo spends the same quota (it reads nothing useful here: 422, counted).
    f = io.BytesIO(plain_jpeg())
    f.name = "id.jpg"
    client.client.post("/api/v1/workers/me/identity/photo", {"image": f}, headers=client.headers)
    r = upload(client)
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    # Another user has his own quota.
    assert upload(api(make_worker().user)).status_code == 200
