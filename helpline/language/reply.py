"""The one policy that decides the reply language; the gateway and the actions both call it.

Precedence (design, "Reply language"): a language the person chose (in this message, or
earlier with `/language` or a language button: a choice sticks until they choose another);
else a confident detection of the current message's text; else the language saved for the
conversation; the channel's locale hint only breaks ties on short or ambiguous messages
("ok", "hi"); else the default.
"""

from __future__ import annotations

import logging

from helpline.i18n import DEFAULT_LANGUAGE, normalise_language
from helpline.language.detection import CONFIDENCE_THRESHOLD, detector

log = logging.getLogger(__name__)

#: On an ambiguous message with no saved language, the hint wins when its own probability is
#: within this margin of the best guess (a tie); otherwise the best guess is kept.
TIE_MARGIN = 0.35


def reply_language(
    text: str | None,
    *,
    chosen: str | None = None,
    saved: str | None = None,
    hint: str | None = None,
) -> str:
    """The language to answer `text` in.

    `chosen`: a language the person picked explicitly (this message or before); `saved`: the
    conversation's language so far; `hint`: the channel's locale (browser, Telegram client).
    """
    if code := normalise_language(chosen):
        return code
    saved_code, hint_code = normalise_language(saved), normalise_language(hint)
    proba: dict[str, float] = {}
    if text and text.strip() and not text.startswith("/"):
        proba = detector().predict_proba(text)
    if proba:
        best = max(proba, key=proba.__getitem__)
        if proba[best] >= CONFIDENCE_THRESHOLD:
            return best
    if saved_code:
        return saved_code
    if proba:
        best = max(proba, key=proba.__getitem__)
        if hint_code and proba.get(hint_code, 0.0) >= proba[best] - TIE_MARGIN:
            return hint_code
        uniform = 1.0 / len(proba)
        if proba[best] > uniform + TIE_MARGIN / 2:
            return best
    return hint_code or DEFAULT_LANGUAGE
