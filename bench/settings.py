"""The production settings, plus the bare "hello" view the benchmark compares pages with."""

from extranet.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
