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


def test_signing_and_verifying_work_inside_a_running_event_loop() -> None:
    """pyHanko's sync wrappers call asyncio.run, which fails where a loop already runs (an
    async view, a Playwright test thread); the local signer must work there too."""
    import asyncio
    import threading

    from xinghuo.contracts.signing.base import SignRequest
    from xinghuo.contracts.signing.pades import LocalPadesSigner

    data = pdf.render_agreement(template=TEMPLATES["2026.1"], parties=parties())
    signer = LocalPadesSigner()
    request = SignRequest(
        pdf=data, document_id="XH1", title="协议", signer_name="星火", reason="同意", location=""
    )

    async def inside_a_loop() -> tuple[bool, bool]:
        signed = signer.sign(request).pdf
        outcome = signer.verify(signed)
        damaged = bytearray(signed)
        damaged[len(damaged) // 3] ^= 0x01
        return outcome.valid, signer.verify(bytes(damaged)).valid

    # A thread of its own: the test thread may have a loop running already (Playwright's).
    results: list[tuple[bool, bool]] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(inside_a_loop())))
    thread.start()
    thread.join()
    assert results == [(True, False)]
