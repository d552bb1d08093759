"""The interface every messaging channel of the gateway implements (opsdroid's `Connector` shape).

A channel has a name (the `channel` of its messages and of its pseudonyms), says whether the
settings configure it, serves one webhook, starts and stops (polling, HTTP clients), and
delivers answers outside a request (queued and retried ones) to a raw id it never shows Rasa.
For the console's internal API (`channels.internal`) it also sends a caseworker's text as the
platform requires (split at its limit, every refusal reported, none swallowed) and opens a
media item the person sent, by the reference the gateway store keeps.
Everything between the webhook and the delivery is the gateway's (`channels.core`).
`channels.app` builds the configured ones from `CHANNELS` and routes each webhook path to them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import httpx
from starlette.requests import Request
from starlette.responses import Response

from channels.core import Gateway, Reply
from channels.textsplit import split_text
from helpline.settings import GatewaySettings


class Channel(ABC):
    """One messaging channel: webhook in, answers out."""

    #: The channel's name in messages, pseudonyms and the gateway store.
    name: ClassVar[str]
    #: What people call it, for error messages.
    title: ClassVar[str]
    #: Where the platform posts updates (`/webhooks/<name>`).
    webhook_path: ClassVar[str]
    #: The longest message the platform takes, as `measure` counts it.
    message_limit: ClassVar[int]
    #: How the platform counts a message's length.
    measure: ClassVar[Callable[[str], int]] = len
    #: Whether free text may be sent only for a while after the person's last message
    #: (WhatsApp's 24-hour window); outside it only an approved template.
    has_window: ClassVar[bool] = False

    def __init__(self, settings: GatewaySettings, gateway: Gateway) -> None:
        self.settings = settings
        self.gateway = gateway
        gateway.register_channel(self.name, self.deliver)

    @classmethod
    @abstractmethod
    def configured(cls, settings: GatewaySettings) -> bool:
        """Whether `settings` hold what this channel needs to run."""

    @abstractmethod
    async def start(self) -> None:
        """Connect (check the platform, start polling); called once the gateway is ready."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect and release what `start` opened."""

    @abstractmethod
    async def webhook(self, request: Request) -> Response:
        """Verify and store one update the platform posted; answer the platform."""

    @abstractmethod
    async def deliver(self, pseudonym: str, raw_id: str, replies: list[Reply], lang: str) -> None:
        """Send answers to one person outside a request (`DeliveryFailed`: try again later)."""

    def split(self, text: str) -> list[str]:
        """`text` in as many messages as the platform needs, nothing left out."""
        return split_text(text, self.message_limit, type(self).measure)

    @abstractmethod
    async def send_texts(self, raw_id: str, parts: list[str]) -> int:
        """Send these messages to one person now, in order; returns how many went out.
        `DeliveryFailed` (with `sent`) as soon as one is not taken, whatever the reason."""

    @abstractmethod
    async def open_media(self, ref: str) -> httpx.Response:
        """The platform's streamed response with the bytes of a media item (`ref` as the
        webhook gave it); `MediaGone` when the platform no longer has it, `DeliveryFailed`
        when it cannot be reached. The caller closes the response."""

    async def idle(self) -> None:
        """Wait until every background turn has finished (tests and shutdown)."""
        await self.gateway.idle()
