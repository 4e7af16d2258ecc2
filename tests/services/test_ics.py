"""iCalendar import and export against real stores and hand-written Outlook, Google and Apple exports.

The fixtures in tests/fixtures/ics/ are modelled on what those programs write (see the README there). The
khal test runs the real `khal` (Debian package) in a subprocess with its own config and calendar folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gmassist.domain import agenda
from gmassist.domain.ics import (
    WINDOWS_ZONES,
    IcsError,
    normalise_rule,
    parse_ics,
    unfold,
    windows_zone,
)
from gmassist.errors import Locked
from gmassist.services import ics
from gmassist.store import crypto
from gmassist.store.models import Change, Event, EventAttendee, Person, table_of

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"
GOOD = ("outlook", "google", "apple", "outlook_custom_tz", "private")
MALFORMED = ("bad_dtstart", "bad_structure", "truncated", "bad_rrule")
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = (datetime(2026, 1, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI))


def data(name: str) -> bytes:
    return (FIXTURES / f"{name}.ics").read_bytes()


def parsed(name: str, zone: str = "Asia/Shanghai"):
    return parse_ics(data(name), zone)


def load(store, *names: str) -> list[ics.ImportReport]:
    return [ics.import_calendar(store, parsed(name)) for name in names]


def rows(store) -> list[Event]:
    with store.read() as session:
        return list(session.exec(select(Event)).scalars())  # type: ignore[call-overload]


def count(store, model=Event) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def shape(occurrences) -> set[tuple]:
    """What must survive a round trip: times, titles, override-ness, original starts (ids differ)."""
    return {(o.start, o.end, o.all_day, o.title, o.is_override, o.original_start) for o in occurrences}


def occurrences(store, start=YEAR[0], end=YEAR[1]):
    return agenda.expand(rows(store), start, end)


def at(year, month, day, hour=0, minute=0, zone=SHANGHAI) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def titled(occurrences, title: str):
    return sorted((o for o in occurrences if o.title == title), key=lambda o: o.start)


@pytest.fixture
def store(store_factory):
    made, _recovery = store_factory()
    return made


# --- reading what the big three write ----------------------------------------------------------------------


def test_outlook_windows_zone_names_are_mapped() -> None:
    calendar = parsed("outlook")
    assert calendar.zones == {
        "China Standard Time": "Asia/Shanghai",
        "W. Europe Standard Time": "Europe/Berlin",
        "Eastern Standard Time": "America/New_York",
    }
    frankfurt = next(e for e in calendar.events if e.title == "Frankfurt partner review")
    assert frankfurt.start == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST, the day after the switch
    assert frankfurt.start_tz == "Europe/Berlin"


def test_eastern_series_keeps_its_wall_time_across_the_dst_change(store) -> None:
    load(store, "outlook")
    calls = titled(occurrences(store), "Call with New York office")
    assert len(calls) == 8
    new_york = ZoneInfo("America/New_York")
    assert {o.start.astimezone(new_york).strftime("%a %H:%M") for o in calls} == {"Mon 20:00"}
    assert calls[0].start == datetime(2026, 10, 6, 0, 0, tzinfo=UTC)  # EDT, UTC-4
    assert calls[-1].start == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # EST, UTC-5


def test_windows_table_agrees_with_cldr() -> None:
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    links = {"Etc/UTC": "Etc/UTC"}
    for windows, iana in WINDOWS_ZONES.items():
        assert WINDOWS_TO_OLSON.get(windows, links.get(iana)) == iana, windows
    assert windows_zone("China Standard Time") == "Asia/Shanghai"
    assert windows_zone("W. Europe Standard Time") == "Europe/Berlin"
    assert windows_zone("Eastern Standard Time") == "America/New_York"
    assert windows_zone("Atlantis Standard Time") is None


def test_unknown_tzids_fall_back_to_the_files_own_vtimezone(store) -> None:
    calendar = parsed("outlook_custom_tz")
    assert calendar.zones["(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi"] == "Asia/Shanghai"
    # Same offsets and the same switch days as the VTIMEZONE (not just the same standard offset).
    assert agenda.zone(calendar.zones["Customized Time Zone"]).utcoffset(datetime(2026, 7, 1)) == timedelta(
        hours=2
    )
    assert calendar.zones["Customized Time Zone 1"] == "America/New_York"
    load(store, "outlook_custom_tz")
    found = occurrences(store)
    toronto = titled(found, "Toronto distributor check-in")
    assert [o.start for o in toronto] == [
        datetime(2026, 3, 5, 14, tzinfo=UTC),  # 09:00 EST
        datetime(2026, 3, 12, 13, tzinfo=UTC),  # 09:00 EDT: the VTIMEZONE's DST rule was followed
        datetime(2026, 3, 19, 13, tzinfo=UTC),
    ]
    munich = titled(found, "Weekly sync with Munich plant")
    assert [o.start for o in munich] == [
        datetime(2026, 3, 25, 8, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 4, 1, 7, tzinfo=UTC),  # 09:00 CEST
        datetime(2026, 4, 8, 7, tzinfo=UTC),
    ]
    assert len(titled(found, "人事月度碰头会")) == 6


def test_an_unknown_tzid_without_vtimezone_is_refused_with_its_line() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\n"
        "DTSTART;TZID=Mars Standard Time:20260105T090000\r\nSUMMARY:?\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(IcsError) as caught:
        parse_ics(text.encode(), "Asia/Shanghai")
    assert caught.value.line == 5 and "Mars Standard Time" in str(caught.value)


def test_folded_lines_that_split_multibyte_characters() -> None:
    raw = data("apple")
    # The fixture really splits characters: decoding line by line would give U+FFFD.
    naive = re.sub(r"\r\n[ \t]", "", raw.decode("utf-8", errors="replace"))
    assert "\ufffd" in naive
    calendar = parsed("apple")
    talks = next(e for e in calendar.events if e.uid.startswith("6E3B0C1A"))
    assert talks.title == (
        "与德国合作伙伴法兰克福总部代表团就二〇二六年度战略合作框架协议及后续技术转让事宜进行第三轮正式会谈"
    )
    assert talks.location == "国贸三期 B 座 52 层 中欧合作伙伴联合办公室（北京市朝阳区建国门外大街一号）"
    assert talks.notes.endswith("三、法兰克福总部代表团名单与行程安排。")
    assert not any("\ufffd" in e.title + e.location + e.notes for e in calendar.events)
    assert talks.reminders == "30"  # the AUDIO alarm; Apple's ACTION:NONE placeholder is ignored


def test_unfold_keeps_physical_line_numbers() -> None:
    lines = unfold(b"A:1\r\nB:2\r\n 3\r\n\r\nC:4")
    assert lines == [(1, "A:1"), (2, "B:23"), (5, "C:4")]


def test_recurrence_id_overrides(store) -> None:
    load(store, "outlook", "google")
    found = occurrences(store)
    monday = [o for o in found if o.original_start == at(2026, 3, 9, 9)]
    assert len(monday) == 1 and monday[0].is_override
    assert monday[0].title == "周一经营例会（改到下午）" and monday[0].start == at(2026, 3, 9, 14)
    wednesday = [o for o in found if o.original_start == at(2026, 3, 11, 10)]
    assert len(wednesday) == 1 and wednesday[0].start == at(2026, 3, 11, 15)
    by_uid = {(r.uid, r.recurrence_id): r for r in rows(store)}
    override = next(r for r in rows(store) if r.title == "经营分析会（改期）")
    master = by_uid[(override.uid, None)]
    assert override.series_id == master.id and override.recurrence_id == at(2026, 3, 11, 10)


def test_exdates_cancelled_instances_and_rdates(store) -> None:
    load(store, "outlook", "google", "apple")
    found = occurrences(store)
    mondays = {o.original_start for o in titled(found, "周一经营例会")}
    assert at(2026, 2, 9, 9) in mondays and at(2026, 2, 16, 9) not in mondays  # EXDATE (Outlook)
    wednesdays = {o.start for o in titled(found, "经营分析会")}
    assert at(2026, 2, 18, 10) not in wednesdays  # EXDATE (Google)
    assert at(2026, 4, 1, 10) not in wednesdays  # STATUS:CANCELLED instance (Google)
    assert at(2026, 4, 8, 10) in wednesdays
    assert max(wednesdays) == at(2026, 6, 17, 10)  # UNTIL=20260624T015959Z (Google, UTC) stops before 24 June
    tennis = {o.start for o in titled(found, "网球课")}
    assert at(2026, 7, 11, 8) not in tennis and at(2026, 7, 18, 8) in tennis  # EXDATE (Apple)
    assert at(2026, 7, 16, 19) in tennis  # RDATE (Apple)
    assert len(titled(found, "晨会（十天试行）")) == 10  # COUNT with BYDAY


def test_all_day_events(store) -> None:
    load(store, "outlook", "google", "apple")
    found = occurrences(store)
    qingming = titled(found, "清明节假期")[0]
    assert qingming.all_day and (qingming.start, qingming.end) == (
        at(2026, 4, 4),
        at(2026, 4, 7),
    )  # DTEND exclusive
    labour = titled(found, "劳动节假期")[0]
    assert (labour.start, labour.end) == (at(2026, 5, 1), at(2026, 5, 6))
    dragon_boat = titled(found, "端午节")[0]  # no DTEND: one day
    assert (dragon_boat.start, dragon_boat.end) == (at(2026, 6, 19), at(2026, 6, 20))
    birthday = titled(found, "女儿生日 🎂")  # yearly since 2010
    assert [o.start for o in birthday] == [at(2026, 6, 12)] and birthday[0].all_day


def test_floating_times_are_read_in_the_local_zone() -> None:
    run = next(e for e in parsed("apple", "Europe/Berlin").events if e.title.startswith("晨跑"))
    assert run.start_tz == "Europe/Berlin"
    assert run.start == datetime(2026, 6, 20, 6, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    run = next(e for e in parsed("apple").events if e.title.startswith("晨跑"))
    assert run.start == at(2026, 6, 20, 6, 30)


def test_utc_times_stay_utc_instants_but_show_in_the_local_zone() -> None:
    call = next(e for e in parsed("google").events if e.title == "与华东区销售总监通话")
    assert call.start == datetime(2026, 1, 15, 6, tzinfo=UTC) and call.start_tz == "Asia/Shanghai"


def test_a_flight_keeps_both_zones() -> None:
    flight = next(e for e in parsed("google").events if e.title.startswith("LH721"))
    assert (flight.start_tz, flight.end_tz) == ("Asia/Shanghai", "Europe/Berlin")
    assert flight.end - flight.start == timedelta(hours=11, minutes=30)


def test_reminders_from_valarms() -> None:
    events = {e.title: e for e in parsed("google").events + parsed("outlook").events}
    assert events["月度董事会"].reminders == "120,1440"
    assert events["经营分析会"].reminders == "30"
    assert events["周一经营例会"].reminders == "15"
    assert events["Frankfurt partner review"].reminders == "1440"


def test_attendees_link_known_people_and_the_rest_go_into_the_notes(store) -> None:
    with store.action("person.create") as session:
        session.add(Person(name="王强", email="Wang.Qiang@example.com"))
    load(store, "outlook", "google")
    assert count(store, Person) == 1  # nobody was created silently
    weekly = next(r for r in rows(store) if r.title == "周一经营例会")
    assert "Organizer: 李娜 <li.na@example.com>" in weekly.notes
    assert "Zhang, Wei <zhang.wei@example.com>" in weekly.notes and "王强" not in weekly.notes
    with store.engine.connect() as connection:
        links = connection.execute(select(table_of(EventAttendee))).all()
    assert len(links) == 2  # 王强 attends the Outlook and the Google series
    analysis = next(r for r in rows(store) if r.title == "经营分析会")
    assert (
        "finance.lead@example.com" in analysis.notes
        and "Organizer: 陈总 <chen.zong@example.com>" in analysis.notes
    )


def test_a_confidential_person_is_matched_only_while_unlocked(store) -> None:
    with store.action("person.create") as session:
        session.add(Person(name="王强", email="wang.qiang@example.com", confidential=True))
    store.lock_confidential()
    load(store, "google")
    weekly = next(r for r in rows(store) if r.title == "经营分析会")
    assert "王强 <wang.qiang@example.com>" in weekly.notes and count(store, EventAttendee) == 0


def test_a_confidential_person_is_linked_while_unlocked(store) -> None:
    with store.action("person.create") as session:
        session.add(Person(name="王强", email="wang.qiang@example.com", confidential=True))
    load(store, "google")
    weekly = next(r for r in rows(store) if r.title == "经营分析会")
    assert "王强" not in weekly.notes and count(store, EventAttendee) == 1
    exported = ics.export_calendar(store).data
    assert b"wang.qiang@example.com" not in exported  # a confidential person is not exported by default
    assert b"wang.qiang@example.com" in ics.export_calendar(store, include_confidential=True).data


# --- importing into the store --------------------------------------------------------------------------------


def test_reimport_updates_by_uid_and_never_duplicates(store) -> None:
    first = load(store, *GOOD)
    assert [r.created for r in first] == [5, 7, 6, 3, 2]
    before = count(store)
    again = load(store, *GOOD)
    assert count(store) == before
    assert all(r.created == r.updated == 0 for r in again)
    assert [r.unchanged for r in again] == [5, 7, 6, 3, 2]
    changed = data("outlook").replace(
        "SUMMARY;LANGUAGE=zh-cn:周一经营例会\r\n".encode(),
        "SUMMARY;LANGUAGE=zh-cn:周一经营例会（总部）\r\n".encode(),
    )
    report = ics.import_calendar(store, parse_ics(changed, "Asia/Shanghai"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert count(store) == before
    titles = [r.title for r in rows(store)]
    assert "周一经营例会（总部）" in titles and "周一经营例会" not in titles


def test_an_older_sequence_does_not_overwrite_a_newer_one(store) -> None:
    newer = data("google").replace(
        "SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:经营分析会\r\n".encode(),
        "SEQUENCE:3\r\nSTATUS:CONFIRMED\r\nSUMMARY:经营分析会 v2\r\n".encode(),
        1,
    )
    ics.import_calendar(store, parse_ics(newer, "Asia/Shanghai"))
    report = load(store, "google")[0]
    assert report.older == 1
    assert "经营分析会 v2" in [r.title for r in rows(store)]


def test_import_is_one_transaction(store, monkeypatch) -> None:
    load(store, "apple")
    before = count(store)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ics, "_new_links", broken)
    with pytest.raises(RuntimeError):
        load(store, "outlook")
    assert count(store) == before


def test_import_is_one_undoable_action(store) -> None:
    load(store, "outlook", "google")
    before = count(store)
    load(store, "apple")
    assert count(store) > before
    assert store.undo() == ics.LABEL
    assert count(store) == before


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("bad_dtstart", "20261345T090000"),
        ("bad_structure", '"China Standard Time" 20260106T090000'),
        ("truncated", None),
        ("bad_rrule", "FORTNIGHTLY"),
    ],
)
def test_malformed_files_name_the_line_and_import_nothing(store, name: str, marker: str | None) -> None:
    lines = data(name).decode("utf-8").split("\r\n")
    expected = len(lines) if marker is None else next(i for i, line in enumerate(lines, 1) if marker in line)
    with pytest.raises(IcsError) as caught:
        ics.read_calendar(FIXTURES / f"{name}.ics", "Asia/Shanghai")
    assert caught.value.line == expected, str(caught.value)
    assert f"line {expected}" in str(caught.value) and f"{name}.ics" in str(caught.value)
    assert count(store) == 0


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("LOCATION;LANGUAGE:总部", 5, "parameter"),
        ("END:VALARM", 5, "END:VALARM"),
        ("BEGIN:VCALENDAR", 5, "cannot be inside"),
        ("DTEND:20260105T080000Z", 5, "ends before"),
        ("RRULE:FREQ=WEEKLY;BYDAY=XX", 5, "BYDAY"),
        ("EXDATE:2026-01-12", 5, "EXDATE"),
        ("SEQUENCE:first", 5, "SEQUENCE"),
        ("DURATION:one hour", 5, "DURATION"),
    ],
)
def test_more_malformed_lines(text: str, line: int, words: str) -> None:
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260105T090000Z\r\n"
        f"{text}\r\nUID:x1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(IcsError) as caught:
        parse_ics(body.encode(), "Asia/Shanghai")
    assert caught.value.line == line and words in str(caught.value), str(caught.value)


def test_structure_errors_outside_events() -> None:
    cases = {
        b"SUMMARY:stray\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n": 1,
        b"BEGIN:VEVENT\r\nEND:VEVENT\r\n": 1,
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:\xe4\xbc\r\nEND:VCALENDAR\r\n": 3,  # not UTF-8
        b" folded:nothing\r\n": 1,
        b"": 1,
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:no start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n": 2,
    }
    for body, line in cases.items():
        with pytest.raises(IcsError) as caught:
            parse_ics(body, "Asia/Shanghai")
        assert caught.value.line == line, (body, str(caught.value))


def test_a_bad_value_on_a_folded_line_names_its_first_line() -> None:
    body = (
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Asia/Shanghai:2026\r\n 0105T09\r\n 9900\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(IcsError) as caught:
        parse_ics(body, "Asia/Shanghai")
    assert caught.value.line == 4


def test_rules_are_normalised_for_other_clients() -> None:
    assert normalise_rule("FREQ=WEEKLY;UNTIL=20261231T090000", all_day=False, zone_name="Asia/Shanghai") == (
        "FREQ=WEEKLY;UNTIL=20261231T010000Z"
    )
    assert normalise_rule("FREQ=DAILY;UNTIL=20261231", all_day=False, zone_name="Asia/Shanghai") == (
        "FREQ=DAILY;UNTIL=20261231T155959Z"
    )
    assert normalise_rule("FREQ=YEARLY;UNTIL=20301230T160000Z", all_day=True, zone_name="Asia/Shanghai") == (
        "FREQ=YEARLY;UNTIL=20301231"
    )


# --- confidential events -------------------------------------------------------------------------------------


def test_private_events_are_imported_sealed(store) -> None:
    load(store, "private")
    with store.engine.connect() as connection:
        stored = (
            connection.execute(select(table_of(Event)).where(table_of(Event).c.confidential)).mappings().one()
        )
        log = [row.after for row in connection.execute(select(table_of(Change)))]
    assert crypto.is_sealed(stored["title"]) and crypto.is_sealed(stored["notes"])
    assert crypto.is_sealed(stored["location"])
    assert not any("青鸟" in entry or "威斯汀" in entry for entry in log)
    assert "项目“青鸟”并购面谈" in [r.title for r in rows(store)]


def test_private_events_need_the_confidential_key(store) -> None:
    store.lock_confidential()
    calendar = parsed("private")
    assert ics.confidential_needed(store, calendar) == 1
    with pytest.raises(Locked):
        ics.import_calendar(store, calendar)
    assert count(store) == 0
    assert ics.confidential_needed(store, parsed("google")) == 0


def test_a_confidential_row_stays_confidential_on_reimport(store) -> None:
    load(store, "private")
    public = data("private").replace(b"CLASS:PRIVATE", b"CLASS:PUBLIC")
    ics.import_calendar(store, parse_ics(public, "Asia/Shanghai"))
    assert sum(r.confidential for r in rows(store)) == 1
    store.lock_confidential()
    assert ics.confidential_needed(store, parse_ics(public, "Asia/Shanghai")) == 1


def test_an_event_made_private_by_a_later_file_leaves_no_plain_text(store) -> None:
    public = data("private").replace(b"CLASS:PRIVATE", b"CLASS:PUBLIC")
    ics.import_calendar(store, parse_ics(public, "Asia/Shanghai"))
    report = load(store, "private")[0]
    assert report.updated == 1
    with store.engine.connect() as connection:
        stored = (
            connection.execute(select(table_of(Event)).where(table_of(Event).c.confidential)).mappings().one()
        )
        log = [(row.before, row.after) for row in connection.execute(select(table_of(Change)))]
    assert crypto.is_sealed(stored["title"])
    assert not any("青鸟" in before + after for before, after in log)


# --- export ----------------------------------------------------------------------------------------------------


def test_import_export_import_gives_the_same_occurrences(store_factory) -> None:
    first, _r = store_factory("first")
    load(first, *GOOD)
    exported = ics.export_calendar(first, include_confidential=True)
    assert exported.left_out == 0
    second, _r = store_factory("second")
    report = ics.import_calendar(second, parse_ics(exported.data, "Asia/Shanghai"))
    assert report.created == count(first)
    assert shape(occurrences(second)) == shape(occurrences(first))
    assert len(occurrences(first)) > 100
    # and the file read straight back, without a store, says the same
    again = parse_ics(exported.data, "Asia/Shanghai")
    from gmassist.domain.ics import events_in_window

    assert shape(events_in_window(again.events, *YEAR)) == shape(occurrences(first))


def test_reexport_reimport_is_stable_and_kinds_survive(store_factory) -> None:
    first, _r = store_factory("first")
    load(first, "google")
    with first.action("event.kind") as session:
        flight = next(e for e in session.exec(select(Event)).scalars() if e.title.startswith("LH721"))  # type: ignore[call-overload]
        flight.kind = agenda.TRAVEL
    exported = ics.export_calendar(first).data
    assert b"X-GMASSIST-KIND:travel" in exported
    report = ics.import_calendar(first, parse_ics(exported, "Asia/Shanghai"))
    assert (report.created, report.updated) == (0, 0)
    second, _r = store_factory("second")
    ics.import_calendar(second, parse_ics(exported, "Asia/Shanghai"))
    assert [r.kind for r in rows(second) if r.title.startswith("LH721")] == ["travel"]


def test_events_made_here_get_a_uid_that_matches_on_reimport(store) -> None:
    start = at(2026, 12, 1, 9)
    with store.action("event.create") as session:
        session.add(
            Event(title="董事会", start=start, end=start + timedelta(hours=2), created=start, updated=start)
        )
    exported = ics.export_calendar(store).data
    report = ics.import_calendar(store, parse_ics(exported, "Asia/Shanghai"))
    assert (report.created, report.unchanged) == (0, 1) and count(store) == 1


def test_export_leaves_confidential_events_out_unless_asked(store) -> None:
    load(store, "private")
    plain = ics.export_calendar(store)
    assert (
        plain.left_out == 1 and "青鸟".encode() not in plain.data and "部门负责人周会".encode() in plain.data
    )
    full = ics.export_calendar(store, include_confidential=True)
    assert full.left_out == 0 and "青鸟".encode() in full.data and b"CLASS:CONFIDENTIAL" in full.data
    store.lock_confidential()
    with pytest.raises(Locked):
        ics.export_calendar(store, include_confidential=True)


def test_export_window(store) -> None:
    load(store, "outlook", "google", "apple")
    start, end = ics.day_bounds(date(2026, 7, 1), date(2026, 7, 31), "Asia/Shanghai")
    exported = parse_ics(ics.export_calendar(store, start=start, end=end).data, "Asia/Shanghai")
    titles = {e.title for e in exported.events}
    assert "网球课" in titles and "周一经营例会" in titles and "女儿生日 🎂" not in titles
    assert "清明节假期" not in titles and "经营分析会" not in titles  # ended in June
    later = parse_ics(ics.export_calendar(store, start=at(2026, 12, 1)).data, "Asia/Shanghai")
    # series that go on into December, with their overrides
    assert {e.title for e in later.events} == {
        "周一经营例会",
        "周一经营例会（改到下午）",
        "月度董事会",
        "女儿生日 🎂",
    }


def test_a_moved_occurrence_is_also_an_exdate_of_its_series_and_comes_back_as_an_override(
    store_factory,
) -> None:
    from icalendar import Calendar

    first, _r = store_factory("first")
    load(first, "moved")
    exported = Calendar.from_ical(ics.export_calendar(first).data)
    masters = {str(e["UID"]): e for e in exported.walk("VEVENT") if "RECURRENCE-ID" not in e and "RRULE" in e}

    def exdates(uid: str) -> set:
        lines = masters[uid].get("EXDATE")
        return {d.dt for line in (lines if isinstance(lines, list) else [lines]) for d in line.dts}

    standup = masters["standup-moved@example.com"]
    # the moved Thursday, the EXDATE and the cancelled Monday; COUNT=6 written as the same instances' UNTIL
    assert exdates("standup-moved@example.com") == {
        datetime(2026, 5, 7, 8, 30, tzinfo=SHANGHAI),
        datetime(2026, 5, 11, 8, 30, tzinfo=SHANGHAI),
        datetime(2026, 5, 18, 8, 30, tzinfo=SHANGHAI),
    }
    assert standup["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20260521T003000Z;BYDAY=MO,TH"
    assert exdates("site-visit-days@example.com") == {date(2026, 5, 12)}
    second, _r = store_factory("second")
    ics.import_calendar(second, parse_ics(ics.export_calendar(first).data, "Asia/Shanghai"))
    assert shape(occurrences(second)) == shape(occurrences(first))
    for store in (first, second):
        by_title = {r.title: r for r in rows(store)}
        assert by_title["安全晨会（改到周五下午）"].series_id == by_title["安全晨会"].id
        assert by_title["工地巡查（顺延）"].series_id == by_title["工地巡查"].id
        assert by_title["工地巡查"].exdates == ""  # the override's EXDATE is dropped again on import
    assert len(rows(second)) == len(rows(first)) == 5


def test_exported_file_is_valid_for_icalendar_and_folds_without_splitting_characters(store) -> None:
    from icalendar import Calendar

    load(store, "apple")
    exported = ics.export_calendar(store).data
    for line in exported.split(b"\r\n"):
        line.decode("utf-8")  # every physical line is whole UTF-8
        assert len(line) <= 75
    calendar = Calendar.from_ical(exported)
    assert len(calendar.walk("VEVENT")) == 6  # 5 events + the RDATE override of the tennis series
    assert {tz.tz_name for tz in calendar.timezones} == {"Asia/Shanghai"}


# --- khal reads what we write -----------------------------------------------------------------------------------


def _khal_config(root: Path) -> Path:
    (root / "calendar").mkdir(parents=True)
    config = root / "config"
    config.write_text(
        "[calendars]\n[[gmassist]]\n"
        f"path = {root / 'calendar'}\n"
        "[locale]\nlocal_timezone = Asia/Shanghai\ndefault_timezone = Asia/Shanghai\n"
        "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "[default]\ndefault_calendar = gmassist\n"
        f"[sqlite]\npath = {root / 'khal.db'}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.skipif(
    shutil.which("khal") is None, reason="khal is not installed (apt-get install khal; .ci/run does)"
)
def test_khal_lists_the_same_occurrences(store, tmp_path: Path) -> None:
    load(store, "outlook", "google", "apple", "outlook_custom_tz", "moved")
    export = tmp_path / "agenda.ics"
    export.write_bytes(ics.export_calendar(store).data)
    config = _khal_config(tmp_path / "khal")
    env = {"HOME": str(tmp_path / "khal"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "Asia/Shanghai"}
    imported = subprocess.run(
        ["khal", "-c", str(config), "import", "--batch", "-a", "gmassist", str(export)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    for month in (3, 4, 5, 6, 7, 11):
        first = date(2026, month, 1)
        last = date(2026, month + 1, 1) - timedelta(days=1)
        listed = subprocess.run(
            [
                "khal",
                "-c",
                str(config),
                "list",
                "--day-format",
                "",
                "--format",
                "{start} {title}",
                first.isoformat(),
                last.isoformat(),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert listed.returncode == 0, listed.stderr
        theirs = {line for line in listed.stdout.splitlines() if line.strip()}
        window = (
            datetime.combine(first, datetime.min.time(), SHANGHAI),
            datetime.combine(last + timedelta(days=1), datetime.min.time(), SHANGHAI),
        )
        ours = {
            (
                f"{o.start.astimezone(SHANGHAI):%Y-%m-%d}"
                if o.all_day
                else f"{o.start.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
            )
            + f" {o.title}"
            for o in occurrences(store, *window)
        }
        assert theirs == ours, (month, sorted(theirs ^ ours))
        assert len(ours) > 5


# --- calcurse reads what we write -------------------------------------------------------------------------------


def _calcurse_days(export: Path, root: Path, first: date, last: date) -> Counter[str]:
    """calcurse's agenda for [first, last]: one "day start title" line per item per day it is listed on.

    calcurse runs on its own data and config folders and HOME, in Shanghai time. Timed items show their
    real start (even on the second day of an item that crosses midnight); all-day items show the day only.
    """
    for folder in ("home", "data", "config", "tmp"):
        (root / folder).mkdir(parents=True)
    env = {
        "HOME": str(root / "home"),
        "TMPDIR": str(root / "tmp"),  # where calcurse writes the log of items it skipped
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "Asia/Shanghai",
    }
    base = ["calcurse", "-D", str(root / "data"), "-C", str(root / "config")]
    imported = subprocess.run(
        [*base, "-i", str(export)], capture_output=True, text=True, env=env, timeout=120
    )
    logs = "".join(log.read_text(errors="replace") for log in (root / "tmp").glob("calcurse_log.*"))
    assert imported.returncode == 0 and " 0 skipped" in imported.stdout, imported.stdout + logs
    timed = "%(start:%Y-%m-%d %H:%M) %m\\n"
    listed = subprocess.run(
        [
            *base,
            "--input-datefmt",
            "4",
            "--output-datefmt",
            "%Y-%m-%d",
            "-Q",
            "--from",
            first.isoformat(),
            "--to",
            last.isoformat(),
            "--format-apt",
            timed,
            "--format-recur-apt",
            timed,
            "--format-event",
            "%m\\n",
            "--format-recur-event",
            "%m\\n",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    day, lines = "", Counter[str]()
    for line in filter(None, listed.stdout.splitlines()):
        if re.fullmatch(r"\d{4}-\d\d-\d\d:", line):
            day = line[:-1]
        else:
            lines[f"{day} {line}"] += 1
    return lines


def _agenda_days(store, first: date, last: date) -> Counter[str]:
    """Our agenda for [first, last] in calcurse's form (see `_calcurse_days`)."""
    lines = Counter[str]()
    window = (
        datetime.combine(first, time(), SHANGHAI),
        datetime.combine(last + timedelta(days=1), time(), SHANGHAI),
    )
    for o in occurrences(store, *window):
        start, end = o.start.astimezone(SHANGHAI), o.end.astimezone(SHANGHAI)
        shown = "" if o.all_day else f" {start:%Y-%m-%d %H:%M}"
        day = max(start.date(), first)
        # listed on its first day, and on every later day it is still going on at midnight
        while day <= last and (day == start.date() or datetime.combine(day, time(), SHANGHAI) < end):
            lines[f"{day}{shown} {o.title}"] += 1
            day += timedelta(days=1)
    return lines


