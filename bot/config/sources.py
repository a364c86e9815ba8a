"""Where the values come from: `config.toml`, with `BOT_<SECTION>_<KEY>` and `DATABASE_URL` over it.

Why pydantic-settings with an environment source of our own: its TOML source reads the file and
its environment source finds `BOT_<SECTION>_<KEY>` by prefix and nested delimiter (`_`, split
once, so `BOT_WEB_SECRET_KEY` is web.secret_key while section names stay single words). This
subclass adds the two things the project needs: it reads the mapping `load_settings` is handed
(tests and the CLI pass their own), and it parses each string into its field's type, a list from
a comma-separated value, before validation. The file's values are validated strictly, because
`port = "8000"` in a typed file is a mistake while `BOT_WEB_PORT=8000` is the only way to say it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, TomlConfigSettingsSource

from bot.config.errors import ConfigError, config_error

# Keys that hold secrets: in production they must come from the environment, never the file.
SECRET_KEYS = (("web", "secret_key"), ("line", "channel_secret"), ("line", "channel_access_token"),
               ("telegram", "token"), ("telegram", "webhook_secret"), ("email", "smtp_password"),
               ("email", "imap_password"), ("metrics", "token"))


class EnvironmentSource(EnvSettingsSource):
    """`BOT_<SECTION>_<KEY>` (and `DATABASE_URL`) from the given mapping, parsed into each field's type."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self.environ = environ
        super().__init__(settings_cls, env_prefix="BOT_", env_nested_delimiter="_", env_nested_max_split=1)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name.lower(): value for name, value in self.environ.items()}

    def prepare_field_value(self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool) -> Any:
        keys: dict[str, FieldInfo] | None = getattr(field.annotation, "__pydantic_fields__", None)
        if keys is None:  # the [[list]] sections come from the file only
            return None
        texts = self.explode_env_vars(field_name, field, self.env_vars)
        return {key: parse_text((field_name, key), keys[key], text)
                for key, text in texts.items() if key in keys and isinstance(text, str)}

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        if self.environ.get("DATABASE_URL"):
            values.setdefault("database", {})["url"] = self.environ["DATABASE_URL"]
        return values


def parse_text(key: tuple[str, str], field: FieldInfo, text: str) -> Any:
    """An environment string as the field's type; a list setting takes `a, b, c`."""
    annotation: Any = field.annotation
    try:
        if get_origin(annotation) is tuple:
            item = TypeAdapter(get_args(annotation)[0])
            parts = [part.strip() for part in text.split(",") if part.strip()]
            values = []
            for index, part in enumerate(parts):
                try:
                    values.append(item.validate_strings(part))
                except ValidationError as exc:
                    raise config_error(exc, (*key, index)) from None
            return values
        return TypeAdapter(annotation).validate_strings(text)
    except ValidationError as exc:
        raise config_error(exc, key) from None


def file_source(settings_cls: type[BaseSettings], path: Path) -> TomlConfigSettingsSource:
    """The file's tables; a missing or broken file stops start-up naming the file."""
    if not path.is_file():
        raise ConfigError(f"config file {path}: not found")
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from exc


def refuse_secrets_in_file(file: Mapping[str, Any], environ: Mapping[str, str]) -> None:
    """In production a secret written in the file stops start-up: it belongs in the environment."""
    app = file.get("app")
    file_env = app.get("env", "") if isinstance(app, Mapping) else ""
    if str(environ.get("BOT_APP_ENV", file_env)) != "production":
        return
    for section, key in SECRET_KEYS:
        table = file.get(section)
        if isinstance(table, Mapping) and table.get(key):
            variable = f"BOT_{section}_{key}".upper()
            raise ConfigError(f"{section}.{key}: secrets must come from the environment ({variable}) in production")
