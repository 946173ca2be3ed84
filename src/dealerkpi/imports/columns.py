"""The columns of each kind of file: the English name (what other systems export), the Chinese name (what a
store types), more accepted spellings, the parser, whether the header must have it and whether a row must
fill it. Header names are data, not interface text: a file in either language is read the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import Brand, MarginClass, Trim, VehicleModel
from dealerkpi.crm.models import Complaint, Customer, FollowUp, SourceChannel, SurveyResult, TestDrive
from dealerkpi.org.models import Role, Staff, Store, Team
from dealerkpi.people.models import TrainingRecord
from dealerkpi.sales.models import DeliveryFollowUp, Order, Payment, Reversal
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
    Column("order", "订单", values.record_id, _("The order as dealerkpi numbers it (45 or SO-45); or fill in "
                                             "order_no instead."), 45, ("order_id", "SO"), required=False,
           needed=False),
    Column("order_no", "订单号", values.code(Order._meta.get_field("number").max_length),
           _("Or: the order's number in your system, as its order was imported."), "", ("订单编号", "合同号",
                                                                                    "order_number"),
           required=False, needed=False),
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
assert tuple(c.key for c in DELIVERY_COLUMNS[6:]) == CHECKLIST

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
    Column("demo", "试驾车", values.flag, _("Optional: 1 for a demo vehicle (test drives), which is not for sale."), 0,
           ("是否试驾车",), required=False, needed=False),
)


def _code(model: type, field: str = "code") -> Parser:
    return values.code(model._meta.get_field(field).max_length)


EMPLOYEE = _code(Staff, "employee_no")
TRIM = Column("trim", "配置代码", _code(Trim), _("The trim's code, as in the catalogue."), "YH-S7-LUX",
              ("配置", "车型配置", "trim_code"))
MOBILE = Column("mobile", "手机号", values.mobile, _("The customer's mobile number (11 digits): with the store, it "
                                                  "names the customer."), "13912345678", ("手机", "电话", "phone"))


def _optional(column: Column) -> Column:
    return Column(column.key, column.chinese, column.parse, column.description, column.example, column.aliases,
                  required=False, needed=False)


STAFF_COLUMNS = (
    STORE,
    Column("employee_no", "工号", EMPLOYEE, _("The employee number: it names the person; a number the system has "
                                              "already is left as it is."), "E00012", ("员工编号", "顾问工号")),
    Column("name", "姓名", values.note(Staff._meta.get_field("name").max_length), _("The person's name."), "张伟",
           ("员工姓名",)),
    Column("role", "岗位", values.choice(Role), _("consultant, supervisor, sales_manager, deputy_manager, "
                                                "general_manager, hr or finance (or the Chinese label)."),
           "consultant", ("角色", "职位")),
    Column("hire_date", "入职日期", values.day, _("The day they were hired."), "2025-03-01", ("入职",)),
    _optional(Column("leave_date", "离职日期", values.day, _("Optional: the day they left."), "", ("离职",))),
    _optional(Column("role_from", "岗位生效日期", values.day, _("Optional: since when they hold the role in the "
                                                             "store; empty: the hire date."), "2025-03-01",
                     ("生效日期",))),
    _optional(Column("team", "班组", values.note(Team._meta.get_field("name").max_length), _(
        "Optional: the team's name in the store (made when the store has none of that name); the person is a member "
        "from the role's first day."), "一组", ("销售小组", "小组"))),
    _optional(Column("team_leader", "组长", values.flag, _("Optional: 1 when the person leads the team."), 0,
                     ("是否组长",))),
    _optional(Column("base_salary", "基本工资", values.amount, _("Optional: the monthly base salary in yuan."),
                     "3500.00", ("底薪",))),
)

CATALOGUE_COLUMNS = (
    Column("brand", "品牌代码", _code(Brand), _("The brand's code, as in the master data."), "YH", ("品牌",)),
    Column("model", "车型代码", _code(VehicleModel), _("The model's code (made when the catalogue has none)."),
           "YH-S7", ("车型",)),
    Column("model_name", "车型名称", values.note(VehicleModel._meta.get_field("name").max_length),
           _("The model's name."), "S7"),
    _optional(Column("segment", "细分市场", values.note(VehicleModel._meta.get_field("segment").max_length),
                     _("Optional: the model's segment."), "SUV", ("级别", "车型级别"))),
    TRIM,
    Column("trim_name", "配置名称", values.note(Trim._meta.get_field("name").max_length), _("The trim's name."),
           "2.0T 豪华版"),
    Column("margin_class", "毛利类别", _code(MarginClass), _("The trim's margin class code, as in the master data."),
           "high", ("毛利等级",)),
    Column("price_from", "价格生效日期", values.day, _("The day the price list takes effect."), "2026-01-01",
           ("生效日期",)),
    Column("guide_price", "指导价", values.amount, _("The guide price in yuan."), "229800.00", ("厂家指导价",)),
    Column("floor_price", "底价", values.amount, _("The floor price in yuan."), "209800.00", ("最低限价",)),
    Column("cost", "成本价", values.amount, _("The vehicle's cost in yuan."), "205000.00", ("进价", "采购价")),
)

TARGET_COLUMNS = (
    STORE,
    Column("month", "月份", values.month, _("The month, e.g. 2026-10."), "2026-10", ("目标月份",)),
    Column("metric", "指标", values.code(80), _("The metric's name in the catalogue, e.g. units_delivered."),
           "units_delivered", ("指标名称",)),
    Column("value", "目标值", values.figure, _("The target: a number of zero or more."), 12, ("目标",)),
    _optional(Column("team", "班组", values.note(Team._meta.get_field("name").max_length),
                     _("Optional: the team's name, for a team's target."), "", ("小组",))),
    _optional(Column("employee_no", "工号", EMPLOYEE, _("Optional: the employee number, for a person's target."),
                     "E00012", ("员工编号",))),
)

LEAD_COLUMNS = (
    STORE,
    MOBILE,
    Column("customer", "客户姓名", values.note(Customer._meta.get_field("name").max_length),
           _("The customer's name (used when the store has no customer with this mobile)."), "李先生", ("客户",)),
    Column("owner", "顾问工号", EMPLOYEE, _("Employee number of the consultant who owns the card."), "E00012",
           ("工号", "顾问")),
    Column("source", "来源", values.choice(SourceChannel), _("Where the lead came from: walk_in, phone, autohome, "
                                                           "referral... (or the Chinese label)."), "walk_in",
           ("线索来源", "渠道")),
    _optional(Column("intended_model", "意向车型", _code(VehicleModel), _("Optional: the model's code."), "YH-S7",
                     ("车型",))),
    Column("grade", "级别", values.code(2), _("The intent grade as it stands (H, A, B, C, O, D, F...)."), "H",
           ("意向级别",)),
    Column("opened_at", "建卡时间", values.moment, _("When the card was opened (date and time): with the mobile and "
                                                 "the store it names the card."), "2026-10-01 10:00",
           ("建档时间", "创建时间")),
    _optional(Column("next_follow_up_on", "下次跟进日期", values.day,
                     _("Optional: the next follow-up date of an open card."), "2026-10-08", ("下次跟进",))),
    _optional(Column("closed_at", "关闭时间", values.moment, _("Optional: when a closed card was closed; empty: when "
                                                           "it was opened."), "", ("结案时间",))),
    _optional(Column("district", "区域", values.note(Customer._meta.get_field("district").max_length),
                     _("Optional: the customer's district."), "姑苏区", ("所在区",))),
)

_flag = values.flag
VISIT_COLUMNS = (
    STORE,
    _optional(MOBILE),
    _optional(Column("opened_at", "建卡时间", values.moment, _("Optional, with the mobile: the A-card the visit "
                                                           "belongs to, by when it was opened."), "2026-10-01 10:00",
                     ("建档时间",))),
    Column("consultant", "接待顾问", EMPLOYEE, _("Employee number of the consultant who received the party."),
           "E00012", ("顾问工号", "工号")),
    Column("arrived_at", "到店时间", values.moment, _("When the party arrived: with the consultant it names the "
                                                  "visit."), "2026-10-03 10:00", ("进店时间",)),
    _optional(Column("left_at", "离店时间", values.moment, _("Optional: when the party left."), "2026-10-03 11:00")),
    _optional(Column("first_visit", "首次到店", _flag, _("1 for a first visit (the default), 0 for a repeat one."), 1,
                     ("首次",))),
    _optional(Column("party_size", "人数", values.whole, _("Optional: people in the party (default 1)."), 2,
                     ("来店人数",))),
    _optional(Column("has_intent", "有意向", _flag, _("1 when the party intends to buy (the default)."), 1,
                     ("集客",))),
    _optional(Column("was_invited", "邀约", _flag, _("1 when the visit was invited."), 0, ("邀约到店",))),
    _optional(Column("test_drive_taken", "试驾", _flag, _("1 when the party took a test drive."), 1,
                     ("试乘试驾",))),
)

ORDER_NUMBER = Column("order_no", "订单号", values.code(Order._meta.get_field("number").max_length),
                      _("The order's number in your system: with the store it names the order."), "DMS-2026-0045",
                      ("订单编号", "合同号", "order_number"))
ORDER_COLUMNS = (
    STORE,
    ORDER_NUMBER,
    MOBILE,
    Column("customer", "客户姓名", values.note(Customer._meta.get_field("name").max_length),
           _("The customer's name (used when the store has no customer with this mobile)."), "李先生", ("客户",)),
    Column("consultant", "顾问工号", EMPLOYEE, _("Employee number of the consultant who sold the car."), "E00012",
           ("工号", "销售顾问")),
    TRIM,
    Column("colour", "颜色", values.note(Order._meta.get_field("colour").max_length), _("The colour."), "珍珠白",
           ("车身颜色", "color")),
    Column("ordered_at", "下单时间", values.moment, _("When the order was signed (date and time)."),
           "2026-10-04 15:00", ("订单时间", "签约时间")),
    Column("guide_price", "指导价", values.amount, _("The guide price in yuan."), "229800.00"),
    Column("floor_price", "底价", values.amount, _("The price list's floor on the order date."), "209800.00"),
    Column("price", "成交价", values.amount, _("The vehicle price agreed, in yuan."), "215800.00", ("车价",)),
    _optional(Column("gifts_cost", "赠品成本", values.amount_or_zero, _("Optional: the cost of the gifts."), "0",
                     ("赠品",))),
    _optional(Column("status", "状态", values.choice(Order.Status), _(
        "Optional: confirmed (the default) or cancelled; deliveries are imported as deliveries."), "confirmed",
        ("订单状态",))),
    _optional(Column("cancelled_at", "取消时间", values.moment, _("For a cancelled order: when it was cancelled."), "",
                     ("退订时间",))),
    _optional(Column("cancel_reason", "取消原因", values.note(Reversal._meta.get_field("reason").max_length),
                     _("For a cancelled order: why."), "", ("退订原因",))),
    _optional(Column("partner", "合作顾问工号", EMPLOYEE, _("Optional: the employee number of a second consultant "
                                                          "credited with the sale."), "", ("分单顾问",))),
    _optional(Column("partner_share", "合作顾问份额", values.percent, _("With a partner: their share in %; the "
                                                                      "consultant has the rest."), "",
                     ("分单比例",))),
)

TEST_DRIVE_COLUMNS = (
    STORE,
    MOBILE,
    Column("opened_at", "建卡时间", values.moment, _("When the A-card was opened: with the mobile it names the card "
                                                 "the test drive belongs to."), "2026-10-01 10:00", ("建档时间",)),
    Column("consultant", "陪同顾问", EMPLOYEE, _("Employee number of the consultant who accompanied the drive."),
           "E00012", ("顾问工号", "工号")),
    Column("vin", "试驾车车架号", values.vin, _("The demo vehicle's VIN."), "LDK0000150R000001", ("车架号", "VIN")),
    Column("starts_at", "开始时间", values.moment, _("When the slot starts: with the vehicle it names the test drive."),
           "2026-10-03 11:00", ("预约开始时间",)),
    Column("ends_at", "结束时间", values.moment, _("When the slot ends."), "2026-10-03 11:30", ("预约结束时间",)),
    _optional(Column("status", "状态", values.choice(TestDrive.Status), _(
        "Optional: done (the default), scheduled or cancelled (or the Chinese label)."), "done", ("试驾状态",))),
    _optional(Column("licence_checked", "已验驾照", values.flag, _("1 when the driving licence was checked (needed for "
                                                              "a drive done)."), 1, ("驾照",))),
    _optional(Column("agreement_signed", "已签协议", values.flag, _("1 when the agreement was signed (needed for a "
                                                               "drive done)."), 1, ("试驾协议",))),
    _optional(Column("feedback", "反馈", values.note(TestDrive._meta.get_field("feedback").max_length),
                     _("Optional: the customer's feedback."), "动力满意", ("客户反馈",))),
)

PAYMENT_COLUMNS = (
    STORE,
    ORDER_NUMBER,
    Column("kind", "款项", values.choice(Payment.Kind), _("deposit, balance, loan or refund (or the Chinese label)."),
           "deposit", ("款项类型", "类型")),
    Column("amount", "金额", values.signed_amount, _("The amount in yuan; a refund is negative."), "5000.00",
           ("收款金额",)),
    Column("paid_at", "收款时间", values.moment, _("When it was paid (date and time): with the order, the kind and "
                                              "the amount it names the payment."), "2026-10-04 15:30", ("付款时间",)),
)

ATTENDANCE_COLUMNS = (  # the time clock's export: one row a punch
    STORE,
    Column("employee_no", "工号", EMPLOYEE, _("Employee number of who clocked in or out."), "E00012",
           ("员工编号", "人员编号", "考勤号", "employee", "staff")),
    Column("punched_at", "打卡时间", values.moment,
           _("One punch: date and time, e.g. 2026-10-12 08:41 (Shanghai time). A day's first punch is the clock-in, "
             "its last the clock-out."),
           "2026-10-12 08:41", ("刷卡时间", "签到时间", "考勤时间", "punch_time", "clock_time")),
)


SURVEY_COLUMNS = (
    STORE,
    Column("kind", "调查", values.choice(SurveyResult.Kind), _("csi or ssi: the manufacturer's customer- or "
                                                              "sales-satisfaction survey."), "ssi", ("调查类型",)),
    Column("reference", "问卷编号", values.code(SurveyResult._meta.get_field("reference").max_length),
           _("The manufacturer's survey number: with the store and the survey it names the result."), "SSI-2026-0001",
           ("编号",)),
    Column("consultant", "顾问工号", EMPLOYEE, _("Employee number of the consultant who sold the car."), "E00012",
           ("工号",)),
    Column("surveyed_on", "调查日期", values.day, _("The day of the survey."), "2026-10-20", ("日期",)),
    Column("score", "得分", values.figure, _("The score, from 0 to 100 with at most two decimals."), "92.5",
           ("分数",)),
    _optional(Column("vin", "车架号", values.vin, _("Optional: the VIN of the car delivered."), "LDK0000150R000001",
                     ("VIN",))),
    _optional(Column("note", "备注", values.note(SurveyResult._meta.get_field("note").max_length),
                     _("Optional, at most 200 characters."), "", ("说明",))),
)

COMPLAINT_COLUMNS = (
    STORE,
    Column("received_at", "受理时间", values.moment, _("When the complaint was received (date and time): with the "
                                                   "store and the summary it names the complaint."),
           "2026-10-06 09:30", ("投诉时间", "接收时间")),
    Column("summary", "投诉内容", values.note(Complaint._meta.get_field("summary").max_length),
           _("What the customer complains about."), "交车延迟未提前告知", ("摘要", "内容")),
    Column("channel", "投诉渠道", values.choice(Complaint.Channel), _(
        "oem_hotline, consumer_association, social_media, in_store or subordinate (or the Chinese label)."),
        "oem_hotline", ("渠道", "来源")),
    _optional(Column("major", "重大投诉", values.flag, _("Optional: 1 for a major complaint (due in 2 days, others "
                                                        "in 7)."), 0, ("是否重大",))),
    _optional(Column("mobile", "客户手机", values.mobile, _("Optional: the mobile of one of the store's customers."),
                     "13912345678", ("手机号", "手机"))),
    _optional(Column("about", "被投诉人工号", EMPLOYEE, _("Optional: employee number of the person complained "
                                                       "about."), "E00012", ("被投诉人",))),
    Column("handler", "处理人工号", EMPLOYEE, _("Employee number of who handles the complaint."), "E00002",
           ("处理人",)),
    _optional(Column("due_on", "处理期限", values.day, _("Optional: the day it is due; empty: 2 days after it was "
                                                     "received for a major complaint, 7 for others."), "",
                     ("期限",))),
    _optional(Column("status", "状态", values.choice(Complaint.Status), _(
        "Optional: open (the default), in_progress or resolved (or the Chinese label)."), "resolved",
        ("处理状态",))),
    _optional(Column("resolution", "处理结果", values.note(2000), _("How it was resolved: needed for a resolved "
                                                                 "complaint."), "致歉并赠送保养一次", ("解决方案",))),
    _optional(Column("resolved_at", "解决时间", values.moment, _("When a resolved complaint was resolved (date and "
                                                             "time)."), "2026-10-07 16:00", ("结案时间",))),
)

C_CARD_COLUMNS = (
    STORE,
    *DELIVERY_COLUMNS[1:3],
    Column("due_on", "应回访日期", values.day, _("The day the call was due (the store's C-card days after the "
                                             "delivery): with the order it names the call."), "2026-10-06",
           ("回访日期", "计划回访日期")),
    Column("done_at", "回访时间", values.moment, _("When the call was made (date and time)."), "2026-10-06 15:00",
           ("实际回访时间",)),
    _optional(Column("satisfaction", "满意度", values.whole, _("Optional: the customer's satisfaction, 1 to 5."), 5,
                     ("满意度评分",))),
    _optional(Column("note", "备注", values.note(DeliveryFollowUp._meta.get_field("note").max_length),
                     _("Optional, at most 200 characters."), "客户对交车很满意", ("说明",))),
)

TRAINING_COLUMNS = (
    STORE,
    Column("employee_no", "工号", EMPLOYEE, _("Employee number of who was trained."), "E00012", ("员工编号",)),
    Column("course", "课程", values.note(TrainingRecord._meta.get_field("course").max_length),
           _("The course: with the person and the day it names the training."), "新车型产品知识", ("课程名称",)),
    Column("held_on", "培训日期", values.day, _("The day it was held."), "2026-10-10", ("日期",)),
    Column("hours", "学时", values.figure, _("Hours trained that day, more than 0 and at most 24."), "3.5",
           ("培训时长", "小时")),
    _optional(Column("passed", "是否通过", values.flag, _("Optional: 1 when passed (the default), 0 when not."), 1,
                     ("通过",))),
    _optional(Column("trainer", "讲师工号", EMPLOYEE, _("Optional: employee number of a colleague who trained "
                                                    "the person."), "", ("讲师",))),
)

COLUMNS = {"follow_ups": FOLLOW_UP_COLUMNS, "deliveries": DELIVERY_COLUMNS, "vehicles": VEHICLE_COLUMNS,
           "staff": STAFF_COLUMNS, "catalogue": CATALOGUE_COLUMNS, "targets": TARGET_COLUMNS, "leads": LEAD_COLUMNS,
           "visits": VISIT_COLUMNS, "test_drives": TEST_DRIVE_COLUMNS, "orders": ORDER_COLUMNS,
           "payments": PAYMENT_COLUMNS, "attendance": ATTENDANCE_COLUMNS, "surveys": SURVEY_COLUMNS,
           "complaints": COMPLAINT_COLUMNS, "c_cards": C_CARD_COLUMNS, "training": TRAINING_COLUMNS}
# The error report's own column: a corrected report can be uploaded again.
REPORT_COLUMN_NAMES = frozenset({"problems", "问题", "errors", "错误"})


def normalised(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip()).casefold()


def by_name(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {normalised(name): column for column in columns for name in column.names()}


def mapping_problem(kind: str, mapping: object) -> str | None:
    """Why a saved column mapping (the source's name -> the template's name) cannot be used for the kind."""
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        return str(_('Write {"the source\'s column name": "the template\'s column name", ...}.'))
    known = by_name(COLUMNS.get(kind, ()))
    unknown = sorted(name for name in mapping.values() if normalised(name) not in known)
    if unknown:
        return str(_("Not a column of this kind: %(names)s.") % {"names": ", ".join(unknown)})
    return None


def renamed(mapping: dict[str, str] | None) -> dict[str, str]:
    """A saved mapping as the header reads it: the source's name (normalised) -> the template's name."""
    return {normalised(source): ours for source, ours in (mapping or {}).items()}
