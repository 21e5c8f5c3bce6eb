"""pytest plugin: a started fake Meegle server and a ready client, per test.

Installed with ``meegle-async`` and loaded by pytest through the ``pytest11`` entry point, so
nothing needs to be listed in ``conftest.py``. It needs ``pytest-asyncio`` (part of the
``meegle-async[test]`` extra).

A fresh project need not configure pytest-asyncio either: when
``asyncio_default_fixture_loop_scope`` is unset, the plugin sets it to ``"fixture-scope"`` (each
async fixture runs in the loop of its own scope: what pytest-asyncio does when the option is
unset, named so that it does not warn), on a pytest-asyncio that knows that value. A value from
your configuration is always kept.

Fixtures:

``meegle_fake``
    a :class:`MeegleFakeFixture`: ``.server`` is a started :class:`~meegle_async.testing.FakeMeegle`
    (real 15/1 QPS limits by default, 20 seeded work items), ``.client`` an open
    :class:`~meegle_async.MeegleClient` pointed at it with fast retries; both are closed after
    the test.
``meegle_fake_client``
    the same client alone.
``meegle_fake_options``
    a dict of options for the fixture, ``{}`` by default; override it in a ``conftest.py``
    (or parametrise it) to change every test of a directory.

Options, as keywords of the ``meegle_fake`` marker (closest marker wins) or as keys of
``meegle_fake_options``: any :class:`~meegle_async.testing.FakeMeegle` keyword
(``seed_items``, ``seed``, ``rate_limits``, ``faults``, ``batch_task_duration``, ``latency``,
...), plus ``client``: a dict of :class:`~meegle_async.MeegleClient` keywords
(``max_retries``, ``timeout``, ``retry_policy``, ...).

Faults make tests slow unless the client's adaptive limits are off: every injected 429 lowers
the client's rate for that endpoint (as a real throttled answer should), so a test with
``Faults(p_429=...)`` runs at a fraction of the rate. Pass ``client={"adaptive_limits": False}``
when the test is about retries, not about backing off::

    @pytest.mark.meegle_fake(faults=Faults(p_429=0.2), client={"adaptive_limits": False})
    async def test_sync_retries_429(meegle_fake): ...

Example::

    import pytest
    from meegle_async.testing import Faults

    @pytest.mark.asyncio
    @pytest.mark.meegle_fake(seed_items=200, faults=Faults(p_5xx=0.1), seed=7)
    async def test_sync_survives_5xx(meegle_fake):
        ids = meegle_fake.ids("story")
        items = await meegle_fake.client.work_items.get_details(
            meegle_fake.project_key, "story", ids
        )
        assert [i.id for i in items] == ids
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..client import MeegleClient
    from .server import FakeMeegle

__all__ = ["DEFAULT_OPTIONS", "MeegleFakeFixture"]

#: What ``meegle_fake`` starts with when nothing is configured.
DEFAULT_OPTIONS: Mapping[str, Any] = {"seed_items": 20, "seed": 0}

_MISSING_ASYNCIO = (
    "the meegle_fake fixture needs pytest-asyncio: pip install pytest-asyncio "
    "(or pip install 'meegle-async[test]')"
)


class MeegleFakeFixture:
    """What the ``meegle_fake`` fixture gives: the fake server and a client pointed at it.

    Attributes:
        server: the started ``FakeMeegle`` (its ``store``, ``requests``, ``faults``, ...).
        client: an open ``MeegleClient`` for the fake's plugin credentials and default user.
    """

    def __init__(self, server: FakeMeegle, client: MeegleClient, client_options: Mapping[str, Any]):
        self.server = server
        self.client = client
        self._client_options = dict(client_options)
        self._extra_clients: list[MeegleClient] = []

    @property
    def project_key(self) -> str:
        """The seeded default space (``space_demo``, simple_name ``demo``)."""
        return self.server.project_key

    @property
    def user_key(self) -> str:
        """The default user the client acts as."""
        return self.server.user_key

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """``MeegleClient`` keywords for this fake (base URL, credentials, fast retries)."""
        return _client_kwargs(self.server, {**self._client_options, **overrides})

    def new_client(self, **overrides: Any) -> MeegleClient:
        """Another client for the same fake (its own token and limiters), closed after the test.

        Example::

            slow = meegle_fake.new_client(default_qps=5)
        """
        from ..client import MeegleClient

        client = MeegleClient(**self.client_kwargs(**overrides))
        self._extra_clients.append(client)
        return client

    def ids(
        self, type_key: str = "story", *, project_key: str | None = None, limit: int | None = None
    ) -> list[int]:
        """Ids of the live work items of one type in a space (the default space), ascending."""
        project = project_key or self.server.project_key
        found = sorted(
            item.id
            for item in self.server.store.items.values()
            if item.project_key == project
            and item.type_key == type_key
            and not item.deleted
            and not item.is_resource
        )
        return found if limit is None else found[:limit]

    async def aclose(self) -> None:
        """Close every client, then the server."""
        try:
            for client in [self.client, *self._extra_clients]:
                await client.aclose()
        finally:
            await self.server.close()


def _client_kwargs(server: FakeMeegle, options: Mapping[str, Any]) -> dict[str, Any]:
    from ..transport.retry import RetryPolicy

    kwargs: dict[str, Any] = {
        "base_url": server.base_url,
        "plugin_id": server.plugin_id,
        "plugin_secret": server.plugin_secret,
        "user_key": server.user_key,
        # A proxy from the environment must not capture loopback traffic.
        "trust_env": False,
        # Backoff for faults in tests: short, so a run with injected 5xx stays fast.
        "retry_policy": RetryPolicy(max_retries=6, backoff_base=0.02, backoff_max=0.25),
    }
    kwargs.update(options)
    return kwargs


#: pytest-asyncio's name for "each async fixture in the loop of its own scope".
_FIXTURE_SCOPE = "fixture-scope"
_LOOP_SCOPE_OPTION = "asyncio_default_fixture_loop_scope"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the ``meegle_fake`` marker; name pytest-asyncio's loop scope when unset."""
    _name_unset_loop_scope(config)
    config.addinivalue_line(
        "markers",
        "meegle_fake(**options): options of the meegle_fake fixture (FakeMeegle keywords such "
        "as seed_items, rate_limits, faults; client={...} for MeegleClient keywords)",
    )


