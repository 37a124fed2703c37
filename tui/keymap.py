"""User key remapping: a TOML file mapping binding ids to keys.

::

    # ~/.config/frontlines/keymap.toml
    "list.down" = "n"          # one key
    "nav.ascend" = "b,left"    # several, comma-separated

Entries may also sit under a ``[keys]`` table. Unknown ids, empty or
malformed keys and TOML errors become warnings; the app still starts.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "FRONTLINES_KEYMAP"
FILE_NAME = "keymap.toml"
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


def load_keymap(path: Path | None, known_ids: set[str]) -> Keymap:
    """Read ``path`` (missing is fine: no remapping)."""
    result = Keymap(path)
    if path is None or not path.exists():
        return result
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        result.warnings.append(f"{path}: cannot read: {exc}; keys left as they are")
        return result
    except tomllib.TOMLDecodeError as exc:
        result.warnings.append(f"{path}: not valid TOML ({exc}); keys left as they are")
        return result
    table = data.get("keys", data) if isinstance(data.get("keys"), dict) else data
    for binding_id, keys in table.items():
        if binding_id == "keys" and isinstance(keys, dict):
            continue
        if binding_id not in known_ids:
            close = sorted(i for i in known_ids if i.split(".")[-1] == binding_id.split(".")[-1])
            hint = f" (did you mean {close[0]}?)" if close else ""
            result.warnings.append(f"{path}: unknown binding id '{binding_id}'{hint}; ignored")
            continue
        if not isinstance(keys, str) or not keys.strip():
            result.warnings.append(f"{path}: '{binding_id}' must be a key such as \"n\" or \"ctrl+n\"; ignored")
            continue
        tokens = [token.strip() for token in keys.split(",")]
        bad = [token for token in tokens if not token or not key_is_known(token)]
        if bad:
            shown = ", ".join(repr(b) for b in bad if b) or "an empty key"
            result.warnings.append(
                f"{path}: '{binding_id}' names a key Textual does not know: {shown} "
                "(use names like n, ctrl+n, f5, full_stop, left_square_bracket); ignored"
            )
            continue
        result.keys[binding_id] = ",".join(tokens)
    return result


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
    out = []
    for bid, keys in keymap.keys.items():
        for key in keys.split(","):
            others = [o for o in owners.get(key.strip(), []) if o != bid]
            if others:
                out.append(
                    f"{keymap.path}: '{key.strip()}' for '{bid}' is also the key of {', '.join(others)}; "
                    "where both apply, the focused pane's binding wins"
                )
    return out
