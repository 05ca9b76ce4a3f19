"""Re-encrypt every stored identity value under the first IDENTITY_ENCRYPTION_KEYS key:
ID numbers, OCR results and ID images, employers' licence images, certificate scans, order
files (documents, delivery photos) and the numbers of payout accounts (which use the same
keys).

Each app that stores values under these keys registers its re-encryption in its
AppConfig.ready() (core.crypto.reencryption_register); this command runs them all, so identity
imports none of the apps above it.

Run after putting a new key first; once it has finished the old keys can be dropped.
Idempotent: running it twice only re-encrypts again under the same key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinghuo.core import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt ID numbers, OCR results, ID images, licences, certificate scans, order "
        "files and payout accounts under the newest key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for what, reencrypt_all in crypto.reencryptions():
            count = reencrypt_all()
            self.stdout.write(f"re-encrypted {count} {what}")
