"""Adapters: the thin edges that touch clocks, audio, speech engines, files and keys."""
