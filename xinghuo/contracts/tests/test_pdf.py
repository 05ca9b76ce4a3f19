from __future__ import annotations

from datetime import date

import pytest

from xinghuo.contracts import pdf
from xinghuo.contracts.template import TEMPLATES

from .helpers import embedded_fonts, pdf_text


def parties(**overrides: object) -> pdf.AgreementParties:
    values = {
        "platform_name": "杭州星火数智科技有限公司",
        "worker_name": "欧阳娜娜",
        "phone": "13912345678",
        "id_number_masked": "3301**********1237",
        "employer_name": "",
        "agreement_number": "XH20260101ABCDEF12",
        "on": date(2026, 1, 2),
    }
    return pdf.AgreementParties(**(values | overrides))  # type: ignore[arg-type]


@pytest.mark.parametrize("version", sorted(TEMPLATES))
def test_every_template_character_is_in_the_shipped_font(version: str) -> None:
    assert pdf.missing_characters(TEMPLATES[version].all_text()) == set()


def test_font_covers_gb2312_names() -> None:
    # GB 2312 level 2 (琰, 璐, 晗) and name characters outside GB 2312 (旻, 喆, 彧, 祎).
    assert pdf.missing_characters("旻喆琰彧祎璐晗") == set()


def test_pdf_embeds_the_cjk_font_and_carries_the_parties() -> None:
    data = pdf.render_agreement(template=TEMPLATES["2026.1"], parties=parties())
    fonts = embedded_fonts(data)
    cjk = {name: embedded for name, embedded in fonts.items() if "XinghuoSansSC" in name}
    assert cjk and all(cjk.values()), fonts
    text = pdf_text(data)
    assert "灵活用工服务协议" in text
    assert "欧阳娜娜" in text
    assert "3301**********1237" in text
    assert "杭州星火数智科技有限公司" in text
    assert "登高作业" in text and "代扣代缴个人所得税" in text
    assert "2026年1月2日" in text


def test_user_input_cannot_inject_markup() -> None:
    data = pdf.render_agreement(
        template=TEMPLATES["2026.1"], parties=parties(worker_name="张<b>三</b>&")
    )
    assert "张<b>三</b>&" in pdf_text(data)


def test_same_inputs_give_the_same_bytes() -> None:
    a = pdf.render_agreement(template=TEMPLATES["2026.1"], parties=parties())
    b = pdf.render_agreement(template=TEMPLATES["2026.1"], parties=parties())
    assert a == b


def test_missing_id_number_prints_a_blank_line() -> None:
    text = pdf_text(
        pdf.render_agreement(template=TEMPLATES["2026.1"], parties=parties(id_number_masked=""))
    )
    assert pdf.BLANK in text
