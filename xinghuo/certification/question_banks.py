# ruff: noqa: E501 — question texts are data: one string per line reads better than split ones.
"""The platform's question banks (B2), in Chinese, and their loader.

Sources for the rules the questions test: GB/T 3608-2008《高处作业分级》, JGJ 80-2016《建筑施工
高处作业安全技术规范》, GB 6095-2021《坠落防护 安全带》, 原国家安监总局令第30号《特种作业人员
安全技术培训考核管理规定》, 国家电网《电力安全工作规程》, and common operator practice for mobile
generators at base stations (中国铁塔/运营商油机发电作业指导).

Loaded by the data migration `0002_question_banks` and by `manage.py certification_load_banks`;
loading is idempotent (rows keyed by code) and does not touch banks or questions an operator
added. `answer` holds the indices of the right choices; true/false questions have the
choices ["正确", "错误"].
"""

from __future__ import annotations

from typing import Any

TF = ["正确", "错误"]
T, F = [0], [1]

HEIGHT_QUESTIONS: list[dict[str, Any]] = [
    {
        "code": "h01",
        "kind": "single",
        "text": "按照 GB/T 3608《高处作业分级》，高处作业是指在坠落高度基准面多少米及以上、有可能坠落的高处进行的作业？",
        "choices": ["1.5 米", "2 米", "3 米", "5 米"],
        "answer": [1],
        "explanation": "GB/T 3608-2008 规定：在距坠落高度基准面 2 m 或 2 m 以上有可能坠落的高处进行的作业称为高处作业。",
    },
    {
        "code": "h02",
        "kind": "single",
        "text": "作业高度为 8 米的高处作业，按 GB/T 3608 属于哪一级？",
        "choices": [
            "一级（2～5 米）",
            "二级（5～15 米）",
            "三级（15～30 米）",
            "特级（30 米以上）",
        ],
        "answer": [1],
        "explanation": "高处作业按作业高度分级：2～5 m 为一级，5～15 m 为二级，15～30 m 为三级，30 m 以上为特级。8 m 属二级。",
    },
    {
        "code": "h03",
        "kind": "single",
        "text": "使用安全带时，正确的挂设方式是：",
        "choices": ["低挂高用", "高挂低用", "与腰部平挂", "挂在身边任意可抓握处即可"],
        "answer": [1],
        "explanation": "安全带应高挂低用，挂点高于作业面，可缩短坠落距离、减小冲击力；低挂高用会使坠落距离和冲击力成倍增加。",
    },
    {
        "code": "h04",
        "kind": "single",
        "text": "遇到几级及以上强风时，应停止露天攀登与悬空高处作业？",
        "choices": ["四级", "五级", "六级", "八级"],
        "answer": [2],
        "explanation": "JGJ 80 规定：遇有六级及以上强风、浓雾、沙尘暴等恶劣气候，不得进行露天攀登与悬空高处作业。雷雨天气同样严禁登塔。",
    },
    {
        "code": "h05",
        "kind": "single",
        "text": "特种作业操作证（高处作业）的有效期和复审周期是：",
        "choices": [
            "有效期 3 年，每年复审",
            "有效期 6 年，每 3 年复审 1 次",
            "有效期 10 年，不需复审",
            "长期有效",
        ],
        "answer": [1],
        "explanation": "根据《特种作业人员安全技术培训考核管理规定》，特种作业操作证有效期为 6 年，每 3 年复审 1 次；未按期复审的证书失效，不得上岗。",
    },
    {
        "code": "h06",
        "kind": "multiple",
        "text": "下列哪些人员不得从事高处作业？（多选）",
        "choices": [
            "患有高血压、心脏病的人员",
            "患有癫痫病、恐高症的人员",
            "酒后人员",
            "持有效登高证且体检合格的人员",
        ],
        "answer": [0, 1, 2],
        "explanation": "凡患有高血压、心脏病、癫痫病、恐高症等不适合高处作业病症的人员，以及酒后、过度疲劳、精神不佳者，均不得从事高处作业。持证且体检合格者可以作业。",
    },
    {
        "code": "h07",
        "kind": "multiple",
        "text": "安全带使用前应检查哪些内容？（多选）",
        "choices": [
            "织带有无破损、霉变、烧伤",
            "金属配件有无裂纹、变形，卡扣是否灵活可靠",
            "缝线有无脱开",
            "颜色是否与工装一致",
        ],
        "answer": [0, 1, 2],
        "explanation": "安全带每次使用前应外观检查：织带无割伤、磨损、霉变、灼伤；金属件无裂纹、锈蚀、变形，锁扣动作可靠；缝线无断裂。发现任一缺陷立即停用。颜色与安全无关。",
    },
    {
        "code": "h08",
        "kind": "multiple",
        "text": "在通信铁塔上作业时，下列做法正确的有：（多选）",
        "choices": [
            "攀登时使用防坠器或双钩安全绳，始终保持至少一个挂点",
            "工具和材料用绳索或工具袋传递",
            "作业点正下方设置警戒区，无关人员不得进入",
            "为节省时间，小工具可以直接向下抛掷",
        ],
        "answer": [0, 1, 2],
        "explanation": "铁塔作业须全程不失挂（双钩交替或使用防坠器）；工具材料用绳索、工具袋传递；下方设警戒区防物体打击。严禁上下抛掷工具材料。",
    },
    {
        "code": "h09",
        "kind": "single",
        "text": "使用直梯登高时，梯子与地面的夹角以多少度左右为宜？",
        "choices": ["约 30°", "约 45°", "约 60°", "约 85°"],
        "answer": [2],
        "explanation": "《电力安全工作规程》要求梯子与地面的斜角度约为 60°。角度过小梯脚易滑移，过大易向后倾翻；梯脚应有防滑措施并有人扶持。",
    },
    {
        "code": "h10",
        "kind": "true_false",
        "text": "安全带的挂点可以选在移动的物体或不牢固的构件上，只要离作业点近就行。",
        "choices": TF,
        "answer": F,
        "explanation": "错误。安全带必须挂在牢固可靠、能承受冲击力的构件上，严禁挂在移动、带尖锐棱角或不牢固的物件上。",
    },
    {
        "code": "h11",
        "kind": "true_false",
        "text": "进入高处作业现场必须正确佩戴安全帽，并系好下颏带。",
        "choices": TF,
        "answer": T,
        "explanation": "正确。安全帽未系下颏带时，人员坠落或被撞击时帽子容易脱落而失去保护作用。",
    },
    {
        "code": "h12",
        "kind": "true_false",
        "text": "雷雨天气时，只要穿好绝缘鞋就可以继续在铁塔上作业。",
        "choices": TF,
        "answer": F,
        "explanation": "错误。铁塔是雷击的高发点，雷雨天气严禁登塔作业，已在塔上的人员应立即撤离至安全区域。绝缘鞋不能防雷击。",
    },
    {
        "code": "h13",
        "kind": "true_false",
        "text": "高处作业人员的工具应放在工具袋内，较大工具应系保险绳，防止坠落伤人。",
        "choices": TF,
        "answer": T,
        "explanation": "正确。高处坠物是物体打击事故的主要原因，工具入袋、大工具系防坠绳是基本要求。",
    },
    {
        "code": "h14",
        "kind": "single",
        "text": "发现同伴从高处坠落并悬挂在安全带上时，首先应当：",
        "choices": [
            "立即剪断安全带让其落地",
            "立即报告并启动救援，尽快将其转移到安全位置，避免长时间悬吊",
            "等待其自行恢复后爬上来",
            "先拍照留存再处理",
        ],
        "answer": [1],
        "explanation": "坠落后长时间悬吊在安全带上可能引起悬吊创伤（血液循环受阻），应立即报告、按预案组织救援，尽快把人转移到安全位置并进行急救。",
    },
    {
        "code": "h15",
        "kind": "multiple",
        "text": "登塔作业前必须完成的准备工作有：（多选）",
        "choices": [
            "检查塔体爬梯、护圈及防坠导轨是否完好",
            "确认天气条件满足作业要求",
            "检查安全帽、安全带、防坠器等防护用品",
            "作业负责人交代作业内容和安全措施",
        ],
        "answer": [0, 1, 2, 3],
        "explanation": "登塔前应检查塔体和攀爬设施、确认天气、检查个人防护用品，并由作业负责人进行安全技术交底，四项缺一不可。",
    },
    {
        "code": "h16",
        "kind": "single",
        "text": "新购安全带在正常使用条件下，一般使用多长时间后应进行抽样检验？",
        "choices": ["半年", "1 年", "2 年", "从不需要检验"],
        "answer": [2],
        "explanation": "按照安全带使用与检验的通行要求，安全带使用 2 年后应按批次抽样检验，合格方可继续使用；受过冲击的安全带应立即报废。",
    },
]

