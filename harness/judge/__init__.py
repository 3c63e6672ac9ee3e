"""The judge of the judge-based metrics: any backend asked with versioned prompts, replies cached, counted and read robustly."""
