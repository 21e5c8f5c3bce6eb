"""``client.templates``: the process templates of a work item type.

The writes (create, update, delete, element templates) are ``TemplateAdmin``'s.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping

from ..helpers.lookups import LookupCache
from ..models.base import structure, structure_list
from ..models.space_config import ProcessTemplate, TemplateDetail
from ._base import Requester
from ._checks import bad_answer, require_flag, require_id, require_text
from .template_admin import TemplateAdmin

__all__ = ["Templates"]


class Templates(TemplateAdmin):
    """Process templates: ``client.templates.list("space", "story")``, ``get``; the writes
    (``create``, ``update``, ``delete``, element templates) come from ``TemplateAdmin``."""

    def __init__(self, request: Requester, *, lookups: LookupCache | None = None) -> None:
        super().__init__(request)
        #: The look-up cache ``cached=True`` reads (shared by the client's groups).
        self.lookups = lookups if lookups is not None else LookupCache()

    async def list(
        self, project_key: str, work_item_type_key: str, *, cached: bool = False
    ) -> builtins.list[ProcessTemplate]:
        """The process templates of a work item type.

        GET /open_api/{project_key}/template_list/{work_item_type_key}

        Args:
            project_key: space project key or simple name.
            work_item_type_key: the type.
            cached: reuse an answer younger than ``lookups.ttl``.

        Returns:
            ``ProcessTemplate`` objects (``template_id`` is a string; ``int_id`` converts it).

        Raises:
            MeegleValidationError: bad input; nothing was sent.

        Example::

            for t in await client.templates.list("space", "story"):
                print(t.int_id, t.template_name, "disabled" if t.is_disabled == 1 else "")
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
        }

        async def load() -> builtins.list[ProcessTemplate]:
            resp = await self._call("list_template_conf", path_params=path)
            return structure_list(resp.data, ProcessTemplate)

        if not require_flag(cached, "cached"):
            return await load()
        return await self.lookups.get(
            ("templates", path["project_key"], path["work_item_type_key"]), load
        )

    async def get(
        self, project_key: str, template_id: int | str, *, cached: bool = False
    ) -> TemplateDetail:
        """A process template in full: its nodes (node flow) or states (state flow) and the
        connections between them.

        GET /open_api/{project_key}/template_detail/{template_id}

        Args:
            project_key: space project key or simple name.
            template_id: the template (an int, or the string ``templates.list`` gives).
            cached: reuse an answer younger than ``lookups.ttl``.

        Returns:
            A ``TemplateDetail`` (``workflow_confs`` or ``state_flow_confs``, ``connections``).

        Raises:
            MeegleValidationError: bad input; nothing was sent.
            MeegleNotFoundError: no such template in the space (50006, 30001).

        Example::

            detail = await client.templates.get("space", 400001)
            print([n.name for n in detail.workflow_confs or []])
        """
        path = {
            "project_key": require_text(project_key, "project_key"),
            "template_id": require_id(template_id, name="template_id"),
        }

        async def load() -> TemplateDetail:
            resp = await self._call("query_template_detail", path_params=path)
            if not isinstance(resp.data, Mapping):
                raise bad_answer(resp, "expected the template object")
            return structure(resp.data, TemplateDetail)

        if not require_flag(cached, "cached"):
            return await load()
        return await self.lookups.get(("template", path["project_key"], path["template_id"]), load)
