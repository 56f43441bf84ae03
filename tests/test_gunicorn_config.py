"""deploy/gunicorn.conf.py: the values production starts with, read from the environment."""

import gc
import runpy
from pathlib import Path

from django.conf import settings

CONFIG = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"


def test_workers_and_timeouts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    config = runpy.run_path(str(CONFIG))
    assert (config["workers"], config["timeout"], config["worker_class"]) == (3, 45, "sync")
    assert config["preload_app"] is True


def test_what_the_app_loaded_is_frozen_before_a_worker_is_forked():
    config = runpy.run_path(str(CONFIG))
    try:
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        config["pre_fork"](server=None, worker=None)
        # The modules, settings and templates loaded so far are out of the collector's reach.
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
