"""Re-encrypt every stored identity value under the first IDENTITY_ENCRYPTION_KEYS key.

Run after putting a new key first; once it has finished the old keys can be dropped.
Idempotent: running it twice only re-encrypts again under the same key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xinghuo.identity import services


class Command(BaseCommand):
    help = "Re-encrypt ID numbers, OCR results and ID images under the newest key."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.identity_reencrypt_all()
        self.stdout.write(f"re-encrypted {count} identity verifications")
