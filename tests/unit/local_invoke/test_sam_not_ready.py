"""The harness's answer to SAM CLI giving up before the container's runtime listens.

SAM CLI 1.170 prints "No response from invoke container for <function>" when it asked the
container too early (under qemu, on a busy machine), and then does not exit until the function's
Timeout has passed. ``harness.run_sam`` ends such a process as soon as the line appears, so the
invocation can be tried again; a command that answered is left alone. Stand-in commands play SAM
CLI here (no Docker, no network).
"""

from __future__ import annotations

from tests.local_invoke import harness


def test_a_sam_that_gave_up_is_ended_at_once_and_retried() -> None:
    # Like SAM CLI: the line on stderr, then a long wait (its Timeout) before exiting 0.
    gave_up = f"echo '{harness.NOT_READY} for NotifyFunction' >&2; sleep 600; exit 0"
    # The guard is far shorter than the wait: reaching it would raise TimeoutExpired.
    done = harness.run_sam(["bash", "-c", gave_up], env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode != 0
    assert harness.container_not_ready(done)


def test_an_answer_is_kept_and_not_retried() -> None:
    answered = 'echo "Invoking app.lambda_handler" >&2; echo \'{"outcome": "skipped"}\''
    done = harness.run_sam(["bash", "-c", answered], env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0
    assert not harness.container_not_ready(done)
    assert done.stdout.strip().splitlines()[-1] == '{"outcome": "skipped"}'


def test_another_failure_is_not_taken_for_an_early_ask() -> None:
    failed = "echo 'Error: template not found' >&2; exit 1"
    done = harness.run_sam(["bash", "-c", failed], env={"PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 1
    assert not harness.container_not_ready(done)
