"""A picture standing in for a business licence (营业执照) in the demo employers'
verifications: the title and the registered fields, drawn with the project's CJK font."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# The OFL font subset shipped for the agreement PDFs (contracts/fonts/README.md); it holds
# every GB 2312 hanzi, so company and person names render.
FONT_PATH = (
    Path(__file__).resolve().parents[1] / "contracts" / "fonts" / "XinghuoSansSC-Regular.ttf"
)
SIZE = (1000, 700)
PAPER, INK, RED = (252, 248, 236), (40, 40, 40), (178, 34, 34)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(FONT_PATH), size)
    except OSError:  # no font file: a plain (and for hanzi, boxy) rendering still shows a page
        return ImageFont.load_default()


def licence_image(
    *,
    company_name: str,
    credit_code: str,
    legal_representative: str,
    address: str,
    established_on: date,
    registered_capital: str,
) -> bytes:
    """A PNG of a licence with these fields (deterministic for the same fields)."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    draw.rectangle((16, 16, width - 17, height - 17), outline=RED, width=6)
    draw.rectangle((30, 30, width - 31, height - 31), outline=RED, width=2)
    draw.text((width // 2, 95), "营业执照", font=_font(64), fill=RED, anchor="mm")
    draw.text((width // 2, 150), "（副本）", font=_font(26), fill=INK, anchor="mm")
    rows = (
        ("统一社会信用代码", credit_code),
        ("名称", company_name),
        ("类型", "有限责任公司"),
        ("法定代表人", legal_representative),
        ("注册资本", registered_capital),
        ("成立日期", f"{established_on.year}年{established_on.month}月{established_on.day}日"),
        ("住所", address),
    )
    label_font, value_font = _font(26), _font(26)
    for i, (label, value) in enumerate(rows):
        y = 200 + i * 50
        draw.text((90, y), label, font=label_font, fill=INK)
        draw.text((340, y), value, font=value_font, fill=INK)
    # The registration authority's seal, below the fields.
    seal = (width - 200, height - 160, width - 70, height - 45)
    draw.ellipse(seal, outline=RED, width=4)
    centre = ((seal[0] + seal[2]) // 2, (seal[1] + seal[3]) // 2)
    draw.text(centre, "登记机关", font=_font(22), fill=RED, anchor="mm")
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()
