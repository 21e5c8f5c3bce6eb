"""Every Python block of README.md and docs/**/*.md runs, in order, against a fresh fake.

One test per page (see ``examples.py`` for the convention, described in CONTRIBUTING.md). A
page's blocks share one ``FakeMeegle`` seeded as ``meegle-async fake-server`` seeds by default
and a temporary working directory; the environment holds the ``MEEGLE_*`` variables that
``meegle-async fake-server --print-env`` prints. A block fails its page if it raises.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from meegle_async.cli import build_parser
from meegle_async.cli.fake_server import connection_details, make_fake

from .examples import ROOT, Block, ThreadedFake, blocks, pages

PAGES = [page for page in pages() if any(b.is_python for b in blocks(page))]


def _default_fake() -> object:
    """The fake ``meegle-async fake-server`` serves with no options."""
    return make_fake(build_parser().parse_args(["fake-server"]))


def _run_block(block: Block, tmp_path: Path) -> None:
    name = block.file_name
    if name is not None:
        (tmp_path / name).write_text(block.code, encoding="utf-8")
        if name.startswith("test_"):
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(f"{block.where}: pytest {name} failed:\n{done.stdout}\n{done.stderr}")
        return
    out = io.StringIO()
    error = None
    try:
        # Leading newlines keep the page's line numbers in tracebacks.
        code = compile("\n" * (block.line - 1) + block.code, str(block.page), "exec")
        with contextlib.redirect_stdout(out):
            exec(code, {"__name__": "__main__", "__file__": str(tmp_path / "example.py")})
    except BaseException:
        error = traceback.format_exc()
    if os.environ.get("DOCS_EXAMPLES_ECHO"):  # see what a page prints: -s with this set
        sys.__stdout__.write(f"--- {block.where}\n{out.getvalue()}")
    if error is not None:
        pytest.fail(
            f"{block.where}: the example raised\n{error}\n--- its output ---\n{out.getvalue()}",
            pytrace=False,
        )


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("MEEGLE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with ThreadedFake(_default_fake()) as fake:
        details = connection_details(fake)
        for key in ("base_url", "plugin_id", "plugin_secret", "user_key"):
            monkeypatch.setenv(f"MEEGLE_{key.upper()}", str(details[key]))
        monkeypatch.setenv("PYTHONPATH", str(tmp_path))
        for block in blocks(page):
            if block.is_python and block.skip is None:
                _run_block(block, tmp_path)


def test_the_harness_finds_blocks_markers_and_files(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nprint(1)\n```\n\n<!-- example: skip: needs a tenant -->\n"
        "```python\nraise SystemExit\n```\n\n- a list item:\n\n  ```python\n  x = 1\n  ```\n\n"
        "```bash\nls\n```\n\n```python\n# file: test_x.py\ndef test_x(): pass\n```\n",
        encoding="utf-8",
    )
    found = list(blocks(page))
    assert [(b.language, b.line, b.skip, b.file_name) for b in found] == [
        ("python", 4, None, None),
        ("python", 9, "needs a tenant", None),
        ("python", 15, None, None),
        ("bash", 19, None, None),
        ("python", 23, None, "test_x.py"),
    ]
    assert found[2].code == "x = 1\n"


def test_every_page_runs_or_says_why_not() -> None:
    skipped = [b.where for p in pages() for b in blocks(p) if b.is_python and b.skip]
    python = [b for p in pages() for b in blocks(p) if b.is_python]
    assert len(python) >= 30  # the collector finds the pages and their blocks
    # Skips are for real-tenant-only setup and fragments: keep them rare.
    assert len(skipped) <= len(python) // 5, skipped


def test_the_readme_stays_a_short_way_in() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    # Its quick start is a program that runs against the fake as written (collected above).
    assert any(b.is_python and b.skip is None for b in blocks(ROOT / "README.md"))


def test_links_of_the_readme_and_contributing_point_at_files() -> None:
    # mkdocs --strict checks the links inside docs/; these two pages live outside it.
    for name in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert (ROOT / target).exists(), f"{name} links to missing {target}"
