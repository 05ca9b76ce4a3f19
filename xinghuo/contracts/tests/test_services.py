from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from xinghuo.contracts import selectors, services
from xinghuo.contracts.exceptions import AgreementNotFound
from xinghuo.contracts.models import Agreement
from xinghuo.contracts.signing import SigningError, get_signer
from xinghuo.contracts.signing.base import SignRequest, Verification
from xinghuo.core.exceptions import Conflict, ValidationFailed

from .helpers import embedded_fonts, pdf_text

pytestmark = pytest.mark.django_db
CONSENT = "本人已完整阅读并理解协议全部条款，同意以电子方式签署本协议。"


def sign(worker: Any, **overrides: Any) -> Agreement:
    kwargs = {
        "worker": worker,
        "consent": True,
        "consent_text": CONSENT,
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (Linux; Android 14) XinghuoTest",
    } | overrides
    return services.agreement_sign(**kwargs)


def stored(agreement: Agreement, field: str = "signed_pdf") -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / getattr(agreement, field).name


def test_generated_pdf_embeds_the_font_and_prints_the_verified_worker(verified_worker) -> None:
    worker = verified_worker()
    agreement = services.agreement_get_or_generate(worker=worker)
    data = stored(agreement, "unsigned_pdf").read_bytes()
    assert services.sha256_hex(data) == agreement.unsigned_sha256
    fonts = embedded_fonts(data)
    assert any("XinghuoSansSC" in name and embedded for name, embedded in fonts.items()), fonts
    text = pdf_text(data)
    assert "王建国" in text
    assert "3301**********1237" in text  # masked: the full number never reaches the PDF
    assert "330106198805121237" not in text
    assert worker.user.phone in text
    assert "杭州星火数智科技有限公司" in text
    assert agreement.party_id_number_masked == "3301**********1237"


def test_unverified_worker_gets_a_blank_id_line(make_worker) -> None:
    worker = make_worker(name="赵六")
    agreement = services.agreement_get_or_generate(worker=worker)
    assert agreement.party_id_number_masked == ""
    assert "赵六" in pdf_text(stored(agreement, "unsigned_pdf").read_bytes())


def test_generation_is_idempotent_and_refreshes_stale_unsigned_details(make_worker) -> None:
    worker = make_worker(name="赵六")
    first = services.agreement_get_or_generate(worker=worker)
    assert services.agreement_get_or_generate(worker=worker).pk == first.pk
    worker.user.name = "赵六六"
    worker.user.save()
    again = services.agreement_get_or_generate(worker=worker)
    assert (again.pk, again.number) == (first.pk, first.number)
    assert again.party_name == "赵六六"
    assert again.unsigned_sha256 != first.unsigned_sha256
    assert Agreement.objects.filter(worker=worker).count() == 1


def test_sign_records_evidence_and_verifies(verified_worker) -> None:
    worker = verified_worker()
    generated = services.agreement_get_or_generate(worker=worker)
    agreement = sign(worker)
    assert agreement.pk == generated.pk
    assert agreement.status == Agreement.Status.SIGNED
    assert agreement.signed_by == worker.user
    assert agreement.signer_ip == "203.0.113.7"
    assert agreement.signer_user_agent.startswith("Mozilla/5.0")
    assert agreement.consent_text == CONSENT
    assert agreement.consented_at is not None and agreement.signed_at is not None
    signed = stored(agreement).read_bytes()
    unsigned = stored(agreement, "unsigned_pdf").read_bytes()
    assert services.sha256_hex(signed) == agreement.signed_sha256
    assert signed.startswith(unsigned)  # PAdES incremental update of what the worker saw
    assert selectors.worker_has_signed(worker=worker)

    result = selectors.agreement_verify(user=worker.user, agreement_id=agreement.pk)
    assert result.result == "valid", result.checks
    assert all(v is not False for v in result.checks.values())
    assert "杭州星火数智科技有限公司" in result.signer_subject
    assert result.certificate_sha256 == agreement.certificate_sha256


@pytest.mark.parametrize("where", [0.1, 0.3, 0.5, 0.75, 0.95, 0.999])
def test_one_changed_byte_is_detected(verified_worker, where: float) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    agreement = sign(worker)
    path = stored(agreement)
    data = bytearray(path.read_bytes())
    i = int(len(data) * where)
    data[i] = (data[i] + 1) % 256
    path.write_bytes(bytes(data))
    result = selectors.agreement_verify(user=worker.user, agreement_id=agreement.pk)
    assert result.result == "tampered", (i, result.checks)


