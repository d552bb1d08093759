"""The console's client of the gateway's internal API, the only way a caseworker reaches a person.

Every call carries `Authorization: Bearer <GATEWAY_SERVICE_TOKEN>`; the console never sees a
phone number or chat id, only the pseudonym the gateway gave the person. Failures become one
`GatewayError` whose `code` the inbox turns into a message:

- the gateway's own error codes (`conversation_gone`, `window_closed`, `no_template`,
  `invalid_reply`, `delivery_failed`, `rasa_unavailable`, `media_gone`, `channel_unavailable`,
  `unauthorized`, `service_token_not_configured`, ...), with `closes_at` and `sent` (messages
  that went out before a channel failed) when the gateway gives them;
- `token_not_configured`: the console has no token, so nothing is sent at all;
- `gateway_unreachable`: no connection could be made (nothing was sent);
- `gateway_timeout`: the request may have reached the gateway but no answer came back (a
  timeout or a dropped connection: a reply may or may not have gone out);
- `gateway_error`: any other answer the contract does not describe.

The client never logs texts, pseudonyms or the token.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger("console.gateway")

NOT_CONFIGURED = "token_not_configured"
UNREACHABLE = "gateway_unreachable"
TIMEOUT = "gateway_timeout"
UNEXPECTED = "gateway_error"
#: Connect quickly (a stopped gateway is reported at once); a reply may wait for Telegram's or
#: Twilio's answer.
TIMEOUTS = httpx.Timeout(20.0, connect=3.0)


class GatewayError(Exception):
    """The gateway could not do what was asked; `code` says why (see the module docstring)."""

    def __init__(self, code: str, status: int | None = None,
                 closes_at: str | None = None, sent: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.closes_at = closes_at
        #: Messages that did reach the person before a channel failed (a long reply in parts).
        self.sent = sent

    @property
    def nothing_sent(self) -> bool:
        """Whether the person surely received nothing (a timeout leaves it open)."""
        return self.code != TIMEOUT and not self.sent


def _segment(value: str) -> str:
    return quote(value, safe="")


class GatewayClient:
    """Calls `/internal/...` on the gateway at `base_url` with `token`, over one connection pool
    opened at first use (or by `open()`, as the console's lifespan does) and ended by
    `aclose()`."""

    def __init__(self, base_url: str, token: str | None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: httpx.Timeout = TIMEOUTS) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token or None
        self._transport = transport
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    @property
    def configured(self) -> bool:
        return self._token is not None

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self.base_url, timeout=self._timeout, transport=self._transport,
                headers={"authorization": f"Bearer {self._token}"})
        return self._http

    async def open(self) -> None:
        if self.configured:
            self._client()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _send(self, method: str, path: str, body: dict[str, Any] | None = None,
                    stream: bool = False) -> httpx.Response:
        if not self.configured:
            raise GatewayError(NOT_CONFIGURED)
        http = self._client()
        try:
            request = http.build_request(method, path, json=body)
            response = await http.send(request, stream=stream)
        except (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ConnectError) as exc:
            log.warning("gateway unreachable: %s", type(exc).__name__)
            raise GatewayError(UNREACHABLE) from None
        except httpx.TransportError as exc:  # the request may have reached the gateway
            log.warning("gateway gave no answer: %s", type(exc).__name__)
            raise GatewayError(TIMEOUT) from None
        if response.is_success:
            return response
        if stream:
            await response.aread()
            await response.aclose()
        raise _error_of(response)

    async def _json(self, method: str, path: str,
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self._send(method, path, body)
        try:
            data = response.json()
        except ValueError:
            raise GatewayError(UNEXPECTED, response.status_code) from None
        if not isinstance(data, dict):
            raise GatewayError(UNEXPECTED, response.status_code)
        return data

    async def conversation(self, pseudonym: str) -> dict[str, Any]:
        """The person's channel, language, WhatsApp window, template and events."""
        data = await self._json("GET", f"/internal/conversations/{_segment(pseudonym)}")
        if not isinstance(data.get("events"), list):
            raise GatewayError(UNEXPECTED)
        return data

    async def reply(self, pseudonym: str, text: str) -> dict[str, Any]:
        """Send a caseworker's text on the person's channel."""
        return await self._json("POST", f"/internal/conversations/{_segment(pseudonym)}/reply",
                                {"text": text})

    async def send_template(self, pseudonym: str) -> dict[str, Any]:
        """Send the approved WhatsApp template (outside the 24-hour window)."""
        return await self._json("POST", f"/internal/conversations/{_segment(pseudonym)}/reply",
                                {"template": True})

    async def waiting(self, pseudonym: str) -> dict[str, Any]:
        """Tell the person their request is still waiting, with the hotline numbers."""
        return await self._json("POST",
                                f"/internal/conversations/{_segment(pseudonym)}/waiting")

    async def media(self, pseudonym: str, media_id: str) -> httpx.Response:
        """A streamed response with one media item's bytes; `aclose()` it when done."""
        return await self._send("GET", f"/internal/media/{_segment(pseudonym)}/"
                                f"{_segment(media_id)}", stream=True)


def _error_of(response: httpx.Response) -> GatewayError:
    code = UNEXPECTED
    closes_at = None
    sent = 0
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        if isinstance(data.get("error"), str) and data["error"]:
            code = data["error"][:64]
        if isinstance(data.get("closes_at"), str):
            closes_at = data["closes_at"]
        elif isinstance(data.get("window"), dict) and isinstance(
                data["window"].get("closes_at"), str):
            closes_at = data["window"]["closes_at"]
        if isinstance(data.get("sent"), int) and not isinstance(data["sent"], bool):
            sent = max(0, data["sent"])
    log.info("gateway refused a call: %s %s", response.status_code, code)
    return GatewayError(code, response.status_code, closes_at, sent)
