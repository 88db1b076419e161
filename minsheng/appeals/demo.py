"""Demo appeals: months of Foshan cases with their whole lifecycles, through the real services.

Every case is registered, dispatched, signed, returned, extended, answered, reviewed and called back
by the services a person would use, with the times it would have happened (``at=``). Cases whose next
step lies in the future stay where they are, so every queue has something in it now.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from minsheng.org.choices import RegionLevel, Role
from minsheng.org.demo import DEMO_PASSWORD, FoshanDemo, demo_account
from minsheng.org.models import Region, Unit
from minsheng.org.services import membership_grant, user_create

from . import services
from .choices import Kind, LegRole, LegState, RequestState, State, SuggestionOutcome
from .models import Appeal, Category, DispatchLeg, KnowledgeArticle, LegRequest
from .rollup import metrics_rollup_refresh

TOWN = "TOWN"  # catalogue: the town office of the case's town leads


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, str, str]
    lead: str | tuple[str, ...]  # a unit code, TOWN, or several codes (an ambiguous catalogue)
    assists: tuple[str, ...]
    texts: tuple[str, ...]
    answer: str
    urgency: str = ""


INQUIRIES = [
    Leaf(("社会保障", "社保", "社保缴费查询"), "FS-RSJ", (),
         ("想查询本人{month}的社保缴费记录，是否已经到账？", "换了工作，社保断缴一个月怎么补缴？"),
         "可通过“粤省事”小程序或佛山人社网厅查询缴费记录；断缴可由新单位在次月申报补缴。"),
    Leaf(("住房保障", "公积金", "公积金提取"), "FS-ZFGJJ", (),
         ("租房提取公积金需要什么材料？", "公积金贷款还款能不能每年提取一次？"),
         "租房提取可在“佛山公积金”公众号在线办理，无需材料；偿还贷款本息可每年提取一次。"),
    Leaf(("户籍证件", "户口", "户口迁移"), "FS-GAJ", (),
         ("子女在{town}出生，想把户口迁入{district}需要哪些手续？", "人才入户佛山的条件是什么？"),
         "新生儿入户可凭出生医学证明、父母户口簿在“粤省事”预约办理；人才入户条件见佛山公安户政指南。"),
    Leaf(("教育", "入学", "积分入学"), "FS-JYJ", (),
         ("随迁子女积分入学什么时候开始申请？", "{district}公办小学学位怎么分配？"),
         "积分入学每年3月开放申请，以各区教育局通知为准；学位按学区划分和积分排名分配。"),
    Leaf(("交通出行", "公共交通", "公交线路咨询"), "FS-GJ", (),
         ("从{town}到佛山西站坐哪路公交最方便？", "{road}附近的公交站什么时候恢复？"),
         "可在“佛山公交”App查询实时线路；临时改线信息见公交集团公众号公告。"),
    Leaf(("医疗卫生", "医保", "异地就医备案"), "FS-YBJ", (),
         ("回老家看病怎么办理异地就医备案？", "医保卡在外地住院能直接结算吗？"),
         "可通过“国家医保服务平台”App办理异地备案，备案后在定点医院住院可直接结算。"),
    Leaf(("政务服务", "办事指南", "营业执照办理"), "FS-SJJ", (),
         ("开个体店办营业执照要多久？", "营业执照经营范围怎么变更？"),
         "个体工商户登记可在广东政务服务网全程网办，材料齐全一个工作日内办结。"),
]

REQUESTS = [
    Leaf(("城市管理", "市容环境", "占道经营"), TOWN, ("FS-CGJ",),
         ("{road}{number}号门口有流动摊贩占道经营，晚上油烟大，行人只能走机动车道。",
          "{town}{road}菜市场外围长期有人占道摆卖，影响通行。"),
         "已联合城管中队到场处置，劝离占道摊贩，并将该路段纳入每日巡查。"),
    Leaf(("城市管理", "市容环境", "噪音扰民"), ("FS-STJ", "FS-GAJ"), (),
         ("{road}一带工地夜间施工到凌晨，噪音很大，影响休息。", "{town}某酒吧深夜音乐声太大，已持续一周。"),
         "已到场核查，责令施工单位停止夜间施工，后续如需夜间作业须办理许可并公示。"),
    Leaf(("城市管理", "环境卫生", "垃圾清运不及时"), TOWN, (),
         ("{road}{number}号旁的垃圾桶已经三天没清运，气味很大。", "{town}小区门口建筑垃圾堆放多日无人清理。"),
         "已安排环卫公司当日清运，并调整该点位清运频次为每日两次。"),
    Leaf(("城市管理", "违法建设", "违章搭建"), TOWN, ("FS-ZRJ",),
         ("{road}{number}号楼顶有人搭建铁皮房，存在安全隐患。", "小区一楼住户私自扩建围墙占用公共绿地。"),
         "经现场核查属违法建设，已下达限期拆除通知书，业主已自行拆除。"),
    Leaf(("交通出行", "道路设施", "路面坑洼"), "FS-JTJ", (),
         ("{road}与{road2}交界处路面塌陷出现大坑，电动车容易摔倒。", "{town}{road}人行道地砖松动多处。"),
         "已安排养护单位修补坑槽并设置警示，路面已恢复通行。"),
    Leaf(("交通出行", "公共交通", "公交服务投诉"), "FS-GJ", (),
         ("公交车到站不停，司机态度恶劣。", "{road}站公交班次间隔太长，早高峰等了四十分钟。"),
         "已约谈涉事驾驶员并进行教育，同时优化早高峰发班间隔。"),
    Leaf(("公用事业", "供水", "停水"), "FS-SW", (),
         ("{road}{number}号整栋楼突然停水，没有收到任何通知。", "{town}小区水压很低，高层没有水。"),
         "系管网抢修导致临时停水，已于当日恢复供水，并加强停水通知。", urgency="water"),
    Leaf(("公用事业", "供电", "停电"), "FS-GDJ", (),
         ("{road}一带从中午开始停电，冰箱里的东西都坏了。", "小区频繁跳闸停电，一周三次。"),
         "经查为线路故障，已抢修恢复供电，并安排对该台区线路进行改造。", urgency="power"),
    Leaf(("公用事业", "燃气", "燃气泄漏"), "FS-RQ", ("FS-YJJ",),
         ("{road}{number}号楼道里有很浓的燃气味。", "餐馆后巷燃气管道疑似漏气。"),
         "燃气公司抢险队已到场关阀检修，更换了老化接头，经检测无泄漏。", urgency="gas"),
    Leaf(("住房建设", "物业管理", "物业纠纷"), "FS-ZJJ", (TOWN,),
         ("{town}某小区物业擅自提高停车费，业主不同意。", "小区电梯经常故障，物业一直不维修。"),
         "已约谈物业服务企业，责令其按合同履行维修义务，停车费调整须经业主大会表决。"),
    Leaf(("市场监管", "消费维权", "商家欺诈"), "FS-SJJ", (),
         ("在{road}某店办了健身卡，现在门店关门不退款。", "网购的家电是翻新机，商家拒绝退货。"),
         "已组织调解，商家同意退还剩余费用；对其经营行为立案调查。"),
    Leaf(("市场监管", "食品安全", "食品安全问题"), "FS-SJJ", (),
         ("在{town}某餐馆吃饭后腹泻，怀疑食材不新鲜。", "超市出售过期食品。"),
         "执法人员已现场检查，责令整改并依法处罚。"),
    Leaf(("劳动社保", "劳资纠纷", "拖欠工资"), "FS-RSJ", (TOWN,),
         ("{town}某工厂拖欠我们三个月工资，老板联系不上。", "公司辞退我不给经济补偿。"),
         "劳动监察已介入，企业已于本周支付拖欠工资；经济补偿可申请劳动仲裁。"),
    Leaf(("生态环境", "大气污染", "工厂废气"), "FS-STJ", (),
         ("{town}工业区有工厂晚上偷排废气，味道刺鼻。", "{road}附近铝型材厂烟囱冒黑烟。"),
         "已对涉事企业开展夜间突击检查，责令停产整改并立案处罚。"),
    Leaf(("应急安全", "安全隐患", "消防通道堵塞"), "FS-YJJ", (TOWN,),
         ("{road}{number}号小区消防通道被车辆长期占用。", "出租屋楼道堆放大量杂物，存在火灾隐患。"),
         "已联合消防、物业清理消防通道并设置禁停标识。", urgency="safety"),
]

SUGGESTIONS = [
    Leaf(("建言献策", "城市建设", "城市建设建议"), "FS-ZJJ", (),
         ("建议在{road}增设过街天桥，方便学生上下学。", "建议老旧小区加装电梯加快审批。"),
         "感谢您的建议，已纳入下一年度城市更新项目研究。"),
    Leaf(("建言献策", "公共服务", "公共服务建议"), "FS-ZFB", (),
         ("建议12345热线增加视频客服。", "建议在{town}增加社区长者饭堂。"),
         "您的建议已转相关部门研究，部分内容已在试点推进。"),
]

ROADS = ["人民路", "建设大道", "文华北路", "季华路", "佛山大道", "汾江中路", "南海大道", "桂澜路", "德胜路",
         "碧桂路", "荷城大道", "西南大道", "岭南大道", "魁奇路", "绿景路", "东平路", "乐从大道", "容桂大道"]
CHANNELS = [("hotline_12345", 55), ("mayor_line", 10), ("hotline_12319", 8), ("wechat", 10), ("web", 7),
            ("app", 6), ("letter", 1), ("visit", 1), ("open311", 2)]
SURNAMES = ["陈李黄张梁何吴刘林罗郑谢麦冯邓周"]
KNOWLEDGE = [
    ("社保缴费记录怎么查", "可通过“粤省事”小程序、广东人社App或佛山人社网厅查询个人社保缴费记录。", "社保 缴费 查询"),
    ("租房提取住房公积金", "租房提取可在“佛山公积金”公众号在线办理，每季度可提取一次，无需提交材料。",
     "公积金 租房 提取"),
    ("新生儿入户办理", "凭出生医学证明、父母户口簿和身份证，在“粤省事”预约后到派出所办理。", "户口 入户 新生儿"),
    ("积分入学申请时间", "随迁子女积分入学一般每年3月开放申请，具体以各区教育局通知为准。", "积分入学 学位"),
    ("异地就医备案", "通过“国家医保服务平台”App或“粤医保”小程序办理备案，备案后可直接结算。", "医保 异地 备案"),
    ("个体工商户登记", "在广东政务服务网或“粤商通”全程网办，材料齐全一个工作日内办结。", "营业执照 个体户"),
    ("公交实时线路查询", "下载“佛山公交”App或关注“佛山公交”公众号查询实时到站信息。", "公交 线路"),
    ("停水停电通知查询", "计划停水见佛山水务公众号，计划停电见南方电网“95598”或“南网在线”。", "停水 停电 通知"),
    ("垃圾分类投放时间", "居民生活垃圾定时定点投放：早7:00-9:00，晚18:30-21:00。", "垃圾分类"),
    ("劳动仲裁申请", "可向用人单位所在地的劳动人事争议仲裁委员会申请，时效为一年。", "劳动仲裁 工资"),
]


class Story:
    """The demo's cast and its clock; each method moves one case one realistic step."""

    def __init__(self, *, stdout, rng: random.Random, foshan: FoshanDemo, now: dt.datetime):
        self.stdout, self.rng, self.foshan, self.now = stdout, rng, foshan, now
        users = {u.username: u for u in get_user_model().objects.all()}
        self.agent, self.dispatcher = users["agent"], users["dispatcher"]
        self.reviewer, self.callback = users["reviewer"], users["callback"]
        self.supervisor, self.leader, self.citizen = users["supervisor"], users["leader"], users["citizen"]
        self.handlers: dict[int, object] = {users["handler"].memberships.get().unit_id: users["handler"]}
        self.towns = list(Region.objects.filter(level=RegionLevel.TOWN).select_related("parent"))
        self.communities: dict[int, list[Region]] = {}
        for community in Region.objects.filter(level=RegionLevel.COMMUNITY):
            self.communities.setdefault(community.parent_id, []).append(community)
        self.units = {u.code: u for u in Unit.objects.all()}
        self.leaves: dict[str, Category] = {}
        self.articles: dict[str, KnowledgeArticle] = {}
        self.stats = {"cases": 0, "closed": 0, "open": 0}
        self.password_hash = make_password(DEMO_PASSWORD)

    # --- the cast -------------------------------------------------------------------------------
    def handler_for(self, unit: Unit):
        """Each unit that gets cases has a handler (password DEMO_PASSWORD; hashed once for speed)."""
        if unit.pk not in self.handlers:
            suffix = unit.code.removeprefix("FS-").lower()
            user = user_create(username=f"h_{suffix}", password=None, check_password=False,
                               display_name=f"{unit.short_name or unit.name}承办人")
            user.password = self.password_hash
            user.save(update_fields=["password"])
            membership_grant(user=user, role=Role.UNIT_HANDLER, unit=unit)
            self.handlers[unit.pk] = user
        return self.handlers[unit.pk]

    # --- reference data ----------------------------------------------------------------------------
    def build_taxonomy(self) -> None:
        codes: dict[str, Category] = {}
        for group, leaves in (("1", INQUIRIES), ("2", REQUESTS), ("3", SUGGESTIONS)):
            for leaf in leaves:
                parent = None
                for depth, name in enumerate(leaf.path):
                    key = "/".join(leaf.path[: depth + 1])
                    if key not in codes:
                        siblings = sum(1 for k in codes if k.count("/") == depth and k.startswith(
                            "/".join(leaf.path[:depth])))
                        code = (parent.code if parent else group) + f"{siblings + 1:02d}"
                        codes[key] = services.category_create(code=code, name=name, parent=parent)
                    parent = codes[key]
                self.leaves[leaf.path[2]] = parent

    def build_catalogue(self) -> None:
        for leaf in INQUIRIES + REQUESTS + SUGGESTIONS:
            category = self.leaves[leaf.path[2]]
            assists = [self.units[c] for c in leaf.assists if c != TOWN]
            if leaf.lead == TOWN:
                for town in self.towns:
                    office = self.foshan.town_office[town.pk]
                    services.catalogue_set(actor=self.dispatcher, category=category, region=town, lead_unit=office,
                                           assist_units=assists)
            elif isinstance(leaf.lead, tuple):
                for code in leaf.lead:
                    services.catalogue_set(actor=self.dispatcher, category=category, region=None,
                                           lead_unit=self.units[code], note="两个部门均有职责，由派单员判断")
            else:
                services.catalogue_set(actor=self.dispatcher, category=category, region=None,
                                       lead_unit=self.units[leaf.lead], assist_units=assists)

    def build_knowledge(self) -> None:
        categories = [self.leaves[leaf.path[2]] for leaf in INQUIRIES]
        for index, (title, body, keywords) in enumerate(KNOWLEDGE):
            category = categories[index] if index < len(categories) else None
            article = services.knowledge_save(actor=self.agent, title=title, body=body, category=category,
                                              keywords=keywords)
            if category is not None:
                self.articles[category.name] = article

    # --- one case ------------------------------------------------------------------------------------
    def text(self, leaf: Leaf, town: Region) -> str:
        template = self.rng.choice(leaf.texts)
        road, road2 = self.rng.sample(ROADS, 2)
        return template.format(road=road, road2=road2, number=self.rng.randint(1, 300), town=town.name,
                               district=town.parent.name, month=f"{self.rng.randint(1, 10)}月")

    def mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(10_000_000, 99_999_999)}"

    def later(self, moment: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        moment = moment + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        local = timezone.localtime(moment)
        if local.hour < 8:  # offices open at 8
            moment += dt.timedelta(hours=8 - local.hour)
        elif local.hour >= 20:
            moment += dt.timedelta(hours=32 - local.hour)
        return moment

    def case(self, registered: dt.datetime) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.70:
            kind, leaf = Kind.INQUIRY, rng.choice(INQUIRIES)
        elif roll < 0.993:
            kind, leaf = rng.choice([Kind.REQUEST] * 5 + [Kind.COMPLAINT] * 4 + [Kind.REPORT]), rng.choice(REQUESTS)
        else:
            kind, leaf = Kind.SUGGESTION, rng.choice(SUGGESTIONS)
        town = rng.choice(self.towns)
        region = rng.choice(self.communities.get(town.pk) or [town])
        channel = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]
        by_citizen = channel == "web" and rng.random() < 0.2
        # urgency is the centre's call; a citizen's own case carries the account's name and mobile
        urgent = bool(leaf.urgency) and kind != Kind.INQUIRY and rng.random() < 0.25 and not by_citizen
        answer_now = ""
        article = None
        if kind == Kind.INQUIRY and rng.random() < 0.86:
            article = self.articles.get(leaf.path[2])
            answer_now = leaf.answer
        appeal = services.appeal_register(
            actor=self.citizen if by_citizen else self.agent, kind=kind, channel=channel,
            category=self.leaves[leaf.path[2]], region=region, content=self.text(leaf, town),
            address=f"{town.parent.name}{town.name}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
            caller_name="" if by_citizen else f"{rng.choice(SURNAMES)}{rng.choice(['先生', '女士'])}",
            caller_mobile="" if by_citizen else self.mobile(),
            anonymous=rng.random() < 0.03 and not by_citizen, urgent=urgent, urgency=leaf.urgency if urgent else "",
            at=registered, answer_at_intake=answer_now, article=article,
            auto_dispatch=rng.random() < 0.5)  # half routed by the catalogue, half by a dispatcher
        self.stats["cases"] += 1
        if appeal.state == State.CLOSED:
            self.stats["closed"] += 1
            return
        self.lifecycle(appeal, leaf, town)

    def lifecycle(self, appeal: Appeal, leaf: Leaf, town: Region) -> None:
        rng, now = self.rng, self.now
        moment = appeal.registered_at
        if appeal.state == State.REGISTERED:
            moment = self.later(moment, 0.2, 3 if not appeal.urgent else 0.5)
            if moment > now or (self.recent(appeal.registered_at, 30) and rng.random() < 0.6):
                return self.still_open()  # the dispatcher has not got to it yet
            if rng.random() < 0.02:
                parent = Appeal.objects.filter(category=appeal.category, state__in=[State.DISPATCHED, State.HANDLING],
                                               registered_at__lt=appeal.registered_at).order_by("-id").first()
                if parent is not None:
                    services.appeal_merge(actor=self.dispatcher, appeal=appeal, parent=parent, at=moment,
                                          reason="同一事项重复来电")
                    return self.still_open()
            lead = self.lead_unit(leaf, town)
            assists = [self.units[c] if c != TOWN else self.foshan.town_office[town.pk] for c in leaf.assists]
            assists = [u for u in assists if u.pk != lead.pk]
            appeal = services.appeal_dispatch(actor=self.dispatcher, appeal=appeal, lead_unit=lead,
                                              assist_units=assists, at=moment)
        lead_leg = self.lead_leg(appeal)
        # a return now and then (wrong unit), decided by the dispatcher
        if rng.random() < 0.06 and not appeal.designated:
            moment = self.later(moment, 1, 20)
            if moment > now:
                return self.still_open()
            services.leg_return(actor=self.handler_for(lead_leg.unit), leg=lead_leg, at=moment,
                                reason="该事项不属于本单位职责范围", legal_basis="《佛山市政府部门权责清单》")
            moment = self.later(moment, 0.5, 8)
            if moment > now or self.recent(moment, 24):
                return self.still_open()  # the return waits for the dispatcher
            if rng.random() < 0.7:
                other = self.foshan.town_office[town.pk] if lead_leg.unit.kind != "town_office" \
                    else self.units["FS-CGJ"]
                services.return_decide(actor=self.dispatcher, appeal=appeal, accept=True, lead_unit=other,
                                       reason="按属地原则改派", at=moment)
            else:
                services.return_decide(actor=self.dispatcher, appeal=appeal, accept=False, at=moment,
                                       reason="经核对权责清单，该事项属你单位职责")
            lead_leg = self.lead_leg(appeal)
        handler = self.handler_for(lead_leg.unit)
        # signing: most within the clock, some late
        moment = self.later(moment, 0.3, 6 if rng.random() < 0.9 else 40)
        if appeal.urgent:
            moment = min(moment, lead_leg.dispatched_at + dt.timedelta(hours=rng.uniform(0.2, 3)))
        if moment > now:
            return self.still_open()
        services.leg_sign(actor=handler, leg=lead_leg, at=moment)
        for assist in DispatchLeg.objects.filter(appeal=appeal, role=LegRole.ASSIST, state=LegState.PENDING):
            sign_at = self.later(moment, 0.5, 10)
            if sign_at < now:
                services.leg_sign(actor=self.handler_for(assist.unit), leg=assist, at=sign_at)
                input_at = self.later(sign_at, 2, 48)
                if input_at < now:
                    services.leg_note(actor=self.handler_for(assist.unit), leg=assist, at=input_at,
                                      text=f"{assist.unit.short_name or assist.unit.name}已配合现场核查，情况属实。")
        if rng.random() < 0.3:
            note_at = self.later(moment, 1, 30)
            if note_at < now:
                services.leg_note(actor=handler, leg=lead_leg, text="已安排工作人员现场核查。", at=note_at)
        # the time the unit needs: mostly inside the clock, a few late
        allowed = (lead_leg.handle_due_at - moment).total_seconds() / 3600
        share = rng.uniform(0.1, 0.9) if rng.random() < 0.93 else rng.uniform(1.05, 1.6)
        answer_at = self.later(moment, allowed * share * 0.9, allowed * share)
        if rng.random() < (0.05 if not self.recent(moment, 120) else 0.3) and not appeal.urgent:
            ask_at = self.later(moment, 2, max(3, allowed * 0.6))
            if ask_at < now:
                request = services.extension_request(actor=handler, leg=lead_leg, days=rng.choice([3, 5, 10]),
                                                     reason="需协调多个部门现场处置，申请延期", at=ask_at)
                decide_at = self.later(ask_at, 1, 20)
                if decide_at < now and not self.recent(ask_at, 48):
                    approve = rng.random() < 0.8
                    services.extension_decide(actor=self.dispatcher, request=request, approve=approve, at=decide_at,
                                              note="" if approve else "时限内应可办结")
                    if approve:
                        answer_at += dt.timedelta(days=request.days)
        elif rng.random() < 0.02 and not appeal.urgent:
            ask_at = self.later(moment, 2, 24)
            if ask_at < now:
                request = services.suspension_request(actor=handler, leg=lead_leg, at=ask_at,
                                                      reason="需等待司法鉴定结果")
                decide_at = self.later(ask_at, 1, 12)
                if decide_at > now:
                    return self.still_open()
                services.suspension_decide(actor=self.dispatcher, request=request, approve=True, at=decide_at)
                resume_at = self.later(decide_at, 48, 200)
                if resume_at > now:
                    return self.still_open()
                services.suspension_resume(actor=self.dispatcher, appeal=appeal, at=resume_at, note="鉴定结果已出")
                answer_at = max(answer_at, resume_at) + dt.timedelta(hours=rng.uniform(4, 60))
        if answer_at > now:
            if rng.random() < 0.4 and appeal.due_at < now:
                services.supervision_issue(actor=self.supervisor, appeal=appeal, kind="urge",
                                           instructions="请加快办理并于今日内答复。", at=min(now, appeal.due_at
                                                                                     + dt.timedelta(hours=2)))
            return self.still_open()
        lead_leg = self.lead_leg(appeal)
        services.appeal_answer(actor=handler, leg=lead_leg, text=leaf.answer, at=answer_at)
        # review, sometimes sent back once
        review_at = self.later(answer_at, 0.3, 20)
        if review_at > now:
            return self.still_open()
        if appeal.kind == Kind.SUGGESTION:
            outcome = rng.choices(SuggestionOutcome.values, weights=[2, 5, 3])[0]
            services.suggestion_close(actor=self.reviewer, appeal=appeal, outcome=outcome, note=leaf.answer,
                                      at=review_at)
            self.stats["closed"] += 1
            return None
        if rng.random() < 0.05:
            services.answer_review(actor=self.reviewer, appeal=appeal, passed=False, at=review_at,
                                   reason="答复未说明处理结果，请补充。")
            again = self.later(review_at, 4, 40)
            if again > now:
                return self.still_open()
            services.appeal_answer(actor=handler, leg=self.lead_leg(appeal), at=again,
                                   text=leaf.answer + "经复查，问题已解决。")
            review_at = self.later(again, 0.3, 10)
            if review_at > now:
                return self.still_open()
        appeal = services.answer_review(actor=self.reviewer, appeal=appeal, passed=True, at=review_at)
        if appeal.state == State.CLOSED:
            self.stats["closed"] += 1
            return None
        return self.callbacks(appeal, review_at, leaf, handler)

    def callbacks(self, appeal: Appeal, moment: dt.datetime, leaf: Leaf, handler) -> None:
        rng, now = self.rng, self.now
        for _attempt in range(3):
            moment = self.later(moment, 1, 30)
            if moment > now:
                return self.still_open()
            if rng.random() < 0.08:
                appeal = services.callback_record(actor=self.callback, appeal=appeal, reached=False, at=moment,
                                                  comment="无人接听")
                if appeal.state == State.CLOSED:
                    self.stats["closed"] += 1
                    return None
                continue
            roll = rng.random()
            if roll < 0.90:
                satisfaction, resolved, reason = "satisfied", rng.random() < 0.97, ""
            elif roll < 0.97:
                satisfaction, resolved, reason = "basically_satisfied", rng.random() < 0.8, ""
            else:
                satisfaction, resolved, reason = "dissatisfied", False, rng.choice(["unit", "other"])
            appeal = services.callback_record(actor=self.callback, appeal=appeal, reached=True,
                                              satisfaction=satisfaction, resolved=resolved,
                                              dissatisfied_reason=reason, at=moment,
                                              comment="市民认为问题未解决" if satisfaction == "dissatisfied"
                                              else "市民表示认可")
            if appeal.state == State.HANDLING:  # redo
                redo_at = self.later(moment, 24, 120)
                if redo_at > now:
                    return self.still_open()
                services.appeal_answer(actor=handler, leg=self.lead_leg(appeal), at=redo_at,
                                       text="重办：已再次到场处置，" + leaf.answer)
                review_at = self.later(redo_at, 0.5, 10)
                if review_at > now:
                    return self.still_open()
                appeal = services.answer_review(actor=self.reviewer, appeal=appeal, passed=True, at=review_at)
                moment = review_at
                continue
            self.stats["closed"] += 1
            return None
        return self.still_open()

    def recent(self, moment: dt.datetime, hours: float) -> bool:
        return self.now - moment < dt.timedelta(hours=hours)

    def still_open(self) -> None:
        self.stats["open"] += 1

    def lead_unit(self, leaf: Leaf, town: Region) -> Unit:
        if leaf.lead == TOWN:
            return self.foshan.town_office[town.pk]
        if isinstance(leaf.lead, tuple):
            return self.units[self.rng.choice(leaf.lead)]
        return self.units[leaf.lead]

    @staticmethod
    def lead_leg(appeal: Appeal) -> DispatchLeg:
        return DispatchLeg.objects.filter(appeal=appeal, role=LegRole.LEAD).order_by("-id").first()


