"""Progress on the long commands: import_groups, load_places and generate_groups show a bar
on a terminal, plain lines in a pipe, and nothing with --quiet (issue 8, point 3)."""

from __future__ import annotations

import io
import os
import pty
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groups.models import Group, Place
from groups.progress import LINE_INTERVAL_SECONDS, Progress, duration
from tests.support.organisers import publish_as_moderator

pytestmark = pytest.mark.django_db

BAR_RE = re.compile(r"\d+%\|.*\| *\d+/\d+ \[\d\d:\d\d<\d\d:\d\d")  # 40%|████  | 4/10 [00:01<00:02
LINE_RE = re.compile(r"^.+: [\d,]+ of [\d,]+ \w+ \(\d+%\)")


class Output:
    def __init__(self) -> None:
        self.text = ""


@contextmanager
def _reading(read_fd: int, write_fd: int) -> Iterator[tuple[io.TextIOWrapper, Output]]:
    """A text stream writing to write_fd, and what came out of read_fd once it is closed."""
    stream = os.fdopen(write_fd, "w", encoding="utf-8")
    output, chunks = Output(), []

    def read() -> None:
        while True:
            try:
                data = os.read(read_fd, 65536)
            except OSError:  # a pseudo-terminal whose other end is closed
                break
            if not data:
                break
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield stream, output
    finally:
        stream.close()
        reader.join(timeout=10)
        os.close(read_fd)
        output.text = b"".join(chunks).decode("utf-8")


@contextmanager
def terminal() -> Iterator[tuple[io.TextIOWrapper, Output]]:
    """stdout on a pseudo-terminal, as when an admin runs the command by hand."""
    master, slave = pty.openpty()
    with _reading(master, slave) as (stream, output):
        assert stream.isatty()
        yield stream, output


@contextmanager
def pipe() -> Iterator[tuple[io.TextIOWrapper, Output]]:
    """stdout into a pipe, as under cron or `| tee log`."""
    read_fd, write_fd = os.pipe()
    with _reading(read_fd, write_fd) as (stream, output):
        assert not stream.isatty()
        yield stream, output


MODES = {"terminal": terminal, "pipe": pipe}


