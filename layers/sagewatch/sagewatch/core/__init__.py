"""Pure core: no boto3, no I/O. Everything here is testable with plain data."""
