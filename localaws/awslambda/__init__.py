"""Lambda extension: code signing configs and deploy-time signature validation."""
