"""What every part of the service shares: settings, errors, logging, the Plugin type."""
