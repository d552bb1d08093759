"""WhatsApp through Twilio: signed webhooks in, REST API messages out."""

from channels.whatsapp.channel import WhatsAppChannel

__all__ = ["WhatsAppChannel"]
