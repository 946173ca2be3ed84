"""dealerkpi: KPI assessment, pay and the sales manager's desk for car dealerships."""
