"""The data lifecycle: trash, purge and erasure."""
