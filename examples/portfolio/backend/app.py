"""The sample backend's one endpoint, kept dependency-free so the workflow's
test job runs anywhere: GET /api/v1/health answers with the health document."""

import json
from pathlib import Path

HEALTH = Path(__file__).with_name("health.json")


def health() -> dict:
    """The body of GET /api/v1/health."""
    return json.loads(HEALTH.read_text())


def route(path: str) -> tuple[int, dict]:
    """Status and body for a GET of `path`."""
    if path.rstrip("/") == "/api/v1/health":
        return 200, health()
    return 404, {"detail": "Not Found"}
