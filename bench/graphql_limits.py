"""Refusing a query that is too costly costs about as much as answering a trivial one.

In-process through ``httpx.ASGITransport`` (the whole app: request id, body limit,
token validation, Strawberry), on a throw-away SQLite database, each request
timed alone. The baseline is ``{ viewer { subject } }``; the others are refused
with ``QUERY_TOO_COMPLEX``:

- the fragment-doubling query (30 fragments, each spreading the next twice: 2^30
  fields once expanded), a new text each time (a comment differs), so every
  request parses and analyses it afresh; and the same text again (from the cache);
- a document repeating ``viewer { subject }`` 499 times (just under the token
  limit), new each time: the largest document the parser accepts.

A second group runs ``portal serve`` in its own process and times ``GET /healthz`` over
TCP alone (the baseline) and while four client processes keep sending new
fragment-doubling documents (2^10, 2^20 and 2^30 in turn) as fast as they are answered:
what a load balancer's probe sees during such an attack (median and 99th percentile).
The attackers are processes of their own: in the probe's process, their work on their
own documents and answers would be counted as the server's delay.

The issue's target is a refusal within 50 ms, and ``/healthz`` under 50 ms meanwhile.
Also runnable alone: ``python -m bench.graphql_limits``.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from tortoise.context import TortoiseContext

from api.app import create_app
from api.oauth.keys import generate_signing_key
from api.oauth.tokens import mint_access_token
from api.services import Services
from api.settings import Settings
from bench import Measurement
from bench._served import REPO, served
from billing.accounts import create_account
from models.config import tortoise_config

ROUNDS = 60
TRIVIAL = "{ viewer { subject } }"


def doubling(levels: int) -> str:
    fragments = [f"fragment F{i} on Viewer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Viewer {{ subject }}")
    return "{ viewer { ...F0 } } " + " ".join(fragments)


def repeated(times: int) -> str:
    return "{ " + " ".join(["viewer { subject }"] * times) + " }"


def fresh(document: Callable[[], str]) -> Callable[[], str]:
    """A new text each time (a leading comment), so nothing comes from the cache."""
    return lambda: f"# {uuid.uuid4().hex}\n{document()}"


async def median_ms(http: httpx.AsyncClient, token: str, query: Callable[[], str], code: str | None) -> float:
    times = []
    for _ in range(ROUNDS):
        body = {"query": query()}
        started = time.perf_counter()
        response = await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        times.append((time.perf_counter() - started) * 1000)
        answer = response.json()
        got = answer["errors"][0]["extensions"]["code"] if "errors" in answer else None
        assert got == code, answer
    return statistics.median(times)


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def healthz_ms(http: httpx.AsyncClient, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await http.get("/healthz")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.005)  # a probe every few milliseconds, not a flood
    return times


async def attack(http: httpx.AsyncClient, token: str, stop: asyncio.Event) -> int:
    """Send new fragment-doubling documents until ``stop``; how many were refused."""
    sent = 0
    while not stop.is_set():
        levels = (10, 20, 30)[sent % 3]
        body = {"query": f"# {uuid.uuid4().hex}\n{doubling(levels)}"}
        response = await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX", response.text
        sent += 1
    return sent


async def attack_for(url: str, token: str, seconds: float) -> int:
    """One attacking client (run in its own process, so that building documents and reading
    answers never delays the probe): refused documents sent in ``seconds``."""
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        task = asyncio.create_task(attack(http, token, stop))
        await asyncio.sleep(seconds)
        stop.set()
        return await task


async def healthz_over_tcp() -> tuple[list[float], list[float], int]:
    """``/healthz`` of a served process: alone, then while ``ATTACKERS`` processes attack it;
    and how many attacks were refused meanwhile."""
    with served() as server:
        token = server.portal("token", "--subject", "demo-owner", "--scope", "billing:read").strip()
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as probe:
            await healthz_ms(probe, 20)  # warm up
            alone = await healthz_ms(probe, PROBES)
            attackers = [
                subprocess.Popen([sys.executable, "-m", "bench.graphql_limits", "attack", server.url, token, "8"],
                                 cwd=REPO, stdout=subprocess.PIPE, text=True)
                for _ in range(ATTACKERS)
            ]
            await asyncio.sleep(1.0)  # the attackers have started
            attacked = await healthz_ms(probe, PROBES)
            refused = sum(int(attacker.communicate(timeout=120)[0]) for attacker in attackers)
    return alone, attacked, refused


ATTACKERS = 4
PROBES = 300


async def run() -> list[Measurement]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite://{tmp}/bench.sqlite3",
            signing_key_file=Path(tmp) / "key.json",
            mail_dir=Path(tmp) / "mail",
            log_level="WARNING",
        )
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
            await ctx.generate_schemas()
            await create_account("Bench K.K.", "owner")
            services = Services.build(settings, generate_signing_key())
            token = await mint_access_token(services.authorization_server, "owner", ["billing:read"])
            app = create_app(services, manage_database=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
                heavy = doubling(30)
                await median_ms(http, token, lambda: TRIVIAL, None)  # warm up
                trivial = await median_ms(http, token, lambda: TRIVIAL, None)
                refused_2_10 = await median_ms(http, token, fresh(lambda: doubling(10)), "QUERY_TOO_COMPLEX")
                refused_2_20 = await median_ms(http, token, fresh(lambda: doubling(20)), "QUERY_TOO_COMPLEX")
                refused_new = await median_ms(http, token, fresh(lambda: heavy), "QUERY_TOO_COMPLEX")
                refused_cached = await median_ms(http, token, lambda: heavy, "QUERY_TOO_COMPLEX")
                largest_new = await median_ms(http, token, fresh(lambda: repeated(499)), "QUERY_TOO_COMPLEX")
            await services.aclose()
    alone, attacked, refused = await healthz_over_tcp()
    probe = "graphql limits: GET /healthz of a served process while 4 client processes send fragment-doubling documents, ms"
    group = "graphql limits: median ms per request, in process (lower is better; target: refusal < 50 ms)"
    return [
        Measurement(group, "trivial query { viewer { subject } } (answered)", trivial, "ms", baseline=True),
        Measurement(group, "fragment doubling 2^10, new text (refused)", refused_2_10, "ms"),
        Measurement(group, "fragment doubling 2^20, new text (refused)", refused_2_20, "ms"),
        Measurement(group, "fragment doubling 2^30, new text (refused)", refused_new, "ms"),
        Measurement(group, "fragment doubling 2^30, cached text (refused)", refused_cached, "ms"),
        Measurement(group, "499 repeats of viewer { subject }, new text (refused)", largest_new, "ms"),
        Measurement(probe, "GET /healthz alone, median", statistics.median(alone), "ms", baseline=True),
        Measurement(probe, "GET /healthz alone, p99", percentile(alone, 0.99), "ms"),
        Measurement(probe, f"GET /healthz under attack ({refused} refused), median", statistics.median(attacked), "ms"),
        Measurement(probe, "GET /healthz under attack, p99", percentile(attacked, 0.99), "ms"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["attack"]:
        print(asyncio.run(attack_for(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
    else:
        from bench.__main__ import table

        print(table(asyncio.run(run())))