@pytest.mark.skipif(
    shutil.which("calcurse") is None,
    reason="calcurse is not installed (apt-get install calcurse; .ci/run does)",
)
def test_calcurse_lists_the_same_occurrences_once(store, tmp_path: Path) -> None:
    """Each month's export (--from/--to), read by calcurse, lists what our agenda lists, each item once.

    calcurse ignores RECURRENCE-ID and RDATE (an override is a single item of its own), so the export's
    EXDATEs are what hide a moved occurrence's old time. Left out, because calcurse cannot show them: series
    in a zone whose daylight-saving changes differ from the local zone's (calcurse repeats a series at the
    local time of its first occurrence, and skips a series whose weekday is another one locally, like the
    Outlook New York calls in October and November and outlook_custom_tz.ics), and multi-day all-day series
    (it repeats only their first day).
    """
    load(store, "outlook", "google", "apple", "moved")
    for month in (2, 3, 4, 5, 6, 7):
        first = date(2026, month, 1)
        last = date(2026, month + 1, 1) - timedelta(days=1)
        export = tmp_path / f"2026-{month:02}.ics"
        start, end = ics.day_bounds(first, last, "Asia/Shanghai")
        export.write_bytes(ics.export_calendar(store, start=start, end=end).data)
        theirs = _calcurse_days(export, tmp_path / f"calcurse-{month}", first, last)
        ours = _agenda_days(store, first, last)
        assert theirs == ours, (month, sorted((theirs - ours).elements()), sorted((ours - theirs).elements()))
        assert len(ours) > 5
    march = _agenda_days(store, date(2026, 3, 1), date(2026, 3, 31))
    assert march["2026-03-09 2026-03-09 14:00 周一经营例会（改到下午）"] == 1  # Outlook's override
    assert march["2026-03-09 2026-03-09 09:00 周一经营例会"] == 0
    assert march["2026-03-11 2026-03-11 15:00 经营分析会（改期）"] == 1  # Google's override
    assert march["2026-03-11 2026-03-11 10:00 经营分析会"] == 0
    may = _agenda_days(store, date(2026, 5, 1), date(2026, 5, 31))
    assert [line for line in may.elements() if "安全晨会" in line] == [
        "2026-05-04 2026-05-04 08:30 安全晨会",
        "2026-05-08 2026-05-08 16:00 安全晨会（改到周五下午）",  # moved from Thursday 7 May
        "2026-05-14 2026-05-14 08:30 安全晨会",  # not on 11 May (EXDATE)
        "2026-05-21 2026-05-21 08:30 安全晨会",  # not on 18 May (cancelled); COUNT=6 ends here
    ]
    assert [line for line in may.elements() if "工地巡查" in line] == [
        "2026-05-05 工地巡查",
        "2026-05-13 工地巡查（顺延）",
        "2026-05-19 工地巡查",
        "2026-05-26 工地巡查",
    ]
    assert may["2026-05-20 2026-05-20 23:00 柏林—纽约三方电话会"] == 1
    assert may["2026-05-21 2026-05-20 23:00 柏林—纽约三方电话会"] == 1  # it ends at 00:30 the next day


def test_json_of_the_change_log_is_what_undo_reads(store) -> None:
    load(store, "google")
    with store.engine.connect() as connection:
        entries = connection.execute(select(table_of(Change))).all()
    assert {e.label for e in entries} == {ics.LABEL} and len({e.action_id for e in entries}) == 1
    assert all(json.loads(e.after)["id"] == e.row_id for e in entries if e.table_name == "event")
