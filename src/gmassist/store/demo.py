"""A realistic demo store in Chinese and English: every module, a few confidential items.

`populate(store, size)` writes about `size` records with bulk inserts (100k in seconds), all relative to
the store's clock, from a fixed random seed so the same time gives the same store.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from gmassist.domain.board import CRISIS_RESPONSE
from gmassist.store import crypto
from gmassist.store.models import (
    Board,
    BoardColumn,
    BoardContact,
    BoardLog,
    Card,
    CheckIn,
    ChecklistItem,
    Department,
    Document,
    Event,
    FollowUp,
    Item,
    Organisation,
    Person,
    PrepItem,
    RoutingStep,
    Tag,
    new_id,
    table_name,
)
from gmassist.store.store import Store

ZONE = "Asia/Shanghai"

DEPARTMENTS = [
    "销售部",
    "研发部",
    "财务部",
    "人力资源部",
    "市场部",
    "行政部",
    "Legal",
    "International Business",
]
PEOPLE = [
    ("张伟", "财务总监", 2),
    ("李娜", "销售经理", 0),
    ("王磊", "研发总监", 1),
    ("刘洋", "人力资源经理", 3),
    ("陈静", "市场经理", 4),
    ("杨帆", "行政主管", 5),
    ("Emma Schmidt", "Legal Counsel", 6),
    ("David Chen", "Head of International Business", 7),
    ("赵敏", "总经理", 5),
    ("孙强", "销售代表", 0),
]
ORGANISATIONS = ["华东建设集团", "Siemens AG", "市发改委", "招商银行", "Acme Logistics"]
EVENT_TITLES = [
    ("meeting", "经营分析会"),
    ("meeting", "与财务总监讨论并购方案"),
    ("meeting", "Board prep"),
    ("visit", "拜访华东建设集团"),
    ("inspection", "工厂安全检查"),
    ("meeting", "Weekly staff meeting"),
    ("meeting", "预算评审"),
    ("focus", "Focus: Q4 strategy memo"),
    ("meeting", "Client call: Siemens"),
    ("personal", "体检"),
]
DOC_TITLES = [
    ("report", "关于2026年第三季度经营情况的报告"),
    ("contract", "华东建设集团框架合同（草案）"),
    ("letter", "Letter of intent: Acme Logistics"),
    ("notice", "关于年会筹备工作的通知"),
    ("email", "Re: Q4 budget assumptions"),
    ("minutes", "总经理办公会会议纪要"),
    ("report", "研发项目进度汇报"),
    ("contract", "Software licence renewal"),
]
DOC_STATES = [
    "received",
    "drafting",
    "submitted",
    "instructed",
    "routed",
    "in_progress",
    "closed",
    "archived",
]
FOLLOWUP_TITLES = [
    "提交Q4预算",
    "落实安全检查整改意见",
    "Send revised proposal to Siemens",
    "完成年会场地比选",
    "回复华东建设集团合同意见",
    "Update hiring plan for R&D",
    "整理客户满意度调查结果",
    "Prepare board pack",
]
STATUSES = ["open", "open", "in_progress", "waiting", "blocked", "done", "verified"]
CRISIS_LOG = [
    (0, 7, 50, "微博出现关于我司B-2系列产品质量的负面帖子，两小时内转发逾2000次"),
    (0, 9, 0, "成立应急小组：赵敏总经理牵头，陈静任发言人，法务与公关公司到位"),
    (0, 11, 30, "核实事实：帖子所涉为8月生产的B-2批次，该批次已于上月主动召回"),
    (0, 15, 0, "官方微博、公众号发布初步声明，承诺48小时内公布调查结果"),
    (1, 10, 0, "已向市市场监管局书面通报；前十大客户逐一电话沟通完毕"),
    (1, 16, 30, "三家媒体来电采访，均按问答口径答复，未安排专访"),
]
"""The demo crisis board's log: (days after the crisis broke, hour, minute, what happened)."""
CRISIS_CONTACTS = [
    ("陈静", "138 1762 0451", "对外口径统一由发言人发布", 4),
    ("Emma Schmidt", "+86 21 5080 1234-806", "声明稿发布前须经法务审核", 6),
    ("蓝海公关 刘经理", "139 1760 2288", "7×24小时舆情监测", None),
    ("市市场监管局 王科长", "021-6432 1100", "", None),
    ("华东建设集团 周总", "136 0172 3390", "已电话沟通，等待书面回函", None),
    ("财经日报 李晓", "186 2135 0099", "", None),
]
"""The demo crisis board's contacts, one per role of the crisis template: (name, phone, notes, index in
PEOPLE when the person is in the store)."""
CONFIDENTIAL_MARK = "【机密】"


