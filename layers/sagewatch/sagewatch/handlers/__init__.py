"""The Lambda handlers, one module per function: parse the event, call one use case, report.

``functions/<name>/app.py`` is only the entry point the template names (``app.lambda_handler``):
it calls this package's ``entry_point()`` at import, so the function's configuration is read and
its wiring built in the INIT phase, once per execution environment (and once per sandbox of the
emulated account, which imports each function's ``app.py`` under its own name). Tests import
these modules like any other and pass their own config and wiring.
"""
