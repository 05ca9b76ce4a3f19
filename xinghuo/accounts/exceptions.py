from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, NotFound, RateLimited, Unauthorized


class PhoneTaken(Conflict):
    default_code = "phone_taken"


class InvalidCredentials(Unauthorized):
    default_code = "invalid_credentials"


class LoginThrottled(RateLimited):
    default_code = "login_throttled"


class OrganizationNotFound(NotFound):
    default_code = "organization_not_found"

    def __init__(self) -> None:
        super().__init__(_("Organization not found."))


class OrganizationExists(Conflict):
    default_code = "organization_exists"
