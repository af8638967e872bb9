"""Every typed method, gathered once: `Fozzy` and `AsyncFozzy` both derive from `Surface`,
so a command added to any family module is a method of both clients (`fozzy.sdk.command`)."""

from __future__ import annotations

from fozzy.sdk.commands import Commands
from fozzy.sdk.profile_commands import ProfileCommands
from fozzy.sdk.store_commands import StoreCommands
from fozzy.sdk.workflow_commands import WorkflowCommands


class Surface(Commands, StoreCommands, ProfileCommands, WorkflowCommands):
    """The command families of docs/sdk-python.md's method table."""
