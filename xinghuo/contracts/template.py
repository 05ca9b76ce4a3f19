"""Agreement templates as code: the text a worker signs, versioned.

A template never changes once a worker has signed it: a new text is a new version (add
it to TEMPLATES and point CURRENT at it); an agreement keeps the version it was made
from, so its PDF can be explained years later. Every character of every template must
be in the shipped font subset (see fonts/README.md; a test checks it).

`{placeholders}` are filled by `pdf.render_agreement` from `AgreementParties`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clause:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class AgreementTemplate:
    """协议模板 — one version of the platform's service agreement with a worker."""

    version: str
    title: str
    preamble: tuple[str, ...]
    clauses: tuple[Clause, ...]
    closing: tuple[str, ...]

    def all_text(self) -> str:
        parts = [self.title, *self.preamble, *self.closing]
        for clause in self.clauses:
            parts.append(clause.heading)
            parts.extend(clause.paragraphs)
        return "\n".join(parts)


FLEX_SERVICE_2026_1 = AgreementTemplate(
    version="2026.1",
    title="灵活用工服务协议",
    preamble=(
        "甲方（平台）：{platform_name}",
        "乙方（服务人员）：{worker_name}",
        "乙方身份证号码：{id_number}",
        "乙方手机号码：{phone}",
        "用工单位：{employer_name}",
        "协议编号：{agreement_number}　　模板版本：{template_version}　　生成日期：{date}",
        "鉴于甲方运营“星火”通信外场作业服务平台（以下简称“平台”），为通信运营商、铁塔公司、"
        "代维及工程企业（以下简称“用工单位”）与具备相应技能的个人服务人员提供需求对接、任务派发、"
        "结算及税费代扣代缴等服务；乙方自愿通过平台承接通信基站巡检、故障处理、油机发电、"
        "设备安装调测等外场作业任务。双方依据《中华人民共和国民法典》及相关法律法规，"
        "在平等自愿、协商一致的基础上，订立本协议，共同遵守。",
    ),
    clauses=(
        Clause(
            "第一条　服务内容与合作方式",
            (
                "1.1　乙方通过平台自主选择并承接用工单位发布的作业任务，"
                "按任务约定的时间、地点、技术标准完成作业并提交交付成果（现场照片、巡检记录等）。",
                "1.2　双方确认，本协议为民事服务合作关系，不构成劳动关系或劳务派遣关系。"
                "乙方可自主决定是否承接任务，并自行安排工作时间，但一经承接，应按约定履行。",
                "1.3　乙方承诺向平台提交的身份信息、技能证书、健康证明等资料真实、有效；"
                "资料失效或发生变化的，应在三日内更新。",
            ),
        ),
        Clause(
            "第二条　服务费用、结算与税费代扣",
            (
                "2.1　每项任务的服务费用以任务发布时载明的金额为准，"
                "经用工单位验收合格后，由平台向乙方结算。",
                "2.2　乙方委托甲方依照《中华人民共和国个人所得税法》及税务机关的规定，"
                "就乙方取得的劳务报酬所得代扣代缴个人所得税，并代为办理相关申报。"
                "甲方向乙方支付的金额为扣除应缴税款后的净额，乙方可在平台查询每笔收入及代扣税款明细。",
                "2.3　结算款项支付至乙方在平台绑定的本人银行卡或支付宝账户。"
                "因乙方提供的收款信息错误导致的损失，由乙方自行承担。",
                "2.4　任务未通过验收的，用工单位应说明理由；"
                "乙方可在平台申请复核，复核期间相关款项暂不结算。",
            ),
        ),
        Clause(
            "第三条　安全生产",
            (
                "3.1　乙方应严格遵守国家及行业安全生产规定和用工单位的现场安全管理要求，"
                "正确佩戴、使用安全帽、安全带、绝缘手套等劳动防护用品。",
                "3.2　登高作业、电工作业等特种作业，乙方须持有有效的特种作业操作证，"
                "未持证或证书过期的，不得承接相关任务；"
                "遇雷雨、大风（六级及以上）等恶劣天气，不得进行登高作业。",
                "3.3　油机发电作业应选择通风良好的场所，远离易燃物品，严禁在密闭空间内运行发电机；"
                "严禁带电违规操作，严禁酒后作业、疲劳作业。",
                "3.4　乙方发现安全隐患或发生事故时，应立即停止作业，"
                "采取必要措施并及时通过平台报告用工单位及甲方。",
            ),
        ),
        Clause(
            "第四条　保险保障",
            (
                "4.1　甲方为乙方在平台承接任务期间投保意外伤害保险（含意外医疗），"
                "保险责任、保险金额以保险单载明为准。",
                "4.2　乙方在作业中发生意外的，应在二十四小时内通过平台报案并配合提供理赔材料；"
                "甲方协助乙方办理理赔。",
            ),
        ),
        Clause(
            "第五条　保密与个人信息保护",
            (
                "5.1　乙方对作业中知悉的站址位置、机房门禁密码、网络设备配置、"
                "用工单位的经营信息等负有保密义务，不得向任何第三方披露或用于任务以外的目的；"
                "本条义务在协议终止后继续有效。",
                "5.2　甲方依照《中华人民共和国个人信息保护法》处理乙方的个人信息，"
                "仅用于身份核验、任务派发、结算及税费申报等目的，"
                "并采取加密存储、访问审计等安全措施。",
            ),
        ),
        Clause(
            "第六条　协议期限与终止",
            (
                "6.1　本协议自乙方在平台确认签署之日起生效，有效期一年；"
                "期满前双方均未提出异议的，自动续期一年，续期次数不限。",
                "6.2　乙方可随时申请终止本协议，但应完成已承接的任务或妥善交接。",
                "6.3　乙方提供虚假资料、严重违反安全生产规定或泄露保密信息的，"
                "甲方有权暂停派单或解除本协议，并依法追究相应责任。",
                "6.4　协议终止不影响双方对终止前已完成任务的结算义务。",
            ),
        ),
        Clause(
            "第七条　争议解决",
            (
                "7.1　本协议的订立、履行及解释适用中华人民共和国法律。",
                "7.2　因本协议引起的争议，双方应友好协商解决；"
                "协商不成的，任何一方均可向甲方住所地有管辖权的人民法院提起诉讼。",
            ),
        ),
        Clause(
            "第八条　其他",
            (
                "8.1　乙方通过平台勾选同意并确认签署本协议，与书面签字具有同等法律效力。"
                "甲方以平台电子签名对本协议文件进行签署，"
                "并保存签署人、签署时间、网络地址、设备信息等签署证据。",
                "8.2　本协议文件经电子签名后的任何改动都将使签名验证失败；"
                "乙方可随时在平台下载本协议并验证签名。",
            ),
        ),
    ),
    closing=(
        "甲方（电子签章）：{platform_name}",
        "乙方（确认签署）：{worker_name}",
        "签署日期：以电子签名时间为准",
    ),
)

TEMPLATES: dict[str, AgreementTemplate] = {FLEX_SERVICE_2026_1.version: FLEX_SERVICE_2026_1}
CURRENT = FLEX_SERVICE_2026_1


def template_for(version: str) -> AgreementTemplate:
    return TEMPLATES[version]
