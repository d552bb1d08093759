"""The hand-off inbox (caseworkers and admins): the conversations handed to a person.

`/inbox` lists the open requests of `helpline.handoff` — danger ones on top, then oldest first —
with language, country, topic, channel, waiting time and who claimed each one. A caseworker
claims a request (`/inbox/claim`), reads the conversation (`/inbox/{id}`: the transcript comes
from the gateway's internal API, `console.gateway`), replies on the person's own channel, and
closes the request with an outcome (answered, referred, no_reply); `/inbox/release` gives it
back. WhatsApp's 24-hour window is shown; outside it only the approved template can be sent,
and the page says why. Media the person sent is fetched through the gateway on demand
(`/inbox/{id}/media/{media_id}`), never stored by the console. With JavaScript on,
`static/inbox.js` fetches the rows (`/inbox/rows`) and the conversation
(`/inbox/{id}/conversation`) again every `INBOX_REFRESH_SECONDS`; without it the pages are the
same and a reload shows what is new.

Only the holder of a request replies to it or closes it (an unclaimed request is claimed by
whoever replies); an admin can release anyone's. Claims, releases, replies and closes are
audited in `handoff_audit` (who, what, when; never the text). The pages hold only the
pseudonym's first characters, never a phone number or chat id, and say clearly when the
conversation is gone (erased or expired), the window is closed, the gateway cannot be reached
or no service token is configured.

`remind_forever` runs in the console's lifespan: a request nobody has claimed after
`HANDOFF_REMINDER_MINUTES` gets the gateway's "still waiting" notice (`/waiting`) once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from console import gateway as gw
from console.checker import country_label
from console.i18n import LANGUAGE_NAMES, N_
from console.web import ConsoleState, Ctx, route
from helpline import handoff

log = logging.getLogger("console.inbox")

MAX_REPLY_CHARS = 4000
#: How many characters of the pseudonym the pages show (enough to tell two people apart).
SHORT_PSEUDONYM = 8
MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: The reminder task looks for due requests at most this often (seconds).
CHECK_SECONDS = 60.0
#: At most this many notices in one round (the rest wait for the next).
REMINDER_BATCH = 100
#: Gateway answers after which the notice surely did not go out and may be tried again.
RETRY_CODES = frozenset({gw.UNREACHABLE, "delivery_failed", "rasa_unavailable", "unauthorized",
                         "service_token_not_configured"})

TITLE = N_("Inbox")
TOPICS = {
    "ask_health": N_("Health care"), "ask_education": N_("Education"),
    "ask_consular_help": N_("Consular help"), "report_trafficking": N_("Trafficking"),
    "ask_legal_status": N_("Legal status"), "ask_asylum": N_("Asylum and refuge"),
    "ask_work_rights": N_("Work"), "ask_social_security": N_("Social security"),
    "report_violence": N_("Violence"), "ask_detention_rights": N_("Detention"),
    "emergency": N_("Emergency"), "find_service": N_("Finding a service"),
    "ask_remittances": N_("Sending money home"), "ask_privacy": N_("Privacy"),
    "delete_my_data": N_("Privacy"), "request_human": N_("Asked for a person"),
}
DANGERS = {"emergency": N_("Emergency"), "trafficking": N_("Trafficking"),
           "violence": N_("Violence")}
CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "webchat": N_("Web chat")}
OUTCOMES = {"answered": N_("Answered"), "referred": N_("Referred to a service"),
            "no_reply": N_("No reply from the person")}
ACTIONS = {"claimed": N_("claimed"), "released": N_("released"), "replied": N_("replied"),
           "sent_template": N_("sent the template"), "closed": N_("closed")}
MEDIA = {"voice": N_("Voice note (not transcribed)"), "photo": N_("Photo"),
         "video": N_("Video"), "document": N_("Document")}
#: Media a browser shows inline; anything else is downloaded, never rendered by the console.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "audio/", "video/")
NOTICES = {
    "claimed": N_("You have claimed this request: the others see that it is yours."),
    "released": N_("Released: the request is back in the inbox for anyone."),
    "sent": N_("Sent: the reply is on its way to the person's chat."),
    "sent_unrecorded": N_("Sent, but the conversation store did not record it: the next "
                          "caseworker will not see this reply in the conversation."),
    "template_sent": N_("Sent: the approved template is on its way to the person."),
    "closed": N_("Closed."),
}


def as_utc(value: object) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives it back without its zone)."""
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def when(value: dt.datetime | None) -> str:
    """A UTC time to the minute, as `2026-12-03 09:00 UTC`."""
    return f"{value.isoformat(' ', 'minutes')[:16]} UTC" if value is not None else ""


