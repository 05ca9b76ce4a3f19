from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import ApplicationError, NotFound


class AgreementNotFound(NotFound):
    default_code = "agreement_not_found"

    def __init__(self) -> None:
        super().__init__(_("Agreement not found."))


class SigningUnavailable(ApplicationError):
    """The signer (local key or provider) could not sign now; nothing was recorded."""

    status_code = 503
    default_code = "signing_unavailable"


class EsignNotConfigured(NotFound):
    """e签宝 is off here: its callback does not exist (404), rather than fail (500)."""

    default_code = "not_found"

    def __init__(self) -> None:
        super().__init__(_("Not found."))
