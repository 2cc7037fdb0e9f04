"""The run's own process: parts of a run forked to work beside each other on the machine's cores,
and the long-lived heap kept out of the collector's way. Below every stage, importing none."""