def waited(delta: dt.timedelta, _: Callable[[str], str]) -> str:
    """How long someone has waited, to the minute."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return _("{days} d {hours} h").format(days=days, hours=hours)


def short_pseudonym(sender_id: object) -> str:
    return str(sender_id)[:SHORT_PSEUDONYM] + "…"


def _label(table: Mapping[str, str], value: object, _: Callable[[str], str]) -> str:
    if not value:
        return "—"
    text = str(value)
    return _(table[text]) if text in table else text


def view_row(row: Mapping[str, Any], ctx: Ctx, now: dt.datetime) -> dict[str, Any]:
    """What the pages show of one request (never its full pseudonym)."""
    _ = ctx._
    requested = as_utc(row["requested_at"])
    assert ctx.account is not None
    holder = row.get("claimed_by")
    danger = row.get("danger")
    return {
        "id": row["id"], "person": short_pseudonym(row["sender_id"]),
        "danger": (_(DANGERS.get(str(danger), N_("Danger"))) if danger else None),
        "language": LANGUAGE_NAMES.get(str(row.get("language")), row.get("language") or "—"),
        "country": country_label(row.get("country"), ctx.lang) or "—",
        "topic": _label(TOPICS, row.get("topic"), _),
        "channel": _label(CHANNELS, row.get("channel"), _),
        "channel_code": row.get("channel"),
        "requested": when(requested),
        "waiting": waited(now - requested, _) if requested else "",
        "holder": holder, "mine": holder == ctx.account.email,
        "claimed_at": when(as_utc(row.get("claimed_at"))),
        "open": row.get("status") == "open",
        "outcome": _label(OUTCOMES, row.get("outcome"), _) if row.get("outcome") else None,
        "closed_at": when(as_utc(row.get("closed_at"))),
        "reminded_at": when(as_utc(row.get("reminded_at"))),
    }


def rows_html(rows: list[dict[str, Any]], ctx: Ctx, now: dt.datetime) -> Markup:
    """The inbox's table rows, escaped, built in one pass: the same cells as `view_row` shows,
    with each label translated once per page (a template loop over 1,000 open requests costs
    several times the rest of the page)."""
    _ = ctx._
    assert ctx.account is not None
    me = ctx.account.email
    word = {"you": escape(_("you")), "nobody": escape(_("nobody yet")),
            "open": escape(_("Open")), "claim": escape(_("Claim")),
            "release": escape(_("Release"))}
    memo: dict[tuple[str, object], str] = {}

    def label(kind: str, value: object) -> str:
        key = (kind, value)
        found = memo.get(key)
        if found is None:
            if kind == "danger":
                text = _(DANGERS.get(str(value), N_("Danger")))
            elif kind == "language":
                text = LANGUAGE_NAMES.get(str(value), str(value or "—"))
            elif kind == "country":
                text = country_label(value if isinstance(value, str) else None, ctx.lang) or "—"
            else:
                text = _label(TOPICS if kind == "topic" else CHANNELS, value, _)
            found = memo[key] = escape(text)
        return found

    out = []
    for r in rows:
        rid = int(r["id"])
        requested = as_utc(r["requested_at"])
        danger = r["danger"]
        holder = r["claimed_by"]
        if holder == me:
            who = f"<strong>{word['you']}</strong>"
            act = (f' <button type="submit" formaction="/inbox/release" name="request" '
                   f'value="{rid}">{word["release"]}</button>')
        elif holder:
            who, act = escape(str(holder)), ""
        else:
            who = f'<span class="hint">{word["nobody"]}</span>'
            act = f' <button type="submit" name="request" value="{rid}">{word["claim"]}</button>'
        if danger:
            opening = f'<tr id="request-{rid}" class="danger">'
            danger_cell = f"<strong>⚠ {label('danger', danger)}</strong>"
        else:
            opening, danger_cell = f'<tr id="request-{rid}">', ""
        waiting = escape(waited(now - requested, _)) if requested else ""
        out.append(
            f'{opening}<td>{danger_cell}</td><td title="{when(requested)}">{waiting}</td>'
            f'<td>{label("language", r["language"])}</td><td>{label("country", r["country"])}</td>'
            f'<td>{label("topic", r["topic"])}</td><td>{label("channel", r["channel"])}</td>'
            f'<td><code>{escape(short_pseudonym(r["sender_id"]))}</code></td><td>{who}</td>'
            f'<td class="row-actions"><a href="/inbox/{rid}">{word["open"]}</a>{act}</td></tr>\n')
    return Markup("".join(out))


async def _rows(ctx: Ctx) -> dict[str, Any]:
    raw = await run_in_threadpool(handoff.inbox, ctx.state.kb_engine)
    return {"rows_html": rows_html(raw, ctx, dt.datetime.now(dt.UTC)), "count": len(raw)}


def _client(ctx: Ctx) -> gw.GatewayClient:
    client = ctx.state.gateway
    assert client is not None
    return client


@route("caseworker")
async def inbox_page(ctx: Ctx) -> Response:
    notice = ctx.request.query_params.get("notice")
    return ctx.render("inbox.html", **await _rows(ctx),
                      refresh=ctx.state.settings.inbox_refresh_seconds,
                      notice=NOTICES.get(notice or ""),
                      configured=_client(ctx).configured)


@route("caseworker")
async def inbox_rows(ctx: Ctx) -> Response:
    return ctx.render("inbox_rows.html", **await _rows(ctx))


def _request_id(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _gone(ctx: Ctx) -> Response:
    return ctx.render("inbox_gone.html", status=404)


@route("caseworker")
async def claim(ctx: Ctx) -> Response:
    form = await ctx.form()
    assert ctx.account is not None
    request_id = _request_id(form.get("request"))
    if request_id is None:
        return _gone(ctx)
    holder = await run_in_threadpool(handoff.claim, ctx.state.kb_engine, request_id,
                                     ctx.account.email)
    if holder is None:
        return _gone(ctx)
    if holder != ctx.account.email:
        return ctx.redirect(f"/inbox/{request_id}")
    log.info("inbox: request %d claimed by user %d", request_id, ctx.account.id)
    return ctx.redirect(f"/inbox/{request_id}?notice=claimed")


@route("caseworker")
async def release(ctx: Ctx) -> Response:
    form = await ctx.form()
    assert ctx.account is not None
    request_id = _request_id(form.get("request"))
    if request_id is None:
        return _gone(ctx)
    done = await run_in_threadpool(handoff.release, ctx.state.kb_engine, request_id,
                                   ctx.account.email, ctx.account.is_admin)
    if not done:
        row = await run_in_threadpool(handoff.get_request, ctx.state.kb_engine, request_id)
        return _gone(ctx) if row is None else ctx.redirect(f"/inbox/{request_id}")
    log.info("inbox: request %d released by user %d", request_id, ctx.account.id)
    return ctx.redirect("/inbox?notice=released")


def _problem(code: str, _: Callable[[str], str], closes_at: dt.datetime | None = None,
             sent: int = 0) -> str:
    """What a caseworker is told when the gateway could not do something."""
    if code == "delivery_failed" and sent:
        return _("The person's channel stopped after {sent} of the reply's messages: the part "
                 "that went out is in the conversation. Send the rest again, shorter if you "
                 "can.").format(sent=sent)
    if code == gw.NOT_CONFIGURED:
        return _("No service token for the gateway is configured (GATEWAY_SERVICE_TOKEN): "
                 "the inbox can list requests but cannot show conversations or send replies.")
    if code == gw.UNREACHABLE:
        return _("The gateway cannot be reached: nothing was sent. Try again in a moment.")
    if code == gw.TIMEOUT:
        return _("The gateway did not answer in time: the message may or may not have been "
                 "sent. Reload the conversation and check before sending it again.")
    if code == "conversation_gone":
        return _("This conversation is gone: the person erased their data, or it expired. "
                 "Nothing can be sent to them.")
    if code == "window_closed":
        if closes_at is not None:
            return _("WhatsApp's 24-hour window closed at {time}: free text cannot be sent "
                     "until the person writes again.").format(time=when(closes_at))
        return _("WhatsApp's 24-hour window is closed: free text cannot be sent until the "
                 "person writes again.")
    if code == "no_template":
        return _("No approved WhatsApp template is configured (TWILIO_WHATSAPP_TEMPLATE_SID): "
                 "nothing can be sent until the person writes again.")
    if code == "invalid_reply":
        return _("Write a reply of 1 to {limit} characters.").format(limit=MAX_REPLY_CHARS)
    if code == "delivery_failed":
        return _("The person's channel did not accept the message: nothing was sent. Try "
                 "again later.")
    if code == "rasa_unavailable":
        return _("The conversation store (Rasa) is not answering: try again in a moment.")
    if code == "unauthorized":
        return _("The gateway refused the console's service token: GATEWAY_SERVICE_TOKEN must "
                 "be the same for the console and the gateway.")
    if code == "service_token_not_configured":
        return _("The gateway has no service token configured (GATEWAY_SERVICE_TOKEN): it "
                 "accepts no replies from the console.")
    return _("The gateway answered with an error: nothing was sent. Try again in a moment.")


#: The HTTP status of a page that reports a gateway problem.
PROBLEM_STATUS = {gw.NOT_CONFIGURED: 503, gw.UNREACHABLE: 502, gw.TIMEOUT: 504,
                  "conversation_gone": 410, "window_closed": 409, "no_template": 409,
                  "invalid_reply": 422}


def _event(ev: Mapping[str, Any], request_id: int) -> dict[str, Any] | None:
    if not isinstance(ev, Mapping):
        return None
    who = ev.get("who") if ev.get("who") in ("user", "bot", "caseworker") else "bot"
    media = ev.get("media")
    item: dict[str, Any] | None = None
    if isinstance(media, Mapping) and MEDIA_ID.match(str(media.get("id") or "")):
        kind = str(media.get("kind") or "document")
        item = {"kind": kind if kind in MEDIA else "document",
                "url": f"/inbox/{request_id}/media/{media['id']}"}
    text = ev.get("text")
    return {"who": who, "at": when(parse_time(ev.get("at"))),
            "text": text if isinstance(text, str) else "", "media": item}


def _conversation_view(data: Mapping[str, Any], request_id: int) -> dict[str, Any]:
    window = data.get("window") if isinstance(data.get("window"), Mapping) else {}
    assert isinstance(window, Mapping)
    applies = bool(window.get("applies"))
    events = [e for e in (_event(ev, request_id) for ev in data.get("events") or []) if e]
    return {
        "channel": data.get("channel"),
        "window_applies": applies,
        "window_open": (not applies) or bool(window.get("open")),
        "closes_at": when(parse_time(window.get("closes_at"))),
        "last_inbound_at": when(parse_time(window.get("last_inbound_at"))),
        "template_available": bool(data.get("template_available")),
        "events": events,
    }


async def _request_page(ctx: Ctx, row: Mapping[str, Any], status: int = 200,
                        error: str | None = None, draft: str = "",
                        notice: str | None = None) -> Response:
    """The request page: the request, the conversation (from the gateway), the reply and close
    forms, and what caseworkers did with it."""
    _ = ctx._
    request_id = int(row["id"])
    view = view_row(row, ctx, dt.datetime.now(dt.UTC))
    conversation, problem_code = await _conversation(ctx, row)
    problem = _problem(problem_code, _) if problem_code else None
    history = await run_in_threadpool(handoff.audit_of, ctx.state.kb_engine, request_id)
    audit = [{"at": when(as_utc(h["at"])), "actor": h["actor"],
              "action": _label(ACTIONS, h["action"], _),
              "outcome": _label(OUTCOMES, h["outcome"], _) if h.get("outcome") else ""}
             for h in history]
    assert ctx.account is not None
    holder = view["holder"]
    may_act = view["open"] and (holder is None or view["mine"])
    if problem_code and status == 200 and problem_code == "conversation_gone":
        status = 410
    return ctx.render(
        "inbox_request.html", status=status, request=view, conversation=conversation,
        problem=problem, problem_code=problem_code, error=error, draft=draft,
        notice=notice, audit=audit, may_act=may_act, outcomes=list(OUTCOMES.items()),
        media_labels=MEDIA, max_chars=MAX_REPLY_CHARS,
        refresh=ctx.state.settings.inbox_refresh_seconds)


async def _conversation(ctx: Ctx, row: Mapping[str, Any]
                        ) -> tuple[dict[str, Any] | None, str | None]:
    """The request's conversation from the gateway, or the code of why it cannot be shown."""
    try:
        data = await _client(ctx).conversation(str(row["sender_id"]))
    except gw.GatewayError as exc:
        return None, exc.code
    return _conversation_view(data, int(row["id"])), None


