"""Money: integer fen (分) in the database and in code, yuan (元) only at the edges.

Parsing is strict: an amount with a third decimal, NaN, infinity, a NUL, or one that does not
fit a ``BigIntegerField`` is refused (`AmountInvalid`, a 422 with a code), never rounded or
clipped. Formatting is exact integer arithmetic, never float. Rounding a computed Decimal of
fen (a fee rate times a price) is `round_fen`: half up, once, explicitly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .exceptions import ValidationFailed

FEN_PER_YUAN = 100
# The range of a BigIntegerField (PostgreSQL bigint), where every *_fen column lives.
MAX_FEN = 2**63 - 1
MIN_FEN = -(2**63)
# Longer text is no amount a person or a bank writes; Decimal would parse "1e999999999".
_MAX_TEXT = 32


class AmountInvalid(ValidationFailed, ValueError):
    """Not an amount in yuan. Also a ValueError, which the channel parsers have always raised."""

    default_code = "invalid_amount"


def yuan_to_fen(amount: str | Decimal | int) -> int:
    """``"1234.56"`` (or ``Decimal("1234.56")``, or ``1234``) → ``123456``, exactly.

    Negative amounts are allowed (statements write expenses so); callers that need a
    positive amount check it. Raises AmountInvalid: code ``invalid_amount`` (not a finite
    number, NUL, float, too long), ``amount_too_precise`` (more than two decimals),
    ``amount_too_large`` (beyond the BigInteger range)."""
    value = _decimal(amount)
    if not value.is_finite():
        raise _invalid(amount)
    # Exact, from the digits: Decimal arithmetic rounds to 28 digits, which could turn a
    # third decimal on a large amount into a silent rounding.
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if not any(digits):  # zero, however written ("0e-999999", "-0.000")
        return 0
    while exponent < -2 and digits and digits[-1] == 0:  # 12.340 is a fine amount
        digits, exponent = digits[:-1], exponent + 1
    if exponent < -2:
        raise AmountInvalid(
            _("An amount in yuan has at most two decimals (fen)."), code="amount_too_precise"
        )
    significant = "".join(map(str, digits)).lstrip("0")
    # Measured before the power of ten is built: "1e999999" must not become a huge int.
    if significant and len(significant) + exponent + 2 > len(str(MAX_FEN)):
        raise _too_large()
    fen = int(significant or "0") * 10 ** (exponent + 2)
    fen = -fen if sign else fen
    if not MIN_FEN <= fen <= MAX_FEN:
        raise _too_large()
    return fen


def fen_to_yuan(fen: int) -> str:
    """``123450`` → ``"1234.50"``, ``-5`` → ``"-0.05"``: always two decimals, no separators."""
    _check_fen(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def fen_to_decimal(fen: int) -> Decimal:
    """``123450`` → ``Decimal("1234.50")``, exactly (spreadsheets and forms want numbers)."""
    _check_fen(fen)
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def fen_grouped(fen: int) -> str:
    """``22147487`` → ``"221,474.87"``: thousands separators, for big figures."""
    return f"{fen_to_decimal(fen):,.2f}"


def fen_display(fen: int) -> str:
    """``123450`` → ``"¥1,234.50"``, ``-5`` → ``"-¥0.05"``: how a page shows money."""
    _check_fen(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{fen_grouped(abs(fen))}"


def round_fen(amount: Decimal) -> int:
    """A computed amount of fen (a rate times a price) rounded half up to whole fen."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _decimal(amount: object) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, str | Decimal | int):
        # A float has already lost the fen (0.1 + 0.2); a bool is no amount.
        raise _invalid(amount)
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, int):
        return Decimal(amount)
    text = amount.strip()  # Decimal reads one leading sign, "+" or "-"
    if not text or len(text) > _MAX_TEXT or "_" in text or "\x00" in text:
        raise _invalid(amount)
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        raise _invalid(amount) from None


def _too_large() -> AmountInvalid:
    return AmountInvalid(
        _("The amount is too large."), code="amount_too_large", detail={"max_fen": MAX_FEN}
    )


def _invalid(amount: object) -> AmountInvalid:
    return AmountInvalid(
        _("Not an amount in yuan."),
        code="invalid_amount",
        detail={"amount": str(amount)[:40].replace("\x00", "")},
    )


def _check_fen(fen: int) -> None:
    if type(fen) is not int:
        raise TypeError(f"an amount in fen is an int: {fen!r}")
