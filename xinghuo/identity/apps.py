from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "xinghuo.identity"
    label = "identity"
    verbose_name = _("Identity verification")

    def ready(self) -> None:
        # Key rotation (manage.py identity_rotate_keys) re-encrypts what this app stores.
        from xinghuo.core.crypto import reencryption_register

        from .services import employer, identity_reencrypt_all

        reencryption_register(what="identity verifications", reencrypt_all=identity_reencrypt_all)
        reencryption_register(
            what="employer licences", reencrypt_all=employer.employer_licence_reencrypt_all
        )
