"""dealerkpi: KPI assessment, pay and the sales manager's desk for car dealerships."""

__version__ = "0.2.0"
