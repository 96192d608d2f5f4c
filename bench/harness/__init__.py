"""What every bench script shares: the bot process and its fakes, the drivers, sampling, figures and tables."""
