"""The pages' helpers: yuan is core.money's formatting (one definition of how fen read)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xinghuo.core.money import MAX_FEN, fen_to_yuan
from xinghuo.web.scope import yuan


@pytest.mark.parametrize("fen", [0, 5, -5, 123450, -123450, MAX_FEN, -MAX_FEN])
def test_yuan_is_core_money(fen):
    assert yuan(fen) == fen_to_yuan(fen)


def test_yuan_takes_a_sum_from_the_database():
    # PostgreSQL sums a bigint column as numeric: an integral Decimal.
    assert yuan(Decimal(123450)) == "1234.50"
