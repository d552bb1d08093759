"""Signed cookies, CSRF tokens and the response headers every console page carries.

Cookies are signed with `CONSOLE_SECRET_KEY` (itsdangerous, HMAC-SHA-256), HttpOnly,
SameSite=Lax, and Secure with the `__Host-` prefix in production. The session cookie holds only
a random id (the session itself is a database row); the login form's CSRF token sits in its own
signed cookie until someone signs in, then each session has its own token.
"""

from __future__ import annotations

import hmac

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.responses import Response

SESSION_SALT = "console-session"
CSRF_SALT = "console-login-csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

#: Pages are server-rendered; scripts and styles come only from the console itself.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    # A checker result describes a person: no cache anywhere may keep it.
    "cache-control": "no-store",
}


class CookieJar:
    """Signs, reads and sets the console's cookies."""

    def __init__(self, secret: str, secure: bool) -> None:
        self.secure = secure
        prefix = "__Host-" if secure else ""
        self.session_name = f"{prefix}console_session"
        self.csrf_name = f"{prefix}console_csrf"
        self.lang_name = f"{prefix}console_lang"
        self._session = URLSafeSerializer(secret, salt=SESSION_SALT)
        self._csrf = URLSafeSerializer(secret, salt=CSRF_SALT)

    def _set(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                            secure=self.secure, samesite="lax")

    def session_id(self, raw: str | None) -> str | None:
        """The session id of a cookie value, or None when missing or forged."""
        if not raw:
            return None
        try:
            value = self._session.loads(raw)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def set_session(self, response: Response, session_id: str, max_age: int) -> None:
        self._set(response, self.session_name, self._session.dumps(session_id), max_age)

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(self.session_name, path="/", secure=self.secure,
                               httponly=True, samesite="lax")

    def login_csrf(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            value = self._csrf.loads(raw)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def set_login_csrf(self, response: Response, token: str) -> None:
        self._set(response, self.csrf_name, self._csrf.dumps(token), None)

    def set_language(self, response: Response, lang: str) -> None:
        self._set(response, self.lang_name, lang, 365 * 86400)


def same_token(expected: str | None, given: object) -> bool:
    """Constant-time comparison; a missing token on either side is never equal."""
    return (isinstance(expected, str) and isinstance(given, str) and bool(expected)
            and hmac.compare_digest(expected.encode(), given.encode()))
