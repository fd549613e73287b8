"""The Anthropic client's settings: the key and base URL come from the environment, never from a spec."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AnthropicSettings(BaseSettings):
    """Credentials come from the environment, never from a spec."""

    model_config = SettingsConfigDict(extra="ignore")

    anthropic_api_key: SecretStr = Field(min_length=1)  # an empty key is no key
    anthropic_base_url: str | None = None


def client_options(timeout_seconds: float, max_retries: int) -> dict[str, Any]:
    """Keyword arguments for anthropic.AsyncAnthropic from the environment's key and base URL."""
    settings = AnthropicSettings()
    return {
        "api_key": settings.anthropic_api_key.get_secret_value(),
        "base_url": settings.anthropic_base_url,
        "timeout": timeout_seconds,
        "max_retries": max_retries,
    }
