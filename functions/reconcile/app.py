"""ReconcileFunction's entry point (template.yaml: ``Handler: app.lambda_handler``); the handler is
``sagewatch.handlers.reconcile`` in the layer. Built at import, in the INIT phase: the configuration
is read (a mistake fails the cold start, naming the variable); clients wait for their first call.
"""

from sagewatch.handlers.reconcile import entry_point

lambda_handler = entry_point()
