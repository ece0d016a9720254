"""One settings object: flags > environment (METHEX_*) > ./methex.toml > defaults."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from extractor.backends.registry import make_backend
from extractor.backends.retry import RetryPolicy
from extractor.settings import SettingsError, load_settings


@pytest.fixture()
def here(tmp_path, monkeypatch):
    """A clean working directory and environment (no METHEX_* / OPENAI_* of the caller)."""
    import os
    for k in [k for k in os.environ if k.startswith(("METHEX_", "OPENAI_"))]:
        monkeypatch.delenv(k)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_precedence_flags_env_toml_defaults(here, monkeypatch):
    from extractor.models import models_dir
    from extractor.review import default_reviewer
    from extractor.store import default_db_path
    assert default_db_path() == "methex.db" and load_settings().retry_tries is None
    (here / "methex.toml").write_text('db = "toml.db"\nretry_tries = 7\nmodels = "/m"\n'
                                      'user = "ann"\n')
    assert default_db_path() == "toml.db" and RetryPolicy.from_env().max_tries == 7
    assert str(models_dir()) == "/m" and default_reviewer() == "ann"
    monkeypatch.setenv("METHEX_DB", "env.db")
    monkeypatch.setenv("METHEX_RETRY_TRIES", "2")
    monkeypatch.setenv("METHEX_USER", "bo")
    assert default_db_path() == "env.db" and RetryPolicy.from_env().max_tries == 2
    assert default_reviewer() == "bo"
    assert load_settings(db="flag.db").db == "flag.db"
    # a flag beats the environment: --max-retries 5 -> 6 tries
    be = make_backend("openai", model="m", base_url="http://localhost:1/v1", max_retries=5)
    assert be.retry.max_tries == 6
    assert make_backend("openai", model="m", base_url="http://localhost:1/v1").retry.max_tries == 2


def test_openai_client_variables_and_the_key(here, monkeypatch):
    (here / "methex.toml").write_text('openai_base_url = "http://localhost:9/v1"\n')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    s = load_settings()
    assert s.openai_base_url == "http://localhost:9/v1"
    assert s.openai_api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(s) and "sk-secret" not in str(s.model_dump())
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8/v1")     # env beats the file
    be = make_backend("openai", model="m")
    assert be.base_url == "http://localhost:8/v1" and be.settings["base_url"] == be.base_url
    assert make_backend("openai", model="m", base_url="http://localhost:7/v1").base_url == \
        "http://localhost:7/v1"                                       # the flag beats both


def test_bad_settings_name_the_variable_or_the_file(here, monkeypatch):
    from extractor.cli import cli
    with pytest.raises(SettingsError, match="METHEX_RETRY_SECONDS='soon' is not a number"):
        load_settings(environ={"METHEX_RETRY_SECONDS": "soon"})
    (here / "methex.toml").write_text('dbb = "typo.db"\n')
    with pytest.raises(SettingsError, match="methex.toml: unknown setting 'dbb'"):
        load_settings()
    res = CliRunner().invoke(cli, ["query", "frameworks"])
    assert res.exit_code == 1 and "unknown setting 'dbb'" in res.output
    assert "Traceback" not in res.output
