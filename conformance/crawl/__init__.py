"""Talking to the server: the guarded client, the frontier that picks the next URL, the crawler
and the probes. What they learn leaves as records of the model."""
