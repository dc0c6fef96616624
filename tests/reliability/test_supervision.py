"""`make run` supervision: a worker killed with SIGKILL comes back on its own while the web serves;
Ctrl-C stops everything."""
import os
import signal
import time

import pytest

from .supervised import Supervised, get

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def supervised(tmp_path):
    tree = Supervised(tmp_path).start()
    try:
        yield tree
    finally:
        tree.stop()


def test_killed_worker_restarts_while_web_serves_and_ctrl_c_stops_all(supervised):
    supervised.wait_healthy()
    before = supervised.children()
    assert set(before) == {"web", "worker", "beat"}, before

    os.kill(before["worker"], signal.SIGKILL)
    web_statuses, healthy_again = [], False
    deadline = time.monotonic() + 60  # the acceptance bound: every part ok again within 60 s
    while time.monotonic() < deadline:
        status, body = get(supervised.base + "/healthz")
        web_statuses.append(status)
        now = supervised.children()
        if status == 200 and now.get("worker") not in (None, before["worker"]):
            healthy_again = True
            break
        time.sleep(0.5)
    assert healthy_again, f"worker not back: {supervised.children()} {body}\n{supervised.output()}"
    assert 0 not in web_statuses, "the web stopped answering while the worker was down"
    after = supervised.children()
    assert after["web"] == before["web"] and after["beat"] == before["beat"], "web and beat were not restarted"


    # Ctrl-C at the terminal stops the three (and supervisord itself)
    supervised.stop()
    time.sleep(0.5)
    alive = []
    for name, pid in after.items():
        try:
            os.kill(pid, 0)
            alive.append(name)
        except ProcessLookupError:
            pass
    assert not alive, f"still running after Ctrl-C: {alive}"
