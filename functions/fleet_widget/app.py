"""FleetWidgetFunction's entry point (template.yaml: ``Handler: app.lambda_handler``); the handler is
``sagewatch.handlers.fleet_widget`` in the layer. Built at import, in the INIT phase: the configuration
is read (a mistake fails the cold start, naming the variable); clients wait for their first call.
"""

from sagewatch.handlers.fleet_widget import entry_point

lambda_handler = entry_point()
