"""GradingSettings: worked out once per run, from the class folder or a named configuration, with each default declared once."""

from __future__ import annotations

import pickle

import pytest

from course.grading import settings
from course.grading.intake.ids import submission_pairs


@pytest.fixture
def clean_env(monkeypatch):
    for name in (settings.CLASS_DIR_ENV, settings.DB_URL_ENV, settings.CONFIG_ENV, settings.UNSANDBOXED_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_run_on_a_class_folder_gets_its_gradebook_and_the_declared_defaults(clean_env, tmp_path):
    run, warning = settings.run_settings(tmp_path, sandbox="off")
    assert run.class_dir == str(tmp_path.resolve()) and run.sandbox == "off" and "SANDBOX OFF" in warning
    assert run.db_url == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}?timeout={settings.SQLITE_BUSY_TIMEOUT}"
    assert (run.cell_timeout, run.notebook_timeout) == (settings.CELL_TIMEOUT, settings.NOTEBOOK_TIMEOUT)
    assert run.run_started and str(tmp_path.resolve()) in run.hidden_paths
    assert pickle.loads(pickle.dumps(run)) == run  # what a worker process or a Dask task receives


def test_the_environment_names_the_gradebook_unless_the_class_is_private(clean_env, tmp_path):
    clean_env.setenv(settings.DB_URL_ENV, "postgresql://grader@db.example/course")
    assert settings.class_settings(tmp_path).db_url.endswith("@db.example/course")
    assert "gradebook.db" in settings.class_settings(tmp_path, private_gradebook=True).db_url


def test_a_cluster_run_refuses_a_sqlite_gradebook_before_anything_is_graded(clean_env, tmp_path):
    with pytest.raises(settings.GradingError, match="Dask scheduler needs a shared PostgreSQL gradebook"):
        settings.run_settings(tmp_path, sandbox="off", cluster=True)


def test_a_named_configuration_file_is_read_once_for_the_run(clean_env, tmp_path):
    named = tmp_path / "grader_nbgrader_config.py"
    named.write_text(f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path / 'hub-class')!r}\n"
                     f"c.CourseDirectory.db_url = 'sqlite:///{tmp_path / 'hub.db'}'\n"
                     f"c.CourseDirectory.course_id = 'hub-course'\nc.Exchange.root = {str(tmp_path / 'srv')!r}\n")
    clean_env.setenv(settings.CONFIG_ENV, str(named))
    run, _ = settings.run_settings(sandbox="off")
    assert run.course_id == "hub-course" and run.class_dir == str((tmp_path / "hub-class").resolve())
    assert str((tmp_path / "srv").resolve()) in run.hidden_paths  # an exchange outside the class folder is hidden too


def test_submitted_folders_with_unsafe_names_or_links_are_refused_one_line_each(tmp_path):
    submitted = tmp_path / "submitted"
    (submitted / "alice" / "ps1").mkdir(parents=True)
    (submitted / "bad name" / "ps1").mkdir(parents=True)
    (submitted / "mallory").mkdir()
    (submitted / "mallory" / "ps1").symlink_to(submitted / "alice" / "ps1")
    refused: list[str] = []
    pairs, everyone = submission_pairs(tmp_path, ["ps1"], None, refused=refused)
    assert pairs == [("ps1", "alice")] and everyone == {"alice"}
    assert len(refused) == 2 and any("'bad name'" in line for line in refused) and any("link" in line for line in refused)
    with pytest.raises(settings.GradingError, match="refused"):
        submission_pairs(tmp_path, ["ps1"], "*")
