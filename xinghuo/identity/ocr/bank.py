"""Read a bank card's number from a photo of its front.

A bank card has the ID card's size (ISO/IEC 7810 ID-1), so `card.py` finds and straightens
it the same way. The number is then picked out of the OCR'd lines by `find_card_number`:

- Boxes are regrouped into rows (their vertical spans overlap) and read left to right.
  On a row, runs of digits separated only by spaces are joined: cards print the number
  in groups (``6222 0212 3456 7890 123``: 4-4-4-4-3, or 6-13), and the detector may give
  each group its own box. Anything else between two runs breaks the chain: a slash
  (``12/30``, the expiry date), a dash (``0755-8319 8888``, a hotline), a letter or CJK.
- OCR's look-alikes are mapped back to digits only inside a run that is mostly real
  digits already (at least two in three, so one slip in a group of three or four):
  O o D → 0, I l | → 1, B → 8. A word ("LI", "BOC", "OD") never becomes a number. S→5
  and Z→2 are left out on purpose: each extra mapping is one more way to make a number
  out of text. A number misread that way is not found, and the worker types it in.
- A candidate has 12 to 19 digits and starts with 2–9: Chinese landlines (0…) and mobile
  numbers (1…) are no card numbers, and no issuer's card starts with 0 or 1 here. A chain
  longer than 19 digits (the number run into a neighbour) is tried group by group.
- Candidates are ranked: Luhn-valid first, then a BIN that `bins.py` recognises, then the
  usual lengths (16 and 19), then OCR's confidence. The Luhn check only ranks: a card
  failing it is still offered (the API warns about it, as for a typed number).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from stdnum import luhn

from ..bins import card_recognise
from . import get_engine
from .base import OcrEngine, OcrLine
from .card import decode_image, straighten_card

MIN_DIGITS, MAX_DIGITS = 12, 19
_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "B": "8"})
# A run of characters that could be digits (or look-alikes) and what separates them.
_TOKENS = re.compile(r"[0-9A-Za-z|]+|\s+|.")


@dataclass(frozen=True)
class BankCardReading:
    number: str  # the best candidate, "" when none was found
    candidates: list[str]  # every candidate, best first (the first is `number`)
    card_found: bool


@dataclass(frozen=True)
class _Run:
    digits: str
    score: float


def _rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Boxes whose vertical spans overlap by more than half form one row, left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.top + ln.bottom) / 2):
        if rows:
            last = rows[-1]
            top, bottom = min(b.top for b in last), max(b.bottom for b in last)
            overlap = min(bottom, line.bottom) - max(top, line.top)
            if overlap > 0.5 * min(bottom - top, line.bottom - line.top):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda b: b.left) for row in rows]


def _as_digits(token: str) -> str | None:
    """The token as digits, or None when it is not (mostly) a number."""
    mapped = token.translate(_LOOKALIKES)
    if not mapped.isdigit() or not mapped.isascii():
        return None
    real = sum(c.isdigit() for c in token)
    return mapped if real * 3 >= len(token) * 2 else None


def _chains(row: list[OcrLine]) -> list[list[_Run]]:
    """The row's runs of digits that only spaces separate (a space also between boxes)."""
    chains: list[list[_Run]] = []
    current: list[_Run] = []
    for line in row:
        # Full-width digits and spaces (０-９, U+3000) read as ASCII.
        text = unicodedata.normalize("NFKC", line.text)
        for token in _TOKENS.findall(text):
            if token.isspace():
                continue
            digits = _as_digits(token)
            if digits is None:
                if current:
                    chains.append(current)
                current = []
            else:
                current.append(_Run(digits, line.score))
    if current:
        chains.append(current)
    return chains


def _numbers(chain: list[_Run]) -> list[tuple[str, float]]:
    """The chain as one number, or, when it is too long, its sub-chains that fit."""
    whole_only = sum(len(r.digits) for r in chain) <= MAX_DIGITS
    found = []
    for i in [0] if whole_only else range(len(chain)):
        number, score = "", 1.0
        for j in range(i, len(chain)):
            number += chain[j].digits
            score = min(score, chain[j].score)
            if len(number) > MAX_DIGITS:
                break
            if whole_only and j < len(chain) - 1:
                continue
            if len(number) >= MIN_DIGITS and number[0] in "23456789":
                found.append((number, score))
    return found


# Sort key of a candidate, smallest first: Luhn fails, BIN unknown, unusual length, -score.
_Key = tuple[bool, bool, bool, float]


def _ranked(lines: list[OcrLine]) -> dict[str, _Key]:
    """Every candidate on the lines with its sort key (the best one of a repeated number)."""
    best: dict[str, _Key] = {}
    for row in _rows(lines):
        for chain in _chains(row):
            for number, score in _numbers(chain):
                key = (
                    not luhn.is_valid(number),
                    card_recognise(number).bank_code is None,
                    len(number) not in (16, 19),
                    -score,
                )
                best[number] = min(key, best.get(number, key))
    return best


def _in_order(ranked: dict[str, _Key]) -> list[str]:
    return sorted(ranked, key=lambda number: ranked[number])


def find_card_number(lines: list[OcrLine]) -> list[str]:
    """The card numbers on the OCR'd lines, most likely first; [] when there is none."""
    return _in_order(_ranked(lines))


def read_bank_card(data: bytes, *, engine: OcrEngine | None = None) -> BankCardReading:
    """Read the number off a photo of a bank card's front. Raises ImageUnreadable.

    When a card outline was found but no Luhn-valid number was read on the straightened
    card, the whole photo is read as well: a dark card on a dark table is sometimes found
    only in part (its lighter half), and the straightened part then cuts the number.
    """
    engine = engine or get_engine()
    image = decode_image(data)
    card, found = straighten_card(image)
    ranked = _ranked(engine.read(card))
    if found and not any(luhn.is_valid(number) for number in ranked):
        for number, key in _ranked(engine.read(image)).items():
            ranked[number] = min(key, ranked.get(number, key))
    candidates = _in_order(ranked)
    return BankCardReading(
        number=candidates[0] if candidates else "", candidates=candidates, card_found=found
    )
