"""Issue 5's worker journeys through real browsers: the ID card read, confirmed and reviewed,
the platform agreement signed, paid orders opening up in the hall; a rejected verification;
an online exam that grants a theory certification."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.fixtures import SCREENSHOT_DIR, TIMEOUT_MS
from tests.browser.helpers import log_in
from xinghuo.certification.models import Certification, Exam, ExamAttempt, Question
from xinghuo.demo.clearance import identity_submit, person_for
from xinghuo.identity.models import IdentityVerification, RevealAudit
from xinghuo.identity.ocr.fake import card_lines
from xinghuo.identity.tests import cards
from xinghuo.identity.tests.conftest import PresetOcrEngine
from xinghuo.workforce import services as workforce_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]

PERSON = cards.PEOPLE[0]  # 张伟, 浙江省杭州市西湖区文三路478号
CORRECTED_ADDRESS = PERSON.address + "2幢301室"
PRICE_FEN = 12_000
ORDER_TITLE = "铁塔登高巡检"


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"identity_journey_{name}.png"), full_page=True)


def desktop(browser: Browser) -> BrowserContext:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context


def blank_card() -> np.ndarray:
    """A card without any print, the size of cards.draw_card's."""
    return np.full((cards.CARD_H, cards.CARD_W, 3), (226, 236, 238), dtype=np.uint8)


@pytest.fixture
def card_photo(settings: Any) -> Iterator[bytes]:
    """The photo of PERSON's card the worker uploads.

    With the CJK font (``make browser`` installs it) the card is drawn and photographed on
    a table, and the real OCR engine reads it (about 1.5 s on a laptop). Without the font
    the photo is a blank card on the same table and the preset fake engine "reads"
    PERSON's rows, so the journey still runs.
    """
    if cards.font_available():
        yield cards.card_photo(PERSON)
        return
    settings.IDENTITY_OCR_ENGINE = "xinghuo.identity.tests.conftest.PresetOcrEngine"
    PresetOcrEngine.preset_lines = card_lines(
        name=PERSON.name,
        sex=PERSON.sex,
        ethnicity=PERSON.ethnicity,
        birth_on=PERSON.birth_on,
        address=PERSON.address,
        id_number=PERSON.id_number,
    )
    try:
        yield cards.jpeg(cards.photograph(blank_card()))
    finally:
        PresetOcrEngine.preset_lines = []


