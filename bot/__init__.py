"""recreate-job: re-run Baseten training jobs from Slack."""

import os

# The bot uses no pydantic plugins, and looking for them reads the metadata of every installed package when the
# first model is built: tens of milliseconds of each start-up. An operator who installs one can set this to "".
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
