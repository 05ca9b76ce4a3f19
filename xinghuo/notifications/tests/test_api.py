"""The notification endpoints answer only for the caller's own notifications."""

from __future__ import annotations

from xinghuo.notifications import services
from xinghuo.notifications.models import Notification


def test_marking_someone_elses_notification_read_is_not_found_and_changes_nothing(  # type: ignore[no-untyped-def]
    api, make_worker
) -> None:
    mine, theirs = make_worker(), make_worker()
    note = services.notify(user=theirs.user, kind="test", title="给别人的消息")
    assert note is not None
    resp = api(mine.user).post(f"/notifications/{note.pk}/read")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"
    assert resp.json() == api(mine.user).post("/notifications/999999/read").json()
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_ones_own_notification_read_twice_answers_204_both_times(  # type: ignore[no-untyped-def]
    api, make_worker
) -> None:
    worker = make_worker()
    note = services.notify(user=worker.user, kind="test", title="你的消息")
    assert note is not None
    client = api(worker.user)
    assert client.post(f"/notifications/{note.pk}/read").status_code == 204
    assert client.post(f"/notifications/{note.pk}/read").status_code == 204
    assert Notification.objects.get(pk=note.pk).read_at is not None
