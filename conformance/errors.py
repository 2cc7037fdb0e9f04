"""The exceptions the suite raises when its own input is wrong (server faults are findings)."""

from __future__ import annotations

__all__ = ["EXIT_USAGE", "ConformanceError", "OptionError", "ProfileError", "SchemaError", "TargetError"]

EXIT_USAGE = 4
"""Bad options, as documented for every command (pytest's usage error): argparse's own 2 means
'interrupted' here."""


class ConformanceError(Exception):
    """Base of every error the suite raises about its own input or environment."""


class OptionError(ConformanceError):
    """An option cannot work as given (a target that is no URL, a CA bundle that does not load, an
    unknown mock fault, no password): the run stops before it sends anything."""


class ProfileError(ConformanceError):
    """A profile is missing, unreadable, or has a field of the wrong shape."""


class SchemaError(ConformanceError):
    """An XSD file or folder cannot be found or compiled."""


class TargetError(ConformanceError):
    """The target cannot be reached, refuses the logon, or is not the API it claims to be.

    Only what the target answers (or does not) is a TargetError; what the user typed is an
    OptionError, so the two exit with different codes.
    """
