"""Browser tests: Playwright (Python) driving Debian's Chromium against live_server."""
