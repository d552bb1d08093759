"""Hand-off inbox budgets: the inbox page p95 with 1,000 open requests (≤ 50 ms) on SQLite and
PostgreSQL, and the time from a caseworker's "send" to the channel receiving the reply.

The page: a seeded knowledge base per backend (as `benchmarks.console`), 1,000 open requests
(one in ten in danger, five languages, twenty countries, three channels), the real console
process, one signed-in caseworker loading `/inbox` and the rows fragment the page polls.
The reply: the whole stack (`tests.auxil.channel_stack`: action server, Rasa, gateway,
console, with the Telegram Bot API faked at its HTTP boundary in this process); a person asks
for a person, a caseworker claims the request and posts replies from the request page; each
is timed from the post to the fake Bot API receiving it.
`python -m benchmarks.inbox [--requests N] [--backend sqlite|postgresql] [--replies N]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.console import console_process, databases, postgres_available, sign_in
from benchmarks.measure import percentile

OPEN_REQUESTS = 1000
LANGS = ("es", "en", "pt", "fr", "ht")
COUNTRIES = ("MX", "US", "CO", "PE", "CL", "AR", "BR", "EC", "ES", "CR", "DO", "UY", "GT", "HN",
             "SV", "PA", "BO", "PY", "TT", "CA")
CHANNELS = ("telegram", "whatsapp", "webchat")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def fill_queue(kb: str, n: int) -> None:
    """`n` open requests from `n` senders, one in ten marked with a danger kind."""
    import datetime as dt

    import sqlalchemy as sa

    from helpline import handoff
    from knowledge.db import make_engine

    engine = make_engine(kb)
    handoff.ensure_schema(engine)
    now = dt.datetime.now(dt.UTC)
    rows = [{"sender_id": f"bench{i:06d}" + "0" * 50, "requested_at": now - dt.timedelta(
                 minutes=n - i), "language": LANGS[i % 5], "country": COUNTRIES[i % 20],
             "topic": "request_human", "status": "open",
             "danger": "trafficking" if i % 10 == 0 else None, "channel": CHANNELS[i % 3]}
            for i in range(n)]
    with engine.begin() as conn:
        conn.execute(sa.insert(handoff.handoffs), rows)
    engine.dispose()


def page_figures(url: str, loads: int) -> dict[str, float]:
    with httpx.Client(base_url=url, timeout=30, headers={"accept-language": "en"}) as client:
        sign_in(client)
        for _ in range(5):  # warm-up: templates, catalogues, connection pool
            client.get("/inbox")
        pages, fragments = [], []
        for _ in range(loads):
            start = time.perf_counter()
            r = client.get("/inbox")
            pages.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200 and f"{OPEN_REQUESTS}" in r.text, r.status_code
            start = time.perf_counter()
            client.get("/inbox/rows")
            fragments.append((time.perf_counter() - start) * 1000)
    return {"p50": percentile(pages, 50), "p95": percentile(pages, 95),
            "rows_p95": percentile(fragments, 95), "n": float(len(pages))}


def bench_page(backends: list[str], loads: int) -> None:
    print("| backend | inbox page p50 ms | p95 ms (budget 50) | rows fragment p95 ms | "
          "open requests | loads |")
    print("|---|---|---|---|---|---|")
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print("| postgresql | not measured: no server on 127.0.0.1:5432 | | | | |")
            continue
        with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp, \
                databases(backend, Path(tmp)) as (kb, console):
            fill_queue(kb, OPEN_REQUESTS)
            with console_process(kb, console) as (url, _pid):
                f = page_figures(url, loads)
        print(f"| {backend} | {f['p50']:.1f} | {f['p95']:.1f} | {f['rows_p95']:.1f} | "
              f"{OPEN_REQUESTS} | {int(f['n'])} |", flush=True)


def bench_reply(model: Path, replies: int) -> None:
    """Send → fake Bot API, through the console, the gateway and Telegram's channel."""
    import sqlalchemy as sa

    from tests.auxil.channel_stack import CASEWORKER, PASSWORD, channel_stack, wait_until

    chat_id = 52_000_001
    with tempfile.TemporaryDirectory(prefix="bench-reply-") as tmp, \
            channel_stack(Path(tmp), model) as env:
        env.telegram(chat_id, "hola, estoy en Lima, Perú")
        env.telegram(chat_id, "quiero hablar con una persona")
        engine = sa.create_engine(env.settings.database_url)

        def open_request() -> int | None:
            with engine.connect() as conn:
                found = conn.execute(sa.text(
                    "SELECT id FROM handoff_requests WHERE status = 'open'")).scalar()
            return int(found) if found is not None else None

        request_id = wait_until(open_request, 60, "the hand-off request")
        engine.dispose()
        times = []
        with httpx.Client(base_url=env.console_url, timeout=60) as client:
            sign_in(client, CASEWORKER, PASSWORD)
            page = client.get(f"/inbox/{request_id}").text
            token = CSRF.search(page)
            assert token
            client.post("/inbox/claim", data={"request": str(request_id),
                                              "csrf_token": token.group(1)})
            for i in range(replies):
                before = len(env.bot.sent())
                start = time.perf_counter()
                client.post(f"/inbox/{request_id}/reply",
                            data={"text": f"Respuesta {i} del equipo.",
                                  "csrf_token": token.group(1)})
                deadline = start + 30
                while len(env.bot.sent()) <= before:  # polled finely: this is the figure
                    assert time.perf_counter() < deadline, "the reply did not arrive"
                    time.sleep(0.002)
                times.append((time.perf_counter() - start) * 1000)
    print("| path | p50 ms | p95 ms | replies |")
    print("|---|---|---|---|")
    print(f"| console send → fake Bot API (through the gateway) | {percentile(times, 50):.0f} | "
          f"{percentile(times, 95):.0f} | {len(times)} |", flush=True)


def main(argv: list[str] | None = None, model: Path | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbox", description=__doc__)
    parser.add_argument("--loads", type=int, default=200, help="inbox page loads per backend")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--replies", type=int, default=30,
                        help="replies to time (0: skip the stack)")
    args = parser.parse_args(argv)
    bench_page(args.backend or ["sqlite", "postgresql"], args.loads)
    if args.replies:
        from devstack.training import model_path, train

        found = model or model_path()
        bench_reply(found if found.exists() else train(), args.replies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
