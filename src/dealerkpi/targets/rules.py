"""Who may do what with targets: change a store's targets (its split, import and annual targets), read the store's
targets rather than only one's own (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Store
from dealerkpi.org.roles import SALES_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, object_predicate, reach_in, reaches_store, role_in


@object_predicate
def own_store(viewer: Viewer, store: Store | None) -> bool:
    """The store asked about is the viewer's (whether they have one, without a store)."""
    return viewer.store_id is not None and (store is None or viewer.store_id == store.pk)


# The store's sales manager and deputy, head office within its reach, superusers.
rules.add_perm("targets.change_target", everything | (head_office & reaches_store)
               | (reach_in(Reach.STORE) & role_in(SALES_MANAGEMENT) & own_store))
# Store-wide and wider roles read the store's targets; consultants and supervisors their own and their team's.
rules.add_perm("targets.view_store_targets", reach_in(Reach.EVERYTHING, Reach.GROUP, Reach.REGION, Reach.STORE))
# The sales plan writes the store's targets: its sales manager or deputy (and superusers); head office reads it.
rules.add_perm("targets.change_sales_plan", everything | (reach_in(Reach.STORE) & role_in(SALES_MANAGEMENT)
                                                          & own_store))
