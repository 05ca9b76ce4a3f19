"""Mainland mobile numbers and unified social credit codes."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from xinghuo.core.exceptions import ValidationFailed

# 11 digits, 1 then 3–9: every mobile number segment allocated by MIIT.
# ASCII digits only: `\d` would also take other scripts' digits (a lookalike second account).
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_phone(raw: str) -> str:
    """Return the 11-digit mainland mobile number, or raise ValidationFailed(invalid_phone).

    Accepts the usual ways people type it: spaces or dashes, a +86 / 0086 prefix, the
    full-width digits of a Chinese input method (NFKC folds them to ASCII).
    """
    cleaned = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086", "86"):
        if cleaned.startswith(prefix) and len(cleaned) == len(prefix) + 11:
            cleaned = cleaned[len(prefix) :]
            break
    if not _MOBILE_RE.match(cleaned):
        raise ValidationFailed(
            _("Enter a valid mainland China mobile number (11 digits starting with 1)."),
            code="invalid_phone",
            detail={"field": "phone"},
        )
    return cleaned


def normalize_uscc(raw: str) -> str:
    """Return the validated 18-character unified social credit code (统一社会信用代码)."""
    try:
        return str(uscc.validate(raw or ""))
    except StdnumError:
        raise ValidationFailed(
            _("The unified social credit code is not valid."),
            code="invalid_credit_code",
            detail={"field": "credit_code"},
        ) from None
