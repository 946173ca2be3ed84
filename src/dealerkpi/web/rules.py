"""Who may open the shell's own pages (see ``org.rules``)."""

from __future__ import annotations

from typing import Any

import rules

from dealerkpi.core.registry import approval_kinds


@rules.predicate
def decides_something(user: Any) -> bool:
    """Some kind of decision registered for the approvals inbox is the user's to take."""
    return any(rules.has_perm(kind.permission, user) for kind in approval_kinds())


rules.add_perm("web.view_approvals", decides_something)
