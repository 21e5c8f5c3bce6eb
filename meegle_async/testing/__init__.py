"""An embedded fake of the Meegle (Feishu Project) OpenAPI for tests, demos and benchmarks.

:class:`FakeMeegle` serves the 25 endpoints of the specs (work items, resource library,
subtasks, field settings) plus the three token endpoints over real HTTP on loopback,
with the platform's behaviour: the ``err_code`` envelope with HTTP 200, ``X-Tt-Logid``
on every answer, token and ``X-User-Key`` checks (10211, 1000051743), each endpoint's
documented error codes, rate limits per token and endpoint (HTTP 429 + ``Retry-After``),
``X-Idem-UUID`` replays, batch tasks that finish over time, a change log paged by cursor,
and injectable faults (429, HTML 5xx pages, dropped connections before or after the
change is applied). It is written independently of the client: plain dicts, its own checks.

Usage::

    import aiohttp
    from meegle_async.testing import FakeMeegle, Faults

    async with FakeMeegle(seed_items=100, seed=1234) as fake:
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{fake.base_url}/open_api/authen/plugin_token",
                json={"plugin_id": fake.plugin_id, "plugin_secret": fake.plugin_secret, "type": 0},
            ) as resp:
                token = (await resp.json())["data"]["token"]
            headers = {"X-Plugin-Token": token, "X-User-Key": fake.user_key}
            ids = [
                i.id
                for i in fake.store.items.values()
                if i.type_key == "story" and i.project_key == fake.project_key
            ][:50]
            async with http.post(
                f"{fake.base_url}/open_api/{fake.project_key}/work_item/story/query",
                json={"work_item_ids": ids},
                headers=headers,
            ) as resp:
                items = (await resp.json())["data"]
        assert fake.requests[-1].endpoint == "get_work_item_details"

Faults, deterministic for a seed, or scripted for the next requests::

    fake = FakeMeegle(faults=Faults(p_5xx=0.05, p_drop_after=0.01), seed=7)
    fake.faults.inject("update_work_item", "drop_after")

Error codes the specs leave open are listed in :mod:`meegle_async.testing.rules`.
"""

from .faults import FaultPlan, Faults
from .rules import ApiError
from .server import FakeMeegle, RecordedRequest, serve
from .store import Store

__all__ = ["ApiError", "FakeMeegle", "FaultPlan", "Faults", "RecordedRequest", "Store", "serve"]
