from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkOrdersConfig(AppConfig):
    name = "xinghuo.work_orders"
    label = "work_orders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        # Key rotation (manage.py identity_rotate_keys) re-encrypts what this app stores.
        from xinghuo.core.crypto import reencryption_register

        from .services import attachments_reencrypt_all

        reencryption_register(what="order files", reencrypt_all=attachments_reencrypt_all)
