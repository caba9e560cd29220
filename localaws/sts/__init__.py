"""STS: AssumeRole answers AccessDenied unless the role's trust policy lets the caller in."""
