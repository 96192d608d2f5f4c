"""The failure watch: finding failed training jobs and what their logs say before they failed."""
