"""The templates every city starts with (seeded by the 0003 migration; administrators edit them after).

Each names only what the recipient needs to recognise the matter and act: the case number and query
code, a date, a link. Never a name, an address or what the case is about — a text message is read by
whoever holds the phone.
"""

from .choices import Channel

APPEAL_RECEIPT = "appeal_receipt"
APPEAL_ANSWERED = "appeal_answered"
APPEAL_CALLBACK_SURVEY = "appeal_callback_survey"
APPEAL_MERGED = "appeal_merged"
HOTSPOT_PROJECT_DONE = "hotspot_project_done"
ONE_TIME_CODE = "one_time_code"
FUNDS_NOTICE = "funds_notice"
PROJECT_NOTICE = "project_notice"

# (code, channel, name, subject, body)
DEFAULT_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (APPEAL_RECEIPT, Channel.SMS, "诉求受理回执", "",
     "您的诉求已受理，编号{case_number}，查询码{query_code}，承诺在{due_date}前答复。"
     "凭编号和查询码可随时查询办理进度。"),
    (APPEAL_RECEIPT, Channel.SITE, "诉求受理回执", "诉求已受理：{case_number}",
     "您的诉求已受理，编号{case_number}，查询码{query_code}，承诺在{due_date}前答复。"),
    (APPEAL_RECEIPT, Channel.EMAIL, "诉求受理回执", "您的诉求已受理（编号{case_number}）",
     "您好：\n\n您的诉求已受理，编号{case_number}，查询码{query_code}，承诺在{due_date}前答复。\n"
     "凭编号和查询码可随时查询办理进度。\n\n此邮件由系统自动发送，请勿直接回复。"),
    (APPEAL_ANSWERED, Channel.SMS, "诉求已答复", "",
     "您的诉求{case_number}已有答复，请点击 {rate_url} 查看并评价。"),
    (APPEAL_ANSWERED, Channel.SITE, "诉求已答复", "诉求已答复：{case_number}",
     "您的诉求{case_number}已有答复，请点击 {rate_url} 查看并评价。"),
    (APPEAL_ANSWERED, Channel.EMAIL, "诉求已答复", "您的诉求已有答复（编号{case_number}）",
     "您好：\n\n您的诉求{case_number}已有答复，请打开以下链接查看并评价：\n{rate_url}\n\n"
     "此邮件由系统自动发送，请勿直接回复。"),
    (APPEAL_CALLBACK_SURVEY, Channel.SMS, "回访满意度调查", "",
     "您的诉求{case_number}已办结，请点击 {survey_url} 对办理情况作出评价，感谢您的支持。"),
    (APPEAL_CALLBACK_SURVEY, Channel.SITE, "回访满意度调查", "请评价诉求办理情况：{case_number}",
     "您的诉求{case_number}已办结，请点击 {survey_url} 对办理情况作出评价。"),
    (APPEAL_CALLBACK_SURVEY, Channel.EMAIL, "回访满意度调查", "请评价诉求办理情况（编号{case_number}）",
     "您好：\n\n您的诉求{case_number}已办结，请打开以下链接对办理情况作出评价：\n{survey_url}\n\n"
     "此邮件由系统自动发送，请勿直接回复。"),
    (APPEAL_MERGED, Channel.SMS, "诉求并案办理", "",
     "您的诉求{case_number}与{merged_into}反映同一问题，已合并办理，请以{merged_into}查询进度。"),
    (APPEAL_MERGED, Channel.SITE, "诉求并案办理", "诉求已并案办理：{case_number}",
     "您的诉求{case_number}与{merged_into}反映同一问题，已合并办理，请以{merged_into}查询进度。"),
    (APPEAL_MERGED, Channel.EMAIL, "诉求并案办理", "您的诉求已并案办理（编号{case_number}）",
     "您好：\n\n您的诉求{case_number}与{merged_into}反映同一问题，已合并办理，请以{merged_into}查询进度。\n\n"
     "此邮件由系统自动发送，请勿直接回复。"),
    (HOTSPOT_PROJECT_DONE, Channel.SMS, "热点问题办结告知", "",
     "您反映的问题（编号{case_number}）已列入民生实事项目“{project_name}”，该项目现已完成，详情见 {project_url}"),
    (HOTSPOT_PROJECT_DONE, Channel.SITE, "热点问题办结告知", "民生实事项目已完成：{project_name}",
     "您反映的问题（编号{case_number}）已列入民生实事项目“{project_name}”，该项目现已完成，详情见 {project_url}"),
    (HOTSPOT_PROJECT_DONE, Channel.EMAIL, "热点问题办结告知", "您反映的问题所在项目已完成（编号{case_number}）",
     "您好：\n\n您反映的问题（编号{case_number}）已列入民生实事项目“{project_name}”，该项目现已完成。\n"
     "详情：{project_url}\n\n此邮件由系统自动发送，请勿直接回复。"),
    (FUNDS_NOTICE, Channel.SITE, "政策资金通知", "{notice_kind}：{policy_name}",
     "您企业在“{policy_name}”（{period}）项下有一条{notice_kind}，请打开 {url} 查看详情。"),
    (FUNDS_NOTICE, Channel.SMS, "政策资金通知", "",
     "您企业在“{policy_name}”（{period}）项下有一条{notice_kind}，请登录扶持通查看详情。"),
    (PROJECT_NOTICE, Channel.SITE, "民生实事项目提醒", "民生实事项目{project_code}：{notice_kind}",
     "您单位牵头的民生实事项目{project_code}：{notice_kind}。请打开 {url} 查看并及时处理。"),
    (ONE_TIME_CODE, Channel.SMS, "短信验证码", "",
     "验证码{code}，{minutes}分钟内有效。请勿将验证码告诉他人；如非本人操作，请忽略本短信。"),
]


def templates_seed(template_model) -> int:
    """Create the default templates that are missing (never overwrite an administrator's edit)."""
    created = 0
    for code, channel, name, subject, body in DEFAULT_TEMPLATES:
        _row, made = template_model.objects.get_or_create(
            code=code, channel=str(channel), defaults={"name": name, "subject": subject, "body": body})
        created += made
    return created
