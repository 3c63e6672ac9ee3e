"""harness: an evaluation harness for abstractive bullet summarization."""

__version__ = "0.1.0"