async def _load(ctx: Ctx) -> dict[str, Any] | None:
    raw = ctx.request.path_params.get("request_id")
    if not isinstance(raw, int):
        return None
    return await run_in_threadpool(handoff.get_request, ctx.state.kb_engine, raw)


@route("caseworker")
async def request_page(ctx: Ctx) -> Response:
    row = await _load(ctx)
    if row is None:
        return _gone(ctx)
    notice = NOTICES.get(ctx.request.query_params.get("notice") or "")
    return await _request_page(ctx, row, notice=notice)


@route("caseworker")
async def conversation_part(ctx: Ctx) -> Response:
    """The conversation alone (the request page fetches it again with JavaScript on)."""
    row = await _load(ctx)
    if row is None:
        return _gone(ctx)
    conversation, code = await _conversation(ctx, row)
    return ctx.render("inbox_conversation.html", conversation=conversation, media_labels=MEDIA,
                      problem=_problem(code, ctx._) if code else None)


def _refusal(ctx: Ctx, row: Mapping[str, Any]) -> str | None:
    """Why the signed-in caseworker may not reply to or close this request, if they may not."""
    assert ctx.account is not None
    if row.get("status") != "open":
        return ctx._("This request is closed.")
    holder = row.get("claimed_by")
    if holder is not None and holder != ctx.account.email:
        return ctx._("{email} has claimed this request: only they can reply to it or close "
                     "it.").format(email=holder)
    return None


