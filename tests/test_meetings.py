import datetime as dt

import pytest

from groups.models import Meeting, Recurrence, months_between, nth_weekday


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
    assert months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 0
    assert months_between(dt.date(2025, 1, 15), dt.date(2026, 1, 15)) == 12
    assert months_between(dt.date(2025, 1, 15), dt.date(2026, 1, 14)) == 11


@pytest.mark.django_db
def test_database_refuses_a_meeting_that_ends_before_it_starts(make_group):
    from django.db import IntegrityError

    group = make_group()
    with pytest.raises(IntegrityError):
        Meeting.objects.create(group=group, weekday=1, start_time=dt.time(20), end_time=dt.time(19))


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
