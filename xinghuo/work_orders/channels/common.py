"""What every channel needs: names turned into ids, text into datetimes and money.

Outside systems and spreadsheets speak in codes and Chinese names (站址编码, 发电人员,
油机发电), not our primary keys; times come without a zone and mean Beijing time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinghuo.accounts.models import Organization
from xinghuo.core import money
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.regions.models import Site
from xinghuo.workforce.models import Role, Skill

from .exceptions import UnknownSite

# Spreadsheets and outside systems in China give wall-clock times in Beijing time.
CHINA_TZ = ZoneInfo("Asia/Shanghai")
MAX_EXTERNAL_REF = 64  # WorkOrder.external_ref
SKILL_SEPARATORS = re.compile(r"[、,，;；/\n]+")

_DATETIME_TEXT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+|T)(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$"
)
_DATE_TEXT = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def bad(message: Any, field: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, detail={"field": field})


def aware(value: datetime) -> datetime:
    """A datetime without a zone is Beijing time; one with a zone is kept."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=CHINA_TZ)
    return value


def parse_datetime(value: object, *, field: str) -> datetime | None:
    """An aware datetime from a cell or a string; None when empty.

    Accepts datetimes (Excel cells), '2026-12-01 18:00', '2026/12/1 18:00[:00]',
    '2026年12月1日 18:00' and ISO 8601 with or without an offset. A date without a
    time is refused: "the 1st" as a deadline is too ambiguous to guess.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, str):
        text = value.strip()
        match = _DATETIME_TEXT.match(text)
        try:
            if match:
                y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
                return datetime(y, mo, d, h, mi, s, tzinfo=CHINA_TZ)
            if "T" in text or " " in text:
                return aware(datetime.fromisoformat(text))
        except ValueError:
            pass
    if isinstance(value, date) or (isinstance(value, str) and _DATE_TEXT.match(value.strip())):
        raise bad(_("Give a time as well as the date, e.g. 2026-12-01 18:00."), field, "no_time")
    raise bad(_("Not a date and time; write it like 2026-12-01 18:00."), field, "invalid_datetime")


def _decimal(value: object, *, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise bad(_("Not a number."), field, "invalid_number")
    if isinstance(value, float):
        # The shortest repr is what the user typed into the cell (12.3, not 12.2999…).
        text = repr(value)
    else:
        text = str(value).strip().replace("¥", "").replace("￥", "").replace("元", "").strip()
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise bad(_("Not a number."), field, "invalid_number") from None
    if not number.is_finite() or abs(number) > 10**12:
        raise bad(_("Not a number."), field, "invalid_number")
    return number


def parse_int(value: object, *, field: str) -> int | None:
    number = _decimal(value, field=field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise bad(_("A whole number is needed."), field, "invalid_number")
    return int(number)


def yuan_to_fen(value: object, *, field: str) -> int | None:
    """Yuan (Decimal, at most 2 decimals) to integer fen, exactly; never through float."""
    number = _decimal(value, field=field)
    if number is None:
        return None
    try:
        fen = money.yuan_to_fen(number)
    except money.AmountInvalid:
        raise bad(
            _("A price has at most 2 decimals (fen), e.g. 12.34."), field, "invalid_price"
        ) from None
    if fen < 0:
        raise bad(_("The price cannot be negative."), field, "invalid_price")
    return fen


def external_ref(value: object, *, field: str = "external_ref") -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_EXTERNAL_REF:
        raise bad(
            _("An external reference has at most 64 characters."), field, "external_ref_too_long"
        )
    return text


def unknown_site(code: str, *, field: str = "site_code") -> UnknownSite:
    return UnknownSite(
        _("No site with code “%(code)s” in your organization.") % {"code": code[:32]},
        detail={"field": field, "site_code": code[:32]},
    )


def site_for_code(*, organization: Organization, code: str, field: str = "site_code") -> Site:
    code = (code or "").strip()
    site = Site.objects.filter(organization=organization, code=code).first() if code else None
    if site is None:
        raise unknown_site(code, field=field)
    return site


def site_ids_for_codes(*, organization: Organization, codes: Iterable[str]) -> dict[str, int]:
    """The organization's sites among `codes`, code → id, in a few queries."""
    wanted = sorted({c for c in codes if c})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 500):  # well inside every database's parameter limit
        found.update(
            Site.objects.filter(
                organization=organization, code__in=wanted[start : start + 500]
            ).values_list("code", "pk")
        )
    return found


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


@dataclass
class Catalogue:
    """Roles an organization may require and all skills, by code, Chinese or English name.

    Loaded once per import instead of once per row.
    """

    roles: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, *, organization: Organization) -> Catalogue:
        catalogue = cls()
        roles = Role.objects.filter(is_active=True).filter(
            Q(organization__isnull=True) | Q(organization=organization)
        )
        # Codes last, so a code wins over a name that happens to read the same.
        for role in roles.order_by("pk"):
            for name in (role.name_en, role.name):
                if name:
                    catalogue.roles.setdefault(_key(name), role.pk)
        for role in roles:
            catalogue.roles[_key(role.code)] = role.pk
        skills = list(Skill.objects.all().order_by("pk"))
        for skill in skills:
            for name in (skill.name_en, skill.name):
                if name:
                    catalogue.skills.setdefault(_key(name), skill.pk)
        for skill in skills:
            catalogue.skills[_key(skill.code)] = skill.pk
        return catalogue

    def role_id(self, value: object, *, field: str = "role") -> int | None:
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        role_id = self.roles.get(_key(text))
        if role_id is None:
            raise bad(_("Unknown role “%(name)s”.") % {"name": text[:64]}, field, "role_not_found")
        return role_id

    def skill_ids(self, value: object, *, field: str = "skills") -> list[int]:
        """Skills from 'a、b,c' or a list of names/codes; every one must be known."""
        if value is None:
            return []
        names: Iterable[str] = (
            SKILL_SEPARATORS.split(value) if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
        )
        ids: list[int] = []
        for name in (n.strip() for n in names):
            if not name:
                continue
            skill_id = self.skills.get(_key(name))
            if skill_id is None:
                raise bad(
                    _("Unknown skill “%(name)s”.") % {"name": name[:64]}, field, "skill_not_found"
                )
            if skill_id not in ids:
                ids.append(skill_id)
        return ids
