"""Turn the OCR'd lines of an ID card's front into its fields.

The front reads, top to bottom: 姓名 name / 性别 sex 民族 ethnicity / 出生 YYYY年M月D日 /
住址 address (one to three lines) / 公民身份号码 number. The detector may cut a label
from its value or join two of them, so boxes are first regrouped into rows by their
vertical overlap and each row is read left to right; the fields are then found by their
labels. OCR often drops the space between label and value and confuses a few look-alike
characters in the number (O/0, l/1, x/×/X), which are normalised.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date

from .base import OcrLine

_NUMBER = re.compile(r"(\d{17}[\dX])(?!\d)")
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_NUMBER_FIXES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "x": "X", "×": "X"}
)
# The 56 ethnic groups as the card prints them (without 族).
ETHNICITIES = frozenset(
    [
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ]
)
# The recogniser was trained on traditional text too and sometimes answers with it.
_TRADITIONAL = str.maketrans(
    {
        "漢": "汉",
        "滿": "满",
        "維": "维",
        "爾": "尔",
        "壯": "壮",
        "錫": "锡",
        "東": "东",
        "鄉": "乡",
        "納": "纳",
        "頗": "颇",
        "達": "达",
        "薩": "萨",
        "烏": "乌",
        "別": "别",
        "羅": "罗",
        "溫": "温",
        "門": "门",
        "獨": "独",
        "龍": "龙",
        "倫": "伦",
        "畬": "畲",
        "鮮": "鲜",
        "瑤": "瑶",
        "諾": "诺",
    }
)


def normalise_ethnicity(text: str) -> str:
    text = text.translate(_TRADITIONAL).removesuffix("族")
    return text


@dataclass
class IdCardFields:
    name: str = ""
    sex: str = ""  # "M" (男) or "F" (女)
    ethnicity: str = ""
    birth_on: date | None = None
    address: str = ""
    id_number: str = ""
    lines: list[str] = field(default_factory=list)
    mean_score: float = 0.0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["birth_on"] = self.birth_on.isoformat() if self.birth_on else None
        return data

    @property
    def missing(self) -> list[str]:
        return [
            name
            for name in ("name", "sex", "ethnicity", "birth_on", "address", "id_number")
            if not getattr(self, name)
        ]


def group_rows(lines: list[OcrLine]) -> list[str]:
    """Join boxes whose vertical spans overlap by more than half into one row of text."""
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
    return ["".join(b.text for b in sorted(row, key=lambda b: b.left)) for row in rows]


def _after(label: str, text: str) -> str:
    return text.split(label, 1)[1] if label in text else ""


def parse_id_card(lines: list[OcrLine]) -> IdCardFields:
    rows = [re.sub(r"\s+", "", r) for r in group_rows(lines)]
    fields = IdCardFields(lines=rows)
    if lines:
        fields.mean_score = round(sum(ln.score for ln in lines) / len(lines), 4)
    address_rows: list[str] | None = None
    seen_address = False
    for row in rows:
        number_text = row.translate(_NUMBER_FIXES)
        number = _NUMBER.search(number_text.split("号码", 1)[-1]) or _NUMBER.search(number_text)
        if number or "公民身份" in row:
            if number:
                fields.id_number = number.group(1)
            if address_rows is not None:
                fields.address = "".join(address_rows)
                address_rows = None
            continue
        if address_rows is not None:
            # Inside the address every row is address text: "民族大道" is a street name.
            address_rows.append(row)
            continue
        if "住址" in row and not seen_address:
            seen_address = True
            address_rows = [_after("住址", row)]
            continue
        if "姓名" in row:
            fields.name = _after("姓名", row)
        if "性别" in row or "民族" in row:
            sex = re.search(r"性别[:：]?([男女])", row) or re.search(r"([男女])", row)
            if sex:
                fields.sex = "M" if sex.group(1) == "男" else "F"
            if "民族" in row:
                fields.ethnicity = normalise_ethnicity(_after("民族", row).lstrip(":："))
        birth = _BIRTH.search(row)
        if birth and not fields.birth_on:
            with contextlib.suppress(ValueError):
                fields.birth_on = date(*(int(g) for g in birth.groups()))
    if address_rows is not None and not fields.address:
        fields.address = "".join(address_rows)
    return fields
