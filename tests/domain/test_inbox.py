"""Tests of the inbox's domain rules: routing, waiting, codes, classification, digests and search."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dateutil import tz
from hypothesis import given, settings
from hypothesis import strategies as st

from gmassist.domain import inbox
from gmassist.domain.inbox import (
    ASSISTANT,
    MANAGER,
    TRANSITIONS,
    Action,
    DocType,
    IllegalTransition,
    MatchKind,
    Rule,
    RuleField,
    SearchQuery,
    SearchSyntaxError,
    SecurityLevel,
    State,
    Step,
    Urgency,
    WaitingOn,
    action_for,
    allowed_actions,
    classify,
    content_digest,
    format_overrides,
    is_waiting_too_long,
    parse_doc_type,
    parse_overrides,
    parse_search_query,
    parse_security_level,
    parse_state_word,
    parse_urgency,
    stale_documents,
    time_in_state,
    transition,
    waiting_on,
)

SHANGHAI = tz.gettz("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 9, 30, tzinfo=SHANGHAI)
SALES = "dept-sales"
LEGAL = "dept-legal"


@dataclass
class Doc:
    """A stand-in for a `Document` row: only the attributes the domain reads."""

    state: str = "received"
    holder: str = ASSISTANT
    state_since: datetime = NOW
    title: str = ""
    sender: str = ""
    body_text: str = ""

    def apply(self, step: Step) -> Doc:
        values = step.document_fields()
        return replace(self, state=str(values["state"]), holder=str(values["holder"]), state_since=step.at)


# --- the transition table ---------------------------------------------------------------------------------

# The specification, written out independently of the module: (from, action, to, holder after).
EXPECTED = {
    ("received", "draft_opinion", "drafting", ASSISTANT),
    ("received", "submit", "submitted", MANAGER),
    ("received", "close", "closed", ASSISTANT),
    ("drafting", "submit", "submitted", MANAGER),
    ("drafting", "close", "closed", ASSISTANT),
    ("submitted", "record_instruction", "instructed", ASSISTANT),
    ("submitted", "return", "returned", ASSISTANT),
    ("submitted", "withdraw", "withdrawn", ASSISTANT),
    ("instructed", "route", "routed", "department"),
    ("instructed", "submit", "submitted", MANAGER),
    ("instructed", "close", "closed", ASSISTANT),
    ("routed", "start", "in_progress", "department"),
    ("routed", "route", "routed", "department"),
    ("routed", "close", "closed", ASSISTANT),
    ("routed", "return", "returned", ASSISTANT),
    ("routed", "withdraw", "withdrawn", ASSISTANT),
    ("in_progress", "close", "closed", ASSISTANT),
    ("in_progress", "route", "routed", "department"),
    ("in_progress", "return", "returned", ASSISTANT),
    ("in_progress", "withdraw", "withdrawn", ASSISTANT),
    ("returned", "draft_opinion", "drafting", ASSISTANT),
    ("returned", "submit", "submitted", MANAGER),
    ("returned", "close", "closed", ASSISTANT),
    ("withdrawn", "draft_opinion", "drafting", ASSISTANT),
    ("withdrawn", "submit", "submitted", MANAGER),
    ("withdrawn", "close", "closed", ASSISTANT),
    ("closed", "archive", "archived", "archive"),
    ("closed", "reopen", "received", ASSISTANT),
}
NEEDS_COMMENT = {"record_instruction", "return", "withdraw", "reopen"}


def test_the_table_is_the_specification() -> None:
    assert {(t.source.value, t.action.value, t.target.value, t.holder.value) for t in TRANSITIONS} == EXPECTED
    assert {t.action.value for t in TRANSITIONS if t.needs_comment} == NEEDS_COMMENT


def _call(source: str, action: str, **extra: str) -> Step:
    comment = "请销售部牵头办理" if action in NEEDS_COMMENT else ""
    holder = SALES if action in ("route", "start") else None
    if source == "routed" and action == "route":
        holder = LEGAL
    kwargs: dict[str, Any] = {"actor": "王秘书", "now": NOW, "comment": comment, "holder": holder}
    kwargs.update(extra)
    return transition(Doc(state=source, holder=SALES), action, **kwargs)


@pytest.mark.parametrize(("source", "action", "target", "holder"), sorted(EXPECTED))
def test_every_legal_transition(source: str, action: str, target: str, holder: str) -> None:
    step = _call(source, action)
    assert (step.from_state, step.action, step.to_state) == (source, action, target)
    expected_holder = {"department": LEGAL if (source, action) == ("routed", "route") else SALES}.get(
        holder, holder
    )
    assert step.holder == expected_holder
    assert step.actor == "王秘书"
    assert step.at == NOW
    assert step.document_fields() == {"state": target, "holder": expected_holder, "state_since": NOW}
    assert step.routing_step_fields()["from_state"] == source
    assert action in allowed_actions(source)


ILLEGAL = sorted(
    {(s.value, a.value) for s in State for a in Action}
    - {(source, action) for source, action, _, _ in EXPECTED}
)


@pytest.mark.parametrize(("source", "action"), ILLEGAL)
def test_every_other_pair_is_refused(source: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        _call(source, action)
    assert caught.value.code == "illegal_transition"
    assert caught.value.state == source
    assert caught.value.action == action
    assert f"Cannot {action} a document in state '{source}'" in str(caught.value)


@pytest.mark.parametrize(
    ("source", "action", "reason"),
    [
        ("received", "archive", "only a closed (办结) document can be archived"),
        ("in_progress", "archive", "only a closed (办结) document can be archived"),
        ("received", "record_instruction", "an instruction can only be recorded on a document submitted"),
        ("instructed", "record_instruction", "submitted to the manager"),
        ("submitted", "route", "only after the manager's instruction is recorded"),
        ("received", "start", "only on a document routed to a department"),
        ("archived", "reopen", "an archived one is final"),
        ("archived", "close", "Allowed now: none (the document is final)"),
        ("received", "withdraw", "allowed only from: submitted, routed, in_progress"),
        ("submitted", "close", "Allowed now: record_instruction, return, withdraw"),
    ],
)
def test_refusals_explain_themselves(source: str, action: str, reason: str) -> None:
    with pytest.raises(IllegalTransition, match="Cannot") as caught:
        _call(source, action)
    assert reason in caught.value.reason


def test_illegal_transition_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        transition("received", "archive", actor="me", now=NOW)


def test_unknown_state_and_action() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("lost", "submit", actor="me", now=NOW)
    assert caught.value.code == "unknown_state"
    assert "'lost'" in str(caught.value)
    with pytest.raises(IllegalTransition) as caught:
        transition("received", "shred", actor="me", now=NOW)
    assert caught.value.code == "unknown_action"
    assert "draft_opinion" in str(caught.value)
    with pytest.raises(IllegalTransition):
        allowed_actions("lost")


@pytest.mark.parametrize("action", sorted(NEEDS_COMMENT))
@pytest.mark.parametrize("comment", ["", "   "])
def test_comment_required(action: str, comment: str) -> None:
    source = {
        "record_instruction": "submitted",
        "return": "submitted",
        "withdraw": "routed",
        "reopen": "closed",
    }
    with pytest.raises(IllegalTransition) as caught:
        transition(source[action], action, actor="me", now=NOW, comment=comment)
    assert caught.value.code == "comment_required"


def test_instruction_text_is_the_comment() -> None:
    step = transition(
        "submitted", "record_instruction", actor="王秘书", now=NOW, comment="  同意，请法务部审核。 "
    )
    assert step.comment == "同意，请法务部审核。"
    assert step.holder == ASSISTANT


def test_route_needs_a_department() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("instructed", "route", actor="me", now=NOW)
    assert caught.value.code == "holder_required"
    for reserved in (ASSISTANT, MANAGER, "archive"):
        with pytest.raises(IllegalTransition) as caught:
            transition("instructed", "route", actor="me", now=NOW, holder=reserved)
        assert caught.value.code == "holder_invalid"


def test_reroute_to_the_same_department_is_refused() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(Doc(state="routed", holder=SALES), "route", actor="me", now=NOW, holder=SALES)
    assert caught.value.code == "same_holder"


def test_start_keeps_the_department_of_the_document() -> None:
    assert transition(Doc(state="routed", holder=SALES), "start", actor="me", now=NOW).holder == SALES
    assert (
        transition(Doc(state="routed", holder=SALES), "start", actor="me", now=NOW, holder=LEGAL).holder
        == LEGAL
    )
    with pytest.raises(IllegalTransition) as caught:
        transition("routed", "start", actor="me", now=NOW)  # a bare state does not say which department
    assert caught.value.code == "holder_required"


def test_fixed_holders_cannot_be_overridden() -> None:
    assert transition("received", "submit", actor="me", now=NOW, holder=MANAGER).holder == MANAGER
    with pytest.raises(IllegalTransition) as caught:
        transition("received", "submit", actor="me", now=NOW, holder=SALES)
    assert caught.value.code == "holder_fixed"


def test_actor_and_aware_time_required() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("received", "submit", actor=" ", now=NOW)
    assert caught.value.code == "actor_required"
    with pytest.raises(ValueError, match="tz-aware") as naive:
        transition("received", "submit", actor="me", now=datetime(2026, 11, 16, 9, 30))
    assert not isinstance(naive.value, IllegalTransition)


def test_a_document_s_whole_life() -> None:
    doc = Doc(state_since=NOW - timedelta(days=1))
    moves = [
        ("draft_opinion", None, "", ASSISTANT),
        ("submit", None, "", MANAGER),
        ("record_instruction", None, "同意。请销售部办理。", ASSISTANT),
        ("route", SALES, "", SALES),
        ("start", None, "", SALES),
        ("close", None, "已办结", ASSISTANT),
        ("archive", None, "", "archive"),
    ]
    for minutes, (action, holder, comment, expect_holder) in enumerate(moves):
        at = NOW + timedelta(minutes=minutes)
        step = transition(doc, action, actor="王秘书", now=at, comment=comment, holder=holder)
        doc = doc.apply(step)
        assert doc.holder == expect_holder
        assert doc.state_since == at
        assert action_for(step.from_state, step.to_state) == step.action
    assert doc.state == "archived"
    assert allowed_actions("archived") == []


def test_allowed_actions_in_menu_order() -> None:
    assert allowed_actions("received") == ["draft_opinion", "submit", "close"]
    assert allowed_actions("submitted") == ["record_instruction", "return", "withdraw"]
    assert allowed_actions("closed") == ["archive", "reopen"]


def test_each_state_pair_names_one_action() -> None:
    pairs = [(t.source, t.target) for t in TRANSITIONS]
    assert len(pairs) == len(set(pairs))
    assert action_for("closed", "received") is Action.REOPEN
    assert action_for("archived", "received") is None


def test_step_fields_match_the_store_tables() -> None:
    from gmassist.store.models import Document, RoutingStep

    step = transition("received", "submit", actor="me", now=NOW)
    assert set(step.routing_step_fields()) <= set(RoutingStep.model_fields)
    assert set(step.document_fields()) <= set(Document.model_fields)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), max_size=25))
def test_random_walks_follow_the_table(actions: list[Action]) -> None:
    doc = Doc()
    for action in actions:
        legal = action.value in allowed_actions(doc.state)
        other_department = LEGAL if doc.holder == SALES else SALES
        try:
            step = transition(
                doc,
                action,
                actor="王秘书",
                now=NOW,
                comment="理由" if action.value in NEEDS_COMMENT else "",
                holder=other_department if action is Action.ROUTE else None,
            )
        except IllegalTransition as exc:
            assert not legal
            assert exc.code == "illegal_transition"
            continue
        assert legal
        assert step.holder
        if step.to_state in (State.ROUTED, State.IN_PROGRESS):
            assert step.holder not in inbox.RESERVED_HOLDERS
        doc = doc.apply(step)
        assert doc.state in set(State)


# --- waiting ----------------------------------------------------------------------------------------------


def test_waiting_on_covers_every_open_state_once() -> None:
    groups = [inbox.WAITING_ON_ASSISTANT, inbox.WAITING_ON_MANAGER, inbox.WAITING_ON_DEPARTMENT]
    assert sum(len(g) for g in groups) == len(set().union(*groups))
    assert set().union(*groups) == set(State) - {State.CLOSED, State.ARCHIVED}
    assert {State.SUBMITTED} == inbox.WAITING_ON_MANAGER
    assert {"received", "drafting", "instructed", "returned", "withdrawn"} == inbox.WAITING_ON_ASSISTANT
    assert waiting_on("routed") is WaitingOn.DEPARTMENT
    assert waiting_on("closed") is None


def test_time_in_state_across_zones() -> None:
    since = datetime(2026, 11, 15, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    assert time_in_state(since, NOW) == timedelta(days=1)
    assert time_in_state(NOW + timedelta(minutes=5), NOW) == timedelta(0)  # clock skew: never negative
    with pytest.raises(ValueError, match="tz-aware"):
        time_in_state(datetime(2026, 11, 15), NOW)


def test_is_waiting_too_long() -> None:
    three_days = NOW - timedelta(days=3)
    assert is_waiting_too_long("submitted", three_days, NOW, 3)
    assert not is_waiting_too_long("submitted", three_days + timedelta(seconds=1), NOW, 3)
    assert is_waiting_too_long("routed", three_days, NOW, 2.5)
    assert not is_waiting_too_long("closed", three_days, NOW, 1)
    assert not is_waiting_too_long("archived", NOW - timedelta(days=400), NOW, 1)
    with pytest.raises(ValueError):
        is_waiting_too_long("submitted", three_days, NOW, -1)


def test_stale_documents_oldest_first() -> None:
    docs = [
        Doc(state="submitted", state_since=NOW - timedelta(days=4)),
        Doc(state="received", state_since=NOW - timedelta(days=9)),
        Doc(state="closed", state_since=NOW - timedelta(days=30)),
        Doc(state="routed", state_since=NOW - timedelta(days=1)),
        Doc(state="drafting", state_since=NOW - timedelta(days=5)),
    ]
    stale = stale_documents(docs, now=NOW, stale_days=3)
    assert [d.state for d in stale] == ["received", "drafting", "submitted"]
    assert stale_documents(docs, now=NOW, stale_days=3, waiting=WaitingOn.MANAGER) == [docs[0]]


# --- codes and labels -------------------------------------------------------------------------------------


def test_codes_are_stable() -> None:
    assert [s.value for s in SecurityLevel] == ["public", "internal", "confidential", "secret"]
    assert [u.value for u in Urgency] == ["normal", "urgent", "very_urgent"]
    assert [t.value for t in DocType] == [
        "report",
        "contract",
        "letter",
        "email",
        "minutes",
        "notice",
        "other",
    ]
    assert [s.value for s in State] == [
        "received", "drafting", "submitted", "instructed", "routed", "in_progress", "closed", "archived",
        "returned", "withdrawn",
    ]  # fmt: skip


def test_store_defaults_are_known_codes() -> None:
    from gmassist.store.models import Document

    fields = Document.model_fields
    assert fields["security_level"].default in set(SecurityLevel)
    assert fields["urgency"].default in set(Urgency)
    assert fields["doc_type"].default in set(DocType)
    assert fields["state"].default in set(State)


def test_levels_and_labels() -> None:
    assert [level.is_confidential for level in SecurityLevel] == [False, False, True, True]
    assert inbox.is_confidential_level("secret")
    assert SecurityLevel.SECRET.rank > SecurityLevel.CONFIDENTIAL.rank > SecurityLevel.INTERNAL.rank
    assert Urgency.VERY_URGENT.rank == 2
    assert SecurityLevel.CONFIDENTIAL.label == "Confidential"
    assert DocType.MINUTES.label == "Minutes"
    for table in (inbox.STATE_LABELS, inbox.ACTION_LABELS, inbox.SECURITY_LABELS, inbox.URGENCY_LABELS):
        assert all(isinstance(label, str) and label for label in table.values())
    assert set(inbox.ACTION_LABELS) == set(Action)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_security_level, "机密", SecurityLevel.CONFIDENTIAL),
        (parse_security_level, "绝密", SecurityLevel.SECRET),
        (parse_security_level, "Internal", SecurityLevel.INTERNAL),
        (parse_urgency, "特急", Urgency.VERY_URGENT),
        (parse_urgency, "加急", Urgency.URGENT),
        (parse_urgency, "very urgent", Urgency.VERY_URGENT),
        (parse_doc_type, "合同", DocType.CONTRACT),
        (parse_doc_type, "会议纪要", DocType.MINUTES),
        (parse_doc_type, "E-mail", DocType.EMAIL),
        (parse_state_word, "呈批", State.SUBMITTED),
        (parse_state_word, "办结", State.CLOSED),
        (parse_state_word, "in progress", State.IN_PROGRESS),
        (parse_state_word, "ＳＵＢＭＩＴＴＥＤ", State.SUBMITTED),
    ],
)
def test_words_in_both_languages(parse: object, text: str, expected: object) -> None:
    assert parse(text) is expected  # type: ignore[operator]


def test_unknown_word_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Unknown security level 'top'; known: public, internal"):
        parse_security_level("top")


# --- classification ---------------------------------------------------------------------------------------

CONTRACTS = Rule("r-contract", "合同", RuleField.TITLE, MatchKind.CONTAINS, "合同", set_type=DocType.CONTRACT)
BUDGET = Rule("r-budget", "Budget", RuleField.ANY, MatchKind.CONTAINS, "budget", set_tags=("预算", "finance"))
SALES_RULE = Rule(
    "r-sales",
    "Sales mail",
    RuleField.SENDER,
    MatchKind.REGEX,
    r"@sales\.example\.com>?$",
    set_department=SALES,
)
URGENT = Rule(
    "r-urgent", "特急", RuleField.CONTENT, MatchKind.CONTAINS, "特急", set_urgency=Urgency.VERY_URGENT
)


def test_chinese_contract_rule_explains_itself() -> None:
    result = classify({"title": "关于采购合同的请示", "sender": "", "content": ""}, [CONTRACTS])
    assert result.doc_type == "contract"
    why = result.why("doc_type")
    assert why is not None
    assert (why.rule_id, why.rule_name, why.matched_field, why.matched_text) == (
        "r-contract",
        "合同",
        "title",
        "合同",
    )
    assert result.rule_id == "r-contract"
    assert result.changes() == {"doc_type": "contract"}


def test_every_value_names_its_rule() -> None:
    doc = Doc(
        title="2027 BUDGET draft",
        sender="Li Lei <lilei@sales.example.com>",
        body_text="特急：请于周五前反馈",
    )
    result = classify(doc, [CONTRACTS, BUDGET, SALES_RULE, URGENT])
    assert result.changes() == {"department_id": SALES, "urgency": "very_urgent"}
    assert result.tags == ("预算", "finance")
    assert result.doc_type is None
    assert {(e.field, e.value, e.rule_id) for e in result.explanations} == {
        ("tags", "预算", "r-budget"),
        ("tags", "finance", "r-budget"),
        ("department_id", SALES, "r-sales"),
        ("urgency", "very_urgent", "r-urgent"),
    }
    budget = result.why("tag", "finance")
    assert budget is not None and budget.matched_field is RuleField.TITLE and budget.matched_text == "BUDGET"
    assert result.rule_id == "r-budget"


def test_hand_set_fields_are_never_changed() -> None:
    doc = {"title": "销售合同", "sender": "x@sales.example.com", "content": "特急"}
    rules = [CONTRACTS, SALES_RULE, URGENT]
    result = classify(doc, rules, overrides="doc_type, urgency")
    assert result.changes() == {"department_id": SALES}
    assert result.why("doc_type") is None
    assert {(e.field, e.rule_id) for e in result.kept_by_hand} == {
        ("doc_type", "r-contract"),
        ("urgency", "r-urgent"),
    }
    assert result.rule_id == "r-sales"
    # The short names and a collection work as well as the stored string.
    assert classify(doc, rules, overrides=["type", "dept", "urgency"]).changes() == {}
    assert classify(doc, [BUDGET], overrides={"tags"}).tags == ()


def test_overrides_round_trip() -> None:
    assert parse_overrides("type, dept urgency") == {"doc_type", "department_id", "urgency"}
    assert parse_overrides("") == frozenset()
    assert format_overrides(["urgency", "type"]) == "doc_type,urgency"


def test_first_rule_wins_and_later_ones_are_shadowed() -> None:
    letters = Rule.build("r-letter", "函", "title", "contains", "函", set_type="letter")
    result = classify({"title": "关于合同事宜的函"}, [letters, CONTRACTS])
    assert result.doc_type == "letter"
    assert [(e.rule_id, e.value) for e in result.shadowed] == [("r-contract", "contract")]


def test_match_kinds_and_case() -> None:
    exact = Rule("e", "exact", RuleField.SENDER, MatchKind.EXACT, "财务部", set_tags=("财务",))
    assert classify({"sender": " 财务部 "}, [exact]).tags == ("财务",)
    assert classify({"sender": "财务部办公室"}, [exact]).tags == ()
    strict = Rule.build("c", "case", "title", "contains", "NDA", case_insensitive=False, set_type="contract")
    assert classify({"title": "nda draft"}, [strict]).doc_type is None
    assert classify({"title": "NDA draft"}, [strict]).doc_type == "contract"
    regex = Rule.build("x", "number", "title", "regex", r"[〔\[]20\d\d[〕\]]\d+号", set_type="通知")
    assert classify({"title": "集团发〔2026〕17号 通知"}, [regex]).doc_type == "notice"


def test_full_width_text_matches_half_width_patterns() -> None:
    rule = Rule("w", "wide", RuleField.TITLE, MatchKind.CONTAINS, "NDA 2026", set_type=DocType.CONTRACT)
    assert classify({"title": "ＮＤＡ　２０２６ 审核"}, [rule]).doc_type == "contract"


def test_any_field_reports_where_it_matched() -> None:
    rule = Rule("a", "any", RuleField.ANY, MatchKind.CONTAINS, "预算", set_tags=("预算",))
    why = classify({"title": "周报", "sender": "", "body_text": "明年预算"}, [rule]).why("tags")
    assert why is not None and why.matched_field is RuleField.CONTENT


def test_disabled_rule_never_matches() -> None:
    rule = replace(CONTRACTS, enabled=False)
    assert classify({"title": "合同"}, [rule]).doc_type is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"match": "regex", "pattern": "(unclosed", "set_type": "contract"}, "invalid regular expression"),
        ({"pattern": "   ", "set_type": "contract"}, "empty pattern"),
        ({"pattern": "合同"}, "sets nothing"),
        ({"pattern": "合同", "set_type": "invoice"}, "Unknown document type 'invoice'"),
        ({"pattern": "合同", "set_urgency": "asap"}, "Unknown urgency"),
        (
            {"pattern": "合同", "field": "body", "set_type": "contract"},
            "Rule 'bad': 'body' is not a valid RuleField",
        ),
    ],
)
def test_bad_rules_fail_when_built(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, Any] = {"id": "r", "name": "bad", "field": "title", "match": "contains"}
    values.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):
        Rule.build(**values)


def test_rules_accept_codes_and_chinese_words() -> None:
    rule = Rule.build(
        "r",
        "r",
        "title",
        "contains",
        "纪要",
        set_type="会议纪要",
        set_urgency="紧急",
        set_tags=[" 会议 ", "会议"],
    )
    assert rule.field is RuleField.TITLE
    assert rule.set_type is DocType.MINUTES
    assert rule.set_urgency is Urgency.URGENT
    assert rule.set_tags == ("会议",)


# --- content digest ---------------------------------------------------------------------------------------

KEY = b"k" * 32


def test_digest_is_keyed_hmac_sha256() -> None:
    data = "机密合同全文".encode()
    assert content_digest([data], KEY) == hmac.new(KEY, data, hashlib.sha256).hexdigest()
    assert content_digest([data], KEY) != hashlib.sha256(data).hexdigest()
    assert content_digest([data], KEY) != content_digest([data], b"j" * 32)
    assert content_digest([], KEY) == hmac.new(KEY, b"", hashlib.sha256).hexdigest()
    with pytest.raises(ValueError, match="at least 16 bytes"):
        content_digest([data], b"short")


@given(st.binary(max_size=2000), st.lists(st.integers(min_value=0, max_value=2000), max_size=8))
def test_digest_does_not_depend_on_chunking(data: bytes, cuts: list[int]) -> None:
    points = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert content_digest(iter(chunks), KEY) == content_digest([data], KEY)


# --- search -----------------------------------------------------------------------------------------------


def test_the_full_example() -> None:
    query = parse_search_query(
        "state:submitted type:contract tag:预算 dept:销售 level:secret from:2026-11-01 to:2026-11-30 采购 框架协议"
    )
    assert query == SearchQuery(
        terms=("采购", "框架协议"),
        states=(State.SUBMITTED,),
        doc_types=(DocType.CONTRACT,),
        tags=("预算",),
        departments=("销售",),
        levels=(SecurityLevel.SECRET,),
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
    )
    assert query.text == "采购 框架协议"


def test_chinese_names_values_and_punctuation() -> None:
    query = parse_search_query(
        "状态：呈批　类型:合同 密级:机密 紧急程度:特急 从:2026年11月1日 至:2026/11/30 发件人:张三"
    )
    assert query.states == (State.SUBMITTED,)
    assert query.doc_types == (DocType.CONTRACT,)
    assert query.levels == (SecurityLevel.CONFIDENTIAL,)
    assert query.urgencies == (Urgency.VERY_URGENT,)
    assert (query.date_from, query.date_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert query.senders == ("张三",)
    assert query.terms == ()


def test_quotes_lists_and_repeats() -> None:
    query = parse_search_query(
        'tag:"年度 预算" tag:审计 state:submitted,instructed state:呈批 "state:not a filter" “董事会 决议”'
    )
    assert query.tags == ("年度 预算", "审计")
    assert query.states == (State.SUBMITTED, State.INSTRUCTED)
    assert query.terms == ("state:not a filter", "董事会 决议")
    assert parse_search_query('tag:"预算,决算" dept:销售，法务').tags == ("预算,决算",)
    assert parse_search_query("dept:销售，法务").departments == ("销售", "法务")


def test_months_and_compact_dates() -> None:
    query = parse_search_query("from:2026-02 to:2026-02")
    assert (query.date_from, query.date_to) == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_search_query("from:20261101").date_from == date(2026, 11, 1)


def test_words_with_colons_that_are_not_filters() -> None:
    assert parse_search_query("10:30 会议").terms == ("10:30", "会议")
    assert parse_search_query("注意：明天开会").terms == ("注意：明天开会",)
    assert parse_search_query('"https://example.com/a"').terms == ("https://example.com/a",)


def test_empty_and_unfinished_queries() -> None:
    assert parse_search_query("").is_empty
    assert parse_search_query("   \u3000 ").is_empty
    assert parse_search_query('"年度 预').terms == ("年度 预",)  # still typing the closing quote


@pytest.mark.parametrize(
    ("text", "code", "culprit", "message"),
    [
        ("合同 foo:bar", "unknown_filter", "foo", "Unknown filter 'foo'"),
        ("stat:submitted", "unknown_filter", "stat", "Did you mean 'state'?"),
        ("https://example.com", "unknown_filter", "https", "Quote the word"),
        ("type: 合同", "empty_value", "type:", "needs a value"),
        ("tag:,", "empty_value", "tag:,", "needs a value"),
        ("预算 state:lost", "bad_value", "lost", "Unknown state 'lost'"),
        ("level:top", "bad_value", "top", "known: public, internal, confidential, secret"),
        ("from:2026-13-01", "bad_date", "2026-13-01", "is not a date"),
        ("to:next-week", "bad_date", "next-week", "2026年11月1日"),
        ("from:2026-11-01 from:2026-11-02", "repeated_filter", "from:2026-11-02", "given twice"),
        ("from:2026-11-30 to:2026-11-01", "bad_range", "to:2026-11-01", "ends (2026-11-01) before it starts"),
    ],
)
def test_errors_point_at_the_culprit(text: str, code: str, culprit: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        SearchQuery.parse(text)
    error = caught.value
    assert error.code == code
    assert text[error.start : error.end] == culprit
    assert error.span == (error.start, error.end)
    assert message in str(error)


def test_received_bounds_are_aware_and_half_open() -> None:
    start, end = parse_search_query("from:2026-11-01 to:2026-11-30").received_bounds(SHANGHAI)
    assert start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert end == datetime(2026, 12, 1, tzinfo=SHANGHAI)
    assert SearchQuery().received_bounds(SHANGHAI) == (None, None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab:：" “”,状态合同 \u3000stateypfromt0123-')), max_size=40))
def test_parser_only_raises_its_own_error(text: str) -> None:
    try:
        query = parse_search_query(text)
    except SearchSyntaxError as error:
        assert 0 <= error.start <= error.end <= len(text)
    else:
        assert all(term for term in query.terms)
