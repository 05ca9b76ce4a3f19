from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import NotFound


class WorkerNotFound(NotFound):
    default_code = "worker_not_found"

    def __init__(self) -> None:
        super().__init__(_("Worker not found."))


class RoleNotFound(NotFound):
    default_code = "role_not_found"

    def __init__(self) -> None:
        super().__init__(_("Role not found."))


class RoleChangeRequestNotFound(NotFound):
    default_code = "role_change_request_not_found"

    def __init__(self) -> None:
        super().__init__(_("Role change request not found."))


class TeamInvitationNotFound(NotFound):
    """Missing, answered, or addressed to another number: the same answer for all."""

    default_code = "team_invitation_not_found"

    def __init__(self) -> None:
        super().__init__(_("Invitation not found."))
