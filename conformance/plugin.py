"""pytest hooks of the conformance suite (filled in as the layers land)."""
