"""Fixed user-facing strings of the gateway (English msgids, translated at use via gettext)."""

from __future__ import annotations

from helpline.i18n import N_

APOLOGY = N_(
    "Sorry, the helpline cannot answer right now. Your message is saved and we will reply "
    "as soon as we can."
)
STILL_WAITING = N_(
    "We are still trying to answer your message: it is saved and you will get the answer here. "
    "If you are in danger, do not wait: call the emergency number."
)
PRIVATE_CHAT_ONLY = N_(
    "To protect your privacy I only answer in a private chat. Please write to me directly, "
    "not in a group."
)
DANGER_NUMBERS = N_("If you are in danger, call now:")
DANGER_UNKNOWN_COUNTRY = N_(
    "If you are in danger now, call the local emergency number. Tell me which country you "
    "are in and I will give you the right numbers."
)
TOO_FAST = N_("You are sending messages very fast. Please wait a minute and write again.")
TOO_LONG = N_(
    "Your message is too long. Please send it in shorter parts of at most {limit} characters."
)
EMPTY = N_("Please type a message.")
TEXT_ONLY = N_(
    "I can only read text. Write your question, or write \"person\" to ask for someone from "
    "our team."
)
#: The notice a person gets when nobody from the team has answered their request after a while;
#: the numbers to call follow it.
STILL_WAITING_FOR_PERSON = N_(
    "Nobody from our team has answered yet: your request is still waiting."
)
CHOOSE_NUMBER = N_("Reply with the number of your choice.")
CHOOSE_LANGUAGE = N_("Choose your language:")
INVALID_JSON = N_("The request body is not valid JSON.")