GENERATOR_QUESTIONS: list[dict[str, Any]] = [
    {
        "code": "g01",
        "kind": "single",
        "text": "基站市电停电后接入移动油机，接线前首先应当：",
        "choices": [
            "直接把油机电缆接到配电箱上",
            "断开市电输入总开关，确认切换开关在油机侧，防止油机向市电线路反送电",
            "先启动油机再接线",
            "先打开空调",
        ],
        "answer": [1],
        "explanation": "必须先断开市电输入开关（或将切换开关置于油机侧），防止油机电倒送至市电线路造成外线检修人员触电，也防止来电时市电与油机冲突损坏设备。",
    },
    {
        "code": "g02",
        "kind": "multiple",
        "text": "油机启动前应检查哪些项目？（多选）",
        "choices": ["机油油位", "燃油油量", "冷却液液位（水冷机组）", "启动蓄电池电压及接线"],
        "answer": [0, 1, 2, 3],
        "explanation": "启动前检查“油、水、电”：机油、燃油、冷却液和启动电池，均正常方可启动，避免拉缸、启动失败或中途停机。",
    },
    {
        "code": "g03",
        "kind": "single",
        "text": "油机启动后，正确的带载方法是：",
        "choices": [
            "启动后立即满负荷带载",
            "空载运行预热数分钟，输出电压、频率稳定后再逐步带载",
            "先带载再启动",
            "不需要观察仪表，直接带载",
        ],
        "answer": [1],
        "explanation": "柴油机启动后应空载运行约 3～5 分钟预热，待电压（380 V/220 V）、频率（50 Hz）稳定后再合闸带载，并分级加载。",
    },
    {
        "code": "g04",
        "kind": "single",
        "text": "我国低压交流油机的额定输出频率为：",
        "choices": ["40 Hz", "50 Hz", "60 Hz", "100 Hz"],
        "answer": [1],
        "explanation": "我国电网频率为 50 Hz，油机输出频率应与之一致，偏离过大会损坏开关电源、空调等设备。",
    },
    {
        "code": "g05",
        "kind": "true_false",
        "text": "油机运行中燃油不足时，可以不停机直接加油以保证供电不中断。",
        "choices": TF,
        "answer": F,
        "explanation": "错误。油机运行时排气管和机体温度很高，加油溅出的燃油可能起火，必须停机冷却后再加油，且现场严禁烟火。",
    },
    {
        "code": "g06",
        "kind": "true_false",
        "text": "油机不得在密闭的机房或室内运行，排气口不得朝向人员和易燃物。",
        "choices": TF,
        "answer": T,
        "explanation": "正确。油机尾气含一氧化碳，密闭空间运行可致人中毒；排气高温，朝向易燃物易引发火灾。油机应放在通风良好的室外。",
    },
    {
        "code": "g07",
        "kind": "true_false",
        "text": "移动油机的外壳应可靠接地。",
        "choices": TF,
        "answer": T,
        "explanation": "正确。外壳接地可在绝缘损坏漏电时将故障电流导入大地，防止人员触电。",
    },
    {
        "code": "g08",
        "kind": "single",
        "text": "三相油机接入后发现空调压缩机反转，最可能的原因是：",
        "choices": ["油机频率过高", "相序接错", "燃油标号不对", "蓄电池电压低"],
        "answer": [1],
        "explanation": "相序接反会使三相电动机（空调压缩机、风机等）反转，损坏设备。接入三相油机前后应核对相序，必要时对调任意两相。",
    },
    {
        "code": "g09",
        "kind": "single",
        "text": "市电恢复后，正确的倒换顺序是：",
        "choices": [
            "直接合上市电开关，再关油机",
            "先断开油机输出开关，再合上市电输入开关，油机空载运行几分钟后停机",
            "先关油机，再慢慢等市电自己接上",
            "油机和市电同时合闸",
        ],
        "answer": [1],
        "explanation": "必须先断开油机输出，再合市电，严禁两路电源并接；油机卸载后空载运行约 3～5 分钟冷却再停机，保护增压器和机体。",
    },
    {
        "code": "g10",
        "kind": "single",
        "text": "油机附近的燃油着火，应使用下列哪种灭火器材？",
        "choices": ["水", "干粉灭火器或二氧化碳灭火器", "湿毛巾", "泡沫塑料"],
        "answer": [1],
        "explanation": "油类火灾不能用水扑救（油浮于水面会扩大火势），且现场有带电设备；应使用干粉或二氧化碳灭火器，必要时先切断电源。",
    },
    {
        "code": "g11",
        "kind": "multiple",
        "text": "油机发电过程中应记录的内容有：（多选）",
        "choices": ["发电开始和结束时间", "输出电压、电流、频率", "燃油消耗量", "站址编号"],
        "answer": [0, 1, 2, 3],
        "explanation": "发电记录是油机费用结算和故障追溯的依据，应记录站址、起止时间、电气参数和油耗。",
    },
    {
        "code": "g12",
        "kind": "single",
        "text": "为保证油机可靠运行，长期带载的负荷一般宜控制在额定功率的：",
        "choices": ["30% 以下", "80% 左右及以内", "100%", "120%"],
        "answer": [1],
        "explanation": "长期满载或过载运行会使机组过热、寿命缩短甚至停机；负荷过低则燃烧不充分易积碳。一般宜控制在额定功率的 80% 左右以内。",
    },
    {
        "code": "g13",
        "kind": "single",
        "text": "通信基站开关电源的直流输出标称电压为：",
        "choices": ["+12 V", "+24 V", "-48 V", "220 V"],
        "answer": [2],
        "explanation": "通信设备普遍采用 -48 V 直流供电，市电或油机的交流电经开关电源整流为 -48 V，同时为蓄电池组充电。",
    },
    {
        "code": "g14",
        "kind": "multiple",
        "text": "市电停电后，基站蓄电池的放电时间取决于：（多选）",
        "choices": ["蓄电池组容量", "基站直流负载大小", "蓄电池健康状况（老化程度）", "油机的颜色"],
        "answer": [0, 1, 2],
        "explanation": "后备时间≈可用容量÷负载电流，电池老化会使实际容量下降。油机应在电池放电至保护电压（一次下电）之前到站发电。",
    },
    {
        "code": "g15",
        "kind": "true_false",
        "text": "柴油机组可以临时加入汽油代替柴油使用。",
        "choices": TF,
        "answer": F,
        "explanation": "错误。柴油机靠压燃，汽油燃点低、润滑性差，混加会导致爆燃、喷油泵损坏甚至起火。必须使用规定标号的柴油。",
    },
    {
        "code": "g16",
        "kind": "true_false",
        "text": "油机接线和拆线时，应确认油机输出开关已断开，并佩戴绝缘手套。",
        "choices": TF,
        "answer": T,
        "explanation": "正确。带电接拆线可能引起触电或弧光短路；应断开输出、验电后操作，并使用绝缘防护用品。",
    },
]

