"""Order files: served only to the employer's members and the worker on the order."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from xinghuo.accounts.auth import current_user
from xinghuo.work_orders import selectors as order_selectors
from xinghuo.work_orders.exceptions import WorkOrderNotFound


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Order files are not public: only the employer's members and the worker on the order."""
    try:
        data, content_type = order_selectors.attachment_content(
            user=current_user(request), attachment_id=attachment_id
        )
    except WorkOrderNotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
