from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import NotFound


class IdentityNotFound(NotFound):
    default_code = "identity_not_found"

    def __init__(self) -> None:
        super().__init__(_("Identity verification not found."))


class EmployerVerificationNotFound(NotFound):
    default_code = "employer_verification_not_found"

    def __init__(self) -> None:
        super().__init__(_("Employer verification not found."))
