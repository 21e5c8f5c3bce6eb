"""The pytest plugin, as a user meets it: tiny test files run by ``pytester`` in a subprocess."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

STRICT_INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

AUTO_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

DETAILS = """
async def details(fake, ids):
    return await fake.client.request(
        "get_work_item_details",
        "POST",
        "/open_api/{project_key}/work_item/story/query",
        path_params={"project_key": fake.project_key},
        json={"work_item_ids": ids},
    )
"""


def run(pytester: pytest.Pytester, ini: str, source: str, *args: str) -> pytest.RunResult:
    pytester.makeini(ini)
    pytester.makepyfile(test_user=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_strict_mode_with_asyncio_marker(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        STRICT_INI,
        DETAILS
        + """
import socket
import pytest
from meegle_async import MeegleClient
from meegle_async.testing import FakeMeegle

seen = []

@pytest.mark.asyncio
async def test_default(meegle_fake):
    assert isinstance(meegle_fake.server, FakeMeegle)
    assert isinstance(meegle_fake.client, MeegleClient)
    assert meegle_fake.client.base_url == meegle_fake.server.base_url
    ids = meegle_fake.ids("story")
    assert ids == sorted(ids) and len(ids) >= 5
    data = await details(meegle_fake, ids[:5])
    assert [d["id"] for d in data] == ids[:5]
    assert meegle_fake.server.limiter.enabled  # real limits by default
    seen.append(meegle_fake)

def test_closed_after_the_test():
    (fake,) = seen
    assert fake.client.closed
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", fake.server.port), timeout=1)

@pytest.mark.asyncio
async def test_client_fixture(meegle_fake, meegle_fake_client):
    assert meegle_fake_client is meegle_fake.client
""",
    )
    result.assert_outcomes(passed=3)


def test_marker_options_and_auto_mode(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        AUTO_INI,
        DETAILS
        + """
import pytest
from meegle_async.testing import Faults

pytestmark = pytest.mark.meegle_fake(seed_items=7, seed=3)

async def test_module_marker(meegle_fake):
    stories = meegle_fake.ids("story") + meegle_fake.ids("bug")
    stories += meegle_fake.ids("story", project_key=meegle_fake.server.second_project_key)
    stories += meegle_fake.ids("bug", project_key=meegle_fake.server.second_project_key)
    assert len(stories) == 7

@pytest.mark.meegle_fake(seed_items=30, rate_limits=False, faults=Faults(p_5xx=0.5), seed=11)
async def test_closest_marker_wins_and_faults_are_retried(meegle_fake):
    assert not meegle_fake.server.limiter.enabled
    ids = meegle_fake.ids("story")[:3]
    for _ in range(5):
        assert [d["id"] for d in await details(meegle_fake, ids)] == ids
    assert meegle_fake.server.faults.injected  # some 5xx happened and were retried

@pytest.mark.meegle_fake(client={"max_retries": 0})
async def test_client_options(meegle_fake):
    from meegle_async import MeegleServerError
    meegle_fake.server.faults.inject("get_work_item_details", "503")
    with pytest.raises(MeegleServerError):
        await details(meegle_fake, meegle_fake.ids("story")[:1])

async def test_new_client(meegle_fake):
    other = meegle_fake.new_client(user_key=meegle_fake.user_key)
    ids = meegle_fake.ids("story")[:1]
    await other.request(
        "get_work_item_details", "POST", "/open_api/{project_key}/work_item/story/query",
        path_params={"project_key": meegle_fake.project_key}, json={"work_item_ids": ids},
    )
    assert meegle_fake.server.token_requests == 1  # the main client made no call yet
""",
    )
    result.assert_outcomes(passed=4)


def test_options_fixture_can_be_overridden_and_parametrised(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(params=[0, 12])
def meegle_fake_options(request):
    return {"seed_items": request.param, "batch_task_duration": 0.1}
"""
    )
    result = run(
        pytester,
        AUTO_INI,
        """
async def test_seeded(meegle_fake):
    assert meegle_fake.server.store.batch_task_duration == 0.1
    n = len(meegle_fake.server.store.items)
    assert n in (0, 12 + 12 // 10)
""",
        "-v",
    )
    result.assert_outcomes(passed=2)


def test_bad_marker_use_is_reported(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        AUTO_INI,
        """
import pytest

@pytest.mark.meegle_fake(5)
async def test_positional(meegle_fake):
    pass

@pytest.mark.meegle_fake(no_such_option=1)
async def test_unknown(meegle_fake):
    pass
""",
    )
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*keyword options only*", "*no_such_option*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makeini(AUTO_INI)
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.meegle_fake(**options)*"])


FRESH_TEST = """
import pytest

@pytest.mark.asyncio
async def test_fixture_in_a_fresh_project(meegle_fake, request):
    assert meegle_fake.ids("story")
    assert request.config.getini("asyncio_default_fixture_loop_scope") == "{expected}"
"""


def test_a_fresh_project_gets_no_loop_scope_warning(pytester: pytest.Pytester) -> None:
    # No ini at all, as in a project that just installed meegle-async[test]; -W error turns
    # pytest-asyncio's "asyncio_default_fixture_loop_scope is unset" warning into a failure.
    pytester.makepyfile(test_user=FRESH_TEST.replace("{expected}", "fixture-scope"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)
    assert "PytestDeprecationWarning" not in result.stdout.str() + result.stderr.str()


def test_a_configured_loop_scope_is_kept(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        STRICT_INI,
        FRESH_TEST.replace("{expected}", "function"),
        "-W",
        "error",
    )
    result.assert_outcomes(passed=1)


def test_the_documented_way_to_inject_429s_without_slowing_down(pytester: pytest.Pytester) -> None:
    from meegle_async.testing import faults, pytest_plugin

    for doc in (faults.__doc__, pytest_plugin.__doc__):
        assert doc is not None
        assert "adaptive_limits" in doc
        assert "False" in doc
    result = run(
        pytester,
        AUTO_INI,
        DETAILS
        + """
import pytest
from meegle_async.testing import Faults

@pytest.mark.meegle_fake(seed_items=20, faults=Faults(p_429=0.5), seed=5,
                         client={"adaptive_limits": False})
async def test_sync_retries_429(meegle_fake):
    meegle_fake.server.faults.inject("get_work_item_details", "429", "429")
    ids = meegle_fake.ids("story")[:2]
    for _ in range(6):
        assert [d["id"] for d in await details(meegle_fake, ids)] == ids
    assert meegle_fake.server.faults.injected["429"] >= 2
    stats = meegle_fake.client.stats().endpoints["get_work_item_details"]
    assert stats.throttled >= 2
""",
    )
    result.assert_outcomes(passed=1)
