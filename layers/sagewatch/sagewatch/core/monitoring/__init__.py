"""Setting up monitoring: endpoint events and profiles, policy and tags, the alarm catalogue
and builder, dashboards, the diff, cost."""
