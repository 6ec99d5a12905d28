"""What operators see: metrics, log lines, traces and the build."""
