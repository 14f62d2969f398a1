"""A "did you mean …?" for a distribution name or plugin id that names nothing installed.

A typo (``takopi-transprt-slack``) should get the name it meant, not a list of every
installed distribution. Matching uses :func:`difflib.get_close_matches` (the standard
library's ratio of matching blocks) on normalised names, so case and ``-``/``_``/``.`` do
not count against a match. Plugin names share long prefixes (``takopi-engine-``), which would
lift every ratio (``takopi-engine-qadem`` is 86% like ``takopi-engine-acme``): the words a
name and a candidate start with in common are left out of the comparison, and only the
matches about as close as the best one are suggested. Without a close match the list
stops after :data:`MAX_LISTED` names and says where the rest is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from takopi_core.ids import normalize_dist_name

#: How many names an "installed distributions: …" list shows before "and N more".
MAX_LISTED = 10
#: How close a name must be to be suggested (difflib's ratio; 0.6 is its own default).
_CUTOFF = 0.75
#: How far behind the best match another may be and still be suggested beside it.
_BESIDE_BEST = 0.05
#: At most this many suggestions: more than a few is a list again.
_MAX_SUGGESTED = 3


def close_names(name: str, candidates: Iterable[str]) -> list[str]:
    """The ``candidates`` close to ``name``, best first, as the candidates spell them."""
    spelled: dict[str, str] = {}
    for candidate in candidates:
        spelled.setdefault(normalize_dist_name(candidate), candidate)
    wanted = normalize_dist_name(name)
    scored = sorted(
        ((_likeness(wanted, key), key) for key in spelled),
        key=lambda item: (-item[0], item[1]),
    )
    scored = [(ratio, key) for ratio, key in scored if ratio >= _CUTOFF and key != wanted]
    if not scored:
        return []
    best = scored[0][0]
    close = [key for ratio, key in scored if ratio >= best - _BESIDE_BEST]
    return [spelled[key] for key in close[:_MAX_SUGGESTED]]


def _likeness(wanted: str, candidate: str) -> float:
    """difflib's ratio of the two normalised names, after the words they start with alike."""
    words, other = wanted.split("-"), candidate.split("-")
    same = 0
    while same < min(len(words), len(other)) - 1 and words[same] == other[same]:
        same += 1
    left, right = "-".join(words[same:]), "-".join(other[same:])
    return difflib.SequenceMatcher(None, left, right).ratio()


def unknown_name_hint(
    name: str,
    installed: Iterable[str],
    *,
    also: Iterable[str] = (),
    what: str = "installed distributions",
    listing: str = "takopi plugins",
) -> str:
    """What to say after "no … named NAME": ``did you mean X?`` when ``installed`` (or
    ``also``, plugin ids say) holds a close match, else the first :data:`MAX_LISTED` of
    ``installed`` (``what``: "installed distributions: …") and how many more ``listing`` (a
    command) shows."""
    names = list(installed)
    close = close_names(name, [*names, *also])
    if close:
        return f"did you mean {' or '.join(close)}?"
    if not names:
        return f"{what}: none"
    shown = ", ".join(names[:MAX_LISTED])
    rest = len(names) - MAX_LISTED
    more = f", and {rest} more: {listing}" if rest > 0 else ""
    return f"{what}: {shown}{more}"
