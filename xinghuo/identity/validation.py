"""Resident identity card number (公民身份号码, GB 11643-1999) validation.

`stdnum.cn.ric` gives the checksum and the birth date, and stdnum's table of administrative
divisions the region code. On top of them:
old 15-digit numbers get a code of their own (the card must be renewed, the number cannot
be trusted as it carries no checksum), the birth date must not lie in the future and the
age must be within the legal working range (16 by the Labour Law, art. 15, to 65 by the
platform's rule; both in settings as IDENTITY_MIN_AGE / IDENTITY_MAX_AGE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from xinghuo.core.exceptions import ValidationFailed

MALE, FEMALE = "M", "F"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_on: date
    sex: str  # "M" or "F"
    region_code: str


def _fail(message: object, code: str, **detail: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={"field": "id_number", **detail})  # type: ignore[arg-type]


def _region_known(code: str) -> bool:
    """Is the county code in stdnum's table of administrative divisions, in any year?

    Not `ric.validate`'s stricter rule (the county existed in the birth year): a number's
    region is the registration office's when the number was issued, often years after the
    birth, so a worker born in 1982 in Hangzhou's Xihu district (330106, since 1983) has a
    valid number that the strict rule would refuse.
    """
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _part, props in results)


def age_on(birth_on: date, today: date) -> int:
    return today.year - birth_on.year - ((today.month, today.day) < (birth_on.month, birth_on.day))


def normalise_id_number(number: str) -> str:
    return re.sub(r"\s", "", number or "").upper()


def validate_id_number(number: str, *, today: date | None = None) -> IdNumberInfo:
    """Check an 18-digit ID number; return its birth date, sex and region.

    Raises ValidationFailed with code id_number_old_format (15 digits), id_number_format,
    id_number_checksum, id_number_birth_date, id_number_birth_date_future,
    id_number_region, id_number_too_young or id_number_too_old.
    """
    number = normalise_id_number(number)
    today = today or timezone.localdate()
    if re.fullmatch(r"\d{15}", number):
        raise _fail(
            _(
                "This is an old 15-digit ID number. Please use the 18-digit number of your "
                "second-generation ID card."
            ),
            "id_number_old_format",
        )
    if not _SHAPE.match(number):
        raise _fail(_("An ID number has 17 digits followed by a digit or X."), "id_number_format")
    try:
        birth_on = ric.get_birth_date(number)
    except InvalidComponent:
        raise _fail(
            _("The birth date in the ID number does not exist."), "id_number_birth_date"
        ) from None
    if number[-1] != ric.calc_check_digit(number):
        raise _fail(
            _("The ID number's check digit is wrong: please check every digit."),
            "id_number_checksum",
        )
    if birth_on > today:
        raise _fail(
            _("The birth date in the ID number is in the future."), "id_number_birth_date_future"
        )
    if not _region_known(number[:6]):
        raise _fail(
            _("The ID number's region code (first six digits) is unknown."), "id_number_region"
        )
    age = age_on(birth_on, today)
    min_age = getattr(settings, "IDENTITY_MIN_AGE", 16)
    max_age = getattr(settings, "IDENTITY_MAX_AGE", 65)
    if age < min_age:
        raise _fail(
            _("Workers must be at least %(age)d years old.") % {"age": min_age},
            "id_number_too_young",
            min_age=min_age,
        )
    if age > max_age:
        raise _fail(
            _("Workers must be at most %(age)d years old.") % {"age": max_age},
            "id_number_too_old",
            max_age=max_age,
        )
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdNumberInfo(number=number, birth_on=birth_on, sex=sex, region_code=number[:6])


def check_agreement(info: IdNumberInfo, *, birth_on: date | None, sex: str | None) -> None:
    """The card's printed birth date and sex must be those encoded in the number.

    Raises ValidationFailed id_number_birth_date_mismatch or id_number_sex_mismatch.
    """
    if birth_on is not None and birth_on != info.birth_on:
        raise ValidationFailed(
            _("The birth date does not match the ID number."),
            code="id_number_birth_date_mismatch",
            detail={"field": "birth_on"},
        )
    if sex and sex != info.sex:
        raise ValidationFailed(
            _("The sex does not match the ID number."),
            code="id_number_sex_mismatch",
            detail={"field": "sex"},
        )
