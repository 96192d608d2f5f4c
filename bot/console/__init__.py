"""Running the bot without Slack: a terminal console, with an optional simulated Baseten."""
