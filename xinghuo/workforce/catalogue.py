"""The platform's default roles (MISSION C3) and skill catalogue (C4).

Used by the data migration that creates them, and by nothing else: after that
the rows are data an operator may edit.
"""

DEFAULT_ROLES: list[tuple[str, str, str]] = [
    # code, Chinese name, English name
    ("daily_maintenance", "日常维护人员", "Daily maintenance"),
    ("power_generation", "发电人员", "Power generation"),
    ("construction", "专业施工人员", "Construction"),
    ("repair", "专业修理人员", "Repair"),
    ("property_liaison", "物业维系人员", "Property liaison"),
    ("monitoring", "监控人员", "Monitoring"),
    ("station_head", "维护站站长", "Maintenance station head"),
]

# code, Chinese name, English name, requires certification, description
DEFAULT_SKILLS: list[tuple[str, str, str, bool, str]] = [
    ("work_at_height", "登高作业", "Work at height", True, "持特种作业操作证(高处作业)"),
    ("electrician", "电工作业", "Electrical work", True, "持特种作业操作证(低压/高压电工)"),
    ("power_operation", "电源操作", "Power system operation", True, "开关电源、UPS、配电切换"),
    ("welding", "焊接", "Welding", True, "持特种作业操作证(熔化焊接与热切割)"),
    ("generator", "油机发电", "Generator operation", True, "移动油机接入与发电保障"),
    (
        "env_monitoring",
        "动环监控",
        "Power & environment monitoring",
        False,
        "动力环境监控系统告警处理",
    ),
    ("fiber_splicing", "光缆熔接", "Fibre splicing", False, "光缆接续、熔接与测试"),
    ("tower_maintenance", "铁塔维护", "Tower maintenance", True, "铁塔巡检、紧固与防腐"),
    ("bts_maintenance", "基站维护", "Base station maintenance", False, "基站设备巡检与故障处理"),
    ("air_conditioning", "空调维护", "Air-conditioning maintenance", True, "持制冷与空调作业证"),
    ("battery_maintenance", "蓄电池维护", "Battery maintenance", False, "蓄电池核容、更换"),
    ("driving", "驾驶", "Driving", True, "持有效机动车驾驶证"),
]
