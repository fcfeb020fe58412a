"""Preset lists of the enumerated core fields (SPEC A2, A6): values stored, labels shown."""

from __future__ import annotations

from kehu.fields import Choice


def choices(*rows: tuple[str, str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(*row) for row in rows)


CUSTOMER_TYPE = choices(
    ("enterprise", "企业", "Enterprise"),
    ("individual", "个人", "Individual"),
    ("institution", "机构", "Institution"),
)
SCALE = choices(
    ("1-19", "20人以下", "Under 20 people"),
    ("20-99", "20-99人", "20-99 people"),
    ("100-499", "100-499人", "100-499 people"),
    ("500-999", "500-999人", "500-999 people"),
    ("1000-4999", "1000-4999人", "1,000-4,999 people"),
    ("5000+", "5000人及以上", "5,000 people or more"),
)
GRADE = choices(
    ("A", "A类（高价值）", "A (high value)"),
    ("B", "B类（中等价值）", "B (medium value)"),
    ("C", "C类（潜力待挖掘）", "C (low / potential)"),
)
REGION = choices(
    ("local", "本地", "Local"),
    ("domestic", "外地", "Other region"),
    ("overseas", "境外", "Overseas"),
)
AREA = choices(
    ("east", "华东", "East China"),
    ("north", "华北", "North China"),
    ("south", "华南", "South China"),
    ("central", "华中", "Central China"),
    ("southwest", "西南", "Southwest China"),
    ("northwest", "西北", "Northwest China"),
    ("northeast", "东北", "Northeast China"),
    ("hmt", "港澳台", "Hong Kong, Macao, Taiwan"),
    ("abroad", "海外", "Abroad"),
)
SOURCE = choices(
    ("exhibition", "展会", "Exhibition"),
    ("referral", "转介绍", "Referral"),
    ("web_form", "官网表单", "Web form"),
    ("cold_call", "电话开发", "Cold call"),
    ("advertising", "广告投放", "Advertising"),
    ("social_media", "社交媒体", "Social media"),
    ("partner", "合作伙伴", "Partner"),
    ("bidding", "招投标", "Public tender"),
    ("visit", "客户来访", "Walk-in visit"),
)
BUSINESS_TYPE = choices(
    ("product", "产品采购", "Product purchase"),
    ("outsourcing", "服务外包", "Service outsourcing"),
    ("consulting", "咨询", "Consulting"),
)
DEMAND = choices(
    ("price", "价格敏感", "Price-sensitive"),
    ("quality", "质量优先", "Quality first"),
    ("delivery", "交付速度", "Fast delivery"),
    ("after_sales", "售后服务", "After-sales service"),
    ("customization", "定制开发", "Customisation"),
    ("integration", "系统集成", "System integration"),
    ("training", "培训支持", "Training"),
    ("payment_terms", "账期灵活", "Flexible payment terms"),
)
STAGE = choices(
    ("potential", "潜在", "Potential"),
    ("intent", "意向", "Intent"),
    ("customer", "成交", "Customer"),
    ("loyal", "忠诚", "Loyal"),
    ("lost", "流失", "Lost"),
)
CONFIDENTIALITY = choices(
    ("public", "公开", "Public"),
    ("internal", "内部", "Internal"),
    ("confidential", "机密", "Confidential"),
)
STATUS = choices(
    ("pending_review", "待审核", "Pending review"),
    ("active", "活跃", "Active"),
    ("inactive", "停用", "Inactive"),
    ("dormant", "休眠", "Dormant"),
    ("to_verify", "待核实", "To verify"),
)
# SPEC D5: left out of default searches.
HIDDEN_BY_DEFAULT = ("inactive", "dormant")
