"""Certificate scans were stored in clear: encrypt each under a new random name
(core.crypto.files_encryption_migration); the way back decrypts them again."""

from django.db import migrations

from xinghuo.core import crypto


class Migration(migrations.Migration):
    dependencies = [("certification", "0002_question_banks")]

    operations = [crypto.files_encryption_migration("certification", "CertificationFile")]
