"""The real engine (RapidOCR, offline) on generated card photos. About 2 s a photo."""

from __future__ import annotations

import pytest

from xinghuo.identity.ocr import read_id_card

from .cards import PEOPLE, Person, card_photo, draw_card, font_available, jpeg

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(
        not font_available(),
        reason="the CJK font for drawing test cards is missing: apt-get install fonts-noto-cjk",
    ),
]


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    rapid = pytest.importorskip("xinghuo.identity.ocr.rapid")
    return rapid.RapidOcrEngine()


def assert_every_field(person: Person, data: bytes, engine) -> None:  # type: ignore[no-untyped-def]
    reading = read_id_card(data, engine=engine)
    f = reading.fields
    assert reading.card_found
    assert {
        "name": f.name,
        "sex": f.sex,
        "ethnicity": f.ethnicity,
        "birth_on": f.birth_on,
        "address": f.address,
        "id_number": f.id_number,
    } == {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_on": person.birth_on,
        "address": person.address,
        "id_number": person.id_number,
    }, f.lines


@pytest.mark.parametrize(
    "variant", ["clean", "rotated", "perspective", "blurred", "low_resolution"]
)
def test_every_field_is_read_from_a_card_photo(variant: str, engine) -> None:  # type: ignore[no-untyped-def]
    assert_every_field(PEOPLE[2], card_photo(PEOPLE[2], variant, seed=2), engine)


@pytest.mark.parametrize("person", PEOPLE[:2], ids=["male_han", "female_two_address_lines"])
def test_other_people_on_a_rotated_photo(person: Person, engine) -> None:  # type: ignore[no-untyped-def]
    assert_every_field(person, card_photo(person, "rotated", seed=5), engine)


@pytest.mark.parametrize("cut", [80, 140])
def test_labels_cut_by_the_photos_edge_are_read_by_position(engine, cut: int) -> None:  # type: ignore[no-untyped-def]
    """The photo's left edge runs through the label column (80 px leaves 名, 别, 生, 址;
    140 px leaves no label): every field is still read."""
    person = PEOPLE[2]
    f = read_id_card(jpeg(draw_card(person)[:, cut:]), engine=engine).fields
    assert (f.name, f.sex, f.ethnicity, f.birth_on, f.address, f.id_number) == (
        person.name,
        person.sex,
        person.ethnicity,
        person.birth_on,
        person.address,
        person.id_number,
    )
