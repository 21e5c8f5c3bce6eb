"""The catalogue is the single source: every entry is served by the fake and called by its method.

Each ``samples_*.py`` module beside this one exports ``SAMPLES`` (endpoint name -> ``Sample``);
every catalogue entry needs exactly one. The test calls the entry's ``client_method`` on a client
of a seeded fake and asserts that the fake received that endpoint, with the catalogue's method and
a path that matches its template.
"""

from __future__ import annotations

import importlib
import inspect
import operator
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import meegle_async
from meegle_async import ENDPOINTS
from meegle_async.catalogue import Endpoint
from meegle_async.testing import FakeMeegle
from meegle_async.testing.pytest_plugin import MeegleFakeFixture
from meegle_async.transport.limits import RateTable

from . import _sample

SURFACE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "SURFACE.tsv"


def _samples() -> dict[str, _sample.Sample]:
    found: dict[str, _sample.Sample] = {}
    package = Path(__file__).parent
    for info in pkgutil.iter_modules([str(package)]):
        if not info.name.startswith("samples_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for name, sample in module.SAMPLES.items():
            assert name not in found, f"two samples for {name}"
            found[name] = sample
    return found


SAMPLES = _samples()


def test_every_entry_has_one_sample_and_every_sample_an_entry() -> None:
    assert sorted(set(ENDPOINTS.names()) - set(SAMPLES)) == []
    assert sorted(set(SAMPLES) - set(ENDPOINTS.names())) == []


def test_catalogue_is_exported_and_consistent() -> None:
    assert meegle_async.ENDPOINTS is ENDPOINTS
    assert len(ENDPOINTS) == len(ENDPOINTS.names())
    for entry in ENDPOINTS:
        assert ENDPOINTS[entry.name] is entry
        assert entry.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        assert entry.qps > 0
        assert entry.client_method.split(".")[0] == entry.group
        if entry.method == "GET":
            assert not entry.write, entry.name


def test_rate_table_reads_the_catalogue() -> None:
    table = RateTable()
    for entry in ENDPOINTS:
        assert table.qps(entry.name) == entry.qps, entry.name


def test_each_client_method_exists_on_the_client() -> None:
    client = meegle_async.MeegleClient(plugin_token="t", user_key="u")
    try:
        for entry in ENDPOINTS:
            method = operator.attrgetter(entry.client_method)(client)
            assert callable(method), entry.client_method
    finally:
        assert not client.closed


def test_fake_routes_exactly_the_catalogue() -> None:
    fake = FakeMeegle()
    served = [r.name for r in fake.routes] + list(fake.token_routes)
    assert sorted(served) == sorted(ENDPOINTS.names())


def _surface_rows() -> list[tuple[str, str]]:
    if not SURFACE.exists():
        pytest.skip(f"{SURFACE} is not beside the checkout")
    rows = []
    for line in SURFACE.read_text().splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append((parts[1], parts[2]))
    return rows


def test_catalogue_rows_are_rows_of_the_surface() -> None:
    surface = set(_surface_rows())
    for entry in ENDPOINTS:
        assert (entry.method, entry.path) in surface, (entry.name, entry.method, entry.path)


def _path_pattern(entry: Endpoint) -> re.Pattern[str]:
    pattern = re.escape(entry.path)
    pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", pattern)
    return re.compile(pattern + "$")


@pytest.mark.parametrize("name", ENDPOINTS.names())
async def test_entry_is_served_and_called_by_its_method(name: str, tmp_path: Path) -> None:
    entry = ENDPOINTS[name]
    sample = SAMPLES[name]
    options: dict[str, Any] = {"seed_items": 30, "seed": 7, "batch_task_duration": 0.05}
    options.update(sample.fake_options)
    async with FakeMeegle(**options) as server:
        client = meegle_async.MeegleClient(
            base_url=server.base_url,
            plugin_id=server.plugin_id,
            plugin_secret=server.plugin_secret,
            user_key=server.user_key,
            adaptive_limits=False,
        )
        fake = MeegleFakeFixture(server, client, {})
        async with client:
            args, kwargs = await sample.args(client, fake)
            server.clear_requests()
            method = operator.attrgetter(entry.client_method)(client)
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                await result
            else:
                async for _ in result:
                    break
        hits = server.requests_to(name)
        assert hits, f"{entry.client_method} did not call {name}"
        for hit in hits:
            assert hit.method == entry.method
            assert _path_pattern(entry).match(hit.path), (hit.path, entry.path)
            assert hit.err_code == 0, (name, hit.err_code, hit.body)
            assert ("X-Idem-UUID" in hit.headers) == entry.write, name
        if sample.check is not None:
            sample.check(hits[0])
