"""ThreadScheduler: one run at a time per session, sessions in parallel, FIFO order."""

from __future__ import annotations

import anyio

from takopi_core.run.model import ResumeToken
from takopi_core.run.scheduler import ThreadJob, ThreadScheduler
from takopi_core.run.transport import MessageRef

A = ResumeToken("codex", "a")
B = ResumeToken("codex", "b")


def job(token: ResumeToken, text: str, progress_id: int | None = None) -> ThreadJob:
    ref = MessageRef("chat", progress_id) if progress_id is not None else None
    return ThreadJob(chat_id="chat", user_msg_id=1, text=text, resume_token=token, progress_ref=ref)


async def test_same_thread_is_serial_and_ordered_other_threads_parallel() -> None:
    log: list[str] = []
    gates = {name: anyio.Event() for name in ("a1", "a2", "b1")}

    async def run_job(item: ThreadJob) -> None:
        log.append(f"start {item.text}")
        await gates[item.text].wait()
        log.append(f"end {item.text}")

    async with anyio.create_task_group() as group:
        scheduler = ThreadScheduler(task_group=group, run_job=run_job)
        await scheduler.enqueue(job(A, "a1"))
        await scheduler.enqueue(job(A, "a2"))
        await scheduler.enqueue(job(B, "b1"))
        await anyio.wait_all_tasks_blocked()
        assert sorted(log) == ["start a1", "start b1"]  # a2 waits for a1; b1 runs alongside
        gates["a2"].set()
        await anyio.wait_all_tasks_blocked()
        assert "start a2" not in log
        gates["a1"].set()
        gates["b1"].set()
    assert log.index("end a1") < log.index("start a2") < log.index("end a2")


async def test_busy_thread_holds_its_queue_until_done() -> None:
    ran: list[str] = []
    done = anyio.Event()

    async def run_job(item: ThreadJob) -> None:
        ran.append(item.text)

    async with anyio.create_task_group() as group:
        scheduler = ThreadScheduler(task_group=group, run_job=run_job)
        await scheduler.note_thread_known(A, done)
        assert scheduler.is_busy(A) and not scheduler.is_busy(B)
        await scheduler.enqueue(job(A, "follow-up"))
        await anyio.wait_all_tasks_blocked()
        assert ran == []
        done.set()
    assert ran == ["follow-up"]
    assert not scheduler.is_busy(A)


async def test_queued_job_can_be_cancelled_by_its_progress_message() -> None:
    ran: list[str] = []
    done = anyio.Event()

    async def run_job(item: ThreadJob) -> None:
        ran.append(item.text)

    async with anyio.create_task_group() as group:
        scheduler = ThreadScheduler(task_group=group, run_job=run_job)
        await scheduler.note_thread_known(A, done)
        await scheduler.enqueue(job(A, "keep", progress_id=10))
        await scheduler.enqueue(job(A, "drop", progress_id=11))
        assert (await scheduler.get_queued("chat", 11)).text == "drop"
        dropped = await scheduler.cancel_queued("chat", 11)
        assert dropped is not None and dropped.text == "drop"
        assert await scheduler.cancel_queued("chat", 11) is None
        assert [j.text for j in scheduler.queued_jobs()] == ["keep"]
        done.set()
    assert ran == ["keep"]


async def test_a_failing_job_does_not_stop_the_queue() -> None:
    ran: list[str] = []

    async def run_job(item: ThreadJob) -> None:
        ran.append(item.text)
        if item.text == "boom":
            raise RuntimeError("job failed")

    async with anyio.create_task_group() as group:
        scheduler = ThreadScheduler(task_group=group, run_job=run_job)
        await scheduler.enqueue(job(A, "boom"))
        await scheduler.enqueue(job(A, "after"))
    assert ran == ["boom", "after"]
