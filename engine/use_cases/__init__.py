"""The engine's use cases, one module each, around one unit of work (engine/ports.py).

- open_case.py: register a case and start its process;
- complete_task.py: a person completes a waiting task;
- fire_timers.py: the worker fires due timers, each at its own deadline;
- rearm.py: a new holiday schedule moves the armed deadlines;
- migrate.py: open cases move to another deployed version of the processes;
- queries.py: a case, its tasks and events, read from the stored row.

stepping.py holds what they share: the load → change → seal → commit cycle of one step and the
cache of live workflows (workflow_cache.py). engine/services.py keeps `Engine`, a thin facade
that wires them together for callers.
"""
