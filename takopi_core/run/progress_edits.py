"""``ProgressEdits``: keeps a run's progress message in step with its events.

Used by ``handle_message`` (:mod:`takopi_core.run.bridge`); edits coalesce, never queue.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from takopi_core.run.logs import get_logger
from takopi_core.run.model import TakopiEvent
from takopi_core.run.progress import Presenter, ProgressTracker
from takopi_core.run.runner import Runner
from takopi_core.run.transport import MessageRef, RenderedMessage, Transport

logger = get_logger(__name__)


class ProgressEdits:
    """Keeps the progress message in step with the run without ever queueing edits.

    Each view-changing event bumps a counter and raises a one-slot signal (an event; if it
    is already raised a render is due anyway, so nothing more happens). The editor renders
    the newest state whenever the counter moved, skips unchanged renders, and edits with
    ``wait=False`` so a slow transport coalesces on its side too. A flood of events thus
    costs a handful of edits, and the state after the last event is always rendered.
    """

    def __init__(
        self,
        *,
        transport: Transport,
        presenter: Presenter,
        tracker: ProgressTracker,
        runner: Runner,
        progress_ref: MessageRef,
        context_line: str | None,
        started_at: float,
        clock: Callable[[], float],
        last_rendered: RenderedMessage | None,
    ) -> None:
        self.transport = transport
        self.presenter = presenter
        self.tracker = tracker
        self.runner = runner
        self.progress_ref = progress_ref
        self.context_line = context_line
        self.started_at = started_at
        self.clock = clock
        self.last_rendered = last_rendered
        self.event_seq = 0
        self.rendered_seq = 0
        self.edits_issued = 0
        self._due = anyio.Event()
        # Whether ``_due`` is raised, kept as a plain flag: on_event runs once per event, and
        # asking the event itself costs two calls through anyio each time.
        self._due_raised = False

    def on_event(self, event: TakopiEvent) -> None:
        if not self.tracker.note_event(event):
            return
        self.event_seq += 1
        if not self._due_raised:
            self._due_raised = True
            self._due.set()

    async def run(self) -> None:
        while True:
            await self._due.wait()
            self._due = anyio.Event()
            self._due_raised = False
            if self.event_seq != self.rendered_seq:
                await self._render()

    async def _render(self) -> None:
        self.rendered_seq = self.event_seq
        state = self.tracker.snapshot(
            resume_formatter=self.runner.format_resume, context_line=self.context_line
        )
        message = self.presenter.render_progress(
            state, elapsed_s=self.clock() - self.started_at, label="working"
        )
        if message == self.last_rendered:
            return
        self.edits_issued += 1
        try:
            edited = await self.transport.edit(ref=self.progress_ref, message=message, wait=False)
        except Exception as error:  # best effort: the next event tries again
            logger.debug("progress.edit_failed", error=str(error) or type(error).__name__)
            return
        if edited is not None:
            self.last_rendered = message
