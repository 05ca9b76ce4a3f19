from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "xinghuo.certification"
    label = "certification"
    verbose_name = _("Certification and exams")

    def ready(self) -> None:
        # Key rotation (manage.py identity_rotate_keys) re-encrypts what this app stores.
        from xinghuo.core.crypto import reencryption_register

        from .services import certification_files_reencrypt_all

        reencryption_register(
            what="certificate scans", reencrypt_all=certification_files_reencrypt_all
        )
