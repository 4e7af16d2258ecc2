"""收文 search: Chinese and English substrings (trigram FTS5, LIKE for short terms), tags, filters,
confidential documents searched only while unlocked and never indexed, saved views."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gmassist.domain.inbox import SearchSyntaxError
from gmassist.services import inbox
from gmassist.store import fts
from gmassist.store.models import Department
from tests.conftest import PASSPHRASE


@pytest.fixture
def store(store_factory, tmp_path: Path, clock):
    store, _recovery = store_factory()
    with store.action("dept") as session:
        session.add(Department(id="d-sales", name="销售部"))
    files = {
        "budget.txt": ("关于2027年度预算编制的请示\nThe annual BUDGET for the sales team.", "internal"),
        "contract.md": ("# 华东建设集团采购合同\n\nPayment terms: 30 days.", "public"),
        "minutes.txt": ("关于经营分析会的纪要\n会议决定：加快回款。", "internal"),
        "secret.txt": ("关于并购项目的保密谈判\nCanarySecretMerger 并购方案", "secret"),
    }
    for index, (name, (content, level)) in enumerate(files.items()):
        clock.advance(timedelta(days=1))
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = inbox.ingest_file(store, path, level=level)
        assert result.document_id, result.message
        if index == 0:
            inbox.set_tags(store, result.document_id, ["年度预算", "财务"])
    store.lock_confidential()
    return store


def titles(store, query: str) -> list[str]:
    return sorted(d["title"] for d in inbox.search(store, query))


def ids(store, query: str) -> set[str]:
    return {d["id"] for d in inbox.search(store, query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("年度预算编制", ["关于2027年度预算编制的请示"]),  # Chinese, 3+ characters: trigrams
        ("预算", ["关于2027年度预算编制的请示"]),  # 2 characters: LIKE
        ("纪", ["关于经营分析会的纪要"]),  # 1 character
        ("annual budget", ["关于2027年度预算编制的请示"]),  # English phrase, any case
        ("budget", ["关于2027年度预算编制的请示"]),
        ("payment", ["华东建设集团采购合同"]),
        ("华东建设", ["华东建设集团采购合同"]),
        ("经营 回款", ["关于经营分析会的纪要"]),  # every word must match
        ("经营 payment", []),
        ("财务", ["关于2027年度预算编制的请示"]),  # a tag
        ("tag:年度预算", ["关于2027年度预算编制的请示"]),
        ("type:report", []),
        ("level:public", ["华东建设集团采购合同"]),
        ("state:received 采购", ["华东建设集团采购合同"]),
        ("state:呈批", []),
        ("关于", ["关于2027年度预算编制的请示", "关于经营分析会的纪要"]),  # the secret one stays hidden
        ('"30 days"', ["华东建设集团采购合同"]),
        ("100%", []),  # LIKE wildcards are searched for, not used
    ],
)
def test_search_finds_substrings(store, query: str, expected: list[str]) -> None:
    assert titles(store, query) == expected


def test_date_and_department_filters(store, clock) -> None:
    store.unlock_confidential(passphrase=PASSPHRASE)
    everything = {d["id"]: d for d in inbox.search(store, "")}
    first_day = min(d["received"] for d in everything.values()).astimezone(clock.now().tzinfo).date()
    assert len(inbox.search(store, f"from:{first_day} to:{first_day}")) == 1
    assert (
        len(inbox.search(store, f"from:{first_day + timedelta(days=1)}")) == 3
    )  # the secret one too, masked
    budget = inbox.search(store, "预算")[0]["id"]
    inbox.update_document(store, budget, {"department_id": "d-sales"})
    assert ids(store, "dept:销售") == {budget}
    document = inbox.search(store, "纪要")[0]["id"]
    inbox.route(store, document, "submit")
    inbox.route(store, document, "record_instruction", comment="转销售部")
    inbox.route(store, document, "route", holder="d-sales")
    assert ids(store, "dept:销售部") == {budget, document}
    assert ids(store, "state:routed") == {document}


def test_a_confidential_document_is_found_only_while_unlocked(store) -> None:
    for query in ("并购", "并购项目", "CanarySecretMerger", "canarysecret", "level:secret 并购"):
        assert inbox.search(store, query) == [], query
    listed = inbox.search(store, "level:secret")
    assert len(listed) == 1 and "confidential" in listed[0]["title"]  # listed, masked, but not searchable
    store.unlock_confidential(passphrase=PASSPHRASE)
    for query in ("并购", "并购项目", "CanarySecretMerger", "canarysecret", "level:secret 并购"):
        assert titles(store, query) == ["关于并购项目的保密谈判"], query
    store.lock_confidential()
    assert inbox.search(store, "并购") == []


def test_confidential_text_never_enters_the_index(store) -> None:
    with store.engine.connect() as connection:

        def found(term: str) -> int:
            return int(
                connection.execute(
                    text(f"select count(*) from {fts.FTS_TABLE} where {fts.FTS_TABLE} match :q"),
                    {"q": fts.phrase(term)},
                ).scalar_one()
            )

        assert found("CanarySecretMerger") == 0 and found("并购方案") == 0
        assert found("年度预算编制") == 1
        indexed = connection.execute(text(f"select count(*) from {fts.MAP_TABLE}")).scalar_one()
    assert indexed == 3


def test_a_document_made_confidential_leaves_the_index(store) -> None:
    store.unlock_confidential(passphrase=PASSPHRASE)
    budget = inbox.search(store, "年度预算编制")[0]["id"]
    inbox.update_document(store, budget, {"security_level": "confidential"})
    store.lock_confidential()
    assert inbox.search(store, "年度预算编制") == [] and inbox.search(store, "budget") == []
    with store.engine.connect() as connection:
        assert (
            connection.execute(
                text(f"select count(*) from {fts.MAP_TABLE} where doc_id = :id"), {"id": budget}
            ).scalar_one()
            == 0
        )
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert ids(store, "年度预算编制") == {budget}
    inbox.update_document(store, budget, {"security_level": "internal"})
    store.lock_confidential()
    assert ids(store, "年度预算编制") == {budget}


def test_edits_and_undo_keep_the_index_in_step(store) -> None:
    document = inbox.search(store, "纪要")[0]["id"]
    inbox.update_document(store, document, {"notes": "需要跟进应收账款"})
    assert ids(store, "应收账款") == {document}
    store.undo()
    assert inbox.search(store, "应收账款") == []


def test_the_index_is_rebuilt_from_the_documents(store) -> None:
    with store.engine.begin() as connection:
        fts.rebuild(connection)
    assert titles(store, "年度预算编制") == ["关于2027年度预算编制的请示"]
    assert inbox.search(store, "CanarySecretMerger") == []


def test_archived_documents_show_when_asked_for(store) -> None:
    document = inbox.search(store, "纪要")[0]["id"]
    inbox.route(store, document, "close")
    inbox.route(store, document, "archive")
    assert document not in ids(store, "")  # the default list leaves the archive out
    assert ids(store, "纪要") == {document}  # a search looks there too
    assert ids(store, "state:archived") == {document}


def test_a_bad_search_says_where(store) -> None:
    with pytest.raises(SearchSyntaxError) as error:
        inbox.search(store, "statu:received")
    assert error.value.span == (0, 5)


def test_saved_views(store) -> None:
    view = inbox.save_view(store, "待批合同", "state:submitted type:contract")
    assert [(v.name, v.query) for v in inbox.list_views(store)] == [
        ("待批合同", "state:submitted type:contract")
    ]
    assert inbox.save_view(store, "待批合同", "state:submitted") == view  # same name: replaced
    inbox.save_view(store, "预算", "预算")
    assert [v.query for v in inbox.list_views(store)] == ["state:submitted", "预算"]
    inbox.delete_view(store, view)
    assert [v.name for v in inbox.list_views(store)] == ["预算"]
    with pytest.raises(SearchSyntaxError):
        inbox.save_view(store, "bad", "statu:x")


def test_the_list_pages_and_finds_rows_by_id(store) -> None:
    search = inbox.DocumentSearch(store)
    everything = search.fetch(0, 10)
    assert search.count() == len(everything) == 4
    assert [row["id"] for row in search.fetch(1, 2)] == [row["id"] for row in everything[1:3]]
    assert search.index_of(everything[2]["id"]) == 2 and search.index_of("nope") is None
    assert [r["received"] for r in everything] == sorted((r["received"] for r in everything), reverse=True)
    assert "body_text" not in everything[0]


def test_an_exported_store_is_searchable_after_import(store, store_factory) -> None:
    from gmassist.store import transfer

    inbox.save_view(store, "预算", "预算")
    data = transfer.export_data(store, include_confidential=False)
    copy, _ = store_factory("copy")
    transfer.import_data(copy, data)
    assert titles(copy, "年度预算编制") == ["关于2027年度预算编制的请示"]
    assert titles(copy, "预算") == ["关于2027年度预算编制的请示"]
    assert [v.name for v in inbox.list_views(copy)] == ["预算"]
