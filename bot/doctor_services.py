"""The doctor's checks of what lies past Slack: the Baseten key and URL, the allowlist, the audit store and the
GPU budget it counts."""

from __future__ import annotations

from collections import Counter

from bot.baseten import BasetenClient, BasetenError, KeyRejected, NotFound, Unreachable
from bot.budget import Budget
from bot.check import Check
from bot.settings import Settings
from bot.store import StoreError, describe, open_store, utcnow


def check_baseten(baseten: BasetenClient, settings: Settings) -> Check:
    """The key, once the URL is known to lead to Baseten's API: a wrong URL is named as the URL, not the key."""
    url = f"BASETEN_API_URL={settings.baseten_api_url}"
    try:
        projects = baseten.list_projects()
    except KeyRejected as error:
        return Check("Baseten API key", False, f"rejected (HTTP {error.status}); set BASETEN_API_KEY to a valid key")
    except NotFound:
        return Check(
            "Baseten API URL",
            False,
            f"{url} has no /v1/training_projects (HTTP 404); set it to the API's base address, "
            "e.g. https://api.baseten.co, or leave it unset",
        )
    except Unreachable as error:
        return Check("Baseten API URL", False, f"{error.message} ({url}); check the network and the URL")
    except BasetenError as error:
        if error.status is not None and error.status < 300:
            return Check(
                "Baseten API URL", False, f"{url} did not answer like Baseten's API; e.g. https://api.baseten.co"
            )
        return Check("Baseten API", False, f"{error.message} ({url})")
    return Check("Baseten API key", True, f"accepted; {len(projects)} training projects visible")


def check_allowlist(settings: Settings) -> Check:
    if not settings.allowlist_configured:
        return Check("allowlist", False, "nobody may recreate jobs; set ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS")
    where = f" in {len(settings.allowed_channel_ids)} channels" if settings.allowed_channel_ids else ""
    return Check(
        "allowlist",
        True,
        f"{len(settings.allowed_user_ids)} users and {len(settings.allowed_usergroup_ids)} user groups{where}",
    )


def check_store(settings: Settings) -> list[Check]:
    """Connection, schema version and write access (the URL shown without its password), and what the GPU budget
    has counted in the last hour."""
    try:
        store = open_store(settings.database_url)
        try:
            version = store.schema_version()
            store.check_writable()
            spent = store.spent_since(Budget.window_start(utcnow()))
        finally:
            store.close()
    except StoreError as error:
        return [Check("audit store", False, f"{error}; fix DATABASE_URL, the server or the file's permissions")]
    per_user = settings.recreate_limit_per_user
    gpus = settings.gpu_limit_per_hour
    busiest = max(Counter(s.user_id for s in spent).values(), default=0)
    used = (
        f"last hour: {len(spent)} recreates, {sum(s.gpus for s in spent)} GPUs"
        f" of GPU_LIMIT_PER_HOUR={gpus if gpus is not None else 'off'};"
        f" busiest person {busiest} of RECREATE_LIMIT_PER_USER={per_user if per_user is not None else 'off'}"
    )
    where = f"{describe(settings.database_url)} is writable, at schema version {version}"
    return [Check("audit store", True, where), Check("GPU budget", True, used)]
