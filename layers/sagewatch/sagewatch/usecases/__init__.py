"""Use cases: what handlers and the CLI call. They compose the pure core with adapters."""