def test_worker_verifies_his_identity_signs_and_sees_paid_orders(
    page: Page,
    browser: Browser,
    live_server,
    make_worker,
    make_employer,
    make_order,
    operator,
    hangzhou,
    card_photo: bytes,
) -> None:
    base = live_server.url
    employer, org = make_employer()
    order = make_order(owner=employer, organization=org, title=ORDER_TITLE, price_fen=PRICE_FEN)
    worker = make_worker(name=PERSON.name)
    workforce_services.worker_set_areas(worker=worker, region_ids=[hangzhou["district"].pk])
    workforce_services.worker_report_position(worker=worker, lat=30.2601, lng=120.1001)

    # A fresh worker: identity is the first step still to do, and paid orders are hidden.
    log_in(page, base, worker.user.phone)
    expect(page).to_have_url(base + "/worker/")
    steps = page.locator("#onboarding-steps")
    expect(steps.locator('li[data-step="identity"]')).to_have_class(re.compile(r"\btodo\b"))
    expect(steps.locator('li[data-step="agreement"]')).to_have_class(re.compile(r"\btodo\b"))
    shot(page, "0_worker_home")
    page.goto(base + "/worker/orders/")
    expect(page.locator("#not-cleared")).to_be_visible()
    expect(page.locator(f'#hall li[data-order="{order.pk}"]')).to_have_count(0)
    shot(page, "1_hall_not_cleared")

    # He photographs his card; what was read comes back in the confirm form.
    page.goto(base + "/worker/identity/")
    expect(page.locator("#identity")).to_have_attribute("data-status", "none")
    photo = page.locator("#identity-photo-form")
    photo.locator('input[type="file"]').set_input_files(
        [{"name": "card.jpg", "mimeType": "image/jpeg", "buffer": card_photo}]
    )
    expect(page.locator("#identity-preview")).to_be_visible()
    photo.locator("#identity-photo-submit").click()
    expect(page.locator("#identity")).to_have_attribute("data-status", "draft")
    confirm = page.locator("#identity-confirm-form")
    expect(confirm.locator('input[name="name"]')).to_have_value(PERSON.name)
    expect(confirm.locator('input[name="id_number"]')).to_have_value(PERSON.id_number)
    expect(confirm.locator('select[name="sex"]')).to_have_value(PERSON.sex)
    expect(confirm.locator('input[name="address"]')).to_have_value(PERSON.address)
    shot(page, "2_card_read")
    expect(confirm.locator('input[name="birth_on"]')).to_have_value(PERSON.birth_on.isoformat())

    # The building and flat are missing from the card's address: he adds them and sends it.
    confirm.locator('input[name="address"]').fill(CORRECTED_ADDRESS)
    confirm.locator('button[type="submit"]').click()
    expect(page.locator("#identity")).to_have_attribute("data-status", "pending")
    expect(page.locator("#identity-state")).to_be_visible()
    shot(page, "3_waiting_for_review")
    verification = IdentityVerification.objects.get(worker=worker)
    assert verification.status == "pending"
    assert verification.corrected_fields == ["address"]

    # The operator, in his own browser, sees the correction, reveals the number, approves.
    office = desktop(browser)
    op = office.new_page()
    try:
        log_in(op, base, operator.phone)
        expect(op).to_have_url(base + "/operator/")
        op.goto(base + "/operator/identities/")
        row = op.locator(f"#identity-{verification.pk}")
        expect(row).to_contain_text(PERSON.name)
        expect(row.locator(".corrected")).to_have_count(1)
        expect(row.locator(".corrected")).to_contain_text(CORRECTED_ADDRESS)
        # Masked in the queue: the clear number is only for an audited reveal.
        expect(row).not_to_contain_text(PERSON.id_number)
        shot(op, "4_operator_queue")
        row.locator(f'a[href$="/operator/identities/{verification.pk}/"]').click()

        expect(op.locator("#identity-review")).to_have_attribute("data-status", "pending")
        address = op.locator('#identity-fields tr[data-field="address"]')
        expect(address).to_have_class(re.compile(r"\bcorrected\b"))
        expect(address).to_contain_text(CORRECTED_ADDRESS)
        expect(op.locator('#identity-fields tr[data-field="name"]')).not_to_have_class(
            re.compile(r"\bcorrected\b")
        )
        expect(op.locator("#revealed-id-number")).to_have_count(0)
        expect(op.locator("#reveal-audit tbody td.muted")).to_have_count(1)  # nobody yet
        assert not RevealAudit.objects.exists()

        reason = "核对身份证号与照片"
        op.locator("#reveal-form #reveal_reason").fill(reason)
        op.locator('#reveal-form button[value="reveal_id_number"]').click()
        expect(op.locator("#revealed-id-number")).to_have_text(PERSON.id_number)
        audit = op.locator("#reveal-audit tbody tr")
        expect(audit).to_have_count(1)
        expect(audit).to_contain_text(reason)
        expect(audit).to_contain_text(operator.name)
        entry = RevealAudit.objects.get()
        assert (entry.actor_id, entry.field, entry.reason) == (operator.pk, "id_number", reason)
        shot(op, "5_operator_reveal")

        op.locator('#decision-form button[value="approve"]').click()
        expect(op).to_have_url(re.compile(r"/operator/identities/$"))
        expect(op.locator(f"#identity-{verification.pk}")).to_have_count(0)
    finally:
        office.close()

    # The worker sees his verified identity, the number masked.
    page.goto(base + "/worker/identity/")
    expect(page.locator("#identity")).to_have_attribute("data-status", "approved")
    masked = page.locator("#identity-masked")
    expect(masked).to_have_text(re.compile(rf"^{PERSON.id_number[:4]}\*+{PERSON.id_number[-4:]}$"))
    expect(page.locator('#onboarding-steps li[data-step="identity"]')).to_have_class(
        re.compile(r"\bdone\b")
    )
    shot(page, "6_identity_approved")

    # He reads the agreement, agrees and signs; the signature checks out.
    page.goto(base + "/worker/agreement/")
    expect(page.locator("#agreement")).to_have_attribute("data-status", "generated")
    text = page.locator("#agreement-text")
    expect(text).to_contain_text(PERSON.name)
    text.evaluate("el => el.scrollTo(0, el.scrollHeight)")
    sign = page.locator("#agreement-sign-form")
    # Without the consent ticked, the browser keeps the form from being sent.
    assert sign.locator("#id_consent").evaluate("el => !el.checkValidity()")
    sign.locator("#id_consent").check()
    shot(page, "7_agreement_consent")
    sign.locator("#agreement-sign").click()
    expect(page.locator("#agreement")).to_have_attribute("data-status", "signed")
    expect(page.locator("#agreement-verification")).to_have_class(re.compile(r"\bverify-valid\b"))
    expect(page.locator("#agreement-download")).to_be_visible()
    shot(page, "8_agreement_signed")

    # Cleared: the hall no longer asks him to verify and shows the paid order.
    page.goto(base + "/worker/")
    for step in ("identity", "agreement"):
        expect(page.locator(f'#onboarding-steps li[data-step="{step}"]')).to_have_class(
            re.compile(r"\bdone\b")
        )
    page.goto(base + "/worker/orders/")
    expect(page.locator("#not-cleared")).to_have_count(0)
    card = page.locator(f'#hall li[data-order="{order.pk}"]')
    expect(card).to_contain_text(ORDER_TITLE)
    expect(card).to_contain_text("¥120.00")
    shot(page, "9_hall_cleared")


