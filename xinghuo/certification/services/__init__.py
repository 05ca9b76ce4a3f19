"""Writes for certifications and exams.

How an approved certification feeds dispatch: dispatch reads only
`WorkerSkill.valid_from/valid_until` and compares them with the day, so a certification stops
counting the moment its `valid_until` passes without any job running. Approval (and a passed
exam) recomputes those dates for the skills granted, in the same transaction:

    intervals = [valid_from, valid_until] of every approved certification of the worker that
                grants the skill and has not expired (valid_until ≥ today),
                plus the WorkerSkill's current dates if they have not expired;
    merge the intervals that overlap or touch (a renewal that starts the day after the old
    certificate ends, or earlier); the WorkerSkill takes the first merged interval.

When the certifications overlap — the usual renewal — this is exactly "the latest valid_until
among approved, unexpired certifications". A gap (a new certificate that starts after the old
one ends) is not papered over: the worker is not eligible during the gap. Approval never
shortens dates that are still valid; rejection and expiry never touch them.

One module per family: `certifications` (submit, review, expiry warnings), `exams`, `files`
(evidence checks, key rotation) and `sweeps`; callers import this package.
"""

from .certifications import (
    EXPIRY_WARNING_DAYS,
    certification_approve,
    certification_expiry_warn,
    certification_reject,
    certification_submit,
)
from .exams import (
    EXAM_ISSUER,
    SUBMIT_GRACE,
    attempt_is_late,
    exam_save_answers,
    exam_start,
    exam_submit,
    exam_timeout_sweep,
    grade,
)
from .files import MAX_FILE_BYTES, MAX_FILES, certification_files_reencrypt_all
from .sweeps import certification_sweep

__all__ = [
    "EXAM_ISSUER",
    "EXPIRY_WARNING_DAYS",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "SUBMIT_GRACE",
    "attempt_is_late",
    "certification_approve",
    "certification_expiry_warn",
    "certification_files_reencrypt_all",
    "certification_reject",
    "certification_submit",
    "certification_sweep",
    "exam_save_answers",
    "exam_start",
    "exam_submit",
    "exam_timeout_sweep",
    "grade",
]
