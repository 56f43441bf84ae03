"""A development .env file sets what the environment does not (extranet.base.env.read_env_file)."""

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from extranet.base.env import read_env_file


def test_the_file_fills_in_what_the_environment_does_not_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TUTTI_TEST_DEBUG", raising=False)
    monkeypatch.setenv("TUTTI_TEST_DATABASE", "from-the-environment")
    env = tmp_path / ".env"
    env.write_text(
        '# dev\n\nTUTTI_TEST_DEBUG=1\nexport TUTTI_TEST_DATABASE="from-the-file"\n', encoding="utf-8"
    )

    loaded = read_env_file(env)

    assert loaded == ["TUTTI_TEST_DEBUG"]
    assert os.environ["TUTTI_TEST_DEBUG"] == "1"
    assert os.environ["TUTTI_TEST_DATABASE"] == "from-the-environment"
    monkeypatch.delenv("TUTTI_TEST_DEBUG")


def test_no_file_changes_nothing(tmp_path):
    assert read_env_file(tmp_path / "absent") == []
    assert read_env_file("") == []


def test_a_bad_line_names_its_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DEBUG=1\nnot a setting\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as refused:
        read_env_file(env)

    assert "line 2" in str(refused.value)
