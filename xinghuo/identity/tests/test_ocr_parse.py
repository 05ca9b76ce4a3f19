from __future__ import annotations

from datetime import date

from xinghuo.identity.ocr.base import OcrLine
from xinghuo.identity.ocr.parse import parse_id_card

from .cards import PEOPLE
from .conftest import card_lines


def box(text: str, x: float, y: float, w: float = 200, h: float = 30) -> OcrLine:
    return OcrLine(text, 0.95, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


def rows(*texts: str) -> list[OcrLine]:
    return [box(t, 50, 60 * i) for i, t in enumerate(texts)]


def test_every_field_is_read_from_clean_rows() -> None:
    person = PEOPLE[1]
    fields = parse_id_card(rows(*card_lines(person)))
    assert (fields.name, fields.sex, fields.ethnicity, fields.birth_on) == (
        "李秀英",
        "F",
        "回",
        date(1995, 11, 2),
    )
    assert fields.address == person.address
    assert fields.id_number == person.id_number
    assert fields.missing == []


def test_labels_cut_from_their_values_are_joined_by_row() -> None:
    lines = [
        box("王建国", 160, 62, h=32),
        box("姓名", 50, 60),
        box("性别", 50, 120),
        box("男", 160, 118),
        box("民族", 270, 120),
        box("壮", 370, 119),
        box("出生", 50, 180),
        box("1979年7月28日", 160, 180),
        box("住址", 50, 240),
        box("广西壮族自治区南宁市", 160, 240),
        box("青秀区民族大道136号", 160, 282),
        box("公民身份号码", 50, 440),
        box("450103197907280873", 300, 438),
    ]
    fields = parse_id_card(lines)
    assert fields.name == "王建国"
    assert (fields.sex, fields.ethnicity) == ("M", "壮")
    # "民族大道" inside the address is a street, not the ethnicity label.
    assert fields.address == "广西壮族自治区南宁市青秀区民族大道136号"
    assert fields.id_number == "450103197907280873"


def test_look_alike_characters_in_the_number_and_traditional_ethnicity_are_fixed() -> None:
    fields = parse_id_card(
        rows(
            "姓名张伟",
            "性别男 民族漢",
            "出生1988年3月15日",
            "住址杭州市",
            "公民身份号码33O1O619880315043x",
        )
    )
    assert fields.ethnicity == "汉"
    assert fields.id_number == "33010619880315043X"


def test_missing_fields_are_listed() -> None:
    fields = parse_id_card(rows("姓名张伟", "公民身份号码33010619880315043X"))
    assert fields.missing == ["sex", "ethnicity", "birth_on", "address"]


# --- labels cut by the photo's edge: fields read by their place on the card -------------------


def test_a_label_cut_to_its_last_character_still_gives_name_and_address() -> None:
    # The photo's left edge cut 姓名 to 名, 性别 to 别, 出生 to 生, 住址 to 址.
    fields = parse_id_card(
        rows(
            "名王建国",
            "别男民族壮",
            "生1979年7月28日",
            "址广西壮族自治区南宁市青秀区",
            "民族大道136号",
            "民身份号码450103197907280873",
        )
    )
    assert fields.name == "王建国"
    assert (fields.sex, fields.ethnicity) == ("M", "壮")  # not "大道136号" from the address
    assert fields.birth_on == date(1979, 7, 28)
    assert fields.address == "广西壮族自治区南宁市青秀区民族大道136号"
    assert fields.id_number == "450103197907280873"
    assert fields.missing == []


def test_labels_cut_away_entirely_leave_the_fields_to_their_rows() -> None:
    lines = [
        box("居民身份证", 10, -200, h=34),  # a stray box far above the name's band
        box("李秀英", 10, 46, h=34),
        box("女", 10, 108, h=34),
        box("回", 230, 108, h=34),
        box("1995年11月2日", 10, 170, h=34),
        box("北京市海淀区中关村", 10, 232, h=34),
        box("大街27号", 10, 274, h=34),
        box("110108199511020024", 120, 434, h=36),
    ]
    fields = parse_id_card(lines)
    assert (fields.name, fields.sex, fields.ethnicity) == ("李秀英", "F", "回")
    assert fields.address == "北京市海淀区中关村大街27号"
    assert fields.id_number == "110108199511020024"
