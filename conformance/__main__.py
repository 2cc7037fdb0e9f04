"""`python -m conformance`: the same command as the `conformance` console script."""

from .cli import console

console()
