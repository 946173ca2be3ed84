"""Reference data for the demo generator: Chinese names, cities and districts, colours, the (fictional)
vehicle catalogue, competitor models and the texts that records carry.

Every brand and model name here is invented for the demo; none is meant to be a real trademark. City and
district names are ordinary public geography.
"""

from __future__ import annotations

from dataclasses import dataclass

# The most common surnames, roughly by frequency (weights are relative).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 46),
    ("杨", 34),
    ("黄", 25),
    ("赵", 21),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 12),
    ("胡", 11),
    ("郭", 11),
    ("何", 10),
    ("林", 10),
    ("高", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 8),
    ("谢", 7),
    ("宋", 6),
    ("唐", 6),
    ("许", 6),
    ("韩", 5),
    ("邓", 5),
    ("冯", 5),
    ("曹", 5),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 4),
    ("董", 4),
    ("潘", 4),
    ("袁", 4),
    ("蔡", 4),
    ("蒋", 4),
    ("余", 4),
    ("于", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("魏", 3),
    ("苏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("卢", 3),
    ("姚", 3),
    ("沈", 3),
    ("钟", 3),
    ("姜", 3),
    ("崔", 3),
    ("谭", 3),
    ("陆", 2),
    ("范", 2),
    ("汪", 2),
    ("廖", 2),
    ("石", 2),
    ("金", 2),
    ("韦", 2),
    ("贾", 2),
    ("夏", 2),
    ("付", 2),
    ("方", 2),
    ("邹", 2),
    ("熊", 2),
    ("白", 2),
    ("孟", 2),
    ("秦", 2),
    ("邱", 2),
    ("侯", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("上官", 1),
)

GIVEN_CHARS = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
    "英",
    "华",
    "建",
    "文",
    "辉",
    "鹏",
    "鑫",
    "宇",
    "浩",
    "婷",
    "雪",
    "琳",
    "晨",
    "欣",
    "佳",
    "俊",
    "峰",
    "凯",
    "亮",
    "斌",
    "波",
    "倩",
    "慧",
    "颖",
    "瑶",
    "怡",
    "子",
    "梓",
    "涵",
    "轩",
    "睿",
    "博",
    "思",
    "雨",
    "晓",
    "志",
    "海",
    "春",
    "红",
    "玉",
    "兰",
    "成",
    "国",
    "荣",
    "东",
    "新",
    "立",
    "宏",
    "嘉",
    "卫",
    "德",
    "晶",
    "婧",
    "萍",
    "莉",
    "丹",
    "阳",
    "帆",
)

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)


@dataclass(frozen=True)
class City:
    name: str
    districts: tuple[str, ...]  # urban districts: the stores' territories
    counties: tuple[str, ...]  # surrounding counties and county-level cities: secondary dealers' territories


