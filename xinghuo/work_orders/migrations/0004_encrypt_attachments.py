"""Order files (documents, delivery photos) were stored in clear: encrypt each under a new random name
(core.crypto.files_encryption_migration); the way back decrypts them again."""

from django.db import migrations

from xinghuo.core import crypto


class Migration(migrations.Migration):
    dependencies = [("work_orders", "0003_workorder_work_orders_organiz_bc8302_idx_and_more")]

    operations = [crypto.files_encryption_migration("work_orders", "Attachment")]
