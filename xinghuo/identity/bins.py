"""Bank card recognition from the card number alone, with no network.

The BIN patterns come from ``data/cn_card_bins.json`` (npm ``bankcardinfo`` 2.0.6, ISC
licence, see ``data/NOTICE``). Each pattern is a whole-number regular expression, so it
checks the prefix and the length together. Patterns are tried in the file's order and the
first match wins, as in the original package: a few prefixes appear under two banks.

The Luhn check only warns (``luhn_ok``): some valid Chinese cards, old ones above all, do
not satisfy it, so refusing them would lock real workers out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from xinghuo.core.exceptions import ValidationFailed

BINS_FILE = Path(__file__).resolve().parent / "data" / "cn_card_bins.json"

CARD_TYPE_LABELS = {
    "DC": _("Debit card"),
    "CC": _("Credit card"),
    "SCC": _("Semi-credit card"),
    "PC": _("Prepaid card"),
}

_DIGITS = re.compile(r"^\d{12,19}$")


@dataclass(frozen=True)
class CardInfo:
    number: str
    luhn_ok: bool
    bank_code: str | None  # None: the BIN is not in the table
    bank_name: str | None
    card_type: str | None  # DC, CC, SCC or PC

    @property
    def card_type_label(self) -> str:
        return str(CARD_TYPE_LABELS.get(self.card_type or "", ""))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str, str, str]]:
    rows = json.loads(BINS_FILE.read_text(encoding="utf-8"))
    return [
        (re.compile(p["re"]), bank["bankCode"], bank["bankName"], p["cardType"])
        for bank in rows
        for p in bank["patterns"]
    ]


def normalise_card_number(number: str) -> str:
    """Digits only: people type cards in groups of four, with spaces or dashes."""
    cleaned = re.sub(r"[\s\-]", "", number or "")
    if not _DIGITS.match(cleaned):
        raise ValidationFailed(
            _("A bank card number has 12 to 19 digits."),
            code="invalid_card_number",
            detail={"field": "number"},
        )
    return cleaned


def card_recognise(number: str) -> CardInfo:
    """Bank, card type and Luhn result for a card number. Raises ValidationFailed only for
    something that is not a card number at all (not 12–19 digits); an unknown BIN gives
    bank_code None."""
    number = normalise_card_number(number)
    luhn_ok = luhn.is_valid(number)
    for pattern, code, name, card_type in _patterns():
        if pattern.match(number):
            return CardInfo(number, luhn_ok, code, name, card_type)
    return CardInfo(number, luhn_ok, None, None, None)