CITIES: tuple[City, ...] = (
    City(
        "杭州",
        ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区"),
        ("富阳区", "临安区", "桐庐县", "淳安县", "建德市"),
    ),
    City(
        "苏州",
        ("姑苏区", "虎丘区", "吴中区", "相城区", "吴江区", "工业园区"),
        ("常熟市", "张家港市", "昆山市", "太仓市"),
    ),
    City(
        "南京",
        ("玄武区", "秦淮区", "建邺区", "鼓楼区", "栖霞区", "雨花台区", "江宁区", "浦口区"),
        ("六合区", "溧水区", "高淳区"),
    ),
    City(
        "宁波",
        ("海曙区", "江北区", "鄞州区", "镇海区", "北仑区", "奉化区"),
        ("余姚市", "慈溪市", "宁海县", "象山县"),
    ),
    City(
        "合肥",
        ("瑶海区", "庐阳区", "蜀山区", "包河区", "经开区", "高新区"),
        ("肥东县", "肥西县", "长丰县", "庐江县", "巢湖市"),
    ),
    City(
        "济南",
        ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区"),
        ("济阳区", "莱芜区", "平阴县", "商河县"),
    ),
    City(
        "青岛",
        ("市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区"),
        ("即墨区", "胶州市", "平度市", "莱西市"),
    ),
    City(
        "郑州",
        ("中原区", "二七区", "管城回族区", "金水区", "惠济区", "郑东新区"),
        ("中牟县", "巩义市", "荥阳市", "新密市", "新郑市", "登封市"),
    ),
    City(
        "武汉",
        ("江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东西湖区"),
        ("蔡甸区", "江夏区", "黄陂区", "新洲区"),
    ),
    City(
        "长沙", ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"), ("长沙县", "浏阳市", "宁乡市")
    ),
    City(
        "广州",
        ("荔湾区", "越秀区", "海珠区", "天河区", "白云区", "黄埔区", "番禺区"),
        ("花都区", "南沙区", "从化区", "增城区"),
    ),
    City("佛山", ("禅城区", "南海区", "顺德区"), ("三水区", "高明区", "四会市")),
    City(
        "东莞",
        ("莞城街道", "南城街道", "东城街道", "万江街道", "松山湖"),
        ("长安镇", "虎门镇", "厚街镇", "常平镇", "塘厦镇"),
    ),
    City(
        "成都",
        ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "高新区", "双流区"),
        ("郫都区", "温江区", "新都区", "龙泉驿区", "都江堰市", "彭州市"),
    ),
    City(
        "重庆",
        ("渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区", "渝北区", "巴南区"),
        ("北碚区", "璧山区", "江津区", "合川区", "永川区"),
    ),
    City(
        "西安",
        ("新城区", "碑林区", "莲湖区", "雁塔区", "未央区", "灞桥区", "长安区"),
        ("临潼区", "阎良区", "高陵区", "鄠邑区", "蓝田县", "周至县"),
    ),
    City(
        "福州",
        ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区"),
        ("长乐区", "福清市", "闽侯县", "连江县", "罗源县"),
    ),
    City(
        "南昌",
        ("东湖区", "西湖区", "青云谱区", "青山湖区", "红谷滩区"),
        ("新建区", "南昌县", "进贤县", "安义县"),
    ),
    City(
        "石家庄",
        ("长安区", "桥西区", "新华区", "裕华区", "高新区"),
        ("藁城区", "鹿泉区", "栾城区", "正定县", "辛集市"),
    ),
    City(
        "沈阳",
        ("和平区", "沈河区", "大东区", "皇姑区", "铁西区", "浑南区"),
        ("于洪区", "沈北新区", "苏家屯区", "新民市", "辽中区"),
    ),
    City(
        "昆明", ("五华区", "盘龙区", "官渡区", "西山区", "呈贡区"), ("晋宁区", "安宁市", "嵩明县", "宜良县")
    ),
    City(
        "南宁", ("兴宁区", "青秀区", "江南区", "西乡塘区", "良庆区"), ("邕宁区", "武鸣区", "横州市", "宾阳县")
    ),
)

# Regions of a dealer group, in the order they are created; names repeat with a number past the list.
REGION_NAMES = (
    "华东一区",
    "华南区",
    "华中区",
    "西南区",
    "华北区",
    "华东二区",
    "西北区",
    "东北区",
    "华东三区",
    "华南二区",
    "华中二区",
    "西南二区",
    "华北二区",
    "华东四区",
    "华南三区",
    "西北二区",
    "东北二区",
    "华中三区",
    "西南三区",
    "华北三区",
)
# Cities each region draws its stores from (indexes into CITIES), by region position modulo the list.
REGION_CITIES: tuple[tuple[int, ...], ...] = (
    (0, 1, 3),
    (10, 11, 12),
    (8, 9, 7),
    (13, 14, 20),
    (18, 5, 6),
    (2, 4, 16),
    (15,),
    (19,),
    (0, 3, 17),
    (11, 12, 21),
    (7, 8),
    (20, 13),
    (6, 18),
    (1, 2),
    (10, 21),
    (15,),
    (19,),
    (9, 17),
    (14,),
    (5, 6),
)

# Exterior colours and how often they sell (white and black dominate in China).
COLOURS: tuple[tuple[str, int], ...] = (
    ("珍珠白", 34),
    ("曜石黑", 24),
    ("钛晶灰", 14),
    ("星河银", 10),
    ("天际蓝", 8),
    ("熔岩红", 5),
    ("松林绿", 3),
    ("琥珀金", 2),
)

# --- The catalogue ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    code: str
    name: str
    segment: str
    base_price: int  # guide price of the entry trim, yuan
    trims: int
    stage: str  # stage at the end of the generated period: introduction/growth/maturity/run_out


@dataclass(frozen=True)
class BrandSpec:
    code: str
    name: str
    wmi: str  # the VIN's world manufacturer identifier (fictional)
    models: tuple[ModelSpec, ...]


SEGMENTS = ("紧凑型轿车", "中型轿车", "紧凑型SUV", "中型SUV", "中大型SUV", "MPV", "纯电SUV")

