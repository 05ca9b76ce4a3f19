from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, NotFound, PermissionDenied, RateLimited, Unauthorized


class PhoneTaken(Conflict):
    default_code = "phone_taken"


class InvalidCredentials(Unauthorized):
    default_code = "invalid_credentials"


class LoginThrottled(RateLimited):
    default_code = "login_throttled"


class SecondFactorRequired(Unauthorized):
    """The password was right; an operator with a TOTP device must also give its code."""

    default_code = "otp_required"

    def __init__(self, message: str | Promise, *, user_id: int) -> None:
        super().__init__(message, detail={"field": "otp"})
        self.user_id = user_id  # for the web's second step; never sent to the client


class InvalidSecondFactor(Unauthorized):
    default_code = "invalid_otp"


class SecondFactorEnrolmentRequired(PermissionDenied):
    default_code = "otp_enrolment_required"


class OrganizationNotFound(NotFound):
    default_code = "organization_not_found"

    def __init__(self) -> None:
        super().__init__(_("Organization not found."))


class OrganizationExists(Conflict):
    default_code = "organization_exists"
