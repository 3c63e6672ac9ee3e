"""An LLM (or local checker) judge shared by the judge-based metrics: prompts, requests, cache,
usage, replies read robustly, long articles in chunks."""