def groups_csv(tmp_path: Path, n: int) -> Path:
    rows = [f"Group {i},inward,alcohol,53.8195,-1.5755,Tue 19:00-20:30" for i in range(1, n + 1)]
    path = tmp_path / "groups.csv"
    path.write_text(
        "name,orientation,conditions,latitude,longitude,meetings\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def districts_csv(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "districts.csv"
    lines = [f"ZZ{i},{50 + i / 1000:.4f},-1.5" for i in range(n)]
    path.write_text("district,latitude,longitude\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(mode: str, *args: str) -> str:
    with MODES[mode]() as (stream, output):
        call_command(*args, stdout=stream, stderr=io.StringIO())
    return output.text


def bars(text: str) -> list[str]:
    """The bar as last drawn for each description (tqdm redraws it after a carriage return)."""
    frames = [frame.strip() for frame in re.split(r"[\r\n]+", text) if BAR_RE.search(frame)]
    last: dict[str, str] = {}
    for frame in frames:
        last[frame.split(":")[0]] = frame
    return list(last.values())


# --- On a terminal: a bar ------------------------------------------------------------


def test_import_groups_draws_a_bar_with_counts_and_time_left_on_a_terminal(tmp_path):
    text = run("terminal", "import_groups", str(groups_csv(tmp_path, 30)), *publish_as_moderator())

    assert "\r" in text, "the bar is redrawn in place"
    final = bars(text)
    assert [frame.split(":")[0] for frame in final] == ["Checking rows", "Saving groups"]
    for frame in final:
        assert "100%|" in frame and "30/30" in frame and "rows/s" in frame
    assert not LINE_RE.search(text), "no plain lines on a terminal"
    assert "Imported 30 new and 0 updated group(s)." in text
    assert Group.objects.count() == 30


def test_load_places_draws_a_bar_on_a_terminal(tmp_path):
    text = run("terminal", "load_places", str(districts_csv(tmp_path, 50)))

    (frame,) = bars(text)
    assert frame.startswith("districts.csv:") and "50/50" in frame and "places/s" in frame
    assert "Loaded 50 places." in text


def test_generate_groups_draws_a_bar_on_a_terminal(make_place):
    make_place("LS6", 53.8195, -1.5755)
    text = run("terminal", "generate_groups", "--count", "40", "--batch-size", "10")

    (frame,) = bars(text)
    assert frame.startswith("Generating groups:") and "40/40" in frame and "groups/s" in frame
    assert re.search(r"Generated 40 groups in [\d.]+s\.", text)
    assert Group.objects.count() == 40


# --- In a pipe: plain lines ----------------------------------------------------------


def test_import_groups_writes_plain_lines_in_a_pipe(tmp_path):
    text = run("pipe", "import_groups", str(groups_csv(tmp_path, 12)), "--dry-run")

    assert "\r" not in text and "|" not in text
    assert text.splitlines() == [
        line for line in text.splitlines() if LINE_RE.match(line) or line.startswith("Would import")
    ]
    assert re.search(r"^Checking rows: 12 of 12 rows \(100%\) in \d+s$", text, re.M)
    assert re.search(r"^Trying groups \(dry run\): 12 of 12 rows \(100%\) in \d+s$", text, re.M)
    assert text.splitlines()[-1] == "Would import 12 new and 0 updated group(s)."
    assert Group.objects.count() == 0


def test_load_places_and_generate_groups_write_plain_lines_in_a_pipe(tmp_path):
    text = run("pipe", "load_places", str(districts_csv(tmp_path, 20)))
    assert re.search(r"^districts\.csv: 20 of 20 places \(100%\) in \d+s$", text, re.M)
    assert text.splitlines()[-1] == "Loaded 20 places."

    text = run("pipe", "generate_groups", "--count", "25", "--batch-size", "10")
    assert re.search(r"^Generating groups: 25 of 25 groups \(100%\) in \d+s$", text, re.M)
    assert re.search(r"^Generated 25 groups in [\d.]+s\.$", text.splitlines()[-1])


def test_call_command_into_a_string_is_a_pipe_too(tmp_path):
    out = io.StringIO()
    call_command("load_places", str(districts_csv(tmp_path, 3)), stdout=out)
    assert out.getvalue().splitlines() == [
        re.search(r"districts\.csv: 3 of 3 places \(100%\) in \d+s", out.getvalue())[0],
        "Loaded 3 places.",
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_come_at_each_tenth_and_at_least_every_half_minute():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, clock=clock)
    assert progress.mode == "lines"

    with progress.counter(total=1000, desc="Saving groups", unit="rows") as counter:
        counter.update(50)  # 5%: nothing yet
        clock.now += 10
        counter.update(50)  # a tenth, 10 s in: a line, and 90 s left at this rate
        clock.now += 0.5
        counter.update(100)  # two tenths, but only half a second since the last line
        clock.now += 9.5
        counter.update(100)  # three tenths
        clock.now += LINE_INTERVAL_SECONDS
        counter.update(1)  # no new tenth, but half a minute has passed
        clock.now += 100
        counter.update(699)  # the end

    assert out.getvalue().splitlines() == [
        "Saving groups: 100 of 1,000 rows (10%), 10s so far, about 1m30s left",
        "Saving groups: 300 of 1,000 rows (30%), 20s so far, about 47s left",
        "Saving groups: 301 of 1,000 rows (30%), 50s so far, about 1m56s left",
        "Saving groups: 1,000 of 1,000 rows (100%) in 2m30s",
    ]


def test_a_quick_run_says_so_once():
    out = io.StringIO()
    progress = Progress(out)
    assert list(progress.track(range(500), total=500, desc="Quick", unit="rows")) == list(
        range(500)
    )
    assert re.fullmatch(r"Quick: 500 of 500 rows \(100%\) in 0s\n", out.getvalue())


def test_a_run_that_fails_part_way_leaves_no_misleading_last_line(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("district,latitude,longitude\nLS6,53.8,-1.5\nLS7,north,-1.5\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="latitude and longitude must be numbers"):
        call_command("load_places", str(path), stdout=out)
    assert out.getvalue() == ""
    assert Place.objects.count() == 0


def test_durations_read_plainly():
    assert [duration(s) for s in (0, 0.4, 59, 60, 65, 3599, 3600, 7325)] == [
        "0s", "0s", "59s", "1m00s", "1m05s", "59m59s", "1h00m", "2h02m"
    ]  # fmt: skip


# --- --quiet --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["terminal", "pipe"])
def test_quiet_silences_the_progress_but_not_the_result(mode, tmp_path):
    text = run(mode, "import_groups", str(groups_csv(tmp_path, 5)), "--quiet")
    assert text.strip() == "Imported 5 new and 0 updated group(s)."

    text = run(mode, "load_places", str(districts_csv(tmp_path, 5)), "--quiet")
    assert text.strip() == "Loaded 5 places."

    text = run(mode, "generate_groups", "--count", "5", "--quiet")
    assert re.fullmatch(r"Generated 5 groups in [\d.]+s\.", text.strip())


def test_verbosity_zero_is_quiet_too(tmp_path):
    text = run("pipe", "load_places", str(districts_csv(tmp_path, 5)), "--verbosity", "0")
    assert text.strip() == "Loaded 5 places."
