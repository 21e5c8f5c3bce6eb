"""Batch updates on ``client.work_items``: submit in 50-id chunks, poll every task, one
result (a mixin of ``WorkItems``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import (
    MeegleBatchSubmitError,
    MeegleError,
    MeegleTimeoutError,
    MeegleValidationError,
)
from ..helpers.chunking import (
    MAX_IDS_PER_REQUEST,
    chunked,
    unique_ids,
    validate_ids,
)
from ..helpers.field_builder import (
    FieldMetadata,
    build_field_value_pairs,
)
from ..helpers.polling import PollSchedule, TaskPoller
from ..models.base import structure
from ..models.enums import (
    UpdateMode,
)
from ..models.work_items import (
    BatchUpdateProgress,
    BatchUpdateResult,
    BatchUpdateTask,
)
from ._base import EndpointGroup
from ._checks import bad_answer, require_text, shown
from ._work_item_common import (
    UPDATE_MODES,
)


class WorkItemBatch(EndpointGroup):
    """``batch_update``, ``get_batch_update_progress``, ``batch_update_and_wait``."""

    if TYPE_CHECKING:  # WorkItems gives it: the cached field metadata of a type

        async def get_field_metadata(
            self, project_key: str, work_item_type_key: str
        ) -> FieldMetadata: ...

    # -- batch update ------------------------------------------------------------------------

    async def batch_update(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None = None,
        update_mode: UpdateMode,
        after_field_value: Any = None,
        before_field_value: Any = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Set one field on many work items: one server task per 50 ids; their task ids.

        ``POST /open_api/work_item/batch_update`` (1 request per second, the limiter paces it).

        Args:
            project_key: the space's project_key.
            work_item_type_key: the items' type.
            work_item_ids: any number of ids (repeats are sent once).
            field_key: the one field to change.
            update_mode: ``APPEND`` (add to multi-value fields), ``UPDATE`` (overwrite) or
                ``REPLACE`` (swap ``before_field_value`` for ``after_field_value``).
            after_field_value: the value after the update; an empty value (``""``, ``[]``)
                clears the field.
            before_field_value: the value to replace; required with ``REPLACE`` only.
            idempotency_key: a base key; chunk ``i`` (0-based) is sent with ``f"{key}-{i}"``.
                Calling again with the same key after a failure re-sends the same keys, so the
                server does not start chunks twice. One is made when left out.
            fields: instead of ``field_key`` and ``after_field_value``, one field by key,
                alias or name and its human value (``{"Priority": "P1"}``), built like
                ``build_fields``; a ``before_field_value`` is then built the same way.

        Returns:
            The task ids (strings), in chunk order; poll them with
            ``get_batch_update_progress`` or use ``batch_update_and_wait``.

        Chunks are submitted one after another, in order, so a failure leaves a clear line:
        the chunks before it were accepted (their tasks run), the ones after were not sent.

        Raises:
            MeegleValidationError: no ids, an unknown ``update_mode``, ``REPLACE`` without
                ``before_field_value``, ``after_field_value=None``; ``fields`` with
                ``field_key``/``after_field_value`` or naming other than one field.
            MeegleInvalidParamsError: wrong project_key (1000052062); any error of the first
                chunk comes as it is (nothing was accepted).
            MeegleBatchSubmitError: a later chunk failed. ``err.submitted`` maps the accepted
                chunks to their task ids, ``err.not_submitted_ids`` lists the ids not sent (the
                failed chunk's included), ``err.idempotency_key`` is the key used (made for the
                call when none was given). To resume safely, call again with the same ids and
                ``idempotency_key=err.idempotency_key``: the accepted chunks are sent with the
                same keys and the server does not apply them twice. A fresh key would.

        Example::

            task_ids = await client.work_items.batch_update(
                "space", "story", ids, field_key="priority", update_mode="UPDATE",
                after_field_value={"value": "opt_p1"},
            )
            task_ids = await client.work_items.batch_update(
                "space", "story", ids, update_mode="UPDATE", fields={"priority": "P1"}
            )
        """
        body, ids, base_key = await self._batch_plan_fields(
            fields,
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=field_key,
            update_mode=update_mode,
            after_field_value=after_field_value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        return await self._submit_batch(body, ids, base_key)

    async def _batch_plan_fields(
        self,
        fields: Mapping[str, Any] | None,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None,
        update_mode: str,
        after_field_value: Any,
        before_field_value: Any,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], list[int], str]:
        """``_batch_plan``, with ``fields={name: value}`` built against the metadata."""
        if fields is None:
            return self._batch_plan(
                project_key,
                work_item_type_key,
                work_item_ids,
                field_key=field_key,
                update_mode=update_mode,
                after_field_value=after_field_value,
                before_field_value=before_field_value,
                idempotency_key=idempotency_key,
            )
        if field_key is not None or after_field_value is not None:
            raise MeegleValidationError(
                "give field_key= with after_field_value=, or fields={name: value}, not both"
            )
        if not isinstance(fields, Mapping) or len(fields) != 1:
            raise MeegleValidationError(
                "fields= of a batch update names exactly one field ({name: value}), "
                f"not {shown(fields)}"
            )
        ((name, value),) = fields.items()
        # Every other input is checked before the metadata is fetched: nothing sent on bad input.
        body, ids, base_key = self._batch_plan(
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=name,
            update_mode=update_mode,
            after_field_value=value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        meta = await self.get_field_metadata(project_key, work_item_type_key)
        (after,) = build_field_value_pairs(meta, {name: value}, purpose="update")
        body["field_key"] = after.field_key or after.field_alias
        body["after_field_value"] = after.field_value
        if before_field_value is not None:
            (before,) = build_field_value_pairs(meta, {name: before_field_value}, purpose="update")
            body["before_field_value"] = before.field_value
        return body, ids, base_key

    def _batch_plan(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None,
        update_mode: str,
        after_field_value: Any,
        before_field_value: Any,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], list[int], str]:
        ids = unique_ids(validate_ids(work_item_ids))
        if not ids:
            raise MeegleValidationError("work_item_ids is empty: give the items to update")
        if update_mode not in UPDATE_MODES:
            raise MeegleValidationError(
                f"update_mode must be one of {', '.join(UPDATE_MODES)}, not {shown(update_mode)}"
            )
        if update_mode == "REPLACE" and before_field_value is None:
            raise MeegleValidationError(
                "update_mode='REPLACE' needs before_field_value (the value to replace)"
            )
        if update_mode != "REPLACE" and before_field_value is not None:
            raise MeegleValidationError(
                "before_field_value is only used with update_mode='REPLACE', not "
                f"{shown(update_mode)}"
            )
        if after_field_value is None:
            raise MeegleValidationError(
                'after_field_value is required; to clear the field send an empty value ("" or [])'
            )
        if idempotency_key is not None:
            require_text(idempotency_key, "idempotency_key")
        body: dict[str, Any] = {
            "project_key": require_text(project_key, "project_key"),
            "work_item_type_key": require_text(work_item_type_key, "work_item_type_key"),
            "update_mode": update_mode,
            "field_key": require_text(field_key, "field_key"),
            "after_field_value": after_field_value,
        }
        if before_field_value is not None:
            body["before_field_value"] = before_field_value
        return body, ids, idempotency_key or uuid.uuid4().hex

    async def _submit_batch(
        self,
        body: Mapping[str, Any],
        ids: list[int],
        base_key: str,
        on_submitted: Callable[[int, list[int], str], None] | None = None,
    ) -> list[str]:
        """Submit the chunks one after another, in order; their task ids.

        One at a time (the endpoint allows 1 request per second anyway), so when a chunk fails
        it is known exactly which chunks the server accepted and which were never sent: a
        failure after the first chunk raises ``MeegleBatchSubmitError`` saying so.
        """
        chunks = chunked(ids, MAX_IDS_PER_REQUEST)
        task_ids: list[str] = []
        for index, chunk in enumerate(chunks):
            try:
                task_id = await self._submit_chunk(body, chunk, f"{base_key}-{index}")
            except MeegleError as exc:
                if not task_ids:
                    raise  # nothing accepted: the error as it is
                raise _submit_error(chunks, task_ids, base_key, exc) from exc
            task_ids.append(task_id)
            if on_submitted is not None:
                on_submitted(index, chunk, task_id)
        return task_ids

    async def _submit_chunk(self, body: Mapping[str, Any], chunk: list[int], key: str) -> str:
        resp = await self._call(
            "batch_update_work_item_field",
            json={**body, "work_item_ids": chunk},
            idempotency_key=key,
        )
        data = resp.data
        task_id = data.get("task_id") if isinstance(data, Mapping) else None
        if isinstance(task_id, int) and not isinstance(task_id, bool):
            task_id = str(task_id)
        if not isinstance(task_id, str) or not task_id:
            raise bad_answer(resp, "expected data.task_id")
        return task_id

    async def get_batch_update_progress(self, task_id: str) -> BatchUpdateProgress:
        """The progress of one batch-update task.

        ``GET /open_api/task_result?task_id=...`` (1 request per second, shared by all polls).

        Returns:
            ``BatchUpdateProgress``: ``task_status`` (``IDLE``/``RUNNING``, then ``SUCCESS``,
            ``FAILED``, ``CANCELED`` or ``NOT_EXIST``), counters, success/fail id lists.

        Raises:
            MeegleValidationError: an empty ``task_id``.
        """
        resp = await self._call(
            "get_batch_update_progress", params={"task_id": require_text(task_id, "task_id")}
        )
        return structure(resp.data, BatchUpdateProgress)

    async def batch_update_and_wait(
        self,
        project_key: str,
        work_item_type_key: str,
        work_item_ids: Iterable[int | str],
        *,
        field_key: str | None = None,
        update_mode: UpdateMode,
        after_field_value: Any = None,
        before_field_value: Any = None,
        idempotency_key: str | None = None,
        fields: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        poll_schedule: PollSchedule | None = None,
    ) -> BatchUpdateResult:
        """``batch_update``, then poll every task to a final status; one summed-up result.

        Polling starts while chunks are still being submitted and spends the shared 1 QPS
        progress budget where an answer can have changed: a task is first polled
        ``poll_schedule.first_delay`` (2) seconds after its submission, the oldest due task
        first, and a task still ``IDLE``/``RUNNING`` is asked again 1 s later, then less and
        less often (x1.5, at most every 10 s).

        Args:
            (``batch_update``'s arguments)
            timeout: seconds for the whole call (submission included); ``None`` waits as long
                as tasks run.
            poll_schedule: the polling timing (``PollSchedule``).

        Returns:
            ``BatchUpdateResult``: task ids and statuses, success and failed ids, error scenes,
            totals. Check ``result.ok`` or call ``result.raise_for_failures()``: a task that
            ended ``FAILED``/``CANCELED``/``NOT_EXIST`` or with failed items does not raise here.

        Raises:
            MeegleTimeoutError: ``timeout`` passed; ``err.progress`` is the partial
                ``BatchUpdateResult`` (tasks not yet final have ``progress`` None or running).
                Chunks not yet submitted are not sent; retry with the same ``idempotency_key``
                (the message names it when it was made for the call).
            MeegleBatchSubmitError: a chunk after the first failed (see ``batch_update``);
                ``err.result`` holds the accepted tasks with the progress polled so far.
                Resume with the same ids and ``idempotency_key=err.idempotency_key``.
            MeegleValidationError: as ``batch_update``.

        Example::

            result = await client.work_items.batch_update_and_wait(
                "space", "story", ids, field_key="priority", update_mode="UPDATE",
                after_field_value={"value": "opt_p1"}, timeout=300,
            )
            result.raise_for_failures()
        """
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0
        ):
            raise MeegleValidationError(f"timeout must be a positive number, not {shown(timeout)}")
        body, ids, base_key = await self._batch_plan_fields(
            fields,
            project_key,
            work_item_type_key,
            work_item_ids,
            field_key=field_key,
            update_mode=update_mode,
            after_field_value=after_field_value,
            before_field_value=before_field_value,
            idempotency_key=idempotency_key,
        )
        poller: TaskPoller[str, BatchUpdateProgress] = TaskPoller(
            self.get_batch_update_progress, lambda p: p.is_final, schedule=poll_schedule
        )
        submitted: dict[int, tuple[str, list[int]]] = {}

        def on_submitted(index: int, chunk: list[int], task_id: str) -> None:
            submitted[index] = (task_id, chunk)
            poller.add(task_id)

        async def submit_all() -> None:
            await self._submit_batch(body, ids, base_key, on_submitted)
            poller.close()

        def result() -> BatchUpdateResult:
            latest = poller.latest
            tasks = [
                BatchUpdateTask(task_id=task_id, work_item_ids=chunk, progress=latest.get(task_id))
                for _, (task_id, chunk) in sorted(submitted.items())
            ]
            return BatchUpdateResult.from_tasks(tasks)

        try:
            await asyncio.wait_for(_run_together(submit_all(), poller.run()), timeout)
        except MeegleBatchSubmitError as exc:
            exc.result = result()  # the accepted tasks with what polling learnt of them
            raise
        except asyncio.TimeoutError:
            partial = result()
            raise MeegleTimeoutError(
                f"batch_update_and_wait: {timeout} s passed with "
                f"{len(partial.unfinished_task_ids)} of {len(partial.tasks)} submitted task(s) "
                f"unfinished and {len(chunked(ids)) - len(partial.tasks)} chunk(s) not "
                f"submitted; to finish, call again with the same ids and "
                f"idempotency_key={shown(base_key)}",
                endpoint="get_batch_update_progress",
                progress=partial,
            ) from None
        return result()


