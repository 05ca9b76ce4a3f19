"""Payout accounts, step 2 of 3: encrypt the numbers stored in clear and fill the masked
number, the blind index and (bank cards) the bank and card type from the BIN.

The historical model has no methods and `account` is still a plain TextField here, so the
values are read in clear and the Fernet token is written as is. The masking is a frozen
copy of settlement/payout_accounts.py at the time of writing (migrations must not change
when that code does); encryption, the blind index and the BIN table are identity's.
A second row of a worker with the same number on the same channel keeps a blank index
(the unique constraint of 0008 ignores blank ones) rather than failing the migration.
"""

import re

from django.db import migrations

from xinghuo.core import crypto
from xinghuo.core.exceptions import ValidationFailed
from xinghuo.identity import selectors as bins

MOBILE = re.compile(r"^1[3-9]\d{9}$")
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 + timestamp


def _alipay(account):
    compact = re.sub(r"[\s\-]", "", account).removeprefix("+86")
    if MOBILE.match(compact):
        return compact, f"{compact[:3]}****{compact[-4:]}"
    if "@" in account:
        local, _at, domain = account.strip().rpartition("@")
        keep = local[:2] if len(local) > 2 else local[:1]
        return f"{local}@{domain.lower()}", f"{keep}***@{domain.lower()}"
    return account, crypto.mask(account, head=3, tail=4)


def _bank(account):
    try:
        info = bins.card_recognise(account)
    except ValidationFailed:
        number = re.sub(r"[\s\-]", "", account)
        return number, crypto.mask(number, head=4, tail=4), {}
    masked = crypto.mask_card_number(info.number)
    return (
        info.number,
        f"{masked[:4]} **** **** {masked[-4:]}",
        {
            "bank_code": info.bank_code or "",
            "bank_name": info.bank_name or "",
            "card_type": info.card_type or "",
        },
    )


def encrypt(apps, schema_editor):
    PayoutAccount = apps.get_model("settlement", "PayoutAccount")
    seen = set()
    for row in PayoutAccount.objects.order_by("pk").iterator():
        if not row.account or row.account.startswith(FERNET_PREFIX):
            continue
        if row.channel == "bank":
            number, masked, bank = _bank(row.account)
        else:
            (number, masked), bank = _alipay(row.account), {}
        index = crypto.blind_index(number)
        key = (row.worker_id, row.channel, index)
        PayoutAccount.objects.filter(pk=row.pk).update(
            # Normalised (a card as digits only), as payout_account_add stores it.
            account=crypto.encrypt_str(number),
            account_index="" if key in seen else index,
            account_masked=masked,
            **bank,
        )
        seen.add(key)


def decrypt(apps, schema_editor):
    PayoutAccount = apps.get_model("settlement", "PayoutAccount")
    for row in PayoutAccount.objects.order_by("pk").iterator():
        if row.account.startswith(FERNET_PREFIX):
            PayoutAccount.objects.filter(pk=row.pk).update(
                account=crypto.decrypt_str(row.account),
                account_index="",
                account_masked="",
                bank_code="",
                bank_name="",
                card_type="",
            )


class Migration(migrations.Migration):
    dependencies = [("settlement", "0006_payoutaccount_bank_and_mask_fields")]

    operations = [migrations.RunPython(encrypt, decrypt)]
