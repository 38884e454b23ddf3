# ruff: noqa: E501  (a table reads best one rule a line)
"""A realistic county catalogue, modelled on the schemes in the seed articles (Ankang's safe-family
card has 23 indicators; village schemes list 20-40 add and deduct items). Used by the demo."""

from incentives.rules.models import CapPeriod, Category, Per

# (category, name, points, per, cap period, cap points, evidence, approval, self report, village range)
STANDARD_RULES = (
    (Category.VOLUNTEER, "志愿服务（每小时）", 5, Per.HOUR, CapPeriod.MONTH, 100, True, True, True, (3, 8)),
    (Category.VOLUNTEER, "河道清理、植树等公益劳动", 10, Per.OCCURRENCE, CapPeriod.MONTH, 40, True, True, True, (5, 15)),
    (Category.VOLUNTEER, "参加巡逻守护队（每小时）", 4, Per.HOUR, CapPeriod.MONTH, 80, False, True, True, None),
    (Category.VOLUNTEER, "疫情防控、防汛抢险值守", 20, Per.OCCURRENCE, CapPeriod.YEAR, 200, True, True, True, None),
    (Category.VOLUNTEER, "无偿献血", 30, Per.OCCURRENCE, CapPeriod.YEAR, 60, True, True, True, None),
    (Category.SAFE_FAMILY, "家庭成员全年无违法犯罪", 50, Per.OCCURRENCE, CapPeriod.YEAR, 50, False, True, False, None),
    (Category.SAFE_FAMILY, "主动调解邻里矛盾纠纷", 10, Per.OCCURRENCE, CapPeriod.MONTH, 30, False, True, True, (5, 15)),
    (Category.SAFE_FAMILY, "提供治安线索经查属实", 20, Per.OCCURRENCE, CapPeriod.YEAR, 100, False, True, True, None),
    (Category.SAFE_FAMILY, "安装使用家庭防盗设施", 10, Per.OCCURRENCE, CapPeriod.YEAR, 10, True, True, True, None),
    (Category.SAFE_FAMILY, "参加法治宣传、反诈培训", 5, Per.OCCURRENCE, CapPeriod.MONTH, 10, True, True, True, None),
    (Category.SAFE_FAMILY, "发生家庭暴力", -30, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.SAFE_FAMILY, "参与赌博、封建迷信活动", -20, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.VILLAGE_RULES, "红白喜事简办、不大操大办", 20, Per.OCCURRENCE, CapPeriod.YEAR, 40, True, True, True, (10, 30)),
    (Category.VILLAGE_RULES, "婚嫁不索要高额彩礼", 30, Per.OCCURRENCE, CapPeriod.YEAR, 30, False, True, True, None),
    (Category.VILLAGE_RULES, "按时参加村民会议", 2, Per.OCCURRENCE, CapPeriod.MONTH, 4, False, True, True, None),
    (Category.VILLAGE_RULES, "移风易俗宣传员带头示范", 10, Per.OCCURRENCE, CapPeriod.MONTH, 20, False, True, True, None),
    (Category.VILLAGE_RULES, "违规燃放烟花、焚烧秸秆", -10, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.VILLAGE_RULES, "私搭乱建、占用公共道路", -10, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.VILLAGE_RULES, "大操大办、攀比浪费", -20, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.FILIAL, "照料独居、空巢老人", 8, Per.OCCURRENCE, CapPeriod.MONTH, 32, False, True, True, (5, 10)),
    (Category.FILIAL, "被评为好媳妇、好婆婆", 30, Per.OCCURRENCE, CapPeriod.YEAR, 30, False, True, False, None),
    (Category.FILIAL, "不赡养老人、虐待家庭成员", -30, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.ENVIRONMENT, "美丽庭院月评达标", 6, Per.OCCURRENCE, CapPeriod.MONTH, 6, True, True, True, (4, 10)),
    (Category.ENVIRONMENT, "垃圾分类投放到位", 2, Per.OCCURRENCE, CapPeriod.MONTH, 8, False, True, True, None),
    (Category.ENVIRONMENT, "门前三包保持整洁", 3, Per.OCCURRENCE, CapPeriod.MONTH, 6, False, True, True, None),
    (Category.ENVIRONMENT, "乱倒垃圾、污水", -5, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
    (Category.ENVIRONMENT, "乱堆乱放柴草杂物", -3, Per.OCCURRENCE, CapPeriod.NONE, None, False, True, False, None),
)


def publish_standard_catalogue(session, region, actor: str) -> list:
    """Publish every standard rule from ``region``; returns the rules."""
    from incentives.rules.services import publish_rule

    rules = []
    for category, name, points, per, period, cap, evidence, approval, self_report, span in STANDARD_RULES:
        rules.append(publish_rule(
            session, region, category, actor,
            name=name, points=points, per=per.value, cap_period=period.value, cap_points=cap,
            evidence_required=evidence, approval_required=approval, self_report=self_report,
            village_min=span[0] if span else None, village_max=span[1] if span else None,
        ))
    return rules
