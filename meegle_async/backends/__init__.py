"""Shared-state backends: where rate limits and tokens live when several processes share a token.

The in-memory backends in ``meegle_async.transport`` are the default.
``meegle_async.backends.redis`` (the ``meegle-async[redis]`` extra) keeps one rate budget and
one token for every process that names the same Redis::

    MeegleClient(..., shared_state="redis://127.0.0.1:6379/0")

This package imports nothing optional itself: ``redis`` is imported only with the submodule.
"""

__all__: list[str] = []