def _registration_times(rng: random.Random, *, count: int, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Calls through the day (busier 9–12 and 14–18), fewer at weekends, sorted."""
    span = (end - start).total_seconds()
    times = []
    while len(times) < count:
        moment = start + dt.timedelta(seconds=rng.uniform(0, span))
        local = timezone.localtime(moment)
        weight = 1.0 if local.weekday() < 5 else 0.55
        weight *= 1.0 if 9 <= local.hour < 12 or 14 <= local.hour < 18 else (0.45 if 7 <= local.hour < 22 else 0.05)
        if rng.random() < weight:
            times.append(moment)
    return sorted(times)


def load(*, stdout, rng: random.Random, scale: str, foshan: FoshanDemo) -> None:
    now = timezone.now()
    story = Story(stdout=stdout, rng=rng, foshan=foshan, now=now)
    units = foshan.units_by_code
    demo_account(foshan, username="handler2", display_name="陈承办", role=Role.UNIT_HANDLER,
                 unit=units["FS-ZJJ"])
    zumiao = next(t for t in foshan.towns if t.name == "祖庙街道")
    demo_account(foshan, username="handler_zumiao", display_name="梁承办", role=Role.UNIT_HANDLER,
                 unit=foshan.town_office[zumiao.pk])
    demo_account(foshan, username="dispatcher_shunde", display_name="罗派单", role=Role.DISPATCHER,
                 region=next(d for d in foshan.districts if d.name == "顺德区"))
    for user in get_user_model().objects.filter(username__in=["handler2", "handler_zumiao"]):
        story.handlers[user.memberships.get().unit_id] = user
    story.build_taxonomy()
    story.build_catalogue()
    story.build_knowledge()
    count, days = (300, 45) if scale == "small" else (2500, 120)
    times = _registration_times(rng, count=count, start=now - dt.timedelta(days=days), end=now)
    # One transaction per hundred cases (each service still nests its own): far fewer commits.
    for first in range(0, len(times), 100):
        with transaction.atomic():
            for moment in times[first:first + 100]:
                story.case(moment)
    marked = services.deadlines_mark(now=now)
    # A few leader instructions and supervision orders on what is overdue now.
    overdue = list(Appeal.objects.filter(state__in=[State.HANDLING, State.DISPATCHED], due_at__lt=now)[:6])
    for appeal in overdue[:3]:
        services.supervision_issue(actor=story.supervisor, appeal=appeal, kind="supervise",
                                   instructions="已超期，请单位负责人督促办理并书面报告。", at=now)
    for appeal in overdue[3:5]:
        services.leader_instruct(actor=story.leader, appeal=appeal, at=now,
                                 text="请相关部门高度重视，尽快解决群众诉求。")
    pending = LegRequest.objects.filter(state=RequestState.PENDING).count()
    # The cases were registered with past times (which real intake never does): roll their days up now
    # rather than on the periodic task's first run.
    rolled = metrics_rollup_refresh(now=now)
    stdout.write(f"  appeals: {story.stats['cases']} cases ({story.stats['closed']} closed, "
                 f"{story.stats['open']} open), {len(story.handlers)} unit handlers, "
                 f"{marked['breached']} breaches and {marked['warned']} warnings marked, {pending} pending requests, "
                 f"{rolled['days']} days of metrics rolled up")