class _Writer:
    """Collects rows per table and writes them with one executemany each."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = now
        self.rows: dict[type[Any], list[dict[str, Any]]] = {}

    def add(self, model: type[Any], **values: Any) -> str:
        if issubclass(model, Item):
            values.setdefault("id", new_id())
            values.setdefault("created", self.now)
            values.setdefault("updated", self.now)
            values.setdefault("confidential", False)
            if values["confidential"]:
                key = self.store.confidential_key()
                for name in model.__sealed__:
                    value = values.get(name)
                    if isinstance(value, str) and value:
                        values[name] = crypto.seal(key, table_name(model), name, values["id"], value)
        self.rows.setdefault(model, []).append(values)
        return str(values.get("id", ""))

    def flush(self) -> int:
        from gmassist.store.models import ALL_TABLES, table_of

        total = 0
        with self.store.engine.begin() as connection:
            for model in ALL_TABLES:
                rows = self.rows.get(model)
                if not rows:
                    continue
                columns = table_of(model).columns
                defaults = {
                    c.name: c.default.arg
                    for c in columns
                    if c.default is not None and not callable(c.default.arg)
                }
                nullable = {c.name: None for c in columns if c.nullable}
                complete = [nullable | defaults | row for row in rows]
                for start in range(0, len(complete), 5000):
                    connection.execute(insert(model), complete[start : start + 5000])
                total += len(complete)
        self.rows.clear()
        return total


def populate(store: Store, size: int = 300, seed: int = 2026) -> int:
    """Fill `store` with about `size` demo records; returns how many rows were written."""
    rng = random.Random(seed)
    now = store.clock.now()
    zone = ZoneInfo(ZONE)
    today = now.astimezone(zone).date()
    writer = _Writer(store, now)

    def local(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), zone)

    orgs = [writer.add(Organisation, name=name, kind="company") for name in ORGANISATIONS]
    depts = [writer.add(Department, name=name, organisation_id=None) for name in DEPARTMENTS]
    people = [
        writer.add(Person, name=name, title=title, department_id=depts[dept], organisation_id=None)
        for name, title, dept in PEOPLE
    ]
    people.append(
        writer.add(Person, name="周律师", title="外部法律顾问", organisation_id=orgs[0], confidential=True)
    )
    for name in ["预算", "合同", "年会", "urgent-review", "HR"]:
        writer.add(Tag, name=name)

    # The weekly staff meeting and the monthly business review, as series.
    monday = today - timedelta(days=today.weekday())
    writer.add(
        Event,
        title="周一例会 Weekly staff meeting",
        kind="meeting",
        start=local(monday - timedelta(weeks=8), 9),
        end=local(monday - timedelta(weeks=8), 10),
        start_tz=ZONE,
        end_tz=ZONE,
        location="3号会议室",
        rrule="FREQ=WEEKLY;BYDAY=MO",
    )
    first = today.replace(day=1)
    writer.add(
        Event,
        title="月度经营分析会",
        kind="meeting",
        start=local(first, 10),
        end=local(first, 12),
        start_tz=ZONE,
        end_tz=ZONE,
        location="大会议室",
        rrule="FREQ=MONTHLY;BYMONTHDAY=1",
    )
    flight = writer.add(
        Event,
        title="Flight PEK → FRA (LH723)",
        kind="travel",
        start=datetime.combine(today + timedelta(days=9), time(13, 0), zone),
        start_tz=ZONE,
        end=datetime.combine(today + timedelta(days=9), time(17, 30), ZoneInfo("Europe/Berlin")),
        end_tz="Europe/Berlin",
        location="Beijing Capital T3",
    )
    writer.add(
        Event,
        title="并购项目保密谈判",
        kind="meeting",
        start=local(today + timedelta(days=1), 15),
        end=local(today + timedelta(days=1), 17),
        location="董事会议室",
        notes="谈判底价：3.2亿",
        confidential=True,
    )

    share = max(size - 40, 0)
    n_events = max(share * 30 // 100, 12)
    n_docs = max(share * 20 // 100, 8)
    n_followups = max(share * 20 // 100, 8)
    n_checkins = max(share * 15 // 100, 8)
    n_cards = max(share * 15 // 100, 12)
    span_days = max(n_events // 6, 14)

    for i in range(n_events):
        kind, title = EVENT_TITLES[i % len(EVENT_TITLES)]
        day = today + timedelta(days=rng.randint(-span_days // 2, span_days // 2))
        start = local(day, rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 30]))
        event_id = writer.add(
            Event,
            title=title if i < len(EVENT_TITLES) else f"{title} #{i}",
            kind=kind,
            start=start,
            end=start + timedelta(minutes=rng.choice([30, 60, 90])),
            start_tz=ZONE,
            end_tz=ZONE,
            location=rng.choice(["3号会议室", "大会议室", "Room 501", "客户现场", ""]),
            confidential=rng.random() < 0.01,
        )
        if i < 12 and kind == "meeting":
            for position, (label, minutes) in enumerate(
                [
                    ("议程 Agenda", 4320),
                    ("背景材料 Background papers", 1440),
                    ("车辆与路线 Car and route", 120),
                ]
            ):
                writer.add(
                    PrepItem,
                    event_id=event_id,
                    label=label,
                    offset_minutes=minutes,
                    done=rng.random() < 0.5,
                    position=position,
                )
    writer.add(
        Event,
        title="出差法兰克福 Trip to Frankfurt",
        kind="travel",
        all_day=True,
        start=local(today + timedelta(days=9), 0),
        end=local(today + timedelta(days=13), 0),
        location="Frankfurt",
        notes=f"linked flight {flight}",
    )

    for i in range(n_docs):
        doc_type, title = DOC_TITLES[i % len(DOC_TITLES)]
        state = DOC_STATES[i % len(DOC_STATES)]
        received = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
        level = "secret" if i % 97 == 5 else rng.choice(["public", "internal", "internal"])
        doc_id = writer.add(
            Document,
            title=title if i < len(DOC_TITLES) else f"{title}（{i}）",
            number=f"总办〔2026〕{i + 1}号",
            doc_type=doc_type,
            sender=rng.choice(ORGANISATIONS + [p[0] for p in PEOPLE]),
            received=received,
            state=state,
            state_since=received + timedelta(days=1),
            holder={
                "submitted": "manager",
                "routed": DEPARTMENTS[i % 6],
                "in_progress": DEPARTMENTS[i % 6],
            }.get(state, "assistant"),
            security_level=level,
            urgency=rng.choice(["normal", "normal", "urgent", "very_urgent"]),
            reply_by=(received + timedelta(days=14)).date(),
            department_id=depts[i % len(depts)],
            confidential=level in ("confidential", "secret"),
        )
        if i < 50:
            writer.add(
                RoutingStep,
                document_id=doc_id,
                from_state="received",
                to_state=state,
                actor="assistant",
                at=received + timedelta(days=1),
            )

    followup_ids = []
    for i in range(n_followups):
        due = today + timedelta(days=rng.randint(-20, 30))
        status = STATUSES[i % len(STATUSES)]
        followup_ids.append(
            writer.add(
                FollowUp,
                title=FOLLOWUP_TITLES[i % len(FOLLOWUP_TITLES)]
                + ("" if i < len(FOLLOWUP_TITLES) else f" #{i}"),
                owner_id=people[i % len(PEOPLE)],
                department_id=depts[PEOPLE[i % len(PEOPLE)][2]],
                requested_by="总经理",
                due=due,
                next_check_in=min(due, today + timedelta(days=rng.randint(-3, 5))),
                priority=rng.choice([1, 2, 2, 3]),
                status=status,
                done_at=now - timedelta(days=rng.randint(0, 10)) if status in ("done", "verified") else None,
                confidential=i % 53 == 7,
            )
        )
    for i in range(n_checkins):
        writer.add(
            CheckIn,
            followup_id=followup_ids[i % len(followup_ids)],
            at=now - timedelta(days=rng.randint(0, 30)),
            note=rng.choice(
                ["已电话确认，本周五前提交", "Waiting for finance numbers", "已催办", "Owner on leave"]
            ),
            confidential=False,
        )

    boards = [
        ("P1", "2027年会 Annual meeting", "event"),
        ("P2", "新产品发布 New product launch", "project"),
        ("P3", "舆情应对 Crisis response", "crisis"),
    ]
    per_board = max(n_cards // len(boards), 4)
    crisis_broke = today - timedelta(days=2)
    for code, name, kind in boards:
        board_id = writer.add(
            Board,
            code=code,
            name=name,
            kind=kind,
            event_date=crisis_broke if kind == "crisis" else today + timedelta(days=50),
            next_seq=per_board + 1,
        )
        if kind == "crisis":
            for days, hour, minute, text in CRISIS_LOG:
                writer.add(
                    BoardLog,
                    board_id=board_id,
                    at=local(crisis_broke + timedelta(days), hour, minute),
                    text=text,
                )
            for position, (role, (contact, phone, notes, person)) in enumerate(
                zip(CRISIS_RESPONSE.contact_roles, CRISIS_CONTACTS, strict=True)
            ):
                writer.add(
                    BoardContact,
                    board_id=board_id,
                    role=role.zh,
                    name=contact,
                    phone=phone,
                    notes=notes,
                    person_id=None if person is None else people[person],
                    position=position,
                )
        columns = [
            writer.add(
                BoardColumn, board_id=board_id, name=label, position=pos, wip_limit=limit, is_done=done
            )
            for pos, (label, limit, done) in enumerate(
                [("To do", None, False), ("Doing", 5, False), ("Waiting", None, False), ("Done", None, True)]
            )
        ]
        for seq in range(1, per_board + 1):
            column = columns[seq % 4] if seq > 5 else columns[seq % 3]
            card_id = writer.add(
                Card,
                board_id=board_id,
                column_id=column,
                seq=seq,
                position=seq,
                title=f"{rng.choice(['预订场地', 'Send invitations', '确认节目单', 'Press release', '准备发言稿'])} {code}-{seq}",
                owner_id=rng.choice(people),
                due=today + timedelta(days=rng.randint(-10, 60)),
                labels=rng.choice(["", "vendor", "VIP", "预算"]),
            )
            if seq <= 3:
                writer.add(
                    ChecklistItem,
                    card_id=card_id,
                    text="确认报价 Get a quote",
                    due=today + timedelta(days=seq),
                )
    return writer.flush()


def demo_passphrase() -> str:
    """The passphrase of a demo store made where no keyring exists (said on screen; demo data only)."""
    return "gmassist-demo"


Progress = Callable[[str], None]
