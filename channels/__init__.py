"""The messaging gateway: one ASGI app in front of Rasa (web chat, Telegram, WhatsApp)."""
