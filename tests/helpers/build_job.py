"""Run one build in a process of its own, as a worker on another machine would (its own cache folder and temp
folder from the environment it is started with), so a test can stop it with SIGTERM.
Usage: python -m tests.helpers.build_job SPEC_PATH DATA_ROOT OVERRIDES_JSON OUT_JSON"""

import json
import sys
from pathlib import Path

if __name__ == "__main__":
    from flows.build import build_dataset
    from flows.stopping import BuildStopped, stopped_by_signals

    spec_path, data_root, overrides, out = sys.argv[1:5]
    try:
        with stopped_by_signals():
            result = build_dataset(spec_path, data_root, json.loads(overrides))
    except BuildStopped as stop:
        result = {"stopped": stop.signal_number}
    Path(out).write_text(json.dumps(result, default=str))
