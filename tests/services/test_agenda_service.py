"""The agenda's use cases on a real (encrypted) store: the window cache, the three ways to edit and delete a
series, quick add, conflicts while typing, free slots with attendees, preparation due, reminders, search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import select

from gmassist.config import AgendaSettings, Settings
from gmassist.domain.agenda_view import days_bounds
from gmassist.domain.quickadd import parse
from gmassist.errors import InvalidInput, Locked
from gmassist.services import agenda as service
from gmassist.services import agenda_read
from gmassist.services.agenda import EventDraft
from gmassist.store.models import Event, EventAttendee, Person
from tests.conftest import NOW, PASSPHRASE

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = service.Policy(zone_name="Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A time in Shanghai in late 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def week(first: date) -> tuple[datetime, datetime]:
    return days_bounds(first, 7, SHANGHAI)


@pytest.fixture
def store(store_factory):
    store, _recovery = store_factory()
    return store


def add_person(store, name: str, title: str = "") -> str:
    with store.action("person.create") as session:
        person = Person(name=name, title=title, created=NOW, updated=NOW)
        session.add(person)
        return person.id


def weekly(store, title: str = "周一例会", first: datetime | None = None, **fields) -> str:
    start = first or at(2, 9)
    return service.create_event(
        store,
        EventDraft(
            title=title,
            start=start,
            end=start + timedelta(hours=1),
            start_tz="Asia/Shanghai",
            end_tz="Asia/Shanghai",
            rrule="FREQ=WEEKLY;BYDAY=MO",
            **fields,
        ),
    )


def single(store, title: str, start: datetime, minutes: int = 60, **fields) -> str:
    return service.create_event(
        store, EventDraft(title=title, start=start, end=start + timedelta(minutes=minutes), **fields)
    )


def occurrence(store, title: str, day: date):
    start, end = days_bounds(day, 1, SHANGHAI)
    return next(o for o in service.occurrences(store, start, end) if o.title == title)


def mondays(store, title_prefix: str = ""):
    start, _end = week(date(2026, 11, 2))
    return [
        (o.start.astimezone(SHANGHAI), o.title)
        for o in service.occurrences(store, start, start + timedelta(weeks=8))
        if o.series_id is not None and o.title.startswith(title_prefix)
    ]


# --- the window cache -----------------------------------------------------------------------------------


def test_paging_a_week_forward_is_answered_from_the_cache_and_a_write_drops_it(store) -> None:
    weekly(store)
    single(store, "预算评审", at(25, 14))
    cache = agenda_read._cache_of(store)
    first = week(date(2026, 11, 23))
    assert [o.title for o in service.occurrences(store, *first)] == ["周一例会", "预算评审"]
    misses = cache.pages.misses
    for step in range(1, 4):
        found = service.occurrences(store, first[0] + timedelta(weeks=step), first[1] + timedelta(weeks=step))
        assert [o.title for o in found] == ["周一例会"]
    assert cache.pages.misses == misses, "paging within the cached span expanded again"
    service.scan_conflicts(store, first[0], first[0] + timedelta(weeks=52), RULES)
    service.occurrences(store, first[0] + timedelta(weeks=2), first[1] + timedelta(weeks=2))
    assert cache.pages.misses == misses, "a year-long scan must not spoil the paging windows"
    single(store, "新会议", at(1, 10, month=12))
    found = service.occurrences(store, first[0] + timedelta(weeks=1), first[1] + timedelta(weeks=1))
    assert [o.title for o in found] == ["周一例会", "新会议"]
    assert cache.pages.misses == misses + 1


def test_a_page_is_remembered_until_anything_changes_its_preparation_included(store) -> None:
    event_id = single(store, "预算评审", at(25, 14), kind="meeting")
    service.apply_prep_template(store, event_id)
    span = week(date(2026, 11, 23))
    page = service.page(store, *span, RULES)
    assert service.page(store, *span, RULES) is page, "asked again with nothing changed: remembered"
    done, total = page.prep[event_id]
    item = service.load_event(store, event_id).prep[0]
    service.set_prep_done(store, item.id, True)
    again = service.page(store, *span, RULES)
    assert again is not page and again.prep[event_id] == (done + 1, total)
    store.lock_confidential()
    assert service.page(store, *span, RULES) is not again


def test_undo_changes_the_version_so_the_agenda_follows(store) -> None:
    single(store, "预算评审", at(25, 14))
    span = week(date(2026, 11, 23))
    assert len(service.occurrences(store, *span)) == 1
    store.undo()
    assert service.occurrences(store, *span) == []


def test_confidential_titles_are_masked_while_locked_and_shown_once_unlocked(store) -> None:
    single(store, "并购谈判", at(26, 15), confidential=True, location="董事会议室")
    span = week(date(2026, 11, 23))
    store.lock_confidential()
    (masked,) = service.occurrences(store, *span)
    assert "并购谈判" not in masked.title and "🔒" in masked.title
    assert "董事会议室" not in service.rows_for(store, [masked])[masked.event_id].location
    store.unlock_confidential(passphrase=PASSPHRASE)
    (shown,) = service.occurrences(store, *span)
    assert shown.title == "并购谈判"


def test_an_unreadable_rule_is_skipped_and_reported_not_fatal(store) -> None:
    single(store, "ok", at(25, 14))
    with store.action("import") as session:
        session.add(
            Event(
                title="broken",
                start=at(2, 9),
                end=at(2, 10),
                rrule="FREQ=FORTNIGHTLY",
                created=NOW,
                updated=NOW,
            )
        )
    assert [o.title for o in service.occurrences(store, *week(date(2026, 11, 23)))] == ["ok"]
    assert any("FORTNIGHTLY" in reason for reason in service.skipped_rows(store).values())


# --- editing a series: this one, this and following, all -------------------------------------------------


def test_edit_this_one_makes_an_override_and_leaves_the_others(store) -> None:
    series = weekly(store)
    target = occurrence(store, "周一例会", date(2026, 11, 30))
    draft = service.draft_of(service.load_event(store, series), target)
    moved = EventDraft(
        **{
            **draft.__dict__,
            "title": "例会（改期）",
            "start": at(1, 10, month=12),
            "end": at(1, 11, month=12),
        }
    )
    override_id = service.update_event(store, target, moved, "this")
    listed = mondays(store)
    assert (at(1, 10, month=12), "例会（改期）") in listed
    assert (at(30, 9), "周一例会") not in listed
    assert (at(23, 9), "周一例会") in listed and (at(7, 9, month=12), "周一例会") in listed
    with store.read() as session:
        override = session.get(Event, override_id)
        assert override.series_id == series and override.recurrence_id == at(30, 9).astimezone(UTC)


def test_edit_this_and_following_never_changes_earlier_ones(store) -> None:
    series = weekly(store)
    before = [item for item in mondays(store) if item[0] < at(7, 0, month=12)]
    target = occurrence(store, "周一例会", date(2026, 12, 7))
    draft = service.draft_of(service.load_event(store, series), target)
    later = EventDraft(
        **{**draft.__dict__, "title": "新例会", "start": at(7, 10, month=12), "end": at(7, 11, month=12)}
    )
    service.update_event(store, target, later, "following")
    after = mondays(store)
    assert [item for item in after if item[0] < at(7, 0, month=12)] == before
    assert (at(7, 10, month=12), "新例会") in after and (at(14, 10, month=12), "新例会") in after
    assert all(title == "周一例会" for start, title in after if start < at(7, 0, month=12))


def test_edit_following_moves_the_weekday_with_the_occurrence(store) -> None:
    series = weekly(store)
    target = occurrence(store, "周一例会", date(2026, 12, 7))
    draft = service.draft_of(service.load_event(store, series), target)
    tuesday = EventDraft(**{**draft.__dict__, "start": at(8, 9, month=12), "end": at(8, 10, month=12)})
    service.update_event(store, target, tuesday, "following")
    start = at(7, 0, month=12)
    days = {
        o.start.astimezone(SHANGHAI).weekday()
        for o in service.occurrences(store, start, start + timedelta(weeks=4))
    }
    assert days == {1}


def test_edit_all_renames_every_occurrence_and_keeps_times(store) -> None:
    series = weekly(store)
    target = occurrence(store, "周一例会", date(2026, 12, 7))
    draft = service.draft_of(service.load_event(store, series), target)
    service.update_event(store, target, EventDraft(**{**draft.__dict__, "title": "总经理办公会"}), "all")
    listed = mondays(store)
    assert listed and all(title == "总经理办公会" for _start, title in listed)
    assert (at(23, 9), "总经理办公会") in listed


def test_delete_this_one_then_following_then_undo_each(store) -> None:
    weekly(store)
    count = len(mondays(store))
    service.delete_event(store, occurrence(store, "周一例会", date(2026, 11, 30)), "this")
    assert (at(30, 9), "周一例会") not in mondays(store) and len(mondays(store)) == count - 1
    service.delete_event(store, occurrence(store, "周一例会", date(2026, 12, 14)), "following")
    assert max(start for start, _t in mondays(store)) == at(7, 9, month=12)
    store.undo()
    store.undo()
    assert len(mondays(store)) == count


def test_delete_a_single_event_takes_its_attendees_and_checklist_and_undo_restores_them(store) -> None:
    person = add_person(store, "张伟", "财务总监")
    event_id = single(store, "预算评审", at(25, 14), attendee_ids=(person,))
    with store.read() as session:
        assert session.get(EventAttendee, (event_id, person)) is not None
    target = occurrence(store, "预算评审", date(2026, 11, 25))
    service.delete_event(store, target)
    with store.read() as session:
        assert session.get(Event, event_id) is None
        assert session.get(EventAttendee, (event_id, person)) is None
    store.undo()
    detail = service.load_event(store, event_id)
    assert detail.attendees == ((person, "张伟"),) and len(detail.prep) == 4


def test_a_confidential_event_cannot_be_changed_while_locked(store) -> None:
    event_id = single(store, "并购谈判", at(26, 15), confidential=True)
    store.lock_confidential()
    target = occurrence(store, "🔒 confidential", date(2026, 11, 26))
    detail = service.load_event(store, event_id)
    assert detail.masked
    with pytest.raises(Locked):
        service.update_event(store, target, EventDraft(title="x", start=at(26, 15), end=at(26, 16)))


# --- quick add ---------------------------------------------------------------------------------------------


def test_create_from_quickadd_saves_the_event_with_its_attendee_and_checklist(store, clock) -> None:
    cfo = add_person(store, "张伟", "财务总监")
    parsed = parse("周五下午3点 与财务总监讨论并购方案 @3号会议室 1h", clock.now())
    saved = service.create_from_quickadd(store, parsed, clock)
    detail = service.load_event(store, saved.id)
    assert (detail.title, detail.location, detail.start, detail.end) == (
        "与财务总监讨论并购方案",
        "3号会议室",
        at(27, 15).astimezone(UTC),
        at(27, 16).astimezone(UTC),
    )
    assert detail.start_tz == "Asia/Shanghai" and detail.attendees == ((cfo, "张伟"),)
    assert [p.label for p in detail.prep] == ["Agenda", "Background papers", "Materials", "Car and route"]
    line = str(saved)
    assert "与财务总监讨论并购方案" in line and "15:00–16:00" in line and "张伟" in line


def test_create_from_quickadd_takes_settings_too_and_reports_conflicts(store, clock) -> None:
    single(store, "预算评审", at(27, 15, 30))
    parsed = parse("周五下午3点 与财务总监讨论 1h", clock.now())
    saved = service.create_from_quickadd(store, parsed, Settings())
    assert saved.conflicts and "预算评审" in str(saved)


def test_quickadd_series_and_trip(store, clock) -> None:
    series = service.create_from_quickadd(
        store, parse("every monday 9am weekly staff meeting", clock.now()), clock
    )
    assert service.load_event(store, series.id).rrule == "FREQ=WEEKLY;BYDAY=MO"
    trip = service.create_from_quickadd(store, parse("下周二到周四 出差深圳", clock.now()), clock)
    detail = service.load_event(store, trip.id)
    assert detail.kind == "travel" and detail.all_day
    (o,) = [o for o in service.occurrences(store, *week(date(2026, 11, 30))) if o.event_id == trip.id]
    assert (o.start, o.end) == (at(1, 0, month=12).astimezone(UTC), at(4, 0, month=12).astimezone(UTC))


def test_quickadd_that_is_not_an_event_saves_nothing(store, clock) -> None:
    with pytest.raises(InvalidInput):
        service.create_from_quickadd(store, parse("@李娜 周五前 提交Q4预算", clock.now()), clock)
    assert service.search_events(store, "预算") == []
    with store.read() as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == 0


# --- conflicts, free slots ------------------------------------------------------------------------------


def test_check_draft_sees_overlaps_tight_gaps_and_recurring_occurrences(store) -> None:
    weekly(store)
    single(store, "预算评审", at(25, 14))
    overlap = EventDraft(title="new", start=at(25, 14, 30), end=at(25, 15, 30))
    assert [c.kind for c in service.check_draft(store, overlap, RULES)] == ["overlap"]
    tight = EventDraft(title="new", start=at(25, 15, 5), end=at(25, 16))
    assert [c.kind for c in service.check_draft(store, tight, RULES)] == ["tight"]
    monday = EventDraft(title="new", start=at(7, 9, 30, 12), end=at(7, 10, 30, 12))
    (conflict,) = service.check_draft(store, monday, RULES)
    assert conflict.a.title == "周一例会"


def test_check_draft_leaves_out_what_the_edit_replaces(store) -> None:
    weekly(store)
    target = occurrence(store, "周一例会", date(2026, 11, 30))
    same_place = EventDraft(title="周一例会", start=at(30, 9, 15), end=at(30, 10, 15))
    assert service.check_draft(store, same_place, RULES, editing=target, scope="this") == []
    assert service.check_draft(store, same_place, RULES, editing=target, scope="all") == []
    assert service.check_draft(store, same_place, RULES) != []


def test_travel_needs_the_travel_buffer(store) -> None:
    single(store, "Flight", at(26, 13), minutes=120, kind="travel")
    later = EventDraft(title="meeting", start=at(26, 15, 30), end=at(26, 16, 30))
    (conflict,) = service.check_draft(store, later, RULES)
    assert conflict.kind == "tight" and conflict.gap_minutes == 30


def test_free_slots_respect_attendees_buffers_and_holidays(store) -> None:
    cfo = add_person(store, "张伟", "财务总监")
    single(store, "CFO busy", at(30, 9), minutes=7 * 60, attendee_ids=(cfo,))
    single(store, "the manager alone", at(30, 16, 15))
    start, end = days_bounds(date(2026, 11, 30), 2, SHANGHAI)
    slots = service.find_free_slots(
        store, timedelta(hours=1), start, end, RULES, attendee_ids=(cfo,), manager=False
    )
    assert slots[0].start == at(30, 16, 15).astimezone(UTC)  # 16:00 + the 10-minute buffer, on the quarter
    slots = service.find_free_slots(store, timedelta(hours=1), start, end, RULES, attendee_ids=(cfo,))
    assert slots[0].start == at(1, 9, month=12).astimezone(UTC)  # the manager is busy until 17:15
    # 2026-10-01 is National Day; the 10th (Saturday) is a 调休 working day
    start, end = days_bounds(date(2026, 10, 1), 10, SHANGHAI)
    days = {
        slot.start.astimezone(SHANGHAI).date()
        for slot in service.find_free_slots(store, timedelta(hours=1), start, end, RULES)
    }
    assert date(2026, 10, 1) not in days and date(2026, 10, 10) in days


def test_booking_a_slot_makes_an_event_there(store) -> None:
    start, end = days_bounds(date(2026, 11, 26), 1, SHANGHAI)
    slot = service.find_free_slots(store, timedelta(minutes=45), start, end, RULES)[0]
    event_id = service.book_slot(store, slot, "与王磊对接", RULES)
    assert service.load_event(store, event_id).start == slot.start


def test_conflict_scan_flags_and_pairs_and_nearest_free(store, clock) -> None:
    weekly(store)
    single(store, "撞车", at(30, 9, 30))
    start, end = days_bounds(date(2026, 11, 25), 52 * 7, SHANGHAI)
    scan = service.scan_conflicts(store, start, end, RULES)
    assert [o.title for o in scan.flagged] == ["周一例会", "撞车"]
    (pair,) = scan.conflicts_of(scan.flagged[1])
    assert pair.kind == "overlap" and pair.overlap_minutes == 30
    slots = service.nearest_free(store, scan.flagged[1], RULES, clock.now())
    assert slots and all(
        slot.start >= at(30, 10, 10).astimezone(UTC) or slot.end <= at(30, 8, 50) for slot in slots
    )
    service.move_occurrence(store, scan.flagged[1], slots[0].start)
    assert service.scan_conflicts(store, start, end, RULES).flagged == ()


def test_policy_reads_the_config() -> None:
    rules = service.policy(
        Settings(agenda=AgendaSettings(working_hours="8:30-17:30", buffer_minutes=5, week_starts="sunday")),
        SHANGHAI,
    )
    assert rules.hours[0].hour == 8 and rules.hours[0].minute == 30 and rules.buffer == timedelta(minutes=5)
    assert not rules.starts_monday and rules.zone_name == "Asia/Shanghai"


# --- preparation, reminders, search ----------------------------------------------------------------------


def test_meetings_needing_prep_in_the_next_48_hours(store, clock) -> None:
    soon = single(store, "明天的会", at(26, 10))
    single(store, "下周的会", at(3, 10, month=12))
    single(store, "Focus", at(26, 14), kind="focus")
    needs = service.meetings_needing_prep(store, clock.now())
    assert [n.occurrence.event_id for n in needs] == [soon]
    assert needs[0].next_due == at(23, 10).astimezone(UTC)  # the agenda, three days before
    for item in needs[0].items:
        service.set_prep_done(store, item.id, True)
    assert service.meetings_needing_prep(store, clock.now()) == []


def test_prep_items_point_at_documents_and_count(store) -> None:
    from gmassist.store.models import Document

    event_id = single(store, "董事会", at(26, 10))
    with store.action("doc") as session:
        doc = Document(title="董事会议案", received=NOW, state_since=NOW, created=NOW, updated=NOW)
        session.add(doc)
    item = service.add_prep_item(store, event_id, "议案", 24 * 60)
    service.set_prep_document(store, item, doc.id)
    detail = service.load_event(store, event_id)
    assert [(p.label, p.document_title) for p in detail.prep][-1] == ("议案", "董事会议案")
    assert service.prep_counts(store, [event_id]) == {event_id: (0, 5)}
    assert service.find_items(store, "document", "议案") == [(doc.id, "董事会议案")]


def test_reminders_ring_once_over_adjacent_windows(store, clock) -> None:
    weekly(store, reminders="15")
    single(store, "预算评审", at(25, 14), reminders="60, 15")
    now = clock.now()
    rung = []
    for step in range(0, 48 * 12):
        since = now + timedelta(minutes=5 * step)
        rung += service.reminders_between(store, since, since + timedelta(minutes=5))
    assert [(r.occurrence.title, r.minutes, r.at.astimezone(SHANGHAI)) for r in rung] == [
        ("预算评审", 60, at(25, 13)),
        ("预算评审", 15, at(25, 13, 45)),
    ]
    monday = service.reminders_between(store, at(30, 8, 40), at(30, 8, 50))
    assert [(r.occurrence.title, r.at.astimezone(SHANGHAI)) for r in monday] == [("周一例会", at(30, 8, 45))]


def test_bad_reminders_are_refused() -> None:
    with pytest.raises(InvalidInput):
        EventDraft(title="x", start=at(25, 9), end=at(25, 10), reminders="soon").validate()


def test_search_finds_text_and_confidential_only_when_unlocked(store) -> None:
    single(store, "预算评审", at(25, 14), location="大会议室")
    single(store, "Budget review with Siemens", at(26, 14))
    single(store, "并购预算谈判", at(27, 14), confidential=True)
    store.lock_confidential()
    assert [row.title for row in service.search_events(store, "预算")] == ["预算评审"]
    assert [row.title for row in service.search_events(store, "budget")] == ["Budget review with Siemens"]
    assert [row.title for row in service.search_events(store, "大会议室")] == ["预算评审"]
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert sorted(row.title for row in service.search_events(store, "预算")) == ["并购预算谈判", "预算评审"]


def test_trip_parts_and_links(store) -> None:
    trip = single(store, "出差法兰克福", at(4, 0, month=12), minutes=4 * 24 * 60, kind="travel")
    service.add_trip_item(
        store,
        trip,
        "hotel",
        "Frankfurter Hof",
        at(4, 20, month=12),
        at(8, 12, month=12),
        "Europe/Berlin",
        "Booking 123",
    )
    with pytest.raises(InvalidInput):
        service.add_trip_item(store, trip, "spaceship", "?")
    detail = service.load_event(store, trip)
    assert [(t.kind, t.title, t.zone) for t in detail.trip] == [("hotel", "Frankfurter Hof", "Europe/Berlin")]


def test_people_names_and_titles_match(store) -> None:
    zhang = add_person(store, "张伟", "财务总监")
    li = add_person(store, "李娜", "销售经理")
    assert service.match_people(store, "张伟, 销售经理") == ([zhang, li], [])
    assert service.match_people(store, "王五") == ([], ["王五"])
    assert service.people_in(store, "与财务总监讨论并购方案") == [zhang]


def test_zone_name_of_a_dateutil_zone_falls_back_to_tz(monkeypatch) -> None:
    from dateutil import tz

    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert service.zone_name_of(SHANGHAI) == "Asia/Shanghai"
    assert service.zone_name_of(tz.tzlocal()) == "Europe/Berlin"


def test_new_events_need_a_title_and_a_readable_rule() -> None:
    with pytest.raises(InvalidInput):
        EventDraft(title=" ", start=at(25, 9), end=at(25, 10)).validate()
    with pytest.raises(InvalidInput):
        EventDraft(title="x", start=at(25, 9), end=at(25, 10), rrule="FREQ=SOMETIMES").validate()
    with pytest.raises(InvalidInput):
        EventDraft(title="x", start=at(25, 10), end=at(25, 9)).validate()


def test_prep_template_is_not_added_twice(store) -> None:
    event_id = single(store, "Focus", at(26, 14), kind="focus")
    service.apply_prep_template(store, event_id)
    service.apply_prep_template(store, event_id)
    assert service.prep_counts(store, [event_id]) == {event_id: (0, 4)}
