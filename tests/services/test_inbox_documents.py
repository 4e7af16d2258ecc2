"""收文 documents: every routing transition (and refusal), instructions into follow-ups, fields and sticky
overrides, classification rules that explain themselves, drafts and versions, 密级 across the line,
export."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gmassist.domain.inbox import TRANSITIONS, Action, HolderRule, State
from gmassist.errors import InvalidInput, Locked
from gmassist.services import inbox
from gmassist.store import crypto
from gmassist.store.models import Department
from tests.conftest import NOW, PASSPHRASE


@pytest.fixture
def store(store_factory):
    store, _recovery = store_factory()
    return store


def rows(store, sql: str, **params) -> list[tuple]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def take_in(store, tmp_path: Path, name: str, content: str, **kwargs) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = inbox.ingest_file(store, path, **kwargs)
    assert result.document_id is not None, result.message
    return result.document_id


def put_in_state(store, document_id: str, state: str, holder: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            text("update document set state = :s, holder = :h where id = :id"),
            {"s": state, "h": holder, "id": document_id},
        )


# --- routing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("move", TRANSITIONS, ids=[f"{t.source.value}-{t.action.value}" for t in TRANSITIONS])
def test_every_routing_transition_records_who_when_and_why(store, tmp_path, clock, move) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "routing test")
    holder_before = "销售部" if move.source in (State.ROUTED, State.IN_PROGRESS) else "assistant"
    put_in_state(store, document_id, move.source.value, holder_before)
    clock.advance(timedelta(hours=5))
    holder = "法务部" if move.action is Action.ROUTE else None
    routed = inbox.route(store, document_id, move.action.value, comment="理由 reason", holder=holder)
    assert (routed.from_state, routed.to_state) == (move.source.value, move.target.value)
    detail = inbox.document_detail(store, document_id)
    assert detail.state == move.target.value and detail.state_since == clock.now()
    expected_holder = {
        HolderRule.ASSISTANT: "assistant",
        HolderRule.MANAGER: "manager",
        HolderRule.ARCHIVE: "archive",
        HolderRule.DEPARTMENT: holder or holder_before,
    }[move.holder]
    assert detail.holder == expected_holder
    [step] = detail.steps
    assert (step.from_state, step.to_state, step.action) == (
        move.source.value,
        move.target.value,
        move.action.value,
    )
    assert step.at == clock.now() and step.comment == "理由 reason" and step.actor


def test_illegal_moves_are_refused_with_a_reason_and_change_nothing(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "refusals")
    legal = {(t.source, t.action) for t in TRANSITIONS}
    for state in State:
        put_in_state(store, document_id, state.value, "assistant")
        for action in Action:
            if (state, action) in legal:
                continue
            with pytest.raises(InvalidInput) as refused:
                inbox.route(store, document_id, action.value, comment="x", holder="法务部")
            message = str(refused.value)
            assert "not possible" in message and "Possible now" in message, message
    assert rows(store, "select count(*) from routing_step") == [(0,)]
    put_in_state(store, document_id, "instructed", "assistant")
    with pytest.raises(InvalidInput, match="routed only after"):
        put_in_state(store, document_id, "received", "assistant")
        inbox.route(store, document_id, "route", holder="法务部")
    put_in_state(store, document_id, "submitted", "manager")
    with pytest.raises(InvalidInput, match="needs a comment"):
        inbox.route(store, document_id, "return")
    put_in_state(store, document_id, "instructed", "assistant")
    with pytest.raises(InvalidInput, match="needs the department"):
        inbox.route(store, document_id, "route")
    with pytest.raises(InvalidInput, match="unknown action"):
        inbox.route(store, document_id, "teleport")


def test_a_full_pass_and_its_history(store, tmp_path, clock) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "关于采购的请示")
    for action, kwargs in [
        ("draft_opinion", {}),
        ("submit", {}),
        ("record_instruction", {"comment": "同意。请法务部审核合同。"}),
        ("route", {"holder": "法务部"}),
        ("start", {}),
        ("close", {"comment": "已办结"}),
        ("archive", {}),
    ]:
        clock.advance(timedelta(hours=1))
        inbox.route(store, document_id, action, **kwargs)
    detail = inbox.document_detail(store, document_id)
    assert [s.action for s in detail.steps] == [
        "draft_opinion", "submit", "record_instruction", "route", "start", "close", "archive"
    ]  # fmt: skip
    assert [s.actor for s in detail.steps][2:5] == ["manager", "assistant", "法务部"]
    assert detail.state == "archived" and detail.allowed == []


def test_time_in_state_and_the_stale_flag(store, tmp_path, clock) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "waiting")
    inbox.route(store, document_id, "submit")
    clock.advance(timedelta(days=2, hours=23))
    assert not inbox.document_detail(store, document_id, stale_days=3).stale
    clock.advance(timedelta(hours=2))
    detail = inbox.document_detail(store, document_id, stale_days=3)
    assert detail.stale and detail.waited == timedelta(days=3, hours=1) and detail.holder_name == "Manager"


def test_the_instruction_becomes_linked_follow_ups(store, tmp_path) -> None:
    with store.action("dept") as session:
        legal = Department(name="法务部")
        session.add(legal)
    document_id = take_in(store, tmp_path, "a.txt", "合同")
    inbox.update_document(store, document_id, {"department_id": legal.id, "reply_by": date(2026, 12, 4)})
    inbox.route(store, document_id, "submit")
    routed = inbox.route(
        store,
        document_id,
        "record_instruction",
        comment="一、法务审核合同\n二、财务评估付款条件\n",
        make_followups=True,
    )
    assert len(routed.followup_ids) == 2
    followups = rows(
        store,
        "select title, source_kind, source_id, department_id, due, requested_by from followup order by title",
    )
    assert {f[0] for f in followups} == {"法务审核合同", "财务评估付款条件"}
    assert all(f[1:4] == ("instruction", document_id, legal.id) and f[4] == "2026-12-04" for f in followups)
    links = rows(store, "select a_kind, a_id, b_kind, relation from link")
    assert links == [("document", document_id, "followup", "source")] * 2
    # again from the recorded instruction: nothing doubled
    assert inbox.followups_from_instruction(store, document_id) == []
    assert inbox.followups_from_instruction(store, document_id, "三、行政盖章") != []
    detail = inbox.document_detail(store, document_id)
    assert sorted(link.title for link in detail.links) == ["法务审核合同", "行政盖章", "财务评估付款条件"]


def test_follow_ups_need_an_instruction(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "no instruction")
    with pytest.raises(InvalidInput, match="no recorded instruction"):
        inbox.followups_from_instruction(store, document_id)


# --- fields, tags, rules ------------------------------------------------------------------------------


def test_rules_set_values_explain_themselves_and_hand_set_values_stick(store, tmp_path) -> None:
    inbox.add_rule(
        store, "合同按标题", "合同", target_field="title", set_type="合同", set_tags=["合同", "法务"]
    )
    inbox.add_rule(store, "急件", "特急", set_urgency="very_urgent")
    document_id = take_in(store, tmp_path, "关于采购合同的请示.txt", "特急：请尽快审批")
    detail = inbox.document_detail(store, document_id)
    assert (detail.doc_type, detail.urgency, detail.tags) == ("contract", "very_urgent", ["合同", "法务"])
    reasons = {(r.field, r.value): r for r in detail.reasons}
    assert reasons[("doc_type", "contract")].rule_name == "合同按标题"
    assert reasons[("doc_type", "contract")].matched_field == "title"
    assert reasons[("urgency", "very_urgent")].matched_text == "特急"
    # the assistant overrides the type; rules keep off it from now on
    inbox.update_document(store, document_id, {"doc_type": "letter"})
    assert inbox.reclassify(store) == 0
    detail = inbox.document_detail(store, document_id)
    assert detail.doc_type == "letter" and "doc_type" in detail.overrides
    by_hand = next(r for r in detail.reasons if r.field == "doc_type")
    assert by_hand.by_hand and by_hand.rule_name == "合同按标题"
    # tags set by hand stick too
    inbox.set_tags(store, document_id, ["董事会"])
    inbox.reclassify(store)
    assert inbox.document_detail(store, document_id).tags == ["董事会"]


def test_rules_are_stored_in_order_and_can_be_switched_off(store, tmp_path) -> None:
    first = inbox.add_rule(store, "报告", "报告", set_type="report")
    inbox.add_rule(store, "all", "请示", set_type="notice")
    assert [r.name for r in inbox.list_rules(store)] == ["报告", "all"]
    inbox.set_rule_enabled(store, first, False)
    document_id = take_in(store, tmp_path, "x.txt", "关于报告的请示")
    assert inbox.document_detail(store, document_id).doc_type == "notice"
    inbox.delete_rule(store, first)
    assert [r.name for r in inbox.list_rules(store)] == ["all"]
    with pytest.raises(InvalidInput, match="invalid regular expression"):
        inbox.add_rule(store, "bad", "([", match_kind="regex", set_type="report")


def test_editing_fields(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "fields")
    changed = inbox.update_document(
        store,
        document_id,
        {
            "title": "新标题",
            "number": "总办〔2026〕9号",
            "sender": "华东建设",
            "recipients": "王总",
            "notes": "备注",
            "urgency": "加急",
        },
    )
    assert set(changed) == {"title", "number", "sender", "recipients", "notes", "urgency"}
    detail = inbox.document_detail(store, document_id)
    assert (detail.title, detail.urgency, detail.overrides) == ("新标题", "urgent", frozenset({"urgency"}))
    with pytest.raises(InvalidInput):
        inbox.update_document(store, document_id, {"title": "  "})
    with pytest.raises(InvalidInput):
        inbox.update_document(store, document_id, {"doc_type": "poem"})


# --- 密级 across the confidential line -----------------------------------------------------------------


def logged_chunk_values(store) -> list[bytes]:
    values = []
    for before, after in rows(
        store, "select before, after from change where table_name = 'attachment_chunk'"
    ):
        for raw in (before, after):
            if raw and "data" in json.loads(raw):
                values.append(base64.b64decode(json.loads(raw)["data"]))
    return values


def test_raising_the_level_seals_text_files_and_comments_and_undo_restores_them(store, tmp_path) -> None:
    plain = "CanaryLevelAlpha 金丝雀密级 " * 50_000  # two chunks
    document_id = take_in(store, tmp_path, "a.txt", plain)
    inbox.route(store, document_id, "draft_opinion", comment="CanaryStepComment")
    inbox.update_document(store, document_id, {"security_level": "confidential"})
    detail = inbox.document_detail(store, document_id)
    assert detail.confidential and detail.title == "a" and len(detail.files) == 1
    for table, column in [
        ("document", "title"),
        ("document", "body_text"),
        ("routing_step", "comment"),
        ("attachment", "name"),
    ]:
        [(value,)] = rows(store, f"select {column} from {table}")
        assert crypto.is_sealed(value), (table, column)
    chunks = rows(store, "select data from attachment_chunk order by seq")
    assert len(chunks) == 2 and all(b"CanaryLevelAlpha" not in data for (data,) in chunks)
    # the undo log keeps the old chunks, but only sealed
    logged = logged_chunk_values(store)
    assert len(logged) == 2 and all(value.startswith(crypto.LOGGED_CHUNK_MARK) for value in logged)
    assert all(b"CanaryLevelAlpha" not in value for value in logged)
    assert b"".join(inbox.iter_chunks(store, detail.files[0].id)) == plain.encode()
    # found again as a duplicate, under the confidential key now
    again = inbox.ingest_file(store, tmp_path / "a.txt")
    assert again.status == "duplicate" and again.document_id == document_id
    # undo puts the plain file back, byte for byte
    assert store.undo() == "inbox.edit"
    detail = inbox.document_detail(store, document_id)
    assert not detail.confidential and detail.security_level == "internal"
    assert b"".join(inbox.iter_chunks(store, detail.files[0].id)) == plain.encode()
    assert (
        b"".join(bytes(data) for (data,) in rows(store, "select data from attachment_chunk order by seq"))
        == plain.encode()
    )
    assert [s.comment for s in detail.steps] == ["CanaryStepComment"]


def test_undo_of_a_raised_level_needs_the_key(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "plain then sealed")
    inbox.update_document(store, document_id, {"security_level": "secret"})
    store.lock_confidential()
    with pytest.raises(Locked):
        store.undo()
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert store.undo() == "inbox.edit"


def test_lowering_the_level_opens_the_file(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "s.txt", "sealed first", level="secret")
    inbox.update_document(store, document_id, {"security_level": "public"})
    [(data,)] = rows(store, "select data from attachment_chunk")
    assert bytes(data) == b"sealed first"
    assert store.undo() == "inbox.edit"
    [(data,)] = rows(store, "select data from attachment_chunk")
    assert b"sealed first" not in bytes(data)
    detail = inbox.document_detail(store, document_id)
    assert b"".join(inbox.iter_chunks(store, detail.files[0].id)) == b"sealed first"


def test_confidential_documents_need_the_key_to_change(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "s.txt", "secret", level="confidential")
    store.lock_confidential()
    with pytest.raises(Locked):
        inbox.update_document(store, document_id, {"notes": "x"})
    detail = inbox.document_detail(store, document_id)
    assert detail.masked and "confidential" in detail.title
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert inbox.update_document(store, document_id, {"notes": "x"}) == ["notes"]


# --- drafts ----------------------------------------------------------------------------------------------


def test_drafts_keep_their_versions_and_go_through_review(store, clock) -> None:
    first = inbox.create_draft(store, "关于年会的通知", "# 通知\n\n初稿")
    clock.advance(timedelta(minutes=5))
    second = inbox.revise_draft(store, first, "# 通知\n\n二稿")
    detail = inbox.document_detail(store, second)
    assert (detail.version, detail.parent_id, detail.state, detail.mime) == (
        2,
        first,
        "drafting",
        "text/markdown",
    )
    assert [v for _i, v in detail.versions] == [1, 2]
    assert (
        inbox.read_text(store, first) == "# 通知\n\n初稿"
        and inbox.read_text(store, second) == "# 通知\n\n二稿"
    )
    assert [d["id"] for d in inbox.search(store, "")] == [second]  # the list shows the latest version
    with pytest.raises(InvalidInput, match="not the latest"):
        inbox.revise_draft(store, first, "from the old one")
    inbox.route(store, second, "submit")
    inbox.route(store, second, "return", comment="请补充预算")
    third = inbox.revise_draft(store, second, "# 通知\n\n三稿，已补充预算")
    assert inbox.document_detail(store, third).state == "drafting"
    with pytest.raises(InvalidInput, match="needs a title"):
        inbox.create_draft(store, " ", "text")


def test_a_confidential_draft_is_sealed(store) -> None:
    document_id = inbox.create_draft(store, "CanaryDraftTitle", "CanaryDraftBody", level="secret")
    for value in rows(store, "select title, body_text from document")[0]:
        assert crypto.is_sealed(value)
    [(data,)] = rows(store, "select data from attachment_chunk")
    assert b"CanaryDraftBody" not in data
    assert inbox.read_text(store, document_id) == "CanaryDraftBody"


# --- export ------------------------------------------------------------------------------------------------


def test_export_writes_a_private_copy_and_never_overwrites_by_accident(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "原件.txt", "导出的内容")
    out = tmp_path / "out"
    out.mkdir()
    path = inbox.export_document(store, document_id, out)
    assert path == out / "原件.txt" and path.read_text(encoding="utf-8") == "导出的内容"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(InvalidInput, match="exists already"):
        inbox.export_document(store, document_id, path)
    inbox.export_document(store, document_id, path, overwrite=True)
    assert not list(out.glob("*.part"))


def test_ids_are_found_by_their_prefix(store, tmp_path) -> None:
    document_id = take_in(store, tmp_path, "a.txt", "prefix")
    assert inbox.resolve_id(store, document_id[:8]) == document_id
    with pytest.raises(InvalidInput):
        inbox.resolve_id(store, "zz")
    with pytest.raises(InvalidInput, match="no document"):
        inbox.resolve_id(store, "ffffffff")
    assert NOW is not None


# --- links -----------------------------------------------------------------------------------------------


def test_links_to_events_and_cards_are_found_by_title_and_shown(store, tmp_path, clock) -> None:
    from gmassist.store.models import Event

    with store.action("events") as session:
        board_meeting = Event(title="董事会 Board meeting", start=NOW, end=NOW + timedelta(hours=2))
        secret = Event(title="并购谈判", start=NOW, end=NOW + timedelta(hours=1), confidential=True)
        session.add_all([board_meeting, secret])
    document_id = take_in(store, tmp_path, "a.txt", "board papers")
    assert inbox.find_linkable(store, "event", "board") == [(board_meeting.id, "董事会 Board meeting")]
    assert [t for _i, t in inbox.find_linkable(store, "event", "并购")] == ["并购谈判"]  # unlocked
    store.lock_confidential()
    assert inbox.find_linkable(store, "event", "并购") == []
    assert [t for _i, t in inbox.find_linkable(store, "event")] == ["董事会 Board meeting"]
    first = inbox.link(store, document_id, "event", board_meeting.id)
    assert inbox.link(store, document_id, "event", board_meeting.id) == first  # linked once
    links = inbox.document_detail(store, document_id).links
    assert [(link.kind, link.title, link.relation) for link in links] == [
        ("event", "董事会 Board meeting", "related")
    ]
    with pytest.raises(InvalidInput):
        inbox.link(store, document_id, "event", "no-such-event")
    with pytest.raises(InvalidInput):
        inbox.find_linkable(store, "person")


def test_the_history_names_departments(store, tmp_path) -> None:
    with store.action("dept") as session:
        legal = Department(name="法务部")
        session.add(legal)
    document_id = take_in(store, tmp_path, "a.txt", "history")
    inbox.route(store, document_id, "submit")
    inbox.route(store, document_id, "record_instruction", comment="转法务")
    inbox.route(store, document_id, "route", holder=legal.id)
    detail = inbox.document_detail(store, document_id)
    assert [s.holder for s in detail.steps] == ["Manager", "Assistant", "法务部"]
    assert (detail.holder, detail.holder_name) == (legal.id, "法务部")
