"""Shared plumbing of the helpline processes: typed settings, paths, i18n, safe logs, the CLI."""
