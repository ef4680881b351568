import datetime as dt

import pytest

from groups.models import LONDON, Meeting, Recurrence, months_between, nth_weekday


def meeting(**kwargs) -> Meeting:
    defaults = {"weekday": 1, "start_time": dt.time(19), "end_time": dt.time(20, 30)}
    return Meeting(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 24), dt.date(2026, 11, 24)),  # a Tuesday: today
        (dt.date(2026, 11, 25), dt.date(2026, 12, 1)),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 1)),
    ],
)
def test_weekly_next_date(today, expected):
    assert meeting().next_date(today) == expected


def test_fortnightly_next_date_follows_its_anchor():
    m = meeting(weekday=2, recurrence=Recurrence.FORTNIGHTLY, anchor_date=dt.date(2026, 1, 7))
    assert m.next_date(dt.date(2026, 1, 7)) == dt.date(2026, 1, 7)
    assert m.next_date(dt.date(2026, 1, 8)) == dt.date(2026, 1, 21)
    assert m.next_date(dt.date(2026, 11, 26)) == dt.date(2026, 12, 9)
    assert meeting(recurrence=Recurrence.FORTNIGHTLY).next_date(dt.date(2026, 1, 1)) is None


def test_monthly_next_date_nth_and_last_weekday():
    second_monday = meeting(weekday=0, recurrence=Recurrence.MONTHLY, week_of_month=2)
    assert second_monday.next_date(dt.date(2026, 11, 1)) == dt.date(2026, 11, 9)
    assert second_monday.next_date(dt.date(2026, 11, 10)) == dt.date(2026, 12, 14)
    last_friday = meeting(weekday=4, recurrence=Recurrence.MONTHLY, week_of_month=-1)
    assert last_friday.next_date(dt.date(2026, 11, 26)) == dt.date(2026, 11, 27)
    assert last_friday.next_date(dt.date(2026, 12, 26)) == dt.date(2027, 1, 29)


def test_nth_weekday():
    assert nth_weekday(2026, 2, 6, -1) == dt.date(2026, 2, 22)
    assert nth_weekday(2026, 2, 0, 1) == dt.date(2026, 2, 2)


def test_months_between_counts_calendar_months():
    assert months_between(dt.date(2025, 1, 15), dt.date(2025, 2, 14)) == 0
    assert months_between(dt.date(2025, 1, 15), dt.date(2025, 2, 15)) == 1
    assert months_between(dt.date(2025, 1, 15), dt.date(2026, 1, 15)) == 12
    assert months_between(dt.date(2025, 1, 15), dt.date(2026, 1, 14)) == 11
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 12, 30)) == 10
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 12, 31)) == 11


def test_a_month_from_a_day_a_shorter_month_lacks_ends_on_its_last_day():
    # As relativedelta, PostgreSQL's intervals and people count: a month after 31 January
    # is 28 February (29 in a leap year), not 1 March.
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 27)) == 0
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 1
    assert months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 28)) == 0
    assert months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 29)) == 1
    assert months_between(dt.date(2025, 3, 31), dt.date(2026, 2, 28)) == 11
    assert months_between(dt.date(2024, 2, 29), dt.date(2025, 2, 28)) == 12
    assert months_between(dt.date(2024, 8, 31), dt.date(2026, 2, 28)) == 18
    assert months_between(dt.date(2025, 5, 31), dt.date(2025, 6, 30)) == 1
    # Then it counts on from there, never backwards.
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 3, 30)) == 1
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 3, 31)) == 2


@pytest.mark.django_db
def test_database_refuses_a_meeting_that_ends_when_it_starts(make_group):
    from django.db import IntegrityError

    group = make_group()
    with pytest.raises(IntegrityError):
        Meeting.objects.create(group=group, weekday=1, start_time=dt.time(20), end_time=dt.time(20))


@pytest.mark.django_db
def test_a_meeting_may_cross_midnight(make_group):
    group = make_group(meetings="Mon 23:00-01:00")
    meeting = group.meetings.get()
    assert meeting.crosses_midnight
    assert meeting.describe() == "Every Monday, 11pm to 1am"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


MONDAY = dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_the_next_meeting_is_the_next_that_has_not_ended(make_group):
    """At 13:45 on a Monday, a meeting from 7:30 to 8:30 that morning is over; one from
    13:00 to 14:00 is still on; the next is at 19:00."""
    group = make_group(meetings="Mon 07:30-08:30; Mon 12:30-13:30; Mon 19:00-20:00")
    found = group.next_meeting(at(MONDAY, 13, 45))
    assert (found.start, found.end) == (at(MONDAY, 19), at(MONDAY, 20))
    still_on = group.next_meeting(at(MONDAY, 13, 15))
    assert still_on.start == at(MONDAY, 12, 30)
    after_all = group.next_meeting(at(MONDAY, 20, 1))
    assert after_all.start == at(MONDAY + dt.timedelta(days=7), 7, 30)


@pytest.mark.django_db
def test_the_next_meeting_is_reckoned_in_uk_time(make_group):
    group = make_group(meetings="Mon 19:00-20:00")
    # 19:30 UTC on a summer Monday is 20:30 in London: that evening's meeting is over.
    summer_monday = dt.datetime(2026, 6, 1, 19, 30, tzinfo=dt.UTC)
    found = group.next_meeting(summer_monday)
    assert found.start == at(dt.date(2026, 6, 8), 19)


@pytest.mark.django_db
def test_a_meeting_that_crosses_midnight_is_on_until_it_ends_the_next_day(make_group):
    group = make_group(meetings="Mon 23:00-01:00")
    tuesday = MONDAY + dt.timedelta(days=1)
    found = group.next_meeting(at(tuesday, 0, 30))
    assert (found.start, found.end) == (at(MONDAY, 23), at(tuesday, 1))
    later = group.next_meeting(at(tuesday, 1, 30))
    assert later.start == at(MONDAY + dt.timedelta(days=7), 23)


@pytest.mark.django_db
def test_a_paused_groups_dates_are_skipped_until_it_is_back(make_group):
    back = MONDAY + dt.timedelta(days=14)
    group = make_group(meetings="Mon 19:00-20:00", paused=True, paused_until=back)
    assert group.is_paused(MONDAY)
    assert group.next_meeting(at(MONDAY, 9)).start == at(back, 19)
    assert not group.is_paused(back)
    assert group.next_day_of(group.meetings.get(), MONDAY) == back


@pytest.mark.django_db
def test_a_group_paused_with_no_date_has_no_next_meeting(make_group):
    group = make_group(meetings="Mon 19:00-20:00", paused=True)
    assert group.is_paused(MONDAY + dt.timedelta(days=3650))
    assert group.next_meeting(at(MONDAY, 9)) is None


@pytest.mark.django_db
def test_database_refuses_a_monthly_meeting_without_its_week(make_group):
    from django.db import IntegrityError

    group = make_group()
    with pytest.raises(IntegrityError):
        Meeting.objects.create(
            group=group,
            weekday=1,
            start_time=dt.time(19),
            end_time=dt.time(20),
            recurrence=Recurrence.MONTHLY,
        )
