"""CloudWatch: alarms and dashboards, the metrics an alert shows, days of metric history, alarm
history, and Metrics Insights sums for the fleet widget."""
