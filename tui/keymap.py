"""User key remapping: a TOML file mapping binding ids to keys.

::

    # ~/.config/frontlines/keymap.toml
    "list.down" = "n"          # one key
    "nav.ascend" = "b,left"    # several, comma-separated

Entries may also sit under a ``[keys]`` table (entries at the top level
count as well). Unknown ids, empty or malformed keys, keys few terminals can
send and TOML errors become warnings, summarised so a bad file makes a few
lines, not a thousand; the app still starts. The file must be a regular
file of at most 64 KiB: a device or a pipe is refused, never read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from store.text import shown

ENV_VAR = "FRONTLINES_KEYMAP"
FILE_NAME = "keymap.toml"
MAX_BYTES = 64 * 1024  # a keymap of every binding with long comments is a few KiB
MAX_LISTED = 5  # ids named in one warning before "and N more"
# Keys Textual knows but most terminals never send: a binding left with
# only these cannot be pressed.
_HARD_TO_SEND = re.compile(r"^(?:f(?:1[3-9]|2[0-4])|(?:.*\b(?:super|hyper|meta)\+.*))$", re.IGNORECASE)
_MODIFIERS = re.compile(r"^((?:(?:ctrl|alt|shift|meta|super|hyper)\+)*)(.+)$", re.IGNORECASE)


def key_is_known(token: str) -> bool:
    """True if Textual can ever send ``token`` (e.g. ``n``, ``ctrl+n``, ``full_stop``, ``f5``)."""
    from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

    match = _MODIFIERS.match(token)
    if not match:
        return False
    base = match.group(2)
    if len(base) == 1:
        return not base.isspace() and base != ","
    return (
        base in {k.value for k in Keys}
        or base in KEY_NAME_REPLACEMENTS.values()
        or key_to_character(base) is not None
    )


@dataclass
class Keymap:
    path: Path | None
    keys: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def default_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from store.locate import user_config_dir

    return user_config_dir() / FILE_NAME


def load_keymap(path: Path | None, known_ids: set[str] | Callable[[], set[str]]) -> Keymap:
    """Read ``path`` (missing is fine: no remapping).

    ``known_ids`` may be a function giving them: it is called only if there
    is a file to check (finding every binding imports every widget), and
    nothing else is imported either unless there is a file to read.
    """
    result = Keymap(path)
    if path is None or not path.exists():
        return result
    import tomllib

    from store.storage import StoreError, read_regular, where

    if callable(known_ids):
        known_ids = known_ids()
    name = where(path)
    try:
        raw = read_regular(path, limit=MAX_BYTES, what="keymap file")
        data = tomllib.loads(raw.decode("utf-8"))
    except StoreError as exc:
        result.warnings.append(f"{exc}; keys left as they are")
        return result
    except UnicodeDecodeError:
        result.warnings.append(f"{name}: not UTF-8 text; keys left as they are")
        return result
    except tomllib.TOMLDecodeError as exc:
        result.warnings.append(f"{name}: not valid TOML ({shown(exc, 120)}); keys left as they are")
        return result
    entries: dict[str, object] = {k: v for k, v in data.items() if not (k == "keys" and isinstance(v, dict))}
    nested = data.get("keys")
    if isinstance(nested, dict):
        for binding_id, keys in nested.items():
            if binding_id in entries:
                result.warnings.append(
                    f"{name}: '{shown(binding_id, 40)}' is set both at the top and under [keys]; "
                    "the [keys] entry is used"
                )
            entries[binding_id] = keys
    unknown: list[str] = []
    for binding_id, keys in entries.items():
        label = shown(binding_id, 40)
        if binding_id not in known_ids:
            unknown.append(binding_id)
            continue
        if not isinstance(keys, str) or not keys.strip():
            result.warnings.append(f"{name}: '{label}' must be a key such as \"n\" or \"ctrl+n\"; ignored")
            continue
        tokens = [token.strip() for token in keys.split(",")]
        bad = [token for token in tokens if not token or not key_is_known(token)]
        if bad:
            listed = ", ".join(f"'{shown(b, 20)}'" for b in bad if b) or "an empty key"
            result.warnings.append(
                f"{name}: '{label}' names a key Textual does not know: {listed} "
                "(use names like n, ctrl+n, f5, full_stop, left_square_bracket); ignored"
            )
            continue
        hard = [token for token in tokens if _HARD_TO_SEND.match(token)]
        if hard and len(hard) == len(tokens):
            result.warnings.append(
                f"{name}: '{label}' would only be on {', '.join(hard)}, which most terminals cannot send, "
                "so it could never be pressed; add a key it can be reached by (e.g. \"q,f24\")"
            )
        result.keys[binding_id] = ",".join(tokens)
    if unknown:
        result.warnings.append(_unknown_warning(name, unknown, known_ids))
    return result


def _unknown_warning(name: str, unknown: list[str], known_ids: set[str]) -> str:
    """One warning for every unknown id: the first few named, with a suggestion each."""

    def with_hint(binding_id: str) -> str:
        close = sorted(i for i in known_ids if i.split(".")[-1] == binding_id.split(".")[-1])
        return f"'{shown(binding_id, 40)}'" + (f" (did you mean {close[0]}?)" if close else "")

    listed = ", ".join(with_hint(b) for b in unknown[:MAX_LISTED])
    more = f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
    noun = "binding id" if len(unknown) == 1 else f"{len(unknown)} binding ids"
    return f"{name}: unknown {noun} {listed}{more}; ignored (`?` in the explorer lists every id)"


def conflicts(keymap: Keymap, defaults: dict[str, str]) -> list[str]:
    """Warnings for remapped keys that another binding also uses.

    ``defaults`` maps every binding id to its declared keys. Where two
    bindings share a key, the focused pane's wins, so a remap such as
    ``"nav.ascend" = "q"`` silently shadows Quit in the place list.
    """
    effective = {bid: keymap.keys.get(bid, keys) for bid, keys in defaults.items()}
    owners: dict[str, list[str]] = {}
    for bid, keys in effective.items():
        for key in keys.split(","):
            owners.setdefault(key.strip(), []).append(bid)
    from store.storage import where

    out = []
    name = where(keymap.path) if keymap.path else "keymap"
    for bid, keys in keymap.keys.items():
        for key in keys.split(","):
            others = [o for o in owners.get(key.strip(), []) if o != bid]
            if others:
                out.append(
                    f"{name}: '{shown(key.strip(), 20)}' for '{bid}' is also the key of {', '.join(others)}; "
                    "where both apply, the focused pane's binding wins"
                )
    if len(out) > MAX_LISTED:
        out = out[:MAX_LISTED] + [f"{name}: {len(out) - MAX_LISTED} more remapped keys are shared with other bindings"]
    return out
