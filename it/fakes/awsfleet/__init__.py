"""moto, with EC2 instances that really boot: see README.md."""
