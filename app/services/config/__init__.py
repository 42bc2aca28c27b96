"""Orchard's home and its settings: config.toml, the secrets store, files written whole."""

from typing import TYPE_CHECKING

from app.exports import lazy_exports

if TYPE_CHECKING:
    from app.services.config.atomicfile import write_atomically as write_atomically
    from app.services.config.secrets import KNOWN as KNOWN
    from app.services.config.secrets import SecretsError as SecretsError
    from app.services.config.secrets import SecretStore as SecretStore
    from app.services.config.settings import THEMES as THEMES
    from app.services.config.settings import ConfigError as ConfigError
    from app.services.config.settings import ExecutorSettings as ExecutorSettings
    from app.services.config.settings import Home as Home
    from app.services.config.settings import LlmSettings as LlmSettings
    from app.services.config.settings import Settings as Settings
    from app.services.config.settings import default_profiles as default_profiles
    from app.services.config.settings import executor_from as executor_from
    from app.services.config.settings import load_settings as load_settings
    from app.services.config.settings_file import check_agent as check_agent
    from app.services.config.settings_file import locate_agent as locate_agent
    from app.services.config.settings_file import save_more_settings as save_more_settings
    from app.services.config.settings_file import save_secrets as save_secrets
    from app.services.config.settings_file import save_settings as save_settings
    from app.services.config.tomlfile import dumps as dumps
else:
    __getattr__ = lazy_exports(
        __name__,
        names={
            "atomicfile": ("write_atomically",),
            "tomlfile": ("dumps",),
            "secrets": ("KNOWN", "SecretStore", "SecretsError"),
            "settings": (
                "THEMES",
                "ConfigError",
                "ExecutorSettings",
                "Home",
                "LlmSettings",
                "Settings",
                "default_profiles",
                "executor_from",
                "load_settings",
            ),
            "settings_file": (
                "check_agent",
                "locate_agent",
                "save_more_settings",
                "save_secrets",
                "save_settings",
            ),
        },
    )