OWN_BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec(
        "XL",
        "星澜",
        "LXA",
        (
            ModelSpec("XLYY", "澜影", "紧凑型轿车", 109_900, 3, "maturity"),
            ModelSpec("XLCH", "澜川", "中型轿车", 169_900, 3, "maturity"),
            ModelSpec("XLFE", "澜峰", "紧凑型SUV", 129_900, 4, "growth"),
            ModelSpec("XLYU", "澜岳", "中型SUV", 199_900, 3, "maturity"),
            ModelSpec("XLJI", "澜境", "MPV", 289_900, 2, "run_out"),
            ModelSpec("XLXE", "澜星EV", "纯电SUV", 159_900, 3, "introduction"),
        ),
    ),
    BrandSpec(
        "YC",
        "云驰",
        "LYC",
        (
            ModelSpec("YCYI", "云逸", "紧凑型轿车", 99_900, 3, "maturity"),
            ModelSpec("YCLA", "云朗", "紧凑型SUV", 125_900, 4, "growth"),
            ModelSpec("YCXI", "云岫", "中型SUV", 189_900, 3, "maturity"),
            ModelSpec("YCZH", "云舟", "MPV", 259_900, 2, "run_out"),
            ModelSpec("YCXE", "云汐EV", "纯电SUV", 149_900, 3, "introduction"),
        ),
    ),
    BrandSpec(
        "LZ",
        "朗泽",
        "LZE",
        (
            ModelSpec("LZYU", "泽远", "中型轿车", 189_900, 3, "maturity"),
            ModelSpec("LZJU", "泽峻", "中型SUV", 229_900, 4, "growth"),
            ModelSpec("LZLA", "泽岚", "中大型SUV", 299_900, 3, "maturity"),
            ModelSpec("LZCH", "泽川", "紧凑型SUV", 159_900, 2, "run_out"),
            ModelSpec("LZGE", "泽光EV", "纯电SUV", 209_900, 2, "introduction"),
        ),
    ),
    BrandSpec(
        "CY",
        "澄岳",
        "LCY",
        (
            ModelSpec("CYYI", "岳影", "紧凑型轿车", 115_900, 2, "maturity"),
            ModelSpec("CYCH", "岳川", "中型轿车", 159_900, 3, "growth"),
            ModelSpec("CYFE", "岳峰", "紧凑型SUV", 135_900, 3, "maturity"),
            ModelSpec("CYQI", "岳启EV", "纯电SUV", 169_900, 3, "introduction"),
        ),
    ),
)

# Trim names by the number of trims a model has, from entry to top.
TRIM_NAMES = {
    2: ("舒适版", "旗舰版"),
    3: ("进取版", "精英版", "旗舰版"),
    4: ("标准版", "舒适版", "豪华版", "旗舰版"),
}

COMPETITOR_BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec(
        "HY",
        "华曜",
        "",
        (
            ModelSpec("HYFE", "曜风", "紧凑型轿车", 105_900, 1, "maturity"),
            ModelSpec("HYLI", "曜岭", "紧凑型SUV", 132_900, 1, "maturity"),
            ModelSpec("HYCH", "曜辰", "中型SUV", 205_900, 1, "maturity"),
        ),
    ),
    BrandSpec(
        "JY",
        "江屿",
        "",
        (
            ModelSpec("JYGU", "屿光", "中型轿车", 175_900, 1, "maturity"),
            ModelSpec("JYHA", "屿航", "MPV", 269_900, 1, "maturity"),
            ModelSpec("JYFE", "屿峰", "中大型SUV", 309_900, 1, "maturity"),
        ),
    ),
    BrandSpec(
        "RC",
        "锐川",
        "",
        (
            ModelSpec("RCYI", "锐影", "紧凑型轿车", 96_900, 1, "maturity"),
            ModelSpec("RCXI", "锐行", "紧凑型SUV", 119_900, 1, "maturity"),
            ModelSpec("RCEV", "锐途EV", "纯电SUV", 155_900, 1, "maturity"),
        ),
    ),
    BrandSpec(
        "HS",
        "海晟",
        "",
        (
            ModelSpec("HSDA", "晟达", "中型轿车", 165_900, 1, "maturity"),
            ModelSpec("HSYU", "晟远", "中型SUV", 215_900, 1, "maturity"),
            ModelSpec("HSEV", "晟电EV", "纯电SUV", 179_900, 1, "maturity"),
        ),
    ),
    BrandSpec(
        "BL",
        "北麓",
        "",
        (
            ModelSpec("BLYE", "麓野", "中大型SUV", 289_900, 1, "maturity"),
            ModelSpec("BLCH", "麓城", "MPV", 239_900, 1, "maturity"),
            ModelSpec("BLXI", "麓行", "紧凑型SUV", 139_900, 1, "maturity"),
        ),
    ),
)

# --- Texts records carry ---------------------------------------------------------------------------------

