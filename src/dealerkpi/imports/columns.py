"""The columns of each kind of file: the English name (what other systems export), the Chinese name (what a
store types), more accepted spellings, the parser, whether the header must have it and whether a row must
fill it. Header names are data, not interface text: a file in either language is read the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import Trim
from dealerkpi.crm.models import FollowUp
from dealerkpi.org.models import Staff, Store
from dealerkpi.sales.services import CHECKLIST
from dealerkpi.stock.models import Vehicle

from . import values
from .values import Parser


@dataclass(frozen=True)
class Column:
    key: str  # the English name
    chinese: str
    parse: Parser
    description: Promise
    example: Any = ""
    aliases: tuple[str, ...] = ()
    required: bool = True  # the header must have the column
    needed: bool = True  # a row must fill the cell (some columns are needed only for some rows)

    def names(self) -> tuple[str, ...]:
        return (self.key, self.chinese, *self.aliases)


STORE = Column("store", "门店", values.code(Store._meta.get_field("code").max_length),
               _("The store's code, as in the master data."), "S001", ("门店代码", "门店编码", "store_code"))
_NOTE = FollowUp._meta.get_field("note").max_length

FOLLOW_UP_COLUMNS = (
    STORE,
    Column("lead", "A卡", values.record_id, _("The A-card number (1234 or A-1234)."), 1234,
           ("A卡号", "A卡编号", "意向客户卡", "lead_id")),
    Column("staff", "顾问工号", values.code(Staff._meta.get_field("employee_no").max_length),
           _("Employee number of who made the contact."), "E00012", ("工号", "员工编号", "employee_no")),
    Column("at", "时间", values.moment, _("When: date and time, e.g. 2026-10-05 14:30 (Shanghai time)."),
           "2026-10-05 14:30", ("跟进时间", "联系时间")),
    Column("channel", "方式", values.choice(FollowUp.Channel),
           _("phone, wechat, sms or visit (or 电话, 微信, 短信, 到店面谈)."), "phone", ("跟进方式", "联系方式")),
    Column("outcome", "结果", values.choice(FollowUp.Outcome),
           _("reached, no_answer, visit_booked, test_drive_booked, ordered or not_interested (or the Chinese label)."),
           "reached", ("跟进结果",)),
    Column("grade_after", "级别", values.code(2), _("The intent grade after the contact (H, A, B, C...). May be "
                                                   "empty when the outcome is ordered: the grade becomes O."),
           "A", ("意向级别", "跟进后级别", "grade"), needed=False),
    Column("due_on", "应跟进日期", values.day, _("The follow-up date this contact answered. Empty: the card's due "
                                             "date for a new contact."), "2026-10-05", ("计划跟进日期",),
           required=False, needed=False),
    Column("next_due_on", "下次跟进日期", values.day, _("The next follow-up date; required while the grade keeps the "
                                                  "card open."), "2026-10-20", ("下次跟进",), required=False,
           needed=False),
    Column("note", "备注", values.note(_NOTE), _("Optional, at most 200 characters."), "客户周末来店看车",
           ("说明",), required=False, needed=False),
)


def _check(key: str, chinese: str, aliases: tuple[str, ...]) -> Column:
    return Column(key, chinese, values.flag, _("1 when done, 0 when not (also yes/no, 是/否, √/×). Every item must "
                                               "be done for a delivery."), 1, aliases, needed=False)


DELIVERY_COLUMNS = (
    STORE,
    Column("order", "订单", values.record_id, _("The order number (45 or SO-45)."), 45, ("订单号", "order_id")),
    Column("vin", "车架号", values.vin, _("The delivered vehicle's VIN (17 characters)."), "LDK0000150R000001",
           ("VIN", "车辆识别代号")),
    Column("scheduled_for", "预约交车时间", values.moment, _("Optional: when the delivery was scheduled."),
           "2026-10-05 10:00", ("预约时间",), required=False, needed=False),
    Column("delivered_at", "交车时间", values.moment, _("When the car was handed over (date and time)."),
           "2026-10-05 10:30", ("交付时间",)),
    _check("inspection_done", "交车前检查", ("PDI", "PDI检查")),
    _check("invoice_issued", "已开发票", ("发票",)),
    _check("certificate_handed", "合格证已交", ("合格证",)),
    _check("insurance_done", "保险已办", ("保险",)),
    _check("handover_done", "交车讲解", ("讲解",)),
    _check("customer_signed", "客户签字", ("签字",)),
)
assert tuple(c.key for c in DELIVERY_COLUMNS[5:]) == CHECKLIST

VEHICLE_COLUMNS = (
    STORE,
    Column("vin", "车架号", values.vin, _("The vehicle's VIN (17 characters)."), "LDK0000150R000001",
           ("VIN", "车辆识别代号")),
    Column("trim", "配置代码", values.code(Trim._meta.get_field("code").max_length),
           _("The trim's code, as in the catalogue."), "YH-S7-LUX", ("配置", "车型配置", "trim_code")),
    Column("colour", "颜色", values.note(Vehicle._meta.get_field("colour").max_length), _("The colour."), "珍珠白",
           ("车身颜色", "color")),
    Column("cost", "开票价", values.amount, _("The invoice cost in yuan."), "198000.00",
           ("进价", "采购价", "invoice_cost")),
    Column("financed_from", "融资起始日", values.day, _("Optional: the day the floor-plan financing starts (usually "
                                                       "the invoice date)."), "2026-10-01", ("开票日期", "融资开始"),
           required=False, needed=False),
    Column("arrived_on", "入库日期", values.day, _("The day the vehicle was received into stock; empty while it is in "
                                                 "transit."), "2026-10-08", ("到店日期", "入库日"), required=False,
           needed=False),
)

COLUMNS = {"follow_ups": FOLLOW_UP_COLUMNS, "deliveries": DELIVERY_COLUMNS, "vehicles": VEHICLE_COLUMNS}
# The error report's own column: a corrected report can be uploaded again.
REPORT_COLUMN_NAMES = frozenset({"problems", "问题", "errors", "错误"})


def normalised(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip()).casefold()


def by_name(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {normalised(name): column for column in columns for name in column.names()}
