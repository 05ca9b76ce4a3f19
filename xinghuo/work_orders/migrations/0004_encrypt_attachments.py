"""Order files (documents, delivery photos) were stored in clear: encrypt each under a new random
name (core.crypto.encrypt_clear_file); the way back decrypts them again."""

from django.db import migrations

from xinghuo.core import crypto

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def encrypt_files(apps, schema_editor):
    Model = apps.get_model("work_orders", "Attachment")
    for row in Model.objects.order_by("pk").iterator():
        if crypto.encrypt_clear_file(row.file):
            row.save(update_fields=["file"])


def decrypt_files(apps, schema_editor):
    Model = apps.get_model("work_orders", "Attachment")
    for row in Model.objects.order_by("pk").iterator():
        extension = EXTENSIONS.get(row.content_type, "bin")
        if crypto.decrypt_to_clear_file(row.file, extension=extension):
            row.save(update_fields=["file"])


class Migration(migrations.Migration):
    dependencies = [("work_orders", "0003_workorder_work_orders_organiz_bc8302_idx_and_more")]

    operations = [migrations.RunPython(encrypt_files, decrypt_files)]
