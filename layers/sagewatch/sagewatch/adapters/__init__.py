"""Adapters: one module per outside system. Clients are injected; provider errors are translated."""
