from app import route


def test_health_is_ok():
    status, body = route("/api/v1/health")
    assert status == 200
    assert body["status"] == "ok"


def test_unknown_path_is_404():
    status, _ = route("/nope")
    assert status == 404
