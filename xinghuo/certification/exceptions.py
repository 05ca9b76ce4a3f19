from django.utils.translation import gettext_lazy as _

from xinghuo.core.exceptions import NotFound


class CertificationNotFound(NotFound):
    default_code = "certification_not_found"

    def __init__(self) -> None:
        super().__init__(_("Certification not found."))


class CertificationFileNotFound(NotFound):
    default_code = "certification_file_not_found"

    def __init__(self) -> None:
        super().__init__(_("File not found."))


class ExamNotFound(NotFound):
    default_code = "exam_not_found"

    def __init__(self) -> None:
        super().__init__(_("Exam not found."))


class ExamAttemptNotFound(NotFound):
    default_code = "exam_attempt_not_found"

    def __init__(self) -> None:
        super().__init__(_("Exam attempt not found."))