def _name_unset_loop_scope(config: pytest.Config) -> None:
    """Set ``asyncio_default_fixture_loop_scope`` to ``"fixture-scope"`` when it is unset.

    pytest-asyncio warns (``PytestDeprecationWarning``, an error under ``-W error``) when the
    option is unset, in every project that installs it, ours included. ``"fixture-scope"`` is
    what it does when unset, so nothing changes but the warning. Runs before pytest-asyncio's
    own ``pytest_configure`` (``tryfirst``). Left alone: a value the project set, a
    pytest-asyncio without the option or without that value (no behaviour would be kept).
    """
    try:
        if config.getini(_LOOP_SCOPE_OPTION):
            return
    except ValueError:  # pytest-asyncio absent (or too old to have the option)
        return
    try:
        from pytest_asyncio import plugin as asyncio_plugin
    except ImportError:  # pragma: no cover - the option exists only with pytest-asyncio
        return
    if getattr(asyncio_plugin, "_MATCH_FIXTURE_SCOPE", None) != _FIXTURE_SCOPE:
        return
    # pytest has no public setter for an ini value; getini answers from this cache first.
    cache = getattr(config, "_inicache", None)
    if isinstance(cache, dict):
        cache[_LOOP_SCOPE_OPTION] = _FIXTURE_SCOPE


def _options(request: pytest.FixtureRequest, base: Mapping[str, Any]) -> dict[str, Any]:
    options = dict(DEFAULT_OPTIONS)
    options.update(base)
    # iter_markers yields the closest marker first: apply outer ones first so the closest wins.
    for marker in reversed(list(request.node.iter_markers("meegle_fake"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.meegle_fake takes keyword options only")
        options.update(marker.kwargs)
    return options


@pytest.fixture
def meegle_fake_options() -> dict[str, Any]:
    """Options for ``meegle_fake`` (override this fixture to change them for many tests)."""
    return {}


def _async_fixture() -> Callable[[Any], Any]:
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - exercised only without the test extra
        return _fails_without_asyncio
    return pytest_asyncio.fixture


def _fails_without_asyncio(fn: Any) -> Any:
    # Stands in for the fixture so that a test asking for it learns the fix, while pytest runs
    # that don't use it are not disturbed by the plugin being installed.
    @pytest.fixture(name=fn.__name__)
    def missing() -> Any:
        pytest.fail(_MISSING_ASYNCIO, pytrace=False)

    return missing


@_async_fixture()
async def meegle_fake(
    request: pytest.FixtureRequest, meegle_fake_options: Mapping[str, Any]
) -> AsyncIterator[MeegleFakeFixture]:
    """A started fake Meegle server and an open client pointed at it (see the module doc)."""
    from ..client import MeegleClient
    from .server import FakeMeegle

    options = _options(request, meegle_fake_options)
    client_options = options.pop("client", None) or {}
    if not isinstance(client_options, Mapping):
        raise pytest.UsageError("meegle_fake option 'client' must be a dict of client keywords")
    server = FakeMeegle(**options)
    await server.start()
    harness: MeegleFakeFixture | None = None
    try:
        client = MeegleClient(**_client_kwargs(server, client_options))
        harness = MeegleFakeFixture(server, client, client_options)
        await client.__aenter__()
        yield harness
    finally:
        if harness is not None:
            await harness.aclose()
        else:
            await server.close()


@pytest.fixture
def meegle_fake_client(meegle_fake: MeegleFakeFixture) -> MeegleClient:
    """The open ``MeegleClient`` of ``meegle_fake``."""
    return meegle_fake.client
