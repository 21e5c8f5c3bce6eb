"""The ``meegle_async`` logger and the ``MEEGLE_LOG`` switch.

Nothing is configured unless ``MEEGLE_LOG`` is ``debug`` or ``info``: a library must not print on
its own. Log lines name the endpoint, the status, the attempt, the duration and the log id; they
never contain a header, a token or a secret.
"""

from __future__ import annotations

import logging
import os

__all__ = ["logger", "setup_logging"]

logger = logging.getLogger("meegle_async")
# Without a handler, Python's last-resort handler would print our warnings to stderr.
logger.addHandler(logging.NullHandler())

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_HANDLER_NAME = "meegle_async.env"


def setup_logging(value: str | None = None) -> bool:
    """Switch the logger on from ``MEEGLE_LOG`` (or ``value``). Returns whether it did anything.

    Adds one stderr handler (once) and sets the level; leaves the logger alone when unset.
    """
    setting = (value if value is not None else os.environ.get("MEEGLE_LOG", "")).strip().lower()
    level = _LEVELS.get(setting)
    if level is None:
        return False
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)
    return True
