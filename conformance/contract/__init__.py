"""What a server promises: the profiles of each API version, the XSDs, their JSON form, and the
operations the profiles name. Read by the crawl, the rules and the mock alike."""
