"""The tables behind the demo data (`kehu.demo`): organisation, places, people, companies.

Plain constants, no logic.  They are hand-made where Faker zh_CN cannot give what the demo
needs:

- places: each city lists its own districts with their GB/T 2260 codes (which go into credit
  codes and resident ID numbers) and real roads of that city, so an address is consistent
  (district inside its city inside its province).  Faker zh_CN draws province, city and
  district independently ("湖南省六盘水市朝阳区").
- people: surnames (weighted by frequency) and given names carry their pinyin, so e-mail
  addresses and IM accounts match the person.  Faker zh_CN's `last_romanized_name()` /
  `first_romanized_name()` come from separate lists that do not follow `last_name()` /
  `first_name()` (李 → "Deng").  Every surname + given name passes
  `kehu.validation.check_real_name`.  The demo users' pinyin is their username.
- companies: trade-name characters with pinyin (for the company's e-mail domain) and the
  industry words of company names mapped to GB/T 4754 codes, so a name ("…电子科技有限公司")
  and the industry field agree; institutions with their USCC registration authority.
- titles: the decision-makers a sales team deals with (the primary contact) and the offices of
  hospitals, schools and government bodies, which Faker's job list does not have.
- business attributes: the weights that make a book of customers look real (more C than A,
  mostly active, ...).

`kehu.demo` draws the rest from Faker zh_CN (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

HOME_PROVINCE = "上海市"  # where the demo company sits: customers there are "local" (本地)

# --- Organisation --------------------------------------------------------------------------

SALES_CENTRE = "销售中心"
DEPARTMENTS: tuple[tuple[str, str | None], ...] = (
    (SALES_CENTRE, None),
    ("华东销售部", SALES_CENTRE),
    ("华北销售部", SALES_CENTRE),
    ("华南销售部", SALES_CENTRE),
    ("客服部", None),
    ("市场部", None),
    ("财务部", None),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    department: str | None
    # What the person does (SPEC G1); a permissions plugin may map these to its roles.
    role: str  # admin / head / sales / support / marketing / finance


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "数据管理员", None, "admin"),
    DemoUser("yangfan", "杨帆", SALES_CENTRE, "head"),
    DemoUser("liqiang", "李强", "华东销售部", "head"),
    DemoUser("zhangwei", "张伟", "华东销售部", "sales"),
    DemoUser("liuyang", "刘洋", "华东销售部", "sales"),
    DemoUser("chenjing", "陈静", "华东销售部", "sales"),
    DemoUser("wangjun", "王军", "华北销售部", "head"),
    DemoUser("zhaomin", "赵敏", "华北销售部", "sales"),
    DemoUser("sunli", "孙丽", "华北销售部", "sales"),
    DemoUser("chenjie", "陈杰", "华南销售部", "head"),
    DemoUser("zhouxin", "周欣", "华南销售部", "sales"),
    DemoUser("wuhao", "吴昊", "华南销售部", "sales"),
    DemoUser("huangting", "黄婷", "客服部", "support"),
    DemoUser("linfeng", "林峰", "市场部", "marketing"),
    DemoUser("xujing", "徐静", "财务部", "finance"),
)

# Which sales department looks after which area (kehu.choices.AREA).
SALES_BY_AREA = {
    "east": "华东销售部", "central": "华东销售部",
    "north": "华北销售部", "northeast": "华北销售部", "northwest": "华北销售部",
    "south": "华南销售部", "southwest": "华南销售部",
}


# --- Places --------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    province: str
    city: str
    short: str  # as used in company names: 上海明达信息科技有限公司
    area: str
    weight: int
    districts: tuple[tuple[str, str], ...]  # (district, 6-digit administrative code)
    roads: tuple[str, ...]


CITIES: tuple[City, ...] = (
    City("上海市", "上海市", "上海", "east", 14,
         (("黄浦区", "310101"), ("徐汇区", "310104"), ("长宁区", "310105"), ("静安区", "310106"),
          ("普陀区", "310107"), ("虹口区", "310109"), ("杨浦区", "310110"), ("闵行区", "310112"),
          ("浦东新区", "310115")),
         ("张江路", "世纪大道", "南京西路", "淮海中路", "漕溪北路", "宜山路", "四平路", "莲花路", "碧波路", "长寿路")),
    City("北京市", "北京市", "北京", "north", 9,
         (("东城区", "110101"), ("西城区", "110102"), ("朝阳区", "110105"), ("丰台区", "110106"),
          ("海淀区", "110108")),
         ("中关村大街", "建国路", "东三环中路", "学院路", "复兴门内大街", "丰台北路", "知春路", "望京街")),
    City("广东省", "广州市", "广州", "south", 6,
         (("荔湾区", "440103"), ("越秀区", "440104"), ("海珠区", "440105"), ("天河区", "440106"),
          ("白云区", "440111")),
         ("天河路", "中山五路", "环市东路", "新港中路", "黄埔大道西", "广州大道北", "体育西路")),
    City("广东省", "深圳市", "深圳", "south", 7,
         (("罗湖区", "440303"), ("福田区", "440304"), ("南山区", "440305"), ("宝安区", "440306"),
          ("龙岗区", "440307")),
         ("深南大道", "科技园南路", "滨海大道", "华强北路", "宝安大道", "龙岗大道", "高新南一道")),
    City("广东省", "佛山市", "佛山", "south", 2,
         (("禅城区", "440604"), ("顺德区", "440606")),
         ("季华路", "汾江中路", "大良德和路", "容桂大道")),
    City("浙江省", "杭州市", "杭州", "east", 6,
         (("上城区", "330102"), ("拱墅区", "330105"), ("西湖区", "330106"), ("滨江区", "330108")),
         ("文三路", "江南大道", "天目山路", "延安路", "网商路", "莫干山路")),
    City("浙江省", "宁波市", "宁波", "east", 3,
         (("海曙区", "330203"), ("鄞州区", "330212")),
         ("中山西路", "天童南路", "四明中路", "鄞州大道")),
    City("江苏省", "南京市", "南京", "east", 4,
         (("玄武区", "320102"), ("秦淮区", "320104"), ("建邺区", "320105"), ("鼓楼区", "320106")),
         ("中山路", "汉中路", "江东中路", "龙蟠路", "中央路")),
    City("江苏省", "苏州市", "苏州", "east", 5,
         (("虎丘区", "320505"), ("吴中区", "320506"), ("相城区", "320507"), ("姑苏区", "320508")),
         ("狮山路", "干将路", "金鸡湖大道", "东吴北路", "人民路")),
    City("山东省", "济南市", "济南", "east", 2,
         (("历下区", "370102"), ("市中区", "370103")), ("经十路", "泉城路", "解放路", "英雄山路")),
    City("山东省", "青岛市", "青岛", "east", 2,
         (("市南区", "370202"), ("市北区", "370203")), ("香港中路", "东海西路", "延吉路", "辽宁路")),
    City("福建省", "厦门市", "厦门", "east", 2,
         (("思明区", "350203"), ("湖里区", "350206")), ("鹭江道", "湖滨南路", "嘉禾路", "仙岳路")),
    City("福建省", "福州市", "福州", "east", 1,
         (("鼓楼区", "350102"), ("台江区", "350103")), ("五四路", "八一七中路", "工业路")),
    City("安徽省", "合肥市", "合肥", "east", 2,
         (("瑶海区", "340102"), ("蜀山区", "340104")), ("长江西路", "黄山路", "望江西路", "胜利路")),
    City("天津市", "天津市", "天津", "north", 3,
         (("和平区", "120101"), ("河西区", "120103"), ("南开区", "120104")),
         ("南京路", "友谊路", "卫津路", "黄河道")),
    City("河北省", "石家庄市", "石家庄", "north", 1,
         (("长安区", "130102"), ("桥西区", "130104")), ("中山东路", "裕华路", "建设大街")),
    City("山西省", "太原市", "太原", "north", 1,
         (("小店区", "140105"), ("迎泽区", "140106")), ("长风街", "迎泽大街", "体育路")),
    City("湖北省", "武汉市", "武汉", "central", 4,
         (("江岸区", "420102"), ("江汉区", "420103"), ("武昌区", "420106"), ("洪山区", "420111")),
         ("解放大道", "中北路", "珞喻路", "光谷大道", "建设大道")),
    City("湖南省", "长沙市", "长沙", "central", 2,
         (("芙蓉区", "430102"), ("天心区", "430103"), ("岳麓区", "430104")),
         ("五一大道", "芙蓉中路", "麓山南路", "韶山北路")),
    City("河南省", "郑州市", "郑州", "central", 2,
         (("中原区", "410102"), ("金水区", "410105")), ("金水路", "花园路", "中原西路", "农业路")),
    City("江西省", "南昌市", "南昌", "central", 1,
         (("东湖区", "360102"), ("西湖区", "360103")), ("八一大道", "阳明路", "象山南路")),
    City("四川省", "成都市", "成都", "southwest", 4,
         (("锦江区", "510104"), ("青羊区", "510105"), ("金牛区", "510106"), ("武侯区", "510107"),
          ("成华区", "510108")),
         ("天府大道", "人民南路", "蜀都大道", "一环路南三段", "建设路")),
    City("重庆市", "重庆市", "重庆", "southwest", 3,
         (("渝中区", "500103"), ("沙坪坝区", "500106")), ("解放碑民族路", "中山三路", "三峡广场天陈路")),
    City("云南省", "昆明市", "昆明", "southwest", 1,
         (("五华区", "530102"), ("盘龙区", "530103")), ("东风西路", "北京路", "人民中路")),
    City("贵州省", "贵阳市", "贵阳", "southwest", 1,
         (("南明区", "520102"), ("云岩区", "520103")), ("中华北路", "遵义路", "宝山北路")),
    City("广西壮族自治区", "南宁市", "南宁", "south", 1,
         (("兴宁区", "450102"), ("青秀区", "450103")), ("民族大道", "朝阳路", "东葛路")),
    City("海南省", "海口市", "海口", "south", 1,
         (("秀英区", "460105"), ("龙华区", "460106")), ("国贸大道", "滨海大道", "龙昆南路")),
    City("陕西省", "西安市", "西安", "northwest", 2,
         (("新城区", "610102"), ("碑林区", "610103"), ("莲湖区", "610104"), ("雁塔区", "610113")),
         ("高新路", "长安北路", "西大街", "科技路", "小寨东路")),
    City("甘肃省", "兰州市", "兰州", "northwest", 1,
         (("城关区", "620102"), ("七里河区", "620103")), ("庆阳路", "东岗西路", "西津东路")),
    City("新疆维吾尔自治区", "乌鲁木齐市", "乌鲁木齐", "northwest", 1,
         (("天山区", "650102"), ("沙依巴克区", "650103")), ("解放北路", "友好南路", "新华北路")),
    City("辽宁省", "沈阳市", "沈阳", "northeast", 2,
         (("和平区", "210102"), ("沈河区", "210103")), ("青年大街", "中山路", "北京街", "市府大路")),
    City("吉林省", "长春市", "长春", "northeast", 1,
         (("南关区", "220102"), ("朝阳区", "220104")), ("人民大街", "自由大路", "西安大路")),
    City("黑龙江省", "哈尔滨市", "哈尔滨", "northeast", 1,
         (("道里区", "230102"), ("南岗区", "230103")), ("中央大街", "红军街", "西大直街")),
)
BUILDINGS = ("科技大厦", "国际广场", "商务中心", "金融中心", "创业园", "产业园", "大厦", "写字楼")

# --- People --------------------------------------------------------------------------------

# (surname, pinyin, weight ‰): the common ones, roughly by frequency.
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 71), ("李", "li", 70), ("张", "zhang", 69), ("刘", "liu", 54), ("陈", "chen", 46),
    ("杨", "yang", 31), ("黄", "huang", 24), ("赵", "zhao", 23), ("吴", "wu", 21), ("周", "zhou", 21),
    ("徐", "xu", 13), ("孙", "sun", 13), ("马", "ma", 12), ("朱", "zhu", 12), ("胡", "hu", 11),
    ("郭", "guo", 11), ("何", "he", 10), ("林", "lin", 9), ("罗", "luo", 9), ("高", "gao", 9),
    ("郑", "zheng", 8), ("梁", "liang", 7), ("谢", "xie", 6), ("宋", "song", 6), ("唐", "tang", 6),
    ("许", "xu", 5), ("韩", "han", 5), ("冯", "feng", 5), ("邓", "deng", 5), ("曹", "cao", 5),
    ("彭", "peng", 5), ("曾", "zeng", 5), ("肖", "xiao", 5), ("田", "tian", 4), ("董", "dong", 4),
    ("潘", "pan", 4), ("袁", "yuan", 4), ("蔡", "cai", 4), ("蒋", "jiang", 4), ("余", "yu", 4),
    ("于", "yu", 4), ("杜", "du", 4), ("叶", "ye", 4), ("程", "cheng", 3), ("魏", "wei", 3),
    ("苏", "su", 3), ("吕", "lv", 3), ("丁", "ding", 3), ("任", "ren", 3), ("卢", "lu", 3),
    ("姚", "yao", 3), ("沈", "shen", 3), ("钟", "zhong", 3), ("姜", "jiang", 3), ("崔", "cui", 3),
    ("谭", "tan", 3), ("陆", "lu", 3), ("范", "fan", 2), ("汪", "wang", 2), ("廖", "liao", 2),
    ("石", "shi", 2), ("金", "jin", 2), ("韦", "wei", 2), ("贾", "jia", 2), ("夏", "xia", 2),
    ("付", "fu", 2), ("方", "fang", 2), ("邹", "zou", 2), ("熊", "xiong", 2), ("白", "bai", 2),
    ("孟", "meng", 2), ("秦", "qin", 2), ("邱", "qiu", 2), ("侯", "hou", 2), ("江", "jiang", 2),
    ("尹", "yin", 2), ("薛", "xue", 2), ("段", "duan", 2), ("雷", "lei", 2), ("龙", "long", 1),
    ("黎", "li", 1), ("史", "shi", 1), ("陶", "tao", 1), ("贺", "he", 1), ("毛", "mao", 1),
    ("郝", "hao", 1), ("顾", "gu", 1), ("龚", "gong", 1), ("邵", "shao", 1), ("钱", "qian", 1),
    ("戴", "dai", 1), ("严", "yan", 1), ("孔", "kong", 1), ("汤", "tang", 1), ("欧阳", "ouyang", 0.5),
    ("上官", "shangguan", 0.2),
)
GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("斌", "bin"), ("鹏", "peng"),
    ("辉", "hui"), ("浩", "hao"), ("宇", "yu"), ("峰", "feng"), ("凯", "kai"), ("健", "jian"),
    ("建国", "jianguo"), ("建华", "jianhua"), ("志强", "zhiqiang"), ("志明", "zhiming"),
    ("海涛", "haitao"), ("俊杰", "junjie"), ("子豪", "zihao"), ("浩然", "haoran"), ("宇航", "yuhang"),
    ("晓东", "xiaodong"), ("国强", "guoqiang"), ("文博", "wenbo"), ("振华", "zhenhua"),
    ("立新", "lixin"), ("永刚", "yonggang"), ("家豪", "jiahao"), ("思远", "siyuan"),
    ("明轩", "mingxuan"), ("博文", "bowen"), ("一鸣", "yiming"), ("德华", "dehua"),
    ("嘉诚", "jiacheng"), ("正阳", "zhengyang"), ("泽宇", "zeyu"), ("少华", "shaohua"),
    ("红军", "hongjun"), ("卫东", "weidong"), ("春生", "chunsheng"), ("天宇", "tianyu"),
)
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("慧", "hui"), ("颖", "ying"),
    ("琳", "lin"), ("洁", "jie"), ("倩", "qian"), ("秀英", "xiuying"), ("桂英", "guiying"),
    ("秀兰", "xiulan"), ("玉兰", "yulan"), ("丽娟", "lijuan"), ("海燕", "haiyan"),
    ("晓燕", "xiaoyan"), ("雪梅", "xuemei"), ("春梅", "chunmei"), ("红梅", "hongmei"),
    ("欣怡", "xinyi"), ("梓涵", "zihan"), ("诗涵", "shihan"), ("雨桐", "yutong"), ("佳怡", "jiayi"),
    ("思琪", "siqi"), ("梦瑶", "mengyao"), ("晓雯", "xiaowen"), ("婉婷", "wanting"),
    ("丽华", "lihua"), ("美玲", "meiling"), ("凤英", "fengying"), ("佳琪", "jiaqi"),
    ("嘉欣", "jiaxin"), ("静怡", "jingyi"), ("文静", "wenjing"), ("晓丽", "xiaoli"),
    ("亚楠", "yanan"), ("晨曦", "chenxi"),
)
TITLES_ENTERPRISE = ("总经理", "副总经理", "采购经理", "采购主管", "财务总监", "财务经理", "技术负责人",
                     "技术总监", "IT经理", "项目经理", "运营总监", "行政主管", "供应链经理", "董事长")
TITLES_INSTITUTION = ("院长", "副院长", "信息中心主任", "设备科科长", "采购办主任", "办公室主任",
                      "后勤处处长", "财务处处长", "科长")
FREE_MAIL = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "139.com")
# Mobile number ranges in use for people, including the 19x ranges Faker zh_CN's list lacks
# (and without its data-only 145/147).
MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
                   "150", "151", "152", "153", "155", "156", "157", "158", "159",
                   "180", "181", "182", "183", "185", "186", "187", "188", "189",
                   "191", "193", "195", "198", "199")

# --- Companies -----------------------------------------------------------------------------

# Characters of trade names (字号) with their pinyin (for the company's e-mail domain).
BRAND_CHARS: tuple[tuple[str, str], ...] = (
    ("明", "ming"), ("达", "da"), ("华", "hua"), ("恒", "heng"), ("瑞", "rui"), ("鑫", "xin"),
    ("泰", "tai"), ("嘉", "jia"), ("盛", "sheng"), ("远", "yuan"), ("宏", "hong"), ("博", "bo"),
    ("诚", "cheng"), ("信", "xin"), ("安", "an"), ("联", "lian"), ("创", "chuang"), ("天", "tian"),
    ("中", "zhong"), ("海", "hai"), ("金", "jin"), ("润", "run"), ("德", "de"), ("兴", "xing"),
    ("利", "li"), ("源", "yuan"), ("通", "tong"), ("正", "zheng"), ("宇", "yu"), ("荣", "rong"),
    ("丰", "feng"), ("汇", "hui"), ("晟", "sheng"), ("睿", "rui"), ("凯", "kai"), ("峰", "feng"),
    ("昊", "hao"), ("腾", "teng"), ("融", "rong"), ("锦", "jin"), ("翔", "xiang"), ("云", "yun"),
    ("启", "qi"), ("航", "hang"), ("优", "you"), ("尚", "shang"), ("卓", "zhuo"), ("越", "yue"),
    ("众", "zhong"), ("合", "he"), ("力", "li"), ("隆", "long"), ("佳", "jia"), ("亿", "yi"),
    ("捷", "jie"), ("拓", "tuo"), ("朗", "lang"), ("智", "zhi"), ("聚", "ju"), ("宸", "chen"),
    ("弘", "hong"), ("立", "li"), ("元", "yuan"), ("永", "yong"), ("光", "guang"), ("东", "dong"),
    ("星", "xing"), ("辰", "chen"), ("灿", "can"), ("维", "wei"),
)


@dataclass(frozen=True)
class Trade:
    """An industry as it shows in company names: GB/T 4754 code, weight, name words."""

    industry: str
    weight: int
    words: tuple[tuple[str, str], ...]  # (word in the name, English word for the e-mail domain)
    business: tuple[str, ...] = ("product", "outsourcing", "consulting")


TRADES: tuple[Trade, ...] = (
    Trade("C34", 6, (("机械设备", "machinery"), ("精密机械", "precision"), ("机电设备", "me"))),
    Trade("C39", 6, (("电子科技", "elec"), ("电子", "electronics"), ("通信设备", "comm"))),
    Trade("C38", 3, (("电气", "electric"), ("电力设备", "power"))),
    Trade("C36", 3, (("汽车零部件", "autoparts"), ("汽车配件", "auto"))),
    Trade("C26", 3, (("化工", "chem"), ("新材料", "material"))),
    Trade("C29", 2, (("塑胶制品", "plastic"), ("橡塑制品", "rubber"))),
    Trade("C14", 2, (("食品", "food"),)),
    Trade("C18", 2, (("服饰", "fashion"), ("服装", "apparel"))),
    Trade("C27", 2, (("生物医药", "bio"), ("医药", "pharma"))),
    Trade("F51", 8, (("商贸", "trade"), ("贸易", "trading"), ("供应链管理", "scm"), ("国际贸易", "intl"))),
    Trade("F52", 4, (("百货", "store"), ("商业连锁", "retail"), ("超市", "mart")), ("product",)),
    Trade("I65", 9, (("信息科技", "tech"), ("软件", "soft"), ("信息技术", "it"), ("数据科技", "data"))),
    Trade("I64", 4, (("网络科技", "net"), ("互联网科技", "web"))),
    Trade("E47", 3, (("建筑工程", "build"), ("建设工程", "cons"))),
    Trade("E48", 2, (("路桥工程", "bridge"), ("市政工程", "civil"))),
    Trade("E50", 3, (("装饰工程", "deco"), ("建筑装饰", "design"))),
    Trade("G58", 2, (("国际货运代理", "cargo"), ("物流", "logistics"))),
    Trade("G59", 2, (("仓储物流", "wms"), ("供应链", "supply"))),
    Trade("H62", 2, (("餐饮管理", "catering"),), ("product", "outsourcing")),
    Trade("L72", 4, (("企业管理咨询", "consulting"), ("商务咨询", "biz"), ("人力资源", "hr"))),
    Trade("M74", 2, (("检测技术", "testing"), ("工程设计", "design"))),
    Trade("K70", 2, (("置业", "estate"), ("房地产开发", "property"))),
    Trade("R87", 2, (("文化传媒", "media"), ("影视传媒", "film"))),
    Trade("A01", 1, (("农业科技", "agri"), ("农业发展", "farm"))),
)

# Institutions: (name pattern, industry, USCC registration authority + type, titles).
# Patterns use {short} (city), {district} and {n} (Chinese ordinal).
INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("{short}市第{n}人民医院", "Q84", "12"),
    ("{short}市中医医院", "Q84", "12"),
    ("{short}市妇幼保健院", "Q84", "12"),
    ("{district}人民医院", "Q84", "12"),
    ("{short}理工大学", "P83", "12"),
    ("{short}师范大学", "P83", "12"),
    ("{short}职业技术学院", "P83", "12"),
    ("{short}市第{n}中学", "P83", "12"),
    ("{district}实验小学", "P83", "12"),
    ("{short}市市场监督管理局", "S92", "11"),
    ("{short}市卫生健康委员会", "S92", "11"),
    ("{district}人民政府办公室", "S92", "11"),
    ("{short}市软件行业协会", "S95", "51"),
    ("{short}市物流与采购协会", "S95", "51"),
)
# Area codes valid for any birth year (GB/T 2260 codes that never changed).
STABLE_BIRTHPLACES = ("310101", "310104", "310105", "310106", "310107", "310109", "310110", "110101",
                      "110102", "110105", "110106", "110108", "120101", "120103", "120104")
CHINESE_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

# --- Business attributes -------------------------------------------------------------------

SCALES_ENTERPRISE = (("1-19", 20), ("20-99", 35), ("100-499", 25), ("500-999", 10), ("1000-4999", 7), ("5000+", 3))
SCALES_INSTITUTION = (("100-499", 30), ("500-999", 30), ("1000-4999", 30), ("5000+", 10))
GRADES = (("A", 15), ("B", 35), ("C", 50))
STAGES = (("potential", 25), ("intent", 25), ("customer", 30), ("loyal", 12), ("lost", 8))
STATUSES = (("active", 70), ("pending_review", 15), ("to_verify", 6), ("dormant", 5), ("inactive", 4))
SOURCES = (("referral", 22), ("exhibition", 18), ("web_form", 16), ("cold_call", 12), ("partner", 10),
           ("bidding", 8), ("social_media", 6), ("advertising", 5), ("visit", 3))
CONFIDENTIALITY = (("internal", 70), ("public", 20), ("confidential", 10))
DEMANDS = ("price", "quality", "delivery", "after_sales", "customization", "integration", "training",
           "payment_terms")
PAST_INTENT = ("customer", "loyal", "lost")
AMOUNT_BY_GRADE = {"A": (1_000_000, 20_000_000), "B": (150_000, 1_500_000), "C": (5_000, 200_000)}

# Tags given when the tags plugin is enabled (SPEC B1: dimension-value names).
AREA_TAGS = {"east": "区域-华东", "north": "区域-华北", "south": "区域-华南", "central": "区域-华中",
             "southwest": "区域-西南", "northwest": "区域-西北", "northeast": "区域-东北"}

# --- What kehu.demo accepts from Faker zh_CN -----------------------------------------------

# Trade names (`fake.company_prefix()`) of some enterprises: 2-4 Chinese characters without an
# industry word (the name's industry word comes from TRADES, matching the industry field), a
# "company", a place (the name starts with its city) or a well-known affiliation.
FAKER_TRADE_NAME_SKIP = ("公司", "科技", "电子", "信息", "软件", "计算机", "电脑", "数字", "网络", "传媒",
                         "国际", "开发区", "浙大", "中建", "联通", "黄石", "南康")
# Titles of an enterprise's further contacts (`fake.job()`): a function every company has, at a
# level a supplier deals with ("采购总监", "项目工程师"); not "传菜主管" at a machinery maker.
FAKER_TITLE_FUNCTIONS = ("采购", "财务", "资金", "人事", "行政", "项目", "销售", "区域销售", "生产", "物流",
                         "供应链", "物料", "品质", "法务", "合规", "商务", "客服", "产品", "市场", "设备",
                         "公关")
FAKER_TITLE_LEVELS = ("经理", "总监", "主管", "专员", "工程师")
# An individual customer's occupation (`fake.job()`): a job, not one of the list's category
# headings ("计算机硬件", "其他").
FAKER_OCCUPATION_ENDINGS = ("师", "员", "顾问", "经理", "总监", "主管")
