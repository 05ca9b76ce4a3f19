from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import Conflict, NotFound, Unauthorized, ValidationFailed


class BadSignature(Unauthorized):
    """Unknown key, revoked key or wrong signature: one answer for all three."""

    default_code = "bad_signature"

    def __init__(self) -> None:
        super().__init__(_("The request signature is not valid."))


class StaleTimestamp(Unauthorized):
    default_code = "stale_timestamp"

    def __init__(self) -> None:
        super().__init__(
            _("The request timestamp is missing or more than 5 minutes from our clock.")
        )


class UnknownAlarmType(ValidationFailed):
    default_code = "unknown_alarm_type"


class UnknownSite(ValidationFailed):
    default_code = "site_not_found"


class BadImportFile(ValidationFailed):
    default_code = "bad_import_file"


class AlarmRuleExists(Conflict):
    default_code = "alarm_rule_exists"


class IntegrationKeyNotFound(NotFound):
    default_code = "integration_key_not_found"

    def __init__(self) -> None:
        super().__init__(_("Integration key not found."))
