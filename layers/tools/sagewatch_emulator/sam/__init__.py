"""What ``sam local invoke`` does, without Docker: read the SAM template and run its functions.

- :mod:`.template` — the template with CloudFormation's short tags, Globals merged, and a
  :class:`~.template.Resolver` for intrinsic functions (``!Ref``, ``!Sub``, ``!GetAtt``, ``!If`` …);
- :mod:`.invoke` — a function resolved the way SAM resolves it (code, handler, layers,
  environment) and run in-process in a warm sandbox, its output and AWS calls captured.
"""