TEAM_NAMES = ("销售一组", "销售二组", "销售三组", "销售四组")

SECONDARY_DEALER_SUFFIXES = ("汽车销售服务部", "汽贸有限公司", "车业二级网点", "汽车城展厅")

TRAINING_COURSES_EXTERNAL = (
    "厂家销售顾问认证培训",
    "汽车金融产品知识",
    "保险业务与合规",
    "二手车置换评估",
    "客户投诉处理技巧",
    "试乘试驾安全规范",
    "数字化线索跟进",
    "直播与短视频获客",
)
TRAINING_COURSE_ONBOARDING = "新员工入职培训：产品与流程"
TRAINING_COURSE_LAUNCH = "新车上市培训：{model}"
TRAINING_COURSE_MONTHLY = "月度产品与竞品培训"
TRAINING_COURSE_LEADERS = "厂家销售主管月度管理培训"

PROMOTIONS_BY_MONTH = {
    1: ("新春购车节", "年货购车季"),
    2: ("开年惠购", "元宵到店礼"),
    3: ("春季车展", "3·15诚信购车周"),
    4: ("春季试驾季", "踏青自驾招募"),
    5: ("五一车展", "劳动节限时礼"),
    6: ("618线上购车节", "年中冲量"),
    7: ("暑期家庭购车季", "清凉夏日试驾"),
    8: ("七夕专享礼", "暑期置换补贴"),
    9: ("金九购车节", "中秋团购会"),
    10: ("国庆黄金周", "银十惠购"),
    11: ("双11线上订车", "秋季车展"),
    12: ("年终冲量", "岁末感恩回馈"),
}
PROMOTION_LAUNCH = "{model}上市品鉴会"

PRESENTATION_NOTES = (
    "展车清洁到位",
    "价格牌缺失一处",
    "展厅物料齐全",
    "新车展台布置规范",
    "洽谈区整洁",
    "试驾车未按规定停放",
    "宣传海报过期需更换",
    "",
)

COMPETITOR_OFFERS = (
    "置换补贴8000元",
    "首付两成，两年零息",
    "送首年商业险",
    "限时直降10000元",
    "送全车贴膜+脚垫",
    "终身免费基础保养",
    "",
    "",
)
COMPETITOR_SOURCES = ("竞品店暗访", "汽车之家报价", "懂车帝报价", "客户反馈", "车展现场")
SURVEY_SOURCE = "区域上险数据"

LOST_NOTES = {
    "price": ("对方店优惠更多", "预算不足", "价格谈不拢"),
    "competitor": ("已在竞品店订车", "更看重竞品配置", "家人偏好竞品"),
    "postponed": ("计划明年再买", "等新款上市", "暂不考虑购车"),
    "finance_refused": ("贷款审批未通过", "征信问题"),
    "family": ("家人不同意", "家庭决定先不买"),
    "delivery_wait": ("提车周期太长", "想要的颜色无现车"),
    "secondary_dealer": ("在二级网点购买", "就近在县城网点成交"),
    "lost_contact": ("电话多次无人接听", "微信不回复", "空号"),
}

CANCEL_REASONS = (
    "客户资金问题",
    "客户改买其他车型",
    "家人反对",
    "贷款未批",
    "提车等待时间过长",
    "价格审批未通过",
)
UNWIND_REASONS = ("车辆质量问题协商退车", "客户因个人原因协商退车")

COMPLAINT_SUMMARIES = (
    "交车时间一再推迟",
    "销售顾问承诺的赠品未兑现",
    "交车时车辆有划痕",
    "上牌手续办理太慢",
    "贷款手续费未提前告知",
    "销售顾问服务态度差",
    "精品加装价格不透明",
    "试驾安排混乱",
    "保险费用与报价不符",
    "交车讲解不清楚",
)
SUBORDINATE_COMPLAINTS = ("排班不公平", "线索分配不公", "业绩核算有误", "主管工作方式粗暴", "加班安排过多")
COMPLAINT_RESOLUTIONS = (
    "已致电客户道歉并补偿保养券",
    "已兑现赠品，客户表示满意",
    "已协调加急办理，客户认可",
    "已退还差价",
    "已约谈当事人并整改",
    "已重新讲解，客户满意",
)

TEST_DRIVE_FEEDBACK = ("动力不错", "底盘扎实", "空间满意", "隔音一般", "座椅舒适", "辅助驾驶好用", "")
FOLLOW_UP_NOTES = (
    "对比竞品中",
    "等家人一起看车",
    "关注优惠政策",
    "询问置换政策",
    "询问贷款方案",
    "已发送报价",
    "",
    "",
    "",
    "",
)
