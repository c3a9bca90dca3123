"""DynamoDB: the delivery table (delivery records, Slack's channel leases) and the fleet state table."""
