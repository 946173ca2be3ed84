"""Who checks the floor's process and who records, decides and appeals faults (see ``org.rules``). Each is asked
about a store, or about the fault itself."""

from __future__ import annotations

import rules

from dealerkpi.conduct.models import Fault
from dealerkpi.core.scope import Viewer
from dealerkpi.org.models import Role
from dealerkpi.org.roles import LEADERS, SALES_MANAGEMENT
from dealerkpi.org.rules import at_the_desk, everything, head_office, object_predicate, role_in, works_in


@object_predicate
def against_them(viewer: Viewer, fault: Fault | None) -> bool:
    """The staff member the fault is recorded against."""
    return fault is not None and viewer.staff_id is not None and fault.staff_id == viewer.staff_id


@object_predicate
def theirs_to_decide(viewer: Viewer, fault: Fault | None) -> bool:
    """A fault of the viewer's store that is not against the viewer; without a fault: whether they decide any."""
    return fault is None or (fault.store_id == viewer.store_id and fault.staff_id != viewer.staff_id)


# The register and the checks: everyone at the store's desk reads them (consultants their own), head office too.
rules.add_perm("conduct.view_conduct", at_the_desk | head_office | everything)
rules.add_perm("conduct.check_process", works_in(LEADERS))
rules.add_perm("conduct.change_standards", works_in(SALES_MANAGEMENT))
rules.add_perm("conduct.record_fault", works_in(LEADERS))
rules.add_perm("conduct.decide_fault", at_the_desk & role_in(SALES_MANAGEMENT) & theirs_to_decide)
rules.add_perm("conduct.appeal_fault", against_them)
rules.add_perm("conduct.decide_appeal", at_the_desk & role_in({Role.GENERAL_MANAGER}) & theirs_to_decide)
