"""Static reference data for the sample generator: geography, names, product lines.

Coordinates are approximate city centres (WGS84); customers are jittered around
them. Weights are rough relative market sizes, only used to spread customers.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    region: str
    province: str
    city: str
    short: str  # the city as it appears in company names (沈阳, not 沈阳市)
    lat: float
    lon: float
    weight: float


# Region → its share of customers. 华东 and 华南 are the big regions.
REGION_WEIGHTS: dict[str, float] = {
    "东北": 0.10,
    "华北": 0.16,
    "华东": 0.24,
    "华南": 0.17,
    "华中": 0.13,
    "西南": 0.13,
    "西北": 0.07,
}
REGIONS: tuple[str, ...] = tuple(REGION_WEIGHTS)

# Chinese New Year depresses Q1 everywhere, deepest in the north-east and north-west.
Q1_FACTOR: dict[str, float] = {
    "东北": 0.60,
    "华北": 0.67,
    "华东": 0.72,
    "华南": 0.70,
    "华中": 0.69,
    "西南": 0.73,
    "西北": 0.63,
}
# Most of the Q1 dip is a break in ordering around the Spring Festival (from about 21 January,
# longer in the north); the rest is smaller orders. A break, not random thinning, so the
# dip does not open random gaps in a customer's order rhythm.
CNY_BREAK_START = 20  # days after 1 January
CNY_BREAK_DAYS: dict[str, int] = {
    "东北": 29, "华北": 22, "华东": 17, "华南": 19, "华中": 20, "西南": 16, "西北": 26,
}
# Quarter-of-year multipliers of order size shared by every region (Q1 from Q1_FACTOR).
QUARTER_FACTOR: dict[int, float] = {2: 1.0, 3: 0.97, 4: 1.07}

# region, province, city (short form), latitude, longitude, weight
_CITY_TABLE = """
东北 辽宁省 沈阳 41.80 123.43 3
东北 辽宁省 大连 38.91 121.61 3
东北 辽宁省 鞍山 41.11 122.99 1
东北 吉林省 长春 43.82 125.32 2.5
东北 吉林省 吉林 43.84 126.55 1
东北 黑龙江省 哈尔滨 45.80 126.53 3
东北 黑龙江省 大庆 46.59 125.10 1
东北 黑龙江省 齐齐哈尔 47.35 123.92 1
华北 北京市 北京 39.90 116.41 5
华北 天津市 天津 39.13 117.20 3
华北 河北省 石家庄 38.04 114.51 2
华北 河北省 唐山 39.63 118.18 1.5
华北 河北省 保定 38.87 115.46 1.2
华北 山西省 太原 37.87 112.55 1.5
华北 山西省 大同 40.08 113.30 0.7
华北 内蒙古自治区 呼和浩特 40.84 111.75 1
华北 内蒙古自治区 包头 40.66 109.84 0.8
华东 上海市 上海 31.23 121.47 5
华东 江苏省 南京 32.06 118.80 3
华东 江苏省 苏州 31.30 120.59 3
华东 江苏省 无锡 31.49 120.31 2
华东 浙江省 杭州 30.27 120.16 3.5
华东 浙江省 宁波 29.87 121.54 2
华东 浙江省 温州 28.00 120.67 1.5
华东 安徽省 合肥 31.82 117.23 2
华东 安徽省 芜湖 31.35 118.43 1
华东 福建省 福州 26.07 119.30 1.5
华东 福建省 厦门 24.48 118.09 1.5
华东 江西省 南昌 28.68 115.86 1.5
华东 山东省 济南 36.65 117.12 2
华东 山东省 青岛 36.07 120.38 2.5
华东 山东省 烟台 37.46 121.45 1
华南 广东省 广州 23.13 113.26 5
华南 广东省 深圳 22.54 114.06 5
华南 广东省 东莞 23.02 113.75 2.5
华南 广东省 佛山 23.02 113.12 2.5
华南 广西壮族自治区 南宁 22.82 108.37 1.5
华南 广西壮族自治区 柳州 24.33 109.41 0.8
华南 广西壮族自治区 桂林 25.27 110.29 0.7
华南 海南省 海口 20.04 110.20 0.8
华南 海南省 三亚 18.25 109.51 0.4
华中 河南省 郑州 34.75 113.63 3
华中 河南省 洛阳 34.62 112.45 1.2
华中 湖北省 武汉 30.59 114.31 3.5
华中 湖北省 宜昌 30.69 111.29 1
华中 湖北省 襄阳 32.01 112.12 1
华中 湖南省 长沙 28.23 112.94 3
华中 湖南省 株洲 27.83 113.13 1
华中 湖南省 衡阳 26.89 112.57 1
西南 重庆市 重庆 29.56 106.55 4
西南 四川省 成都 30.57 104.07 4
西南 四川省 绵阳 31.47 104.68 1
西南 贵州省 贵阳 26.65 106.63 1.5
西南 贵州省 遵义 27.73 106.93 0.8
西南 云南省 昆明 25.04 102.71 2
西南 云南省 大理 25.61 100.27 0.5
西南 西藏自治区 拉萨 29.65 91.14 0.3
西北 陕西省 西安 34.34 108.94 3.5
西北 陕西省 宝鸡 34.36 107.24 0.8
西北 甘肃省 兰州 36.06 103.83 1.5
西北 甘肃省 天水 34.58 105.72 0.5
西北 青海省 西宁 36.62 101.78 0.6
西北 宁夏回族自治区 银川 38.49 106.23 0.7
西北 新疆维吾尔自治区 乌鲁木齐 43.83 87.62 1.2
西北 新疆维吾尔自治区 喀什 39.47 75.99 0.3
"""
CITIES: tuple[City, ...] = tuple(
    City(region, province, f"{short}市", short, float(lat), float(lon), float(weight))
    for region, province, short, lat, lon, weight in (row.split() for row in _CITY_TABLE.strip().splitlines())
)

# The official one-character abbreviation of each province, for the names of merged regions
# (云南 + 西藏 = 滇藏, as in 滇藏线).
PROVINCE_ABBR: dict[str, str] = {
    "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑", "北京市": "京", "天津市": "津", "河北省": "冀",
    "山西省": "晋", "内蒙古自治区": "蒙", "上海市": "沪", "江苏省": "苏", "浙江省": "浙", "安徽省": "皖",
    "福建省": "闽", "江西省": "赣", "山东省": "鲁", "广东省": "粤", "广西壮族自治区": "桂", "海南省": "琼",
    "河南省": "豫", "湖北省": "鄂", "湖南省": "湘", "重庆市": "渝", "四川省": "川", "贵州省": "黔",
    "云南省": "滇", "西藏自治区": "藏", "陕西省": "陕", "甘肃省": "甘", "青海省": "青", "宁夏回族自治区": "宁",
    "新疆维吾尔自治区": "新",
}
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def province_short(province: str) -> str:
    """``"广西壮族自治区"`` → ``"广西"``: the name a sales region named after the province goes by."""
    for suffix in _PROVINCE_SUFFIXES:
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


# Our company sells coatings; these are its product lines with a list price per unit (CNY)
# and how common each line is in customers' assortments.
PRODUCT_LINES: tuple[str, ...] = (
    "内墙乳胶漆", "外墙涂料", "木器漆", "防水涂料", "地坪漆", "工业防腐漆", "艺术涂料", "辅料工具",
)
UNIT_PRICE: tuple[float, ...] = (380.0, 520.0, 260.0, 310.0, 450.0, 680.0, 900.0, 60.0)
LINE_POPULARITY: tuple[float, ...] = (0.24, 0.18, 0.12, 0.14, 0.08, 0.08, 0.05, 0.11)

# Fictional competitors (no real brand is implied).
COMPETITORS: tuple[str, ...] = ("华彩涂料", "蓝盾化工", "金鹰漆业", "雅居新材", "森美科技")

TRADE_CHARS: tuple[str, ...] = tuple("恒鑫华永兴宏嘉盛瑞泰隆丰顺诚信德昌茂源达利祥富安通和聚天金中长汇合新博力远海正广")
BUSINESS_TYPES: tuple[str, ...] = (
    "商贸", "建材", "贸易", "装饰材料", "涂料", "建筑装饰工程", "实业", "五金建材", "化工", "家居",
)
# Legal-form suffix by channel (index into CHANNELS order: distributor, dealer, retailer, key_account).
SUFFIXES: tuple[str, ...] = ("有限公司", "有限责任公司", "经营部", "商行", "集团有限公司")
SUFFIX_BY_CHANNEL: tuple[tuple[float, ...], ...] = (
    (0.80, 0.20, 0.00, 0.00, 0.00),  # distributor
    (0.75, 0.15, 0.05, 0.05, 0.00),  # dealer
    (0.40, 0.05, 0.35, 0.20, 0.00),  # retailer
    (0.60, 0.10, 0.00, 0.00, 0.30),  # key_account
)

SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚"
    "沈钟姜崔谭陆范汪廖石金贾夏方邹熊白孟秦邱侯江薛段雷龙史陶贺毛郝顾龚邵万武钱戴严孔常汤"
)
GIVEN_CHARS: tuple[str, ...] = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉玲建文斌宇浩凯健俊帆旭宁龙林欣波晨阳峰亮婷雪琳晶飞海鑫博丹慧洁倩瑶颖佳志"
)
