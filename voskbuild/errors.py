"""The one exception type voskbuild raises for problems a user can cause."""

from __future__ import annotations


class VoskBuildError(Exception):
    """A model cannot be built or evaluated: bad phrases, bad flow file, failed step."""
