"""One settings object for methex: flags > environment (METHEX_*) > ./methex.toml > defaults.

Flags are applied by their callers (a flag given wins over `load_settings()`); this module
merges the rest. The OpenAI client's own variables (OPENAI_API_KEY, OPENAI_BASE_URL) keep
working, The API key is a SecretStr excluded from
every dump: it is never stored, keyed or logged.

    # methex.toml
    db = "papers.db"
    retry_tries = 6
    openai_base_url = "http://localhost:11434/v1"
"""
from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import (BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource,
                               SettingsConfigDict, TomlConfigSettingsSource)
from pydantic_settings.sources.utils import parse_env_vars

TOML_FILE = "methex.toml"
ENV_PREFIX = "METHEX_"

# Set only while load_settings() runs with an explicit environment / toml file.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("methex_environ", default=None)
_TOML: ContextVar[Path | None] = ContextVar("methex_toml", default=None)


class SettingsError(ValueError):
    """A setting has a value of the wrong kind; the message names the variable."""


class _Environ(EnvSettingsSource):
    def _load_env_vars(self):
        env = _ENVIRON.get()
        if env is None:
            return super()._load_env_vars()
        return parse_env_vars(env, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


class MethexSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True,
                                      extra="forbid", populate_by_name=True)

    db: str | None = Field(None, description="SQLite database (default ./methex.db)")
    models: Path | None = Field(None, description="where local models are installed "
                                "(default ~/.cache/methex/models)")
    user: str | None = Field(None, description="author of reviews (default: the login name)")
    retry_tries: int | None = Field(None, description="tries per document x group")
    retry_seconds: float | None = Field(None, description="wall-time budget per unit")
    retry_base_delay: float | None = Field(None, description="first wait before a retry")
    retry_max_delay: float | None = Field(None, description="longest wait between retries")
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("METHEX_OPENAI_BASE_URL", "OPENAI_BASE_URL"))
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("METHEX_OPENAI_API_KEY", "OPENAI_API_KEY"),
        exclude=True, repr=False)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        toml = _TOML.get()
        sources = [init_settings, _Environ(settings_cls)]
        if toml is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml))
        return tuple(sources)


def _env_name(field: str) -> str:
    alias = MethexSettings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return ENV_PREFIX + field.upper()


def _explain(e: ValidationError, toml: Path | None) -> str:
    lines = []
    for err in e.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "extra_forbidden":
            lines.append(f"{toml or TOML_FILE}: unknown setting {name!r}")
            continue
        var = _env_name(name) if name in MethexSettings.model_fields else name
        what = "is not a number" if err["type"] in ("int_parsing", "float_parsing") else \
            err["msg"]
        lines.append(f"{var}={err.get('input')!r} {what}")
    return "; ".join(lines)


def load_settings(environ: Mapping[str, str] | None = None,
                  toml: str | Path | None = TOML_FILE, **flags) -> MethexSettings:
    """The settings now: `flags` (those not None) > `environ` (default os.environ) > the
    `toml` file (default ./methex.toml when it exists; None: no file) > defaults."""
    path = Path(toml) if toml is not None else None
    tokens = (_ENVIRON.set(environ), _TOML.set(path))
    try:
        return MethexSettings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as e:
        raise SettingsError(_explain(e, path)) from None
    finally:
        _TOML.reset(tokens[1])
        _ENVIRON.reset(tokens[0])