BANKS: list[dict[str, Any]] = [
    {
        "code": "work-at-height-safety",
        "name": "登高作业安全",
        "skill_code": "work_at_height",
        "description": "高处作业分级、安全带与防坠器使用、铁塔攀登、恶劣天气与禁忌人员。",
        "questions": HEIGHT_QUESTIONS,
        "exam": {
            "code": "work-at-height-theory",
            "title": "登高作业安全理论考试",
            "question_count": 10,
            "time_limit_minutes": 15,
            "pass_percent": 80,
            "certificate_valid_days": 730,
        },
    },
    {
        "code": "generator-operation",
        "name": "油机发电操作",
        "skill_code": "generator",
        "description": "移动油机接入、启停与带载、市电倒换、安全防火与发电记录。",
        "questions": GENERATOR_QUESTIONS,
        "exam": {
            "code": "generator-theory",
            "title": "油机发电操作理论考试",
            "question_count": 10,
            "time_limit_minutes": 15,
            "pass_percent": 80,
            "certificate_valid_days": 730,
        },
    },
]


def check_question(q: dict[str, Any]) -> None:
    """Raise ValueError when a question's answer does not fit its kind and choices."""
    choices, answer = q["choices"], q["answer"]
    if sorted(set(answer)) != answer or not answer:
        raise ValueError(f"{q['code']}: answer must be sorted, distinct, non-empty")
    if any(not 0 <= i < len(choices) for i in answer):
        raise ValueError(f"{q['code']}: answer index out of range")
    if q["kind"] == "true_false" and (choices != TF or len(answer) != 1):
        raise ValueError(f"{q['code']}: true/false takes the choices 正确/错误 and one answer")
    if q["kind"] == "single" and len(answer) != 1:
        raise ValueError(f"{q['code']}: single choice takes one answer")
    if q["kind"] == "multiple" and len(choices) < 3:
        raise ValueError(f"{q['code']}: multiple choice needs at least three choices")


def load_banks(*, skill_model: Any, bank_model: Any, question_model: Any, exam_model: Any) -> int:
    """Create or update the banks, questions and exams above; returns the questions written.

    Takes the model classes so the data migration can pass its historical models. A bank
    whose skill is missing (an operator deleted it) is skipped.
    """
    written = 0
    for spec in BANKS:
        skill = skill_model.objects.filter(code=spec["skill_code"]).first()
        if skill is None:
            continue
        bank, _created = bank_model.objects.update_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "skill": skill, "description": spec["description"]},
        )
        for q in spec["questions"]:
            check_question(q)
            question_model.objects.update_or_create(
                bank=bank,
                code=q["code"],
                defaults={
                    "kind": q["kind"],
                    "text": q["text"],
                    "choices": q["choices"],
                    "answer": q["answer"],
                    "explanation": q["explanation"],
                },
            )
            written += 1
        exam = dict(spec["exam"])
        exam_model.objects.update_or_create(code=exam.pop("code"), defaults={**exam, "bank": bank})
    return written
