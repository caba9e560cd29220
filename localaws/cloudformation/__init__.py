"""CloudFormation extension: resources that fail as AWS reports them (moto raises mid-create)."""
