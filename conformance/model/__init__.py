"""What a crawl learned, as data: links, URLs, parsed documents and the snapshot of records.

The bottom of the flow: nothing here sends a request or knows a rule, so everything above can read
it and nothing here can reach back up.
"""
