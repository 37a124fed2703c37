"""Opening a source's address in a browser, safely.

Addresses come from the database, which is untrusted: only ``http`` and
``https`` addresses are ever opened. A console browser (lynx, w3m, ...)
would take over the terminal the explorer is drawing on, and over SSH a
browser would open on the far machine if at all, so without a graphical
session nothing is launched and the caller says so (and copies the address).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

# Replaced in tests; takes an address, returns whether a browser took it.
_launch = None


def openable(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def why_no_browser() -> str | None:
    """Why no graphical browser can be opened from here, or None if one may."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return "this is an SSH session"
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return "there is no graphical session"
    return None


def open_url(url: str) -> str | None:
    """Open ``url`` in a graphical browser: None if done, else why not."""
    if not openable(url):
        return "not a web address"
    if _launch is not None:
        return None if _launch(url) else "no browser took it"
    reason = why_no_browser()
    if reason:
        return reason
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return "no browser is set up"
    # Console browsers are GenericBrowser; graphical ones run in the background.
    if type(browser) is webbrowser.GenericBrowser:
        return "the only browser here runs in the terminal"
    try:
        done = browser.open(url, new=2)
    except OSError as exc:
        return f"the browser could not start ({exc.strerror or exc})"
    return None if done else "no browser took it"
