"""Payout accounts, step 1 of 3: the masked number, blind index and bank columns, and an
`account` column wide enough for a Fernet token (0007 encrypts, 0008 switches the field)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("settlement", "0005_payout_settlement__created_0df95d_idx"),
        ("workforce", "0002_default_roles_and_skills"),
    ]

    operations = [
        migrations.AddField(
            model_name="payoutaccount",
            name="account_index",
            field=models.CharField(
                blank=True,
                default="",
                max_length=64,
                verbose_name="account blind index",
            ),
        ),
        migrations.AddField(
            model_name="payoutaccount",
            name="account_masked",
            field=models.CharField(
                blank=True,
                default="",
                max_length=64,
                verbose_name="account (masked)",
            ),
        ),
        migrations.AddField(
            model_name="payoutaccount",
            name="bank_code",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="bank code"),
        ),
        migrations.AddField(
            model_name="payoutaccount",
            name="bank_name",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="bank"),
        ),
        migrations.AddField(
            model_name="payoutaccount",
            name="card_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("DC", "Debit card"),
                    ("CC", "Credit card"),
                    ("SCC", "Semi-credit card"),
                    ("PC", "Prepaid card"),
                ],
                default="",
                max_length=4,
                verbose_name="card type",
            ),
        ),
        # Still plain text here: 0007 reads the clear numbers through this field.
        migrations.AlterField(
            model_name="payoutaccount",
            name="account",
            field=models.TextField(verbose_name="account (encrypted)"),
        ),
    ]
