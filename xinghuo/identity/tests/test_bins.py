from __future__ import annotations

import pytest
from stdnum import luhn

from xinghuo.core.exceptions import ValidationFailed
from xinghuo.identity.bins import card_recognise


def card(prefix: str, length: int, fill: str = "0123456789") -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = (prefix + fill * 3)[: length - 1]
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize(
    ("prefix", "length", "bank_code", "bank_name", "card_type"),
    [
        ("622202", 19, "ICBC", "中国工商银行", "DC"),
        ("628288", 16, "ICBC", "中国工商银行", "CC"),
        ("621700", 19, "CCB", "中国建设银行", "DC"),
        ("622700", 19, "CCB", "中国建设银行", "DC"),
        ("622848", 19, "ABC", "中国农业银行", "DC"),
        ("621661", 19, "BOC", "中国银行", "DC"),
        ("622588", 16, "CMB", "招商银行", "DC"),
        ("439188", 16, "CMB", "招商银行", "CC"),
        ("623058", 19, "SPABANK", "深发/平安银行", "DC"),
        ("622155", 16, "SPABANK", "深发/平安银行", "CC"),
        ("622260", 19, "COMM", "中国交通银行", "DC"),
        ("621096", 19, "PSBC", "中国邮政储蓄银行", "DC"),
    ],
)
def test_major_banks_are_recognised_from_the_bin(
    prefix: str, length: int, bank_code: str, bank_name: str, card_type: str
) -> None:
    info = card_recognise(card(prefix, length))
    assert (info.bank_code, info.bank_name, info.card_type) == (bank_code, bank_name, card_type)
    assert info.luhn_ok


def test_spaces_and_dashes_are_ignored() -> None:
    number = card("622202", 19)
    spaced = " ".join(number[i : i + 4] for i in range(0, 19, 4))
    assert card_recognise(spaced).number == number
    assert card_recognise(number.replace("0", "0-", 1)).bank_code == "ICBC"


def test_failed_luhn_warns_but_still_recognises_the_bank() -> None:
    number = card("622848", 19)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    info = card_recognise(wrong)
    assert not info.luhn_ok
    assert info.bank_code == "ABC"


def test_the_length_is_part_of_the_pattern() -> None:
    # ICBC's 622202 debit cards have 19 digits; 16 digits is no known card.
    info = card_recognise(card("622202", 16))
    assert info.bank_code is None


def test_unknown_bin_gives_no_bank() -> None:
    info = card_recognise(card("100000", 16))
    assert (info.bank_code, info.card_type) == (None, None)


@pytest.mark.parametrize("number", ["", "12345678901", "62220212345678901234", "6222abcd12345678"])
def test_not_a_card_number_is_rejected(number: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        card_recognise(number)
    assert exc.value.code == "invalid_card_number"