def test_changed_content_is_detected_by_the_signature_itself(verified_worker) -> None:
    """Not just our recorded hash: pyHanko sees the digest mismatch in the signed range."""
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    agreement = sign(worker)
    data = bytearray(stored(agreement).read_bytes())
    data[200] ^= 0x01
    verification = get_signer("local").verify(bytes(data))
    assert not verification.intact and not verification.valid


def test_appended_revision_is_detected(verified_worker) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    agreement = sign(worker)
    data = stored(agreement).read_bytes()
    assert not get_signer("local").verify(data + b"\n% appended\n").valid


def test_sign_is_idempotent(verified_worker) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    first = sign(worker)
    again = sign(worker, consent_text="另一段文字", ip_address="198.51.100.1")
    assert again.pk == first.pk
    assert (again.signed_sha256, again.signed_at, again.signer_ip, again.consent_text) == (
        first.signed_sha256,
        first.signed_at,
        first.signer_ip,
        first.consent_text,
    )
    assert Agreement.objects.filter(worker=worker).count() == 1


@pytest.mark.parametrize(
    ("consent", "text", "code"),
    [
        (False, CONSENT, "consent_required"),
        (True, "", "consent_text_invalid"),
        (True, "   ", "consent_text_invalid"),
        (True, "字" * 1001, "consent_text_invalid"),
    ],
)
def test_consent_is_required(verified_worker, consent: bool, text: str, code: str) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    with pytest.raises(ValidationFailed) as exc:
        sign(worker, consent=consent, consent_text=text)
    assert exc.value.code == code
    agreement = Agreement.objects.get(worker=worker)
    assert agreement.status == Agreement.Status.GENERATED
    assert agreement.signed_by is None and agreement.consent_text == ""
    assert not selectors.worker_has_signed(worker=worker)


def test_sign_refuses_a_document_other_than_the_one_shown(verified_worker) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    with pytest.raises(Conflict) as exc:
        sign(worker, document_sha256="0" * 64)
    assert exc.value.code == "agreement_changed"


def test_sign_before_generation_is_not_found(verified_worker) -> None:
    with pytest.raises(AgreementNotFound):
        sign(verified_worker())


class BrokenSigner:
    name = "local"

    def sign(self, request: SignRequest) -> Any:
        raise SigningError("HSM offline")

    def verify(self, pdf: bytes) -> Verification:
        return Verification()


def test_failed_signing_records_nothing(verified_worker) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    with pytest.raises(services.SigningUnavailable):
        sign(worker, signer=BrokenSigner())
    agreement = Agreement.objects.get(worker=worker)
    assert agreement.status == Agreement.Status.GENERATED
    assert agreement.signed_by is None and agreement.consented_at is None


def test_another_worker_cannot_verify(verified_worker) -> None:
    owner, other = verified_worker(), verified_worker()
    services.agreement_get_or_generate(worker=owner)
    agreement = sign(owner)
    with pytest.raises(AgreementNotFound):
        selectors.agreement_verify(user=other.user, agreement_id=agreement.pk)


def test_operator_can_verify(verified_worker, operator) -> None:
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    agreement = sign(worker)
    assert selectors.agreement_verify(user=operator, agreement_id=agreement.pk).result == "valid"


def test_unsigned_agreement_reports_not_signed(verified_worker) -> None:
    worker = verified_worker()
    agreement = services.agreement_get_or_generate(worker=worker)
    result = selectors.agreement_verify(user=worker.user, agreement_id=agreement.pk)
    assert result.result == "not_signed"


@pytest.mark.django_db(transaction=True)
def test_concurrent_signs_sign_once(verified_worker) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locking under real concurrency is tested on PostgreSQL (CI runs it)")
    worker = verified_worker()
    services.agreement_get_or_generate(worker=worker)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(sign(worker).signed_sha256)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    barrier = threading.Barrier(4)

    def run_together() -> None:
        barrier.wait()
        run()

    threads = [threading.Thread(target=run_together) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(results)) == 1
    assert Agreement.objects.get(worker=worker).signed_sha256 == results[0]
