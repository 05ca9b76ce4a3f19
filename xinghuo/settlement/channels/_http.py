"""HTTP for the channels over the standard library (``urllib.request``).

Every transport failure becomes ChannelUnavailable: the caller cannot tell whether
the request arrived, so it keeps the payout submitted and queries later.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from .base import ChannelUnavailable

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without the body; a channel that
    # redirects a money request is misconfigured, and the 3xx surfaces as such.
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _headers(message: Message | None) -> dict[str, str]:
    return {name: value for name, value in (message or Message()).items()}


def _opener(url: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
    if urlsplit(url).hostname in _LOOPBACK:
        # Local fakes are never reached through an HTTP proxy from the environment.
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float,
) -> HttpResponse:
    """Send one request; 5xx and transport errors raise ChannelUnavailable, other
    statuses are returned for the channel to interpret."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"channel URL must be http(s): {url}")
    req = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, headers=dict(headers or {}), method=method
    )
    try:
        with _opener(url).open(req, timeout=timeout) as resp:
            return HttpResponse(resp.status, _headers(resp.headers), resp.read())
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            payload = exc.read()
        except (OSError, http.client.HTTPException):
            payload = b""
        if status >= 500:
            raise ChannelUnavailable(f"{method} {url}: HTTP {status}") from exc
        return HttpResponse(status, _headers(exc.headers), payload)
    except TimeoutError as exc:
        raise ChannelUnavailable(f"{method} {url}: timed out after {timeout}s") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise ChannelUnavailable(f"{method} {url}: {exc}") from exc
