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


@dataclass(frozen=True)
class Row:
    """One row of the card: its text (spaces removed) and vertical centre and height."""

    text: str
    centre: float
    height: float


def _group(lines: list[OcrLine]) -> list[list[OcrLine]]:
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
    return rows


def group_rows(lines: list[OcrLine]) -> list[str]:
    """Join boxes whose vertical spans overlap by more than half into one row of text."""
    return ["".join(b.text for b in sorted(row, key=lambda b: b.left)) for row in _group(lines)]


def _rows(lines: list[OcrLine]) -> list[Row]:
    out = []
    for row in _group(lines):
        top, bottom = min(b.top for b in row), max(b.bottom for b in row)
        text = "".join(b.text for b in sorted(row, key=lambda b: b.left))
        out.append(Row(re.sub(r"\s+", "", text), (top + bottom) / 2, bottom - top))
    return out


def _after(label: str, text: str) -> str:
    return text.split(label, 1)[1] if label in text else ""


def _id_number(row: str) -> str:
    number_text = row.translate(_NUMBER_FIXES)
    number = _NUMBER.search(number_text.split("号码", 1)[-1]) or _NUMBER.search(number_text)
    return number.group(1) if number else ""


def _without_label(text: str, label: str) -> str:
    """`text` without what is left of `label` at its start: the photo's edge may have cut
    the label's first characters ("名王建国" is 姓名 cut to 名)."""
    for i in range(len(label)):
        if text.startswith(label[i:]):
            return text[len(label) - i :].lstrip(":：")
    return text.lstrip(":：")


def _ethnicity_in(text: str) -> str:
    """The ethnic group written in a sex/ethnicity row whose 民族 label may be cut."""
    if "族" in text:
        return normalise_ethnicity(text.rsplit("族", 1)[1].lstrip(":："))
    text = normalise_ethnicity(text)
    found = [e for e in ETHNICITIES if text.endswith(e)]
    return max(found, key=len) if found else ""


def parse_id_card(lines: list[OcrLine]) -> IdCardFields:
    """The fields, found by their labels; a field whose label the photo's edge cut off is
    then read by its position (`_read_by_position`)."""
    geo = _rows(lines)
    rows = [r.text for r in geo]
    fields = IdCardFields(lines=rows)
    if lines:
        fields.mean_score = round(sum(ln.score for ln in lines) / len(lines), 4)
    birth_at = next((i for i, r in enumerate(rows) if _BIRTH.search(r)), None)
    reading = _LabelReading(fields, birth_at=birth_at)
    for i, row in enumerate(rows):
        reading.take(i, row)
    reading.finish()
    if birth_at is not None:
        _read_by_position(fields, geo, birth_at=birth_at)
    return fields


@dataclass
class _LabelReading:
    """Reading the rows top-down by their labels; the address runs over several rows, up
    to the number."""

    fields: IdCardFields
    birth_at: int | None
    address_rows: list[str] | None = None
    seen_address: bool = False

    def take(self, i: int, row: str) -> None:
        number = _id_number(row)
        if number or "公民身份" in row:
            if number:
                self.fields.id_number = number
            if self.address_rows is not None:
                self.fields.address = "".join(self.address_rows)
                self.address_rows = None
            return
        if self.address_rows is not None:
            # Inside the address every row is address text: "民族大道" is a street name.
            self.address_rows.append(row)
            return
        if "住址" in row and not self.seen_address:
            self.seen_address = True
            self.address_rows = [_after("住址", row)]
            return
        # Below the birth date come the address and the number only ("民族大道" again).
        if self.birth_at is not None and i > self.birth_at:
            return
        _read_labelled_row(self.fields, row)

    def finish(self) -> None:
        if self.address_rows is not None and not self.fields.address:
            self.fields.address = "".join(self.address_rows)


def _read_labelled_row(fields: IdCardFields, row: str) -> None:
    """Name, sex and ethnicity, birth date: a row above the address, by its labels."""
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


def _read_by_position(fields: IdCardFields, rows: list[Row], *, birth_at: int) -> None:
    """Fill the fields their labels did not give, by their place on the card's front.

    The front is five bands at an even pitch: name, sex and ethnicity, birth, then the
    address (one to three rows) and, well below, the number. The birth row is found by its
    date alone; the pitch is its distance to the row above. A row is taken for a band only
    when its centre lies within half a pitch of where the band should be, so a stray box
    (a fold, the table) is not read as a name.
    """
    if birth_at == 0:
        return
    birth = rows[birth_at]
    pitch = birth.centre - rows[birth_at - 1].centre
    if pitch <= 0 or pitch > 4 * birth.height:
        return

    def band(steps_up: int) -> Row | None:
        want = birth.centre - steps_up * pitch
        near = [r for r in rows[:birth_at] if abs(r.centre - want) < 0.5 * pitch]
        return min(near, key=lambda r: abs(r.centre - want)) if near else None

    sex_row, name_row = band(1), band(2)
    if sex_row is not None:
        _read_sex_band(fields, sex_row)
    if name_row is not None and not fields.name:
        fields.name = _without_label(name_row.text, "姓名")
    if not fields.address:
        _read_address_band(fields, rows[birth_at + 1 :])


def _read_sex_band(fields: IdCardFields, sex_row: Row) -> None:
    if not fields.sex and (sex := re.search(r"([男女])", sex_row.text)):
        fields.sex = "M" if sex.group(1) == "男" else "F"
    if not fields.ethnicity:
        fields.ethnicity = _ethnicity_in(re.sub(r"^.*?[男女]", "", sex_row.text))


def _read_address_band(fields: IdCardFields, rows_below_birth: list[Row]) -> None:
    """The address: the rows below the birth date, up to the number."""
    below = []
    for row in rows_below_birth:
        if _id_number(row.text) or "号码" in row.text or "身份" in row.text:
            break
        below.append(row.text)
    if below:
        fields.address = _without_label(below[0], "住址") + "".join(below[1:])
