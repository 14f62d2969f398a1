"""Atomic saves: a process killed at any moment leaves the old content or the new, never a mix."""

from __future__ import annotations

import os
import random
import signal
import stat
import time
from pathlib import Path

from takopi_core.config.file import ConfigFile

ROUNDS = 30


def big_config(tag: str) -> str:
    """A valid config of ~250 KB: writing it takes a while, parsing it does not (few keys,
    long literal strings), so most kills land in the write."""
    lines = [f"# variant {tag}", f'default_engine = "{tag}"', ""]
    for table in range(60):
        lines.append(f"[engine{table}]  # table {table} of variant {tag}")
        lines.extend(f"key{n} = '{tag}-{table}-{n}-" + tag * 1000 + "'" for n in range(4))
        lines.append("")
    return "\n".join(lines)


def save_forever(path: Path, variants: tuple[str, str]) -> None:
    """The child: flip the file between the two variants through ConfigFile, endlessly."""
    try:
        while True:
            config = ConfigFile.load(path)
            following = variants[1] if config.text == variants[0] else variants[0]
            config.save(following, validate=False)
    finally:
        os._exit(1)  # never return into pytest in the child


def test_killed_while_saving_leaves_old_or_new_content(config_path: Path) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    variants = (big_config("a"), big_config("b"))
    config_path.parent.mkdir(parents=True)
    config_path.write_text(variants[0], encoding="utf-8")
    os.chmod(config_path, 0o640)  # a mode of the user's own, which saving keeps
    backup = config_path.with_name("takopi.toml.bak")
    save_cost = time_one_save(config_path, variants)
    seen: list[str] = []
    deadline = time.monotonic() + 8  # bounded even on a slow machine

    round_no = 0
    while round_no < ROUNDS or len(set(seen)) < 2:
        round_no += 1
        pid = os.fork()
        if pid == 0:
            save_forever(config_path, variants)
        # Kill anywhere within a few saves' time: in the read, the parse, the backup, the
        # write of the temporary file, or the rename.
        time.sleep(rng.uniform(0, 3 * save_cost))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"child ended on its own (seed {seed})"

        text = config_path.read_text(encoding="utf-8")
        assert stat.S_IMODE(config_path.stat().st_mode) == 0o640
        assert text in variants, f"partial config after kill {round_no} (seed {seed})"
        seen.append(text)
        if backup.exists():
            assert backup.read_text(encoding="utf-8") in variants, f"partial backup (seed {seed})"
        # A temporary file a kill leaves behind is never more readable than the config.
        config_mode = stat.S_IMODE(config_path.stat().st_mode)
        for leftover in config_path.parent.glob(".takopi.toml.*.tmp"):
            assert stat.S_IMODE(leftover.stat().st_mode) & ~config_mode == 0
        if time.monotonic() > deadline:
            break

    # The kills did land while saves were happening: the content changed along the way.
    assert len(set(seen)) == 2, f"the child never completed a save (seed {seed})"
    assert len(seen) >= 10


def time_one_save(path: Path, variants: tuple[str, str]) -> float:
    """How long one save takes here and now (the middle of three), to aim the kills."""
    costs = []
    for _ in range(3):
        started = time.perf_counter()
        config = ConfigFile.load(path)
        config.save(variants[1] if config.text == variants[0] else variants[0], validate=False)
        costs.append(time.perf_counter() - started)
    return sorted(costs)[1]
