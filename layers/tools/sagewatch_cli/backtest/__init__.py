"""``sagewatch backtest``: the alarms SageWatch would fit to an endpoint, replayed over its history.

``report`` is pure (which series to read, each alarm's replay, the table); ``backtester`` reads the
endpoint and its history through the runtime's adapters. Neither ships in the Lambda layer.
"""
