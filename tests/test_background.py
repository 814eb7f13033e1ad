"""tests/background.py: a step's failure reaches the fixture that waits for it, steps run in order when one
comes after another, and the end of the session kills what still runs."""
import sys
import time

import background


def test_failure_is_reported_with_its_output(monkeypatch):
    monkeypatch.setattr(background, "_STEPS", {})
    background.start("ok-then-fail", [[sys.executable, "-c", "print('first')"],
                                      [sys.executable, "-c", "import sys; sys.exit('boom')"],
                                      [sys.executable, "-c", "print('never')"]])
    results = background.wait("ok-then-fail")
    assert [r.returncode for r in results] == [0, 1]  # stopped at the first failure
    assert results[0].stdout.strip() == "first" and "boom" in results[1].stderr
    assert background.wait("never-started") is None


def test_after_runs_in_order_and_a_missing_program_is_a_failure(monkeypatch, tmp_path):
    monkeypatch.setattr(background, "_STEPS", {})
    log = tmp_path / "order"
    write = "import sys, time; time.sleep(float(sys.argv[2])); open(sys.argv[1], 'a').write(sys.argv[3])"
    background.start("a", [[sys.executable, "-c", write, str(log), "0.5", "a"]])
    background.start("b", [[sys.executable, "-c", write, str(log), "0", "b"]], after="a")
    background.start("c", [["/nonexistent/program"]])
    assert background.wait("b")[0].returncode == 0
    assert log.read_text() == "ab"
    assert background.wait("c")[0].returncode != 0


def test_timeout_and_stop_all_kill_the_process_group(monkeypatch):
    monkeypatch.setattr(background, "_STEPS", {})
    background.start("slow", [["sh", "-c", "sleep 30 & sleep 30"]], timeout=0.5)
    t0 = time.monotonic()
    (proc,) = background.wait("slow")
    assert proc.returncode != 0 and "killed after" in proc.stderr and time.monotonic() - t0 < 10
    background.start("endless", [["sh", "-c", "sleep 30 & sleep 30"]])
    time.sleep(0.3)
    background.stop_all()
    (proc,) = background.wait("endless")
    assert proc.returncode != 0


def test_disabled_by_the_environment(monkeypatch):
    monkeypatch.setattr(background, "_STEPS", {})
    monkeypatch.setenv("EDGEVFM_NO_BACKGROUND", "1")
    background.start("x", [[sys.executable, "-c", "pass"]])
    assert background.wait("x") is None
