"""The listings admin (admins only): services, hotlines and consulates listed, filtered,
searched, created, edited, verified and retired, each with its audit history; the legal sources
the rules cite (read-only: they live in the rule files); the stale report; CSV/YAML import
(validate all, preview, then all or nothing) and export.

Built on the console's own pages rather than an admin library: see the README ("Console").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from console import labels, listings
from console.imports import SUFFIXES, ImportDesk
from console.listings import KIND_LIST, KINDS_BY_NAME, Kind, SaveError
from console.web import Ctx, route


def _kind(ctx: Ctx) -> Kind | None:
    return KINDS_BY_NAME.get(str(ctx.request.path_params.get("kind")))


def _not_found(ctx: Ctx) -> Response:
    return ctx.render("error.html", status=404, message=ctx._("There is no such page."))


def desk(ctx: Ctx) -> ImportDesk:
    found: ImportDesk = ctx.state.extra.setdefault("imports", ImportDesk())
    return found


def _common(ctx: Ctx, kind: Kind | None = None) -> dict[str, Any]:
    return {"kinds": KIND_LIST, "kind": kind, "labels": labels, "display": listings.display}


@route("admin")
async def admin_home(ctx: Ctx) -> Response:
    return ctx.redirect("/admin/services")


@route("admin")
async def list_view(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    if kind is None:
        return _not_found(ctx)
    q = ctx.request.query_params
    country = (q.get("country") or "").strip().upper()[:2] or None
    category = q.get("category") or None
    if category not in kind.category_choices:
        category = None
    status = q.get("status", "active")
    text = (q.get("q") or "").strip()[:100] or None
    try:
        page_no = max(1, int(q.get("page", "1")))
    except ValueError:
        page_no = 1
    page = await run_in_threadpool(listings.listing, ctx.state.kb_engine, kind, country,
                                   category, status, text, page_no)
    filters = {"country": country or "", "category": category or "", "status": status,
               "q": text or ""}

    def page_url(n: int) -> str:
        return f"/admin/{kind.name}?" + urlencode({**filters, "page": n})

    return ctx.render("admin_list.html", **_common(ctx, kind), page=page, filters=filters,
                      page_url=page_url, notice=q.get("notice"))


def _form_page(ctx: Ctx, kind: Kind, values: dict[str, Any], errors: dict[str, str],
               record: Any = None, status: int = 200, notice: str | None = None) -> Response:
    history = (listings.history(ctx.state.kb_engine, kind, record.id)
               if record is not None else [])
    return ctx.render("admin_form.html", status=status, **_common(ctx, kind), values=values,
                      errors=errors, record=record, history=history, notice=notice)


@route("admin")
async def new_form(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    if kind is None:
        return _not_found(ctx)
    return _form_page(ctx, kind, {"confidence": "unconfirmed"}, {})


@route("admin")
async def create(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    if kind is None:
        return _not_found(ctx)
    form = await ctx.form()
    data, typed = listings.read_form(kind, form)
    assert ctx.account is not None
    try:
        record_id = await run_in_threadpool(listings.create, ctx.state.kb_engine, kind, data,
                                            ctx.account.email)
    except SaveError as exc:
        return _form_page(ctx, kind, typed, exc.errors, status=422)
    return ctx.redirect(f"/admin/{kind.name}/{record_id}?notice=saved")


@route("admin")
async def edit_form(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    if kind is None:
        return _not_found(ctx)
    record = await run_in_threadpool(listings.get, ctx.state.kb_engine, kind,
                                     str(ctx.request.path_params["record_id"]))
    if record is None:
        return _not_found(ctx)
    return _form_page(ctx, kind, listings.form_values(kind, record), {}, record,
                      notice=ctx.request.query_params.get("notice"))


@route("admin")
async def update(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    if kind is None:
        return _not_found(ctx)
    record_id = str(ctx.request.path_params["record_id"])
    record = await run_in_threadpool(listings.get, ctx.state.kb_engine, kind, record_id)
    if record is None:
        return _not_found(ctx)
    form = await ctx.form()
    data, typed = listings.read_form(kind, form)
    assert ctx.account is not None
    try:
        await run_in_threadpool(listings.update, ctx.state.kb_engine, kind, record_id, data,
                                ctx.account.email)
    except SaveError as exc:
        typed["id"] = record_id
        return _form_page(ctx, kind, typed, exc.errors, record, status=422)
    return ctx.redirect(f"/admin/{kind.name}/{record_id}?notice=saved")


def _action(name: str) -> Callable[[Request], Awaitable[Response]]:
    @route("admin")
    async def act(ctx: Ctx) -> Response:
        kind = _kind(ctx)
        if kind is None:
            return _not_found(ctx)
        await ctx.form()
        record_id = str(ctx.request.path_params["record_id"])
        assert ctx.account is not None
        engine, actor = ctx.state.kb_engine, ctx.account.email
        try:
            if name == "verify":
                await run_in_threadpool(listings.verify, engine, kind, record_id, actor)
            else:
                status = "retired" if name == "retire" else "active"
                await run_in_threadpool(listings.set_status, engine, kind, record_id, status,
                                        actor)
        except LookupError:
            return _not_found(ctx)
        return ctx.redirect(f"/admin/{kind.name}/{record_id}?notice={name}")

    act.__name__ = f"{name}_listing"
    return act


@route("admin")
async def legal_sources(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    jurisdiction = (q.get("jurisdiction") or "").strip().upper()[:3] or None
    text = (q.get("q") or "").strip()[:100] or None
    sources = await run_in_threadpool(listings.legal_sources, jurisdiction, text)
    today = dt.date.today()
    cutoff = today - dt.timedelta(days=ctx.state.settings.stale_after_days)
    return ctx.render("admin_sources.html", **_common(ctx), sources=sources,
                      filters={"jurisdiction": jurisdiction or "", "q": text or ""},
                      cutoff=cutoff)


@route("admin")
async def stale(ctx: Ctx) -> Response:
    days = ctx.state.settings.stale_after_days
    facts, counts = await run_in_threadpool(listings.stale_report, ctx.state.kb_engine, days)
    kinds = ("service", "hotline", "consulate", "rule")
    return ctx.render("admin_stale.html", **_common(ctx), facts=facts, counts=counts,
                      fact_kinds=kinds, days=days)


@route("admin")
async def import_page(ctx: Ctx) -> Response:
    return ctx.render("admin_import.html", **_common(ctx), preview=None, errors=None,
                      max_mb=ctx.state.settings.console_max_upload_bytes // (1024 * 1024))


@route("admin")
async def import_upload(ctx: Ctx) -> Response:
    from knowledge.io import ImportFailed

    _ = ctx._
    limit = ctx.state.settings.console_max_upload_bytes
    values = _common(ctx) | {"preview": None, "errors": None, "max_mb": limit // (1024 * 1024)}
    try:
        form = await ctx.form(max_bytes=limit + 64 * 1024)
    except Exception as exc:  # too large, or a broken multipart body
        if getattr(exc, "status_code", None) == 403:
            raise
        return ctx.render("admin_import.html", status=413, **values,
                          message=_("The file is larger than {mb} MB: split it into smaller "
                                    "files.").format(mb=limit // (1024 * 1024)))
    upload = form.get("file")
    kind = str(form.get("kind") or "") or None
    if kind not in (None, *KINDS_BY_NAME):
        kind = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return ctx.render("admin_import.html", status=422, **values,
                          message=_("Choose a CSV or YAML file."))
    name = upload.filename.rsplit("/", 1)[-1][:100]
    if not name.lower().endswith(SUFFIXES):
        return ctx.render("admin_import.html", status=422, **values,
                          message=_("Only .csv, .yaml and .yml files can be imported."))
    content = await upload.read(limit + 1)
    if len(content) > limit:
        return ctx.render("admin_import.html", status=413, **values,
                          message=_("The file is larger than {mb} MB: split it into smaller "
                                    "files.").format(mb=limit // (1024 * 1024)))
    path = desk(ctx).keep(name, content)
    try:
        preview = await run_in_threadpool(desk(ctx).preview, ctx.state.kb_engine, path, name,
                                          kind)
    except ImportFailed as exc:
        path.unlink(missing_ok=True)
        values["errors"] = exc.errors
        return ctx.render("admin_import.html", status=422, **values, filename=name,
                          message=_("Nothing was imported: the file has {n} errors.")
                          .format(n=len(exc.errors)))
    values["preview"] = preview
    return ctx.render("admin_import.html", **values)


@route("admin")
async def import_apply(ctx: Ctx) -> Response:
    form = await ctx.form()
    token = str(form.get("token") or "")
    the_desk = desk(ctx)
    path = the_desk.find(token)
    if path is None:
        return ctx.render("error.html", status=410,
                          message=ctx._("This upload has expired: upload the file again."))
    if form.get("discard"):
        the_desk.discard(token)
        return ctx.redirect("/admin/import")
    assert ctx.account is not None
    kind = str(form.get("kind") or "services")
    if kind not in KINDS_BY_NAME:
        kind = "services"
    try:
        total = max(1, int(str(form.get("rows") or "1")))
    except ValueError:
        total = 1
    job = the_desk.start(ctx.state.kb_engine, path, kind, str(form.get("filename") or "")[:100],
                         ctx.account.email, total)
    return ctx.redirect(f"/admin/import/jobs/{job.id}")


@route("admin")
async def import_job(ctx: Ctx) -> Response:
    job = desk(ctx).jobs.get(str(ctx.request.path_params["job_id"]))
    if job is None:
        return _not_found(ctx)
    return ctx.render("admin_job.html", **_common(ctx), job=job)


@route("admin")
async def export(ctx: Ctx) -> Response:
    from console.imports import export as export_listings

    q = ctx.request.query_params
    kind = q.get("kind", "services")
    fmt = q.get("format", "csv")
    if kind not in KINDS_BY_NAME or fmt not in ("csv", "yaml"):
        return _not_found(ctx)
    data, media = await run_in_threadpool(export_listings, ctx.state.kb_engine, kind, fmt)
    stamp = dt.date.today().isoformat()
    return Response(data, media_type=media, headers={
        "content-disposition": f'attachment; filename="{kind}-{stamp}.{fmt}"',
        "cache-control": "no-store", "x-content-type-options": "nosniff"})


def routes() -> list[BaseRoute]:
    return [
        Route("/admin", admin_home, methods=["GET"]),
        Route("/admin/stale", stale, methods=["GET"]),
        Route("/admin/legal-sources", legal_sources, methods=["GET"]),
        Route("/admin/import", import_page, methods=["GET"]),
        Route("/admin/import", import_upload, methods=["POST"]),
        Route("/admin/import/apply", import_apply, methods=["POST"]),
        Route("/admin/import/jobs/{job_id}", import_job, methods=["GET"]),
        Route("/admin/export", export, methods=["GET"]),
        Route("/admin/{kind}", list_view, methods=["GET"]),
        Route("/admin/{kind}/new", new_form, methods=["GET"]),
        Route("/admin/{kind}/new", create, methods=["POST"]),
        Route("/admin/{kind}/{record_id}", edit_form, methods=["GET"]),
        Route("/admin/{kind}/{record_id}", update, methods=["POST"]),
        Route("/admin/{kind}/{record_id}/verify", _action("verify"), methods=["POST"]),
        Route("/admin/{kind}/{record_id}/retire", _action("retire"), methods=["POST"]),
        Route("/admin/{kind}/{record_id}/restore", _action("restore"), methods=["POST"]),
    ]
