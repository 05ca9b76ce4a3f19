"""Synthetic photos of the front of an ID card or a bank card, for the OCR tests and the
benchmark.

A card is drawn with Pillow and a CJK font at the real layout (85.6 × 54 mm at 10 px/mm),
then laid on a dark table with OpenCV: turned, put in perspective, blurred, shrunk.
The people and numbers are invented; the numbers are valid (ID checksum, region, date;
a bank card's Luhn check digit and a BIN of its bank).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from stdnum import luhn
from stdnum.cn import ric

FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CARD_W, CARD_H = 856, 540


def font_available() -> bool:
    return FONT_PATH.is_file()


def id_number(region: str, birth_on: date, seq: int, *, male: bool) -> str:
    """A valid 18-digit number: region + birth date + sequence (odd = male) + check digit."""
    seq = seq * 2 + (1 if male else 0)
    body = f"{region}{birth_on:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # M / F
    ethnicity: str
    birth_on: date
    address: str
    id_number: str


PEOPLE = [
    Person(
        "张伟",
        "M",
        "汉",
        date(1988, 3, 15),
        "浙江省杭州市西湖区文三路478号",
        id_number("330106", date(1988, 3, 15), 21, male=True),
    ),
    Person(
        "李秀英",
        "F",
        "回",
        date(1995, 11, 2),
        "北京市朝阳区建国路88号院3号楼2单元501室",
        id_number("110105", date(1995, 11, 2), 7, male=False),
    ),
    Person(
        "王建国",
        "M",
        "壮",
        date(1979, 7, 28),
        "广西壮族自治区南宁市青秀区民族大道136号",
        id_number("450103", date(1979, 7, 28), 43, male=True),
    ),
]


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def draw_card(person: Person) -> np.ndarray:
    """The card alone, as a BGR array of CARD_W × CARD_H."""
    img = Image.new("RGB", (CARD_W, CARD_H), (238, 236, 226))
    d = ImageDraw.Draw(img)
    # Faint guilloche-like background lines, as on the real card.
    for y in range(0, CARD_H, 18):
        d.line([(0, y), (CARD_W, y + 40)], fill=(228, 226, 214), width=1)
    label, value, number = _font(24), _font(28), _font(32)
    blue, black = (60, 100, 160), (20, 20, 20)
    d.text((50, 50), "姓  名", font=label, fill=blue)
    d.text((150, 46), person.name, font=value, fill=black)
    d.text((50, 112), "性  别", font=label, fill=blue)
    d.text((150, 108), "男" if person.sex == "M" else "女", font=value, fill=black)
    d.text((270, 112), "民  族", font=label, fill=blue)
    d.text((370, 108), person.ethnicity, font=value, fill=black)
    b = person.birth_on
    d.text((50, 174), "出  生", font=label, fill=blue)
    d.text((150, 170), f"{b.year} 年 {b.month} 月 {b.day} 日", font=value, fill=black)
    d.text((50, 236), "住  址", font=label, fill=blue)
    for i, part in enumerate(_wrap(person.address, 13)):
        d.text((150, 232 + 42 * i), part, font=value, fill=black)
    d.text((50, 440), "公民身份号码", font=label, fill=blue)
    d.text((260, 434), person.id_number, font=number, fill=black)
    # The portrait.
    d.rectangle([(610, 60), (800, 300)], fill=(200, 200, 196))
    d.ellipse([(655, 90), (755, 200)], fill=(170, 170, 166))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def photograph(
    card: np.ndarray,
    *,
    angle: float = 0.0,
    perspective: float = 0.0,
    blur: int = 0,
    width: int = 1400,
    seed: int = 0,
) -> np.ndarray:
    """The card on a dark, noisy table: turned by `angle` degrees, the far edge shrunk by
    `perspective` (a fraction), blurred with a `blur` px kernel, the photo `width` px wide."""
    rng = np.random.default_rng(seed)
    canvas_w, canvas_h = 1400, 1000
    table = rng.normal(70, 12, (canvas_h, canvas_w, 3)).clip(0, 255).astype(np.uint8)
    cx, cy = canvas_w / 2, canvas_h / 2
    hw, hh = CARD_W * 0.6, CARD_H * 0.6
    shrink = perspective * hw
    corners = np.array(
        [[-hw + shrink, -hh], [hw - shrink, -hh], [hw, hh], [-hw, hh]], dtype=np.float32
    )
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], dtype=np.float32)
    corners = corners @ rot.T + np.array([cx, cy], dtype=np.float32)
    src = np.array([[0, 0], [CARD_W, 0], [CARD_W, CARD_H], [0, CARD_H]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    cv2.warpPerspective(
        card,
        m,
        (canvas_w, canvas_h),
        dst=table,
        borderMode=cv2.BORDER_TRANSPARENT,
        flags=cv2.INTER_CUBIC,
    )
    if blur:
        k = blur | 1
        table = cv2.GaussianBlur(table, (k, k), 0)
    if width != canvas_w:
        table = cv2.resize(
            table, (width, round(canvas_h * width / canvas_w)), interpolation=cv2.INTER_AREA
        )
    return table


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


VARIANTS = {
    "clean": {},
    "rotated": {"angle": 10.0},
    "perspective": {"angle": -6.0, "perspective": 0.08},
    "blurred": {"blur": 5},
    "low_resolution": {"width": 640},
}


def card_photo(person: Person, variant: str = "clean", seed: int = 0) -> bytes:
    return jpeg(photograph(draw_card(person), seed=seed, **VARIANTS[variant]))  # type: ignore[arg-type]


# --- bank cards ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankCard:
    bank_name: str
    number: str  # digits only
    holder: str  # in pinyin, as embossed
    valid_thru: str = "12/30"
    dark: bool = True  # a deep blue card with light print, or a silver one with dark print


def _luhn_card(prefix: str, length: int) -> str:
    body = (prefix + "0212345678901234567")[: length - 1]
    return body + luhn.calc_check_digit(body)


BANK_CARDS = [
    BankCard("中国工商银行", _luhn_card("622202", 19), "ZHANG WEI"),
    BankCard("招商银行", _luhn_card("622588", 16), "LI XIUYING", dark=False),
    BankCard("中国农业银行", _luhn_card("622848", 19), "WANG JIANGUO", valid_thru="08/29"),
]


def grouped_number(number: str) -> str:
    """As cards print it: groups of four, the rest (three for 19 digits) at the end."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def draw_bank_card(card: BankCard) -> np.ndarray:
    """The front of a bank card alone, as a BGR array of CARD_W × CARD_H: a gradient, the
    bank's name, the chip, the number in groups of four, the expiry date and the holder's
    name, embossed (the print with a shadow), and the card scheme's mark."""
    if card.dark:
        top, bottom = np.array([70, 110, 170]), np.array([30, 60, 120])  # RGB
        ink, shadow, faint, wave = (245, 245, 240), (15, 25, 50), (200, 210, 230), (80, 120, 180)
    else:
        top, bottom = np.array([236, 236, 232]), np.array([200, 204, 210])
        ink, shadow, faint, wave = (35, 35, 45), (250, 250, 250), (90, 90, 100), (215, 218, 222)
    ys = np.linspace(0.0, 1.0, CARD_H)[:, None, None]
    grad = (top * (1 - ys) + bottom * ys) * np.ones((CARD_H, CARD_W, 3))
    img = Image.fromarray(grad.astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for x in range(-200, CARD_W, 60):
        d.line([(x, CARD_H), (x + 300, 0)], fill=wave, width=2)
    d.text((50, 40), card.bank_name, font=_font(40), fill=ink)
    d.text((52, 95), "DEBIT CARD", font=_font(20), fill=faint)
    gold, gold_line = (212, 180, 100), (160, 130, 60)
    d.rounded_rectangle([(70, 170), (170, 245)], radius=10, fill=gold)
    d.line([(70, 207), (170, 207)], fill=gold_line, width=2)
    d.line([(120, 170), (120, 245)], fill=gold_line, width=2)
    digits = _font(52)
    text = grouped_number(card.number)
    d.text((62, 302), text, font=digits, fill=shadow)
    d.text((60, 300), text, font=digits, fill=ink)
    d.text((330, 395), "VALID THRU", font=_font(16), fill=ink)
    d.text((440, 385), card.valid_thru, font=_font(30), fill=ink)
    d.text((60, 450), card.holder, font=_font(30), fill=ink)
    d.rounded_rectangle([(660, 420), (800, 500)], radius=8, fill=(200, 40, 50))
    d.text((678, 444), "银联", font=_font(30), fill=(245, 245, 240))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def bank_card_photo(card: BankCard, variant: str = "clean", seed: int = 0) -> bytes:
    return jpeg(photograph(draw_bank_card(card), seed=seed, **VARIANTS[variant]))  # type: ignore[arg-type]