@route("caseworker")
async def reply(ctx: Ctx) -> Response:
    form = await ctx.form()
    assert ctx.account is not None
    row = await _load(ctx)
    if row is None:
        return _gone(ctx)
    template = form.get("template") is not None
    draft = str(form.get("text") or "")
    text = draft.strip()
    refusal = _refusal(ctx, row)
    if refusal:
        return await _request_page(ctx, row, status=409, error=refusal, draft=draft)
    if not template and not 1 <= len(text) <= MAX_REPLY_CHARS:
        return await _request_page(ctx, row, status=422, draft=draft,
                                   error=_problem("invalid_reply", ctx._))
    engine = ctx.state.kb_engine
    request_id = int(row["id"])
    if row.get("claimed_by") is None:
        holder = await run_in_threadpool(handoff.claim, engine, request_id, ctx.account.email)
        if holder != ctx.account.email:  # someone else took it a moment ago, or it is gone
            row = await run_in_threadpool(handoff.get_request, engine, request_id)
            if row is None:
                return _gone(ctx)
            return await _request_page(ctx, row, status=409, draft=draft,
                                       error=_refusal(ctx, row))
    client = _client(ctx)
    try:
        if template:
            answer = await client.send_template(str(row["sender_id"]))
        else:
            answer = await client.reply(str(row["sender_id"]), text)
    except gw.GatewayError as exc:
        if exc.sent:  # part of a long reply reached the person: that was a reply
            await run_in_threadpool(handoff.record_reply, engine, request_id,
                                    ctx.account.email, template)
        fresh = await run_in_threadpool(handoff.get_request, engine, request_id)
        if fresh is None:
            return _gone(ctx)
        return await _request_page(
            ctx, fresh, status=PROBLEM_STATUS.get(exc.code, 502), draft=draft,
            error=_problem(exc.code, ctx._, parse_time(exc.closes_at), exc.sent))
    await run_in_threadpool(handoff.record_reply, engine, request_id, ctx.account.email,
                            template)
    log.info("inbox: request %d answered by user %d%s", request_id, ctx.account.id,
             " (template)" if template else "")
    notice = "template_sent" if template else "sent"
    if answer.get("recorded") is False:
        notice = "sent_unrecorded"
    return ctx.redirect(f"/inbox/{request_id}?notice={notice}")


