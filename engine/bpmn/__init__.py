"""The only package that imports SpiffWorkflow: a typed facade over the BPMN runtime."""
