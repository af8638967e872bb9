"""Global flags, resolved once per invocation and read by every command."""

from __future__ import annotations

from dataclasses import dataclass, field

from fozzy.config import Config


@dataclass
class Globals:
    json: bool = False
    no_color: bool = False
    strict: bool = True
    config_path: str = "fozzy.toml"
    cwd: str | None = None  # the absolute directory `--cwd` moved to (reproduce commands)
    proc_backend: str | None = None
    fs_backend: str | None = None
    http_backend: str | None = None
    config: Config = field(default_factory=Config)

    def backends(self) -> dict[str, str]:
        """Effective backends: CLI flag, else config, else the deterministic default."""
        return {
            "proc": self.proc_backend or self.config.proc_backend,
            "fs": self.fs_backend or self.config.fs_backend,
            "http": self.http_backend or self.config.http_backend,
        }


G = Globals()