@route("caseworker")
async def close(ctx: Ctx) -> Response:
    form = await ctx.form()
    assert ctx.account is not None
    row = await _load(ctx)
    if row is None:
        return _gone(ctx)
    outcome = str(form.get("outcome") or "")
    refusal = _refusal(ctx, row)
    if refusal:
        return await _request_page(ctx, row, status=409, error=refusal)
    if outcome not in OUTCOMES:
        return await _request_page(ctx, row, status=422,
                                   error=ctx._("Choose how the request ended."))
    done = await run_in_threadpool(handoff.close, ctx.state.kb_engine, int(row["id"]),
                                   ctx.account.email, outcome)
    if not done:
        fresh = await run_in_threadpool(handoff.get_request, ctx.state.kb_engine,
                                        int(row["id"]))
        if fresh is None:
            return _gone(ctx)
        return await _request_page(ctx, fresh, status=409, error=_refusal(ctx, fresh))
    log.info("inbox: request %d closed by user %d (%s)", row["id"], ctx.account.id, outcome)
    return ctx.redirect("/inbox?notice=closed")


@route("caseworker")
async def media(ctx: Ctx) -> Response:
    row = await _load(ctx)
    media_id = str(ctx.request.path_params.get("media_id") or "")
    if row is None or not MEDIA_ID.match(media_id):
        return _gone(ctx)
    try:
        upstream = await _client(ctx).media(str(row["sender_id"]), media_id)
    except gw.GatewayError as exc:
        if exc.code in ("media_gone", "conversation_gone", "not_found"):
            return ctx.render("inbox_gone.html", status=404, media=True)
        if exc.code in (gw.NOT_CONFIGURED, "unauthorized", "service_token_not_configured"):
            message = _problem(exc.code, ctx._)
        else:
            message = ctx._("This file cannot be fetched now: the gateway or the person's "
                            "channel is not answering. Try again later.")
        return ctx.render("error.html", status=PROBLEM_STATUS.get(exc.code, 502),
                          message=message)
    kind = upstream.headers.get("content-type", "application/octet-stream").split(";")[0]
    inline = any(kind.startswith(t) for t in INLINE_TYPES)
    headers = {
        # Whatever the file is, it runs nothing in the console's origin.
        "content-security-policy": "default-src 'none'; sandbox",
        "x-content-type-options": "nosniff", "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "content-disposition": "inline" if inline else "attachment",
    }
    length = upstream.headers.get("content-length", "")
    if length.isdigit() and "content-encoding" not in upstream.headers:
        headers["content-length"] = length
    log.info("inbox: media of request %d opened by user %d", row["id"],
             ctx.account.id if ctx.account else 0)
    return StreamingResponse(upstream.aiter_bytes(), media_type=kind, headers=headers,
                             background=BackgroundTask(upstream.aclose))


