"""Metric families. Each declares the fields it emits; keys in results are `<name>/<field>`."""
