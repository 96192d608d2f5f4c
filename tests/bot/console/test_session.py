"""`python -m bot console --demo` driven by piped input: what someone trying the bot in a terminal sees."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.console.demo_samples import PROJECTS, SAMPLES
from bot.console.session import run
from bot.logs import RedactSecrets
from bot.settings import Settings
from bot.store import Outcome, SqliteAuditStore
from tests.fakes.baseten import API_KEY, FakeBaseten

ROOT = Path(__file__).resolve().parents[3]
AUDIT_FILE = "recreate-job.db"
RunConsole = Callable[..., str]


def _is_setting(name: str) -> bool:
    return name.lower() in Settings.model_fields


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunConsole:
    """Runs the demo console in-process in an empty directory, with none of this machine's settings."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if _is_setting(name):
            monkeypatch.delenv(name)

    def run_console(script: str, *argv: str) -> str:
        out = io.StringIO()
        assert run(["--demo", *argv], stdin=io.StringIO(script), out=out, sleep=lambda _seconds: None) == 0
        return out.getvalue()

    return run_console


@pytest.fixture
def console_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseten: FakeBaseten) -> RunConsole:
    """The console without --demo, against a fake Baseten on loopback, as the operating-system user `tester`."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if _is_setting(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("USER", "tester")
    monkeypatch.setenv("LOGNAME", "tester")
    monkeypatch.setenv("BASETEN_API_KEY", API_KEY)
    monkeypatch.setenv("BASETEN_API_URL", baseten.url)
    monkeypatch.setenv("ALLOWED_USER_IDS", "U0ALLOWED1 U0ALLOWED2")

    def run_console(script: str, *argv: str, scrubber: RedactSecrets | None = None) -> str:
        out = io.StringIO()
        assert run(list(argv), stdin=io.StringIO(script), out=out, sleep=lambda _s: None, scrubber=scrubber) == 0
        return out.getvalue()

    return run_console


def replies(output: str) -> list[tuple[str, str]]:
    """Each line the console read (echoed as `> line`), with everything printed until the next one."""
    parts = re.split(r"^> (.*)$", output, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def reply(output: str, typed: str, occurrence: int = 0) -> str:
    matching = [text for line, text in replies(output) if line == typed]
    assert len(matching) > occurrence, f"{typed!r} was not read {occurrence + 1} times:\n{output}"
    return matching[occurrence]


def test_the_intro_lists_every_sample_job_with_its_project_and_status(console: RunConsole) -> None:
    output = console("")

    intro = output.split("\n\n")[0]
    assert "You are U0DEMO0001 in channel C0CONSOLE1" in intro
    for sample in SAMPLES:
        line = next((line for line in intro.splitlines() if line.strip().startswith(sample.job_id)), None)
        assert line is not None, f"{sample.job_id} is not listed:\n{intro}"
        assert sample.name in line
        assert PROJECTS[sample.project_id] in line
        assert sample.status.removeprefix("TRAINING_JOB_").lower() in line
    assert "Try: p7qr9qv" in intro


def test_the_intro_counts_the_gpus_of_every_node(console: RunConsole) -> None:
    intro = console("").split("\n\n")[0].splitlines()

    def gpus(job_id: str) -> str:
        return next(line for line in intro if line.strip().startswith(job_id))

    assert "2 nodes × 8 × H100 = 16 GPUs" in gpus("r3unn1n")
    assert gpus("p7qr9qv").endswith("completed  8 × H100")
    assert "CPU only" in gpus("e5cpu01")


def test_markup_is_shown_as_text_not_as_its_markers(console: RunConsole) -> None:
    preview = reply(console("p7qr9qv\n"), "p7qr9qv")

    assert "This starts a new job with the same configuration." in preview
    assert "*" not in preview


def test_a_recreate_shows_a_preview_and_confirming_posts_the_card_of_the_new_job(console: RunConsole) -> None:
    output = console("p7qr9qv\n1\n")

    preview = reply(output, "p7qr9qv")
    assert "== Recreate p7qr9qv? ==" in preview
    assert "Job: `p7qr9qv` llama-8b-sft" in preview
    assert "Project: llama-finetune `n4q95w5`" in preview
    assert "[1] Recreate  [2] Cancel" in preview
    assert "Training job recreated" not in preview, "nothing may start before the confirmation"

    card = reply(output, "1")
    assert "== Training job recreated: d001p7q ==" in card
    assert "New job: `d001p7q` llama-8b-sft" in card
    assert "Instance: H100 x8" in card
    assert "GPUs: 8 × H100" in card
    assert "Recreated from: `p7qr9qv`" in card
    assert "Open in Baseten: https://app.baseten.co/training/n4q95w5/logs/d001p7q" in card


def test_a_button_can_be_answered_by_its_name_and_cancelling_creates_nothing(console: RunConsole) -> None:
    output = console("p7qr9qv\ncancel\n1\n")

    cancelled = reply(output, "cancel")
    assert "replacing the message with the buttons" in cancelled
    assert "Cancelled. Nothing was created from `p7qr9qv`." in cancelled
    # The preview's buttons are gone, so a stray `1` is read as a (bad) job ID, not as a click on Recreate.
    assert "not a Baseten job ID" in reply(output, "1")
    assert "Training job recreated" not in output


def test_a_user_not_on_the_allowlist_is_refused_before_baseten_is_asked(console: RunConsole) -> None:
    output = console("p7qr9qv\n", "--user", "U0NOTALLOW")

    assert "You are U0NOTALLOW" in output
    refusal = reply(output, "p7qr9qv")
    assert "You are not allowed to recreate training jobs" in refusal
    assert "Nothing was sent to Baseten" in refusal
    assert "Recreate p7qr9qv?" not in refusal


def test_a_user_not_on_the_allowlist_asking_for_history_is_told_they_may_not_use_the_bot(
    console: RunConsole,
) -> None:
    refusal = reply(console("history\n", "--user", "U0NOTALLOW"), "history")

    assert "You are not allowed to use this bot, so you cannot read its history" in refusal
    assert "recreate" not in refusal


def test_bad_input_shows_the_error_and_the_usage(console: RunConsole) -> None:
    answer = reply(console("../etc\n"), "../etc")

    assert "is not a Baseten job ID" in answer
    assert "/recreate-job <job_id>" in answer
    assert "/recreate-job <link to the job in Baseten>" in answer


def test_history_lists_the_recreate_made_earlier_in_the_session(console: RunConsole) -> None:
    output = console("p7qr9qv\n1\nhistory\n")

    history = reply(output, "history")
    assert "Recent recreations (1)" in history
    assert "@U0DEMO0001 `p7qr9qv` → `d001p7q`" in history
    assert "H100 x8" in history
    # Shown as Slack shows it, in the reader's time zone, which the footer says; not as a UTC fallback.
    assert re.search(r"Today \d\d:\d\d @U0DEMO0001", history), history
    assert "Times are in your time zone" in history
    assert "UTC" not in history


def test_a_job_that_was_not_found_is_listed_once_as_not_found(console: RunConsole) -> None:
    history = reply(console("zz9zz9z\nhistory\n"), "history")

    assert "`zz9zz9z` → job not found" in history
    assert "not found: job not found" not in history


def test_every_line_of_a_message_is_indented_under_its_header(console: RunConsole) -> None:
    """Multi-line texts (help, history) once printed their later lines at the margin, outside the message."""
    output = console("help\n")

    message = reply(output, "help").strip("\n").splitlines()
    assert message[0] == "[only you]"
    assert any("/recreate-job <job_id>" in line for line in message)
    assert all(line.startswith("  ") for line in message[1:]), message


def test_a_job_that_does_not_exist_is_reported_as_not_found(console: RunConsole) -> None:
    answer = reply(console("zz9zz9z\n"), "zz9zz9z")

    assert "I could not find training job `zz9zz9z` in Baseten, so nothing was created" in answer
    assert "Recreate zz9zz9z?" not in answer


def test_a_recreate_that_baseten_answers_with_500_ends_with_nothing_created_and_a_retry_button(
    console: RunConsole,
) -> None:
    """Slow on purpose: the bot looks in the project for a while (as it would in production) before concluding."""
    output = console("b0rked1\n1\n")

    assert "[1] Recreate  [2] Cancel" in reply(output, "b0rked1")
    outcome = reply(output, "1")
    assert "HTTP 500" in outcome
    assert "nothing was created" in outcome
    assert "[1] Retry" in outcome
    assert "Training job recreated" not in outcome


def test_quit_ends_the_session_and_later_lines_are_not_read(console: RunConsole) -> None:
    output = console("zz9zz9z\nquit\np7qr9qv\n")

    assert [line for line, _ in replies(output)] == ["zz9zz9z"]
    assert "Recreate p7qr9qv?" not in output


def test_the_demo_never_opens_the_configured_store_or_uses_the_configured_allowlist(
    console: RunConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a production host the environment names the real store and real people: a demo touches neither."""
    production = tmp_path / "data" / "production.db"
    production.parent.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{production}")
    monkeypatch.setenv("ALLOWED_USER_IDS", "U0REALPERSON")
    monkeypatch.setenv("AUDIT_CHANNEL_ID", "C0REALAUDIT")

    output = console("p7qr9qv\n1\nhistory\n")

    assert "== Training job recreated: d001p7q ==" in reply(output, "1")
    assert "@U0DEMO0001 `p7qr9qv` → `d001p7q`" in reply(output, "history")
    assert "U0REALPERSON" not in output
    assert list(production.parent.iterdir()) == []
    assert not (tmp_path / AUDIT_FILE).exists()