def _submit_error(
    chunks: list[list[int]], task_ids: list[str], base_key: str, error: MeegleError
) -> MeegleBatchSubmitError:
    """What ``batch_update`` had done when chunk ``len(task_ids)`` failed."""
    failed = len(task_ids)
    tasks = [
        BatchUpdateTask(task_id=task_id, work_item_ids=chunk)
        for task_id, chunk in zip(task_ids, chunks[:failed], strict=True)
    ]
    not_sent = [i for chunk in chunks[failed:] for i in chunk]
    return MeegleBatchSubmitError(
        f"batch_update: chunk {failed + 1} of {len(chunks)} failed after {failed} chunk(s) "
        f"were accepted as task(s) {', '.join(task_ids)}; {len(not_sent)} id(s) not submitted. "
        f"Resume with the same ids and idempotency_key={shown(base_key)} (accepted chunks are not "
        f"applied again). Cause: {error}",
        submitted=dict(enumerate(task_ids)),
        submitted_ids=[i for chunk in chunks[:failed] for i in chunk],
        failed_chunk=failed,
        not_submitted_ids=not_sent,
        idempotency_key=base_key,
        error=error,
        result=BatchUpdateResult.from_tasks(tasks),
    )


async def _run_together(submitting: Awaitable[None], polling: Awaitable[Any]) -> None:
    """Run submission and polling side by side; the first failure cancels the other."""
    tasks = [asyncio.ensure_future(submitting), asyncio.ensure_future(polling)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
        # No exception: FIRST_EXCEPTION only returns early on one, so both are done.
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
