"""Rebuild XinghuoSansSC-Regular.ttf, the CJK font the agreement PDFs embed.

    python xinghuo/contracts/fonts/make_subset.py [--source PATH] [--level 1|2]

Source: Noto Sans CJK SC Regular (SIL OFL 1.1) from Debian's fonts-noto-cjk
(/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc). Steps:

1. keep printable ASCII, Latin-1 punctuation, the GB 2312 symbol rows (full-width forms,
   CJK punctuation), the GB 2312 hanzi (level 1: the 3,755 common characters; level 2
   adds 3,008 less common ones, used in names) and every character of the agreement
   templates (template.py);
2. drop hinting, layout features and the vertical metrics tables: reportlab lays out
   horizontally without shaping;
3. convert the CFF outlines to TrueType quadratic outlines (reportlab's TTFont reads
   only `glyf` fonts);
4. rename the family: a Modified Version under the OFL must not carry the Reserved Font
   Name ("Source"), and a new name avoids any confusion with the original Noto.

The result is deterministic for a given source file and fontTools version.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).resolve().parent
OUT = HERE / "XinghuoSansSC-Regular.ttf"
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Xinghuo Sans SC"
PS_NAME = "XinghuoSansSC-Regular"


# Characters of personal names outside GB 2312 (mostly from the 通用规范汉字表 level 3):
# an ID card may carry them, and the agreement prints the name from the card.
NAME_EXTRAS = (
    "喆彧祎旻堃垚昇玥珺瑄璟昶晔晞炜煜犇淼琇瑀琛瑾璇瑭珏玟珩珮琬琰瑛瑜瑶璠璘璨璞璐琪琦"
    "琨琳琅玮珂珞珈玺珅珣珲琮琥琊璋瑗瑷瑢瑨瑱璩玙玚玠玢玦玳珉珖珙珛珦珧珽琤琯琼瑑瑒瑓"
    "瑧瑫瑬瑮璁璆璈璕璥璱璿昀昕昊昱晟晖暄暐暻曈曦曌曜晗晏晁昉昪昺晙晛晢晳暘暠焓焜焱熠"
    "燊烨炅炘炟烜烔焕煊煦熙燚淏涵沄沅沣沨泓洺浛浠涴淇淳渤湉溥滢漪澍澔濛灏钰铖铭锃锴镕"
    "镠镛鎏婕婧婷媛嫣妍妤姝娅娴婵嫚嬿懿赟翀翊翎翾骞骁骐骢鹍鹏鹓鸾龑彬彦彤桦梓楠槿樾橦"
    "檀棣楷榕槐椿栩栎桐枫柘柯杺芃芊芮苒茜茗莹菡萱蓓蔚蕙蕾薇赜稷弢弘劼勍勖埕堇堉塬墉奕"
    "妘婳嫱孜宬尧峣崟嵘嶙廷弈徵忞怿恺愔慜憬懋戬昙杞杳柽栀桉梵棠楦槊樨毓泠洹浚淞湛溱漩"
    "澜澧瀚炀炫烁焘焯煋熹犀玓珑琚甦皓睿砚祁祉祯祺禛秭竑笙筠箐篁粲纮绮缇缙羿翃翚耘聿胤"
    "芷苡荻莘菁萦蓁蔺藜衍袆谌谞贲赓轶逍邈郗郜鄞钊钧铄镒镌阆阚隽雯霁霈霏靓韫韬颀颉飏馥"
    "骅鲲麒黛龢"
)


def gb2312_chars(*, level: int) -> set[str]:
    chars: set[str] = set()
    rows = list(range(0xA1, 0xAA))  # symbol rows 1-9
    rows += list(range(0xB0, 0xD8 if level == 1 else 0xF8))  # hanzi rows 16-55 (-87)
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def template_chars() -> set[str]:
    sys.path.insert(0, str(HERE.parents[2]))
    from xinghuo.contracts.template import TEMPLATES

    return {c for t in TEMPLATES.values() for c in t.all_text()}


def load_sc(source: Path) -> TTFont:
    if source.suffix.lower() == ".ttc":
        for font in TTCollection(str(source)).fonts:
            if "SC" in font["name"].getDebugName(1):
                return font
        raise SystemExit(f"no SC face in {source}")
    return TTFont(str(source))


def cff_to_glyf(font: TTFont) -> None:
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        # 1 unit of error on a 1000-unit em is invisible at print sizes.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
        "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
        "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    name = font["name"]
    copyright_ = name.getDebugName(0) or ""
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            name.removeNames(nameID=record.nameID)
    for name_id, value in {
        1: FAMILY,
        2: "Regular",
        3: f"{PS_NAME};subset of Noto Sans CJK SC",
        4: f"{FAMILY} Regular",
        6: PS_NAME,
    }.items():
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    name.setName(copyright_, 0, 3, 1, 0x409)
    name.setName(
        "Subset of Noto Sans CJK SC made for Xinghuo agreement PDFs "
        "(xinghuo/contracts/fonts/make_subset.py).",
        10,
        3,
        1,
        0x409,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the agreement PDF font subset.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--level", type=int, choices=(1, 2), default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    chars = {chr(c) for c in range(0x20, 0x7F)} | set("·—‘’“”…、。〈〉《》「」『』【】〔〕")
    chars |= {chr(c) for c in range(0xA0, 0x100)}
    chars |= gb2312_chars(level=args.level) | template_chars() | set(NAME_EXTRAS)
    chars.discard("\n")

    font = load_sc(args.source)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["vhea", "vmtx", "VORG", "GPOS", "GSUB", "BASE", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    cff_to_glyf(font)
    rename(font)
    font.recalcTimestamp = False  # deterministic: keep the source's head.modified
    font.save(str(args.out))
    print(f"{args.out}: {len(chars)} characters, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