def test_without_demo_every_attempt_is_recorded_as_made_from_the_console_by_the_operating_system_user(
    console_real: RunConsole, tmp_path: Path
) -> None:
    output = console_real("p7qr9qv\n1\nhistory\n")

    intro = output.split("\n\n")[0]
    assert "Recreates here are real" in intro
    assert "recorded in the audit store as made from the console by tester" in intro
    store = SqliteAuditStore(tmp_path / AUDIT_FILE)
    try:
        (recorded,) = store.recent(10)
    finally:
        store.close()
    assert (recorded.user_id, recorded.origin, recorded.outcome) == ("U0ALLOWED1", "console:tester", Outcome.CREATED)
    assert "from the console (tester)" in reply(output, "history")


def test_acting_as_someone_else_is_recorded_as_an_impersonation(console_real: RunConsole, tmp_path: Path) -> None:
    output = console_real("p7qr9qv\n1\n", "--user", "U0ALLOWED2")

    assert "acting as U0ALLOWED2: recorded as tester impersonating them" in output.split("\n\n")[0]
    store = SqliteAuditStore(tmp_path / AUDIT_FILE)
    try:
        (recorded,) = store.recent(10)
    finally:
        store.close()
    assert (recorded.user_id, recorded.origin) == ("U0ALLOWED2", "console:tester as U0ALLOWED2")


def test_python_m_bot_console_demo_runs_with_piped_input(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not _is_setting(name)}
    env["PYTHONPATH"] = str(ROOT)

    finished = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--demo"],
        input="p7qr9qv\n1\nquit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert "Sample jobs:" in finished.stdout
    assert "== Recreate p7qr9qv? ==" in finished.stdout
    assert "== Training job recreated: d001p7q ==" in finished.stdout
    assert list(tmp_path.iterdir()) == []  # the demo's store is its own, in memory


def test_the_consoles_log_lines_are_scrubbed_of_the_secrets_it_read(console_real: RunConsole) -> None:
    scrubber = RedactSecrets()

    console_real("", scrubber=scrubber)

    assert scrubber.scrub(f"Baseten refused Api-Key {API_KEY!r}") == "Baseten refused Api-Key '[redacted]'"
