"""Fleet: change detection and the reconcile plan, the fleet overview."""
