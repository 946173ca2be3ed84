"""Who may do what with stock: move a vehicle to or from a secondary dealer; order vehicles from the manufacturer,
record its confirmation and allocation, and receive the vehicles (see ``org.rules``)."""

from __future__ import annotations

import rules

from dealerkpi.core.scope import Reach
from dealerkpi.org.roles import STORE_MANAGEMENT
from dealerkpi.org.rules import everything, head_office, reach_in, role_in, works_in

rules.add_perm("stock.transfer_vehicle", reach_in(Reach.STORE) & works_in(STORE_MANAGEMENT))  # of their store
# The orders, arrivals and purchase-sales-stock pages: the store's management, and head office to read them.
rules.add_perm("stock.view_vehicle_orders", (reach_in(Reach.STORE) & role_in(STORE_MANAGEMENT)) | head_office
               | everything)
# Writing, submitting, confirming and allocating an order, receiving vehicles, setting the floor-plan rate: the
# management of the store (a Store, or a record of it).
rules.add_perm("stock.order_vehicles", reach_in(Reach.STORE) & works_in(STORE_MANAGEMENT))
# Secondary dealers' monthly targets, wholesale prices and payments: the management of the dealer's store (a
# SecondaryDealer, or a Store); what dealers owe and paid: the store's management, and head office to read it.
rules.add_perm("stock.view_dealer_settlement", (reach_in(Reach.STORE) & role_in(STORE_MANAGEMENT)) | head_office
               | everything)
rules.add_perm("stock.manage_dealers", reach_in(Reach.STORE) & works_in(STORE_MANAGEMENT))
