"""Run the Pulumi program without the Pulumi CLI or an AWS account."""
