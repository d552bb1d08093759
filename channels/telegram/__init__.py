"""Telegram through python-telegram-bot: webhook with a secret token, or polling in development."""

from channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
