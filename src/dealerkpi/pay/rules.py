"""Who may do what with bonus runs: start and compute them, move them from draft to locked (draft -> submitted
by the sales manager -> approved by the GM -> locked by HR or finance), rate and adjust, answer and raise queries,
download the payroll (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach, Viewer
from dealerkpi.org.models import Role
from dealerkpi.org.roles import PAYROLL_OFFICE, PAYROLL_READERS, RATERS, SALES_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, object_predicate, reach_in, role_in
from dealerkpi.pay.models import Run, Statement, StatementQuery
from dealerkpi.pay.visibility import PUBLISHED, SEES_RUNS


def _run_of(obj: Run | StatementQuery | None) -> Run | None:
    return obj.statement.run if isinstance(obj, StatementQuery) else obj


@object_predicate
def in_runs_store(viewer: Viewer, obj: Run | StatementQuery | None) -> bool:
    """A superuser, or the staff of the run's store (of a store, without a run)."""
    if viewer.reach is Reach.EVERYTHING:
        return True
    run = _run_of(obj)
    return viewer.reach is Reach.STORE and (run is None or viewer.store_id == run.store_id)


def run_in(status: str) -> rules.Predicate:
    """The run asked about is in ``status`` (without a run: never)."""
    return rules.Predicate(lambda user, run: run is not None and run.status == status, name=f"run_in({status})")


@object_predicate
def own_published_statement(viewer: Viewer, statement: Statement | None) -> bool:
    """The viewer's own statement, once its run is submitted: they may question its lines."""
    return (statement is not None and viewer.staff_id == statement.staff_id
            and statement.run.status in PUBLISHED)


computes = in_runs_store & (everything | role_in(SALES_MANAGEMENT))
general_manager = in_runs_store & (everything | role_in({Role.GENERAL_MANAGER}))

rules.add_perm("pay.view_run", reach_in(*SEES_RUNS))
rules.add_perm("pay.view_own_pay", reach_in(Reach.OWN))  # a consultant's earnings to date and statements
rules.add_perm("pay.add_run", everything | role_in(SALES_MANAGEMENT))
rules.add_perm("pay.compute_run", computes)  # recompute; adjustments
rules.add_perm("pay.submit_run", computes & run_in(Run.Status.DRAFT))
rules.add_perm("pay.approve_run", general_manager & run_in(Run.Status.SUBMITTED))
rules.add_perm("pay.return_run", general_manager & run_in(Run.Status.SUBMITTED))  # back to the manager as a draft
rules.add_perm("pay.lock_run", in_runs_store & (everything | role_in(PAYROLL_OFFICE)) & run_in(Run.Status.APPROVED))
rules.add_perm("pay.rate_staff", everything | role_in(RATERS))
rules.add_perm("pay.answer_query", computes)  # of a run's statement
rules.add_perm("pay.query_statement", own_published_statement)
# HR, finance, the GM and the sales managers of the run's store; head office of its group or region (the run is
# known to be visible to them); superusers. Without a run: whether the role may at all.
rules.add_perm("pay.download_payroll", everything | head_office
               | (reach_in(Reach.STORE) & role_in(PAYROLL_READERS) & in_runs_store))
