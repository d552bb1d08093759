"""The interface every messaging channel of the gateway implements (opsdroid's `Connector` shape).

A channel has a name (the `channel` of its messages and of its pseudonyms), says whether the
settings configure it, serves one webhook, starts and stops (polling, HTTP clients), and
delivers answers outside a request (queued and retried ones) to a raw id it never shows Rasa.
Everything between the webhook and the delivery is the gateway's (`channels.core`).
`channels.app` builds the configured ones from `CHANNELS` and routes each webhook path to them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response

from channels.core import Gateway, Reply
from helpline.settings import GatewaySettings


class Channel(ABC):
    """One messaging channel: webhook in, answers out."""

    #: The channel's name in messages, pseudonyms and the gateway store.
    name: ClassVar[str]
    #: What people call it, for error messages.
    title: ClassVar[str]
    #: Where the platform posts updates (`/webhooks/<name>`).
    webhook_path: ClassVar[str]

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

    async def idle(self) -> None:
        """Wait until every background turn has finished (tests and shutdown)."""
        await self.gateway.idle()
