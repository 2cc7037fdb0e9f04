"""The embedded mock Enterprise Manager."""
