"""What a mock can serve, in words light enough for the command line to read without loading the mock."""

from __future__ import annotations

__all__ = ["SIZE_RESOURCES", "SURFACES"]

SURFACES = ("documented", "key")
"""What a mock serves: every documented area (the default), or the hand-built key resources alone,
a smaller and faster server for clients and tests that need no more."""

SIZE_RESOURCES = "size 1 serves about 310 resources and size 40 about 430 (80 and 160 with --surface key)"
"""What a crawl of the mock meets at its smallest and its default size: said alike by `--help`, the
settings and the README (a test holds the figures to what a crawl counts)."""
