"""The pytest plugin's machinery, loaded only when the plugin is on (`fozzy.pytest_plugin`)."""
