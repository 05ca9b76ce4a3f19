"""The one interface every way of signing an agreement PDF implements.

- ``sign`` puts the platform's signature on the PDF. A local signer answers at once
  (``status="signed"`` with the signed bytes); a provider may answer ``"pending"`` with
  its reference, and the signed file comes later (``fetch``, after its callback).
- ``verify`` re-validates the signature of a signed PDF: is the signed content intact,
  is the signature cryptographically valid, does it cover the whole file, is the
  certificate one we trust. It never raises for a damaged file: damage is a finding.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


class SigningError(Exception):
    """The signer could not sign (configuration, provider refused, provider unreachable)."""


@dataclass(frozen=True)
class SignRequest:
    pdf: bytes
    document_id: str  # our agreement number: the provider's idempotency key
    title: str
    signer_name: str  # the worker who consented
    reason: str
    location: str = ""


@dataclass(frozen=True)
class SignResult:
    status: Literal["signed", "pending"]
    pdf: bytes | None = None
    provider_ref: str = ""
    certificate_sha256: str = ""


@dataclass(frozen=True)
class Verification:
    intact: bool = False  # the signed byte ranges hash to the signed digest
    signature_valid: bool = False  # the CMS signature over that digest verifies
    trusted: bool = False  # the certificate chains to a configured trust root
    covers_whole_file: bool = False  # nothing was appended after the signature
    signer_subject: str = ""
    certificate_sha256: str = ""
    signing_time: datetime | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return (
            self.intact
            and self.signature_valid
            and self.trusted
            and self.covers_whole_file
            and not self.problems
        )


class Signer(ABC):
    name: str

    @abstractmethod
    def sign(self, request: SignRequest) -> SignResult: ...

    @abstractmethod
    def verify(self, pdf: bytes) -> Verification: ...

    def fetch(self, provider_ref: str) -> SignResult:
        """The outcome of a pending signature (providers only)."""
        raise SigningError(f"{self.name} signs synchronously: nothing to fetch")
