"""Domain core of the helpline: rights, entitlement rules, services, hotlines and consulates.

Knows nothing about Rasa or messaging channels; the public entry points are `knowledge.api`,
`knowledge.db`, `knowledge.setup` and the Typer app in `knowledge.cli`.
"""
