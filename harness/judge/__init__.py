"""An LLM judge for fact checking: prompts after published protocols, replies read robustly, long articles in chunks."""
