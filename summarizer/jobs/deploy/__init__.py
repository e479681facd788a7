"""Running unattended: the deployment scaffold (init), the readiness check (doctor), delivery to readers (deliver)."""
