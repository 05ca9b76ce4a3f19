from __future__ import annotations

import numpy as np
import pytest

from xinghuo.identity.ocr.card import CARD_SIZE, find_card_corners, straighten_card

from .cards import CARD_H, CARD_W, PEOPLE, draw_card, font_available, photograph

pytestmark = pytest.mark.skipif(not font_available(), reason="fonts-noto-cjk is not installed")


def test_the_corners_of_a_rotated_card_are_found() -> None:
    image = photograph(draw_card(PEOPLE[0]), angle=10.0)
    corners = find_card_corners(image)
    assert corners is not None
    # photograph() puts the card's centre at the canvas centre, 0.6 × its size, turned 10°.
    t = np.deg2rad(10.0)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [CARD_W * 0.6, CARD_H * 0.6]
    expected = half @ rot.T + [700, 500]
    assert np.abs(corners - expected).max() < 8


def test_the_straightened_card_matches_the_drawn_one() -> None:
    card = draw_card(PEOPLE[0])
    warped, found = straighten_card(photograph(card, angle=-10.0, perspective=0.06))
    assert found and warped.shape[1::-1] == CARD_SIZE
    # Mostly the same pixels: the mean grey difference is small after straightening.
    diff = np.abs(warped.astype(int) - card[: CARD_SIZE[1], : CARD_SIZE[0]].astype(int)).mean()
    assert diff < 20


def test_a_photo_without_a_card_outline_is_used_as_it_is() -> None:
    blank = np.full((300, 500, 3), 255, np.uint8)
    image, found = straighten_card(blank)
    assert not found
    assert image.shape[1] == CARD_SIZE[0]
