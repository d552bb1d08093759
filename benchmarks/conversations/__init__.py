"""Multi-turn conversation evaluation: data (YAML), mechanical checks, and the stack runner."""
