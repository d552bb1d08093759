"""Shared plumbing of the helpline: typed settings, paths, the CLI and the process supervisor."""
