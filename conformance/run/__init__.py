"""One run from start to end: its settings, reaching the target, the crawl and the action phase,
the snapshot judged rule by rule, and the same judgement of saved files offline."""
