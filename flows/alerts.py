"""Nobody learns of a failed nightly a week later: an automation on the Prefect server that posts to a webhook
(Slack, Teams, or any HTTP endpoint) whenever a build emits synthfactory.build.failed (flows/events.py).

`make alerts` (or `python -m flows.alerts`) creates or updates it on the server at PREFECT_API_URL, for the URL in
SYNTHFACTORY_ALERT_WEBHOOK_URL; the URL is stored in a Prefect block, never in the repository. Prefect refuses to
post to a private or loopback address at send time, and says so only in the server's log; so such a URL is refused
here, at once, unless SYNTHFACTORY_ALERT_ALLOW_PRIVATE=1 says it is meant (an internal relay).
"""

from __future__ import annotations

import os
import sys
from uuid import UUID

from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.settings import get_current_settings
from prefect.utilities.urls import validate_restricted_url

from flows.events import FAILED

NAME = "synthfactory-build-failed"
ALLOW_PRIVATE = "SYNTHFACTORY_ALERT_ALLOW_PRIVATE"
BODY = (
    "synthfactory: the build of {{ event.resource['prefect.resource.name'] }} failed "
    "(flow run {{ event.payload.flow_run_id }}): {{ event.payload.error }}"
)


def failure_automation(block_id: UUID) -> Automation:
    """Every synthfactory.build.failed event, at once and for each dataset, sends one notification."""
    return Automation(
        name=NAME,
        description="Tell someone when a synthfactory build fails (flows/alerts.py).",
        trigger=EventTrigger(expect={FAILED}, posture=Posture.Reactive, threshold=1, for_each={"prefect.resource.id"}),
        actions=[SendNotification(block_document_id=block_id, subject="A synthfactory build failed", body=BODY)],
    )


def ensure_failure_alert(webhook_url: str, allow_private_urls: bool = False) -> UUID:
    """Create or update the webhook block and the automation on the current Prefect server; the automation's id."""
    block = CustomWebhookNotificationBlock(
        name=NAME, url=webhook_url, json_data={"text": "{{body}}"}, allow_private_urls=allow_private_urls
    )
    block_id = block.save(NAME, overwrite=True)
    wanted = failure_automation(block_id)
    try:
        existing = Automation.read(name=NAME)
    except ValueError:
        return wanted.create().id  # type: ignore[return-value]
    existing.trigger, existing.actions = wanted.trigger, wanted.actions
    existing.update()
    return existing.id  # type: ignore[return-value]


def main() -> int:
    url = os.environ.get("SYNTHFACTORY_ALERT_WEBHOOK_URL")
    if not url:
        print("set SYNTHFACTORY_ALERT_WEBHOOK_URL to the webhook that hears of failed builds", file=sys.stderr)
        return 2
    if not (os.environ.get("PREFECT_API_URL") or get_current_settings().api.url):
        print(
            "set PREFECT_API_URL to the Prefect server the builds report to: without it the automation would be made "
            "on a temporary server that stops at once",
            file=sys.stderr,
        )
        return 2
    allow_private = os.environ.get(ALLOW_PRIVATE, "") == "1"
    if not allow_private:
        try:
            validate_restricted_url(url)
        except ValueError as error:
            problem = " ".join(str(error).split()).rstrip(".")
            if "could not be resolved" in problem:  # from here: the server may resolve it, so say so and go on
                print(f"warning: SYNTHFACTORY_ALERT_WEBHOOK_URL: {problem} from this machine", file=sys.stderr)
            else:
                meant = f"; if the address is meant (an internal relay), set {ALLOW_PRIVATE}=1"
                print(
                    f"SYNTHFACTORY_ALERT_WEBHOOK_URL: {problem}: Prefect would not post there"
                    + (meant if "private" in problem else ""),
                    file=sys.stderr,
                )
                return 2
    print(f"automation {NAME}: {ensure_failure_alert(url, allow_private_urls=allow_private)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
