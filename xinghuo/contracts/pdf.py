"""Agreement PDFs with reportlab and the embedded CJK font subset (fonts/README.md).

reportlab embeds a TrueType font as a subset of the glyphs the document uses, with a
ToUnicode map, so the PDF reads the same everywhere and its text can be extracted.
`invariant` output: the same parties, template and date give byte-identical PDFs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .template import AgreementTemplate

FONT_NAME = "XinghuoSansSC"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "XinghuoSansSC-Regular.ttf"
# Printed where a value is unknown (no approved identity yet): a line to fill by hand.
BLANK = "________________"


@dataclass(frozen=True)
class AgreementParties:
    platform_name: str
    worker_name: str
    phone: str
    id_number_masked: str
    employer_name: str
    agreement_number: str
    on: date


@lru_cache(maxsize=1)
def register_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))
    return FONT_NAME


@lru_cache(maxsize=1)
def font_characters() -> frozenset[str]:
    from fontTools.ttLib import TTFont as FontToolsFont

    cmap = FontToolsFont(str(FONT_PATH), lazy=True).getBestCmap()
    return frozenset(chr(c) for c in cmap)


def missing_characters(text: str) -> set[str]:
    """Characters of `text` the shipped font cannot draw (they print as empty boxes)."""
    chars = font_characters()
    return {c for c in text if not c.isspace() and c not in chars}


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK", spaceAfter=3
    )
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=10
        ),
        "party": ParagraphStyle("party", parent=base, spaceAfter=1),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2
        ),
        "body": ParagraphStyle("bodytext", parent=base, firstLineIndent=21),
        "closing": ParagraphStyle("closing", parent=base, spaceBefore=4),
    }


def agreement_blocks(
    *, template: AgreementTemplate, parties: AgreementParties
) -> list[tuple[str, str]]:
    """The agreement as (style, text) blocks with the placeholders filled, unescaped: the
    PDF and the web page both show exactly these."""
    values = {
        "platform_name": parties.platform_name,
        "worker_name": parties.worker_name,
        "phone": parties.phone,
        "id_number": parties.id_number_masked or BLANK,
        "employer_name": parties.employer_name or "无（平台通用协议）",
        "agreement_number": parties.agreement_number,
        "template_version": template.version,
        "date": f"{parties.on.year}年{parties.on.month}月{parties.on.day}日",
    }
    blocks = [("title", template.title)]
    for line in template.preamble:
        blocks.append(("party" if "：" in line[:12] else "body", line.format(**values)))
    for clause in template.clauses:
        blocks.append(("heading", clause.heading))
        blocks.extend(("body", p.format(**values)) for p in clause.paragraphs)
    blocks.extend(("closing", line.format(**values)) for line in template.closing)
    return blocks


def render_agreement(*, template: AgreementTemplate, parties: AgreementParties) -> bytes:
    """The agreement as PDF bytes; every value is escaped (names are user input)."""
    font = register_font()
    styles = _styles(font)
    story: list = []
    for style, text in agreement_blocks(template=template, parties=parties):
        if style == "closing" and not any(isinstance(f, Spacer) for f in story):
            story.append(Spacer(1, 10 * mm))  # room above the signature lines
        story.append(Paragraph(escape(text), styles[style]))

    def page_footer(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(
            A4[0] / 2,
            12 * mm,
            f"{template.title}　{parties.agreement_number}　第 {doc.page} 页",
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=f"{template.title} {parties.agreement_number}",
        author=parties.platform_name,
        subject=f"{template.title}（{template.version}）",
        creator="Xinghuo",
        invariant=True,
    )
    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
