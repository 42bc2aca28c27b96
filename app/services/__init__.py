"""Async I/O and orchestration over the core. No Qt."""
