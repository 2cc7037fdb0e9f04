"""Outputs of a run: the terminal summary and the HTML report's conformance summary."""
