from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.identity.validation import check_agreement, validate_id_number

from .cards import id_number

TODAY = date(2026, 6, 1)


def valid(region: str = "110105", birth_on: date = date(1990, 1, 1), male: bool = True) -> str:
    return id_number(region, birth_on, 12, male=male)


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105900101123", "id_number_old_format"),
        (valid()[:-1] + ("1" if valid()[-1] != "1" else "2"), "id_number_checksum"),
        (with_check_digit("11010520300101123"), "id_number_birth_date_future"),
        (with_check_digit("99999919900101123"), "id_number_region"),
        (with_check_digit("11010519900230123"), "id_number_birth_date"),
        (with_check_digit("11010520150101123"), "id_number_too_young"),
        (with_check_digit("11010519500101123"), "id_number_too_old"),
        ("11010519900101123", "id_number_format"),
        ("1101051990010112A4", "id_number_format"),
        ("", "id_number_format"),
    ],
    ids=[
        "15_digit",
        "bad_checksum",
        "future_birth_date",
        "unknown_region",
        "impossible_date",
        "age_under_16",
        "age_over_65",
        "17_digits",
        "letter_inside",
        "empty",
    ],
)
def test_invalid_id_numbers_are_rejected_with_a_code(number: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_id_number(number, today=TODAY)
    assert exc.value.code == code
    assert exc.value.detail["field"] == "id_number"


def test_valid_number_gives_birth_date_sex_and_region() -> None:
    info = validate_id_number(" " + valid(male=False).lower() + " ", today=TODAY)
    assert info.birth_on == date(1990, 1, 1)
    assert info.sex == "F"
    assert info.region_code == "110105"


def test_the_age_limits_come_from_settings(settings) -> None:  # type: ignore[no-untyped-def]
    number = valid(birth_on=date(1958, 1, 1))  # 68 on TODAY
    settings.IDENTITY_MAX_AGE = 70
    assert validate_id_number(number, today=TODAY).birth_on.year == 1958
    settings.IDENTITY_MAX_AGE = 65
    with pytest.raises(ValidationFailed):
        validate_id_number(number, today=TODAY)


def test_sixteenth_birthday_is_old_enough() -> None:
    assert validate_id_number(valid(birth_on=date(2010, 6, 1)), today=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        validate_id_number(valid(birth_on=date(2010, 6, 2)), today=TODAY)
    assert exc.value.code == "id_number_too_young"


def test_ocr_birth_date_and_sex_must_agree_with_the_number() -> None:
    info = validate_id_number(valid(male=True), today=TODAY)
    check_agreement(info, birth_on=date(1990, 1, 1), sex="M")
    with pytest.raises(ValidationFailed) as exc:
        check_agreement(info, birth_on=date(1990, 1, 2), sex="M")
    assert exc.value.code == "id_number_birth_date_mismatch"
    with pytest.raises(ValidationFailed) as exc:
        check_agreement(info, birth_on=date(1990, 1, 1), sex="F")
    assert exc.value.code == "id_number_sex_mismatch"


@given(
    birth_on=st.dates(min_value=date(1962, 1, 1), max_value=date(2010, 5, 31)),
    seq=st.integers(0, 499),
    male=st.booleans(),
    region=st.sampled_from(["110105", "330106", "450103", "440305", "510107"]),
)
def test_every_well_formed_number_validates_and_one_changed_digit_does_not(
    birth_on: date, seq: int, male: bool, region: str
) -> None:
    number = id_number(region, birth_on, seq, male=male)
    info = validate_id_number(number, today=TODAY)
    assert (info.birth_on, info.sex) == (birth_on, "M" if male else "F")
    # The checksum catches any single changed digit in the sequence part.
    changed = number[:15] + str((int(number[15]) + 1) % 10) + number[16:]
    with pytest.raises(ValidationFailed):
        validate_id_number(changed, today=TODAY)
