"""Grade export, table and figure (course.grading.reports.grades) on a hand-made report, and due dates (course.grading.parse_due)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from course.grading.classdir import GradingError
from course.grading.run.verbs import parse_due
from course.grading.reports.grades import GradeReport, GradeRow, alt_text, band_counts, format_late, plot_distribution, write_lms_csv


@pytest.fixture
def report():
    rows = [
        GradeRow("ps1", "s1", "Amina", "Diallo", True, score=11, max_score=11, code_score=7, max_code_score=7, written_score=4, max_written_score=4),
        GradeRow("ps1", "s2", "Jean", "Martin", True, score=5.5, max_score=11, code_score=4, max_code_score=7, written_score=1.5,
                 max_written_score=4, to_grade=1, seconds_late=59400, late_penalty=1),
        GradeRow("ps1", "s3", "Sara", "Keller", False),
    ]
    return GradeReport(assignments=["ps1"], max_scores={"ps1": 11.0}, rows=rows)


def test_late_penalty_is_subtracted_and_never_goes_below_zero():
    """Does the LMS score subtract nbgrader's late penalty without going negative?"""
    assert GradeRow("a", "s", "", "", True, score=5, late_penalty=2).final_score == 3
    assert GradeRow("a", "s", "", "", True, score=1, late_penalty=2).final_score == 0


def test_lateness_reads_as_days_hours_minutes():
    """Is lateness printed the way a teacher reads it?"""
    assert format_late(0) == ""
    assert format_late(59400) == "16h30m late"
    assert format_late(90000 + 60) == "1d1h01m late"
    assert format_late(300) == "5m late"


def test_table_lists_submissions_with_status_and_a_summary(report):
    """Does the table show each submission's parts, lateness and cells left to grade, and skip non-submitters?"""
    table = report.table()
    assert "s2" in table and "4/7" in table and "1.5/4" in table and "4.5/11" in table
    assert "16h30m late; 1 cell(s) to grade by hand" in table
    assert "s3" not in table
    assert "ps1: 2 submissions, median 70% of 11 points, 1 late, 1 cell(s) still to grade by hand" in table


def test_csv_leaves_non_submitters_empty(report, tmp_path):
    """Does a student without a submission get an empty cell, so an import never writes a zero over a Canvas grade?"""
    path = write_lms_csv(report, tmp_path / "grades.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1] == ["Points Possible", "", "", "", "", "11"]
    assert rows[2:] == [["Diallo, Amina", "", "s1", "s1", "", "11"], ["Martin, Jean", "", "s2", "s2", "", "4.5"],
                        ["Keller, Sara", "", "s3", "s3", "", ""]]


def test_full_marks_fall_in_the_top_band(report):
    """Is 100% counted in the 90-100 band, not in an eleventh one?"""
    counts = band_counts(report, "ps1")
    assert len(counts) == 10 and counts[9] == 1 and counts[4] == 1 and sum(counts) == 2


def test_figure_is_written_with_alt_text(report, tmp_path):
    """Are the PNG and its alt text written, and does the text give the counts the bars show?"""
    png, text = plot_distribution(report, tmp_path / "dist.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert text.read_text(encoding="utf-8") == alt_text(report) + "\n"
    assert "ps1: 2 submissions; 40-49%: 1, 90-100%: 1." in alt_text(report)


def test_due_dates_are_stored_as_naive_utc():
    """Is a due date with an offset converted to UTC, a naive one taken as UTC, and a bad one refused?"""
    assert parse_due("2025-03-14T18:00+01:00") == dt.datetime(2025, 3, 14, 17, 0)
    assert parse_due("2025-03-14T17:00") == dt.datetime(2025, 3, 14, 17, 0)
    assert parse_due(None) is None
    with pytest.raises(GradingError, match="not ISO 8601"):
        parse_due("next Friday")
