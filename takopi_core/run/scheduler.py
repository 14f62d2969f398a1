"""Per-thread FIFO scheduling of resumed runs.

A thread is one engine session (``engine:token``). Messages that continue a session are
queued on it and run one at a time, in arrival order; different sessions run in parallel.
While a run of the thread is in progress elsewhere (reported through
``note_thread_known``), queued jobs wait for it to finish.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from anyio.abc import TaskGroup

from takopi_core.run.context import RunContext
from takopi_core.run.model import ResumeToken
from takopi_core.run.transport import ChannelId, MessageId, MessageRef, ThreadId

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ThreadJob:
    """A message waiting to continue a session."""

    chat_id: ChannelId
    user_msg_id: MessageId
    text: str
    resume_token: ResumeToken
    context: RunContext | None = None
    thread_id: ThreadId | None = None
    session_key: tuple[int, int | None] | None = None
    progress_ref: MessageRef | None = None


class ThreadScheduler:
    """Runs ``run_job`` for queued jobs, one at a time per thread, inside ``task_group``."""

    def __init__(
        self, *, task_group: TaskGroup, run_job: Callable[[ThreadJob], Awaitable[None]]
    ) -> None:
        self._task_group = task_group
        self._run_job = run_job
        self._lock = anyio.Lock()
        self._queues: dict[str, deque[ThreadJob]] = {}
        self._active: set[str] = set()
        self._busy: dict[str, anyio.Event] = {}
        self._by_progress: dict[tuple[ChannelId, MessageId], ThreadJob] = {}

    @staticmethod
    def thread_key(token: ResumeToken) -> str:
        return f"{token.engine}:{token.value}"

    async def note_thread_known(self, token: ResumeToken, done: anyio.Event) -> None:
        """Mark ``token``'s thread busy until ``done`` is set (an ``on_thread_known`` hook)."""
        key = self.thread_key(token)
        async with self._lock:
            current = self._busy.get(key)
            if current is not None and not current.is_set():
                return
            self._busy[key] = done
        self._task_group.start_soon(self._clear_when_done, key, done)

    async def _clear_when_done(self, key: str, done: anyio.Event) -> None:
        await done.wait()
        async with self._lock:
            if self._busy.get(key) is done:
                del self._busy[key]

    def is_busy(self, token: ResumeToken) -> bool:
        event = self._busy.get(self.thread_key(token))
        return event is not None and not event.is_set()

    async def enqueue(self, job: ThreadJob) -> None:
        """Queue ``job`` on its thread and make sure a worker drains that thread."""
        key = self.thread_key(job.resume_token)
        async with self._lock:
            self._queues.setdefault(key, deque()).append(job)
            self._index(job)
            if key in self._active:
                return
            self._active.add(key)
        self._task_group.start_soon(self._worker, key)

    async def enqueue_resume(
        self,
        chat_id: ChannelId,
        user_msg_id: MessageId,
        text: str,
        resume_token: ResumeToken,
        context: RunContext | None = None,
        thread_id: ThreadId | None = None,
        session_key: tuple[int, int | None] | None = None,
        progress_ref: MessageRef | None = None,
    ) -> None:
        await self.enqueue(
            ThreadJob(
                chat_id=chat_id,
                user_msg_id=user_msg_id,
                text=text,
                resume_token=resume_token,
                context=context,
                thread_id=thread_id,
                session_key=session_key,
                progress_ref=progress_ref,
            )
        )

    async def cancel_queued(
        self, chat_id: ChannelId, progress_msg_id: MessageId
    ) -> ThreadJob | None:
        """Remove and return the still-queued job whose progress message is given."""
        async with self._lock:
            job = self._by_progress.pop((chat_id, progress_msg_id), None)
            if job is None:
                return None
            queue = self._queues.get(self.thread_key(job.resume_token))
            if queue is not None and job in queue:
                queue.remove(job)
            return job

    claim_queued = cancel_queued

    async def get_queued(self, chat_id: ChannelId, progress_msg_id: MessageId) -> ThreadJob | None:
        async with self._lock:
            return self._by_progress.get((chat_id, progress_msg_id))

    async def requeue_front(self, job: ThreadJob) -> None:
        """Put ``job`` back at the head of its thread's queue."""
        key = self.thread_key(job.resume_token)
        async with self._lock:
            self._queues.setdefault(key, deque()).appendleft(job)
            self._index(job)
            if key in self._active:
                return
            self._active.add(key)
        self._task_group.start_soon(self._worker, key)

    def queued_jobs(self) -> list[ThreadJob]:
        """Every job still waiting, thread by thread, in queue order."""
        return [job for queue in self._queues.values() for job in queue]

    def _index(self, job: ThreadJob) -> None:
        if job.progress_ref is not None:
            self._by_progress[(job.chat_id, job.progress_ref.message_id)] = job

    async def _worker(self, key: str) -> None:
        while True:
            async with self._lock:
                queue = self._queues.get(key)
                if not queue:
                    self._queues.pop(key, None)
                    self._active.discard(key)
                    return
                busy = self._busy.get(key)
                if busy is None or busy.is_set():
                    job = queue.popleft()
                    if job.progress_ref is not None:
                        self._by_progress.pop((job.chat_id, job.progress_ref.message_id), None)
                else:
                    job = None
            if job is None:
                assert busy is not None
                await busy.wait()
                continue
            try:
                await self._run_job(job)
            except Exception:
                # One failing job must not stop the rest of the thread's queue.
                logger.exception("scheduler.job_failed thread=%s", key)