def test_confirm_form_shows_the_birth_date_read_from_the_card(
    page: Page, live_server, make_worker
) -> None:
    from xinghuo.identity import services as identity_services
    from xinghuo.identity.ocr.fake import FakeOcrEngine

    base = live_server.url
    worker = make_worker(name=PERSON.name)
    lines = card_lines(
        name=PERSON.name,
        sex=PERSON.sex,
        ethnicity=PERSON.ethnicity,
        birth_on=PERSON.birth_on,
        address=PERSON.address,
        id_number=PERSON.id_number,
    )
    identity_services.identity_submit_photo(
        worker=worker, image=cards.jpeg(cards.photograph(blank_card())), engine=FakeOcrEngine(lines)
    )

    log_in(page, base, worker.user.phone)
    expect(page).to_have_url(base + "/worker/")
    page.goto(base + "/worker/identity/")
    birth_on = page.locator('#identity-confirm-form input[name="birth_on"]')
    expect(birth_on).to_have_value(PERSON.birth_on.isoformat(), timeout=2_000)


def test_operator_rejects_and_the_worker_sees_why(
    page: Page, browser: Browser, live_server, make_worker, operator
) -> None:
    base = live_server.url
    worker = make_worker(name="赵敏")
    verification = identity_submit(worker=worker, person=person_for("赵敏", 7))
    reason = "照片反光，号码看不清，请重新拍摄"

    office = desktop(browser)
    op = office.new_page()
    try:
        log_in(op, base, operator.phone)
        expect(op).to_have_url(base + "/operator/")
        op.goto(base + f"/operator/identities/{verification.pk}/")
        op.locator('#reject-form input[name="reason"]').fill(reason)
        shot(op, "10_operator_rejects")
        op.locator('#reject-form button[value="reject"]').click()
        expect(op).to_have_url(re.compile(r"/operator/identities/$"))
    finally:
        office.close()
    verification.refresh_from_db()
    assert (verification.status, verification.review_note) == ("rejected", reason)

    log_in(page, base, worker.user.phone)
    expect(page).to_have_url(base + "/worker/")
    page.goto(base + "/worker/identity/")
    expect(page.locator("#identity")).to_have_attribute("data-status", "rejected")
    expect(page.locator("#identity-state")).to_contain_text(reason)
    expect(page.locator("#identity-photo-form")).to_be_visible()
    expect(page.locator('#identity-photo-form input[type="file"]')).to_be_enabled()
    expect(page.locator("#identity-confirm-form")).to_have_count(0)
    shot(page, "11_worker_rejected")


def test_worker_passes_an_online_exam_and_holds_the_theory_certification(
    page: Page, live_server, make_eligible_worker, clear_worker
) -> None:
    base = live_server.url
    # The banks come from a data migration that an earlier transactional test's flush
    # deleted; the management command loads them again.
    call_command("certification_load_banks", stdout=io.StringIO())
    exam = Exam.objects.get(code="work-at-height-theory")
    worker = make_eligible_worker(name="孙强", cleared=False)
    clear_worker(worker)

    log_in(page, base, worker.user.phone)
    expect(page).to_have_url(base + "/worker/")
    page.goto(base + "/worker/exams/")
    offer = page.locator("#exams li").filter(
        has=page.locator(f'input[name="exam_id"][value="{exam.pk}"]')
    )
    expect(offer).to_contain_text(exam.title)
    shot(page, "12_exams")
    offer.locator('button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/worker/exams/attempts/\d+/$"))
    attempt = ExamAttempt.objects.get(worker=worker, exam=exam)
    assert attempt.status == "open"
    questions = Question.objects.in_bulk(attempt.question_ids)
    assert len(attempt.question_ids) == exam.question_count
    expect(page.locator("#exam-form fieldset.question")).to_have_count(exam.question_count)
    expect(page.locator("#countdown-value")).to_have_text(re.compile(r"^1[45]:\d\d$"))

    # Every drawn question answered with the right options, read from the bank.
    for qid in attempt.question_ids:
        fieldset = page.locator(f"#question-{qid}")
        expect(fieldset).to_contain_text(questions[qid].text)
        for index in questions[qid].answer:
            fieldset.locator(f'input[name="q{qid}"][value="{index}"]').check()
    shot(page, "13_exam_answered")
    page.locator("#exam-submit").click()

    expect(page).to_have_url(re.compile(rf"/worker/exams/attempts/{attempt.pk}/result/$"))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score_percent, attempt.passed) == ("submitted", 100, True)
    score = page.locator("#score")
    expect(score).to_have_text("100%")
    expect(score).to_have_class(re.compile(r"\bpass\b"))
    answers = page.locator('.question[data-correct="true"]')
    expect(answers).to_have_count(exam.question_count)
    expect(page.locator('.question[data-correct="false"]')).to_have_count(0)
    explanations = page.locator(".question .explain")
    expect(explanations).to_have_count(exam.question_count)
    first = questions[attempt.question_ids[0]]
    expect(explanations.first).to_have_text(first.explanation)
    shot(page, "14_exam_result")

    page.locator('#exam-result a[href="/worker/certifications/"]').click()
    expect(page).to_have_url(base + "/worker/certifications/")
    cert = Certification.objects.get(worker=worker, exam_attempt=attempt)
    assert cert.kind == "theory_exam"
    row = page.locator("#certifications tbody tr").filter(has_text=exam.title)
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-state", "valid")
    expect(row).to_contain_text(cert.valid_until.isoformat())
    shot(page, "15_certifications")
