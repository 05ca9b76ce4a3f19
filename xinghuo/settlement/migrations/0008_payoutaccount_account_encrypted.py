"""Payout accounts, step 3 of 3: `account` becomes an EncryptedTextField (the column already
holds tokens, see 0007) and one worker cannot bind the same number twice on a channel."""

from django.db import migrations, models

import xinghuo.core.crypto


class Migration(migrations.Migration):
    dependencies = [("settlement", "0007_encrypt_payout_accounts")]

    operations = [
        migrations.AlterField(
            model_name="payoutaccount",
            name="account",
            field=xinghuo.core.crypto.EncryptedTextField(verbose_name="account (encrypted)"),
        ),
        migrations.AddConstraint(
            model_name="payoutaccount",
            constraint=models.UniqueConstraint(
                condition=models.Q(("account_index", ""), _negated=True),
                fields=("worker", "channel", "account_index"),
                name="uniq_payout_account_number",
            ),
        ),
    ]
