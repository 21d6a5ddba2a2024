"""Print the API's OpenAPI schema, as committed in docs/openapi.json.

.venv/bin/python -m samspill.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def schema() -> dict[str, Any]:
    """Return the OpenAPI schema of /api/v1/."""
    from samspill.api import api

    return dict(api.get_openapi_schema())


def render() -> str:
    """Return the schema as the committed file holds it: sorted keys, two-space indents, a final newline."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samspill.settings")
    import django

    django.setup()
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
