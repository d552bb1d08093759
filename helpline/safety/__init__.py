"""Safety: what danger is and who to call, shared by the gateway (`channels/`) and the actions.

- `danger`: the kinds of danger, the intents that mean them, the hotline purposes each kind
  lists, and the per-language danger lexicon (`danger_kind`), data in `data/danger/<lang>.yaml`;
- `hotlines`: the hotline snapshot the action server writes from the knowledge base and the
  gateway reads, so the gateway never opens the knowledge database.
"""

from __future__ import annotations

from helpline.safety.danger import (
    DANGER_INTENTS,
    PRECEDENCE,
    PURPOSES,
    DangerKind,
    danger_kind,
    danger_matches,
)
from helpline.safety.hotlines import HotlineSnapshot

__all__ = ["DANGER_INTENTS", "PRECEDENCE", "PURPOSES", "DangerKind", "HotlineSnapshot",
           "danger_kind", "danger_matches"]
