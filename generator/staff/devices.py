"""The device of a session, in words for its owner: the browser and system read from the
User-Agent header at sign-in ("Firefox", "Android"), never the header itself.

Written here rather than with a library: the workspace names only a few families
(those its staff use), and the maintained parsers (ua-parser, user-agents) are not
among the project's packages. An unknown browser or system is "" (shown as
"unknown"); the order matters, as most browsers name others in their header
(Edge says Chrome and Safari, Chrome says Safari).
"""
from __future__ import annotations

BROWSERS = (("Edg", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
            ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device(user_agent: str) -> str:
    """"browser,system" for a User-Agent header, each part "" when not known."""
    ua = user_agent[:500]
    browser = next((name for mark, name in BROWSERS if mark in ua), "")
    system = next((name for mark, name in SYSTEMS if mark in ua), "")
    return f"{browser},{system}"
