"""Message resolution: directives, ctx lines, resume lines, engine and project choice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from takopi_core.errors import ConfigError
from takopi_core.run.context import RunContext
from takopi_core.run.directives import DirectiveError, parse_context_line, parse_directives
from takopi_core.run.model import CompletedEvent, ResumeToken, StartedEvent, TakopiEvent
from takopi_core.run.router import AutoRouter, RunnerEntry
from takopi_core.run.runner import BaseRunner, ResumeTokenMixin, RunnerUnavailableError
from takopi_core.run.runtime import ProjectConfig, ProjectsConfig, TransportRuntime


class EchoRunner(ResumeTokenMixin, BaseRunner):
    """An in-process runner: enough to route and parse resume lines."""

    def __init__(self, engine: str) -> None:
        self.engine = engine

    async def run_impl(self, prompt: str, resume: ResumeToken | None) -> AsyncIterator[TakopiEvent]:
        token = resume or ResumeToken(self.engine, "new")
        yield StartedEvent(self.engine, token)
        yield CompletedEvent(self.engine, ok=True, answer=prompt, resume=token)


def make_router(default: str = "codex", missing: tuple[str, ...] = ()) -> AutoRouter:
    entries = [
        RunnerEntry(
            engine=engine,
            runner=EchoRunner(engine),
            status="missing_cli" if engine in missing else "ok",
            issue=f"{engine} not found on PATH" if engine in missing else None,
        )
        for engine in ("claude", "codex", "pi")
    ]
    return AutoRouter(entries, default)


@pytest.fixture
def projects(tmp_path: Path) -> ProjectsConfig:
    (tmp_path / "web").mkdir()
    (tmp_path / "api").mkdir()
    return ProjectsConfig(
        projects={
            "web": ProjectConfig(alias="Web", path=tmp_path / "web", default_engine="claude"),
            "api": ProjectConfig(alias="api", path=tmp_path / "api"),
        },
        chat_map={},
    )


@pytest.fixture
def runtime(projects: ProjectsConfig, tmp_path: Path) -> TransportRuntime:
    return TransportRuntime(
        router=make_router(missing=("pi",)),
        projects=projects,
        config_path=tmp_path / "takopi.toml",
        plugin_configs={"multi": {"engines": ["a"]}, "broken": "nope"},
    )


# --- directives ----------------------------------------------------------------------------

ENGINES = ("claude", "codex")
KEYS = ("web", "api")


def test_directives_consume_engine_and_project_tokens() -> None:
    parsed = parse_directives("/Codex /web fix the bug", engine_ids=ENGINES, project_keys=KEYS)
    assert (parsed.engine, parsed.project, parsed.prompt) == ("codex", "web", "fix the bug")


def test_directive_bot_suffix_and_line_removal() -> None:
    parsed = parse_directives(
        "\n  /claude@mybot\nsecond line", engine_ids=ENGINES, project_keys=KEYS
    )
    assert parsed.engine == "claude"
    assert parsed.prompt == "second line"


def test_unknown_slash_word_stops_and_text_is_unchanged() -> None:
    text = "  /unknown /codex keep me  "
    parsed = parse_directives(text, engine_ids=ENGINES, project_keys=KEYS)
    assert parsed.engine is None
    assert parsed.prompt == text


def test_only_the_first_non_blank_line_has_directives() -> None:
    parsed = parse_directives("hello\n/codex later", engine_ids=ENGINES, project_keys=KEYS)
    assert parsed.engine is None


def test_at_words_are_prompt_text_here() -> None:
    parsed = parse_directives("/codex @alice look", engine_ids=ENGINES, project_keys=KEYS)
    assert (parsed.engine, parsed.branch, parsed.prompt) == ("codex", None, "@alice look")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/codex /claude hi", "multiple engine directives"),
        ("/web /api hi", "multiple project directives"),
    ],
)
def test_repeated_directives_are_errors(text: str, message: str) -> None:
    with pytest.raises(DirectiveError, match=message):
        parse_directives(text, engine_ids=ENGINES, project_keys=KEYS)


def test_context_line_last_one_wins_and_backticks_are_stripped() -> None:
    text = "answer\n`ctx: api`\nmore\n`ctx: WEB @feature/x`"
    assert parse_context_line(text, project_keys=KEYS) == RunContext("web", "feature/x")
    assert parse_context_line("no ctx here", project_keys=KEYS) is None


def test_context_line_with_unknown_project_is_an_error() -> None:
    with pytest.raises(DirectiveError, match="unknown project 'gone'"):
        parse_context_line("ctx: gone", project_keys=KEYS)


# --- router --------------------------------------------------------------------------------


def test_router_asks_runners_in_engine_order() -> None:
    router = make_router()
    text = "`codex resume c1`\n`claude resume k1`"
    assert router.extract_resume(text) == ResumeToken("claude", "k1")
    assert router.resolve_resume("nothing", "`pi resume p9`") == ResumeToken("pi", "p9")
    assert router.resolve_resume("`codex resume c1`", "`pi resume p9`") == ResumeToken(
        "codex", "c1"
    )
    assert router.is_resume_line("`pi resume x`")
    assert not router.is_resume_line("resume x")


def test_router_rejects_bad_setups() -> None:
    with pytest.raises(ValueError, match="at least one runner"):
        AutoRouter([], "codex")
    entry = RunnerEntry(engine="codex", runner=EchoRunner("codex"))
    with pytest.raises(ValueError, match="duplicate runner engine: codex"):
        AutoRouter([entry, entry], "codex")
    with pytest.raises(ValueError, match="default engine 'x' is not configured"):
        AutoRouter([entry], "x")
    with pytest.raises(RunnerUnavailableError, match="engine not configured"):
        AutoRouter([entry], "codex").entry_for_engine("nope")


# --- TransportRuntime ----------------------------------------------------------------------


def test_engine_lists(runtime: TransportRuntime) -> None:
    assert runtime.engine_ids == ("claude", "codex", "pi")
    assert runtime.available_engine_ids() == ("claude", "codex")
    assert runtime.missing_engine_ids() == ("pi",)
    assert runtime.default_engine == "codex"
    assert runtime.engine_issues() == {"pi": "pi not found on PATH"}
    assert runtime.project_aliases() == ("Web", "api")


def test_resolve_message_directives_and_resume(runtime: TransportRuntime) -> None:
    resolved = runtime.resolve_message(text="/web `codex resume abc`\nplease", reply_text=None)
    assert resolved.context == RunContext(project="web")
    assert resolved.context_source == "directives"
    assert resolved.resume_token == ResumeToken("codex", "abc")
    assert resolved.engine_override is None
    assert "codex resume abc" in resolved.prompt


def test_resume_from_reply_text(runtime: TransportRuntime) -> None:
    resolved = runtime.resolve_message(text="go on", reply_text="done\n`claude resume r2`")
    assert resolved.resume_token == ResumeToken("claude", "r2")


def test_reply_ctx_beats_directives_and_ambient(runtime: TransportRuntime) -> None:
    resolved = runtime.resolve_message(
        text="/api /claude hi",
        reply_text="`ctx: Web`",
        ambient_context=RunContext(project="api"),
    )
    assert resolved.context == RunContext(project="web")
    assert resolved.context_source == "reply_ctx"
    assert resolved.engine_override == "claude"


def test_ambient_and_default_project(projects: ProjectsConfig, tmp_path: Path) -> None:
    runtime = TransportRuntime(
        router=make_router(),
        projects=ProjectsConfig(projects=projects.projects, default_project="api"),
    )
    ambient = runtime.resolve_message(
        text="hi", reply_text=None, ambient_context=RunContext(project="web")
    )
    assert (ambient.context, ambient.context_source) == (RunContext("web"), "ambient")
    default = runtime.resolve_message(text="hi", reply_text=None)
    assert (default.context, default.context_source) == (RunContext("api"), "default_project")


def test_resolve_engine_precedence(runtime: TransportRuntime) -> None:
    web = RunContext(project="web")
    assert runtime.resolve_engine(engine_override="pi", context=web) == "pi"
    assert runtime.resolve_engine(engine_override=None, context=web) == "claude"
    assert runtime.resolve_engine(engine_override=None, context=RunContext("api")) == "codex"
    assert runtime.resolve_engine(engine_override=None, context=None) == "codex"


def test_resolve_runner(runtime: TransportRuntime) -> None:
    by_token = runtime.resolve_runner(
        resume_token=ResumeToken("claude", "x"), engine_override="codex"
    )
    assert by_token.engine == "claude" and by_token.available
    missing = runtime.resolve_runner(resume_token=None, engine_override="pi")
    assert not missing.available
    assert missing.issue == "pi not found on PATH"
    assert runtime.resolve_runner(resume_token=None, engine_override=None).engine == "codex"
    with pytest.raises(RunnerUnavailableError):
        runtime.resolve_runner(resume_token=ResumeToken("ghost", "1"), engine_override=None)


def test_plugin_config(runtime: TransportRuntime, tmp_path: Path) -> None:
    config = runtime.plugin_config("multi")
    config["engines"] = "changed"
    assert runtime.plugin_config("multi") == {"engines": ["a"]}
    assert runtime.plugin_config("absent") == {}
    with pytest.raises(ConfigError, match=r"Invalid `plugins.broken` in .*takopi.toml"):
        runtime.plugin_config("broken")


def test_context_line_and_cwd(runtime: TransportRuntime, tmp_path: Path) -> None:
    assert runtime.format_context_line(RunContext("web")) == "`ctx: Web`"
    assert runtime.format_context_line(RunContext("web", "dev")) == "`ctx: Web @dev`"
    assert runtime.format_context_line(None) is None
    assert runtime.resolve_run_cwd(RunContext("api")) == tmp_path / "api"
    assert runtime.resolve_run_cwd(None) is None
    with pytest.raises(ConfigError, match="unknown project 'zzz'"):
        runtime.resolve_run_cwd(RunContext("zzz"))
    with pytest.raises(ConfigError, match="worktrees"):
        runtime.resolve_run_cwd(RunContext("api", "feature"))


def test_context_for_path_picks_the_deepest_project(tmp_path: Path) -> None:
    (tmp_path / "mono" / "sub").mkdir(parents=True)
    projects = ProjectsConfig(
        projects={
            "mono": ProjectConfig(alias="mono", path=tmp_path / "mono"),
            "sub": ProjectConfig(alias="sub", path=tmp_path / "mono" / "sub"),
        }
    )
    runtime = TransportRuntime(router=make_router(), projects=projects)
    assert runtime.context_for_path(tmp_path / "mono" / "sub" / "x") == RunContext("sub")
    assert runtime.context_for_path(tmp_path / "mono") == RunContext("mono")
    assert runtime.context_for_path(tmp_path) is None