async def send_due_reminders(state: ConsoleState, now: dt.datetime | None = None) -> int:
    """Send the "still waiting" notice for every request nobody has claimed after
    `HANDOFF_REMINDER_MINUTES` and not yet reminded; returns how many went out. Each request
    gets it once: it is marked before the call, and unmarked only when the call surely sent
    nothing and may succeed later (gateway down, channel failure)."""
    client = state.gateway
    if client is None or not client.configured:
        return 0
    engine = state.kb_engine
    delay = dt.timedelta(minutes=state.settings.handoff_reminder_minutes)
    due: list[dict[str, Any]] = await run_in_threadpool(handoff.due_reminders, engine, delay,
                                                        now)
    sent = 0
    for row in due[:REMINDER_BATCH]:
        request_id = int(row["id"])
        if not await run_in_threadpool(handoff.mark_reminded, engine, request_id):
            continue
        try:
            await client.waiting(str(row["sender_id"]))
        except gw.GatewayError as exc:
            log.warning("waiting notice for request %d not sent: %s", request_id, exc.code)
            if exc.code in RETRY_CODES and exc.nothing_sent:
                await run_in_threadpool(handoff.unmark_reminded, engine, request_id)
            if exc.code == gw.UNREACHABLE:
                break
            continue
        sent += 1
        log.info("waiting notice sent for request %d", request_id)
    return sent


def check_interval(state: ConsoleState) -> float:
    return min(CHECK_SECONDS, state.settings.handoff_reminder_minutes * 15.0)


async def remind_forever(state: ConsoleState) -> None:
    """The console's background task: `send_due_reminders` every `check_interval` (the first
    round one interval after start)."""
    if state.gateway is None or not state.gateway.configured:
        log.warning("GATEWAY_SERVICE_TOKEN is not set: nobody waiting is told so")
        return
    while True:
        await asyncio.sleep(check_interval(state))
        try:
            await send_due_reminders(state)
        except Exception:
            log.exception("waiting notices failed")


def routes() -> list[BaseRoute]:
    return [
        Route("/inbox", inbox_page, methods=["GET"]),
        Route("/inbox/rows", inbox_rows, methods=["GET"]),
        Route("/inbox/claim", claim, methods=["POST"]),
        Route("/inbox/release", release, methods=["POST"]),
        Route("/inbox/{request_id:int}", request_page, methods=["GET"]),
        Route("/inbox/{request_id:int}/conversation", conversation_part, methods=["GET"]),
        Route("/inbox/{request_id:int}/reply", reply, methods=["POST"]),
        Route("/inbox/{request_id:int}/close", close, methods=["POST"]),
        Route("/inbox/{request_id:int}/media/{media_id:str}", media, methods=["GET"]),
    ]
