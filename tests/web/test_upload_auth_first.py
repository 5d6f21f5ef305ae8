"""Nobody unknown makes the server read an upload: a request without a session (pages) or a valid token (API) to
any route that takes a file is refused before a byte of its body is read, with the answer it always had (the
sign-in page; the API's 401). A signed-in user's upload is read as before."""

from __future__ import annotations

import io

import pytest

from tests.api.test_api import create_token
from tests.conftest import DEMO_HOME
from tests.services.test_amendments import as_user

SLUG = DEMO_HOME.strip("/").split("/")[1]

#: Above the ordinary requests' limit (MAX_CONTENT_LENGTH, 2 MB), under every upload's own: before the fix, the
#: form parser read it whole for anybody.
BODY_BYTES = 4 * 1024 * 1024
BOUNDARY = "----mou-upload-boundary"


def multipart_body(size: int = BODY_BYTES) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="target"\r\n\r\nnegotiation\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="note.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"%PDF-1.4\n" + b"0" * (size - len(head) - len(tail) - 9) + tail


class WatchedBody(io.RawIOBase):
    """A request body that counts what is read of it (every read goes through readinto)."""

    def __init__(self, data: bytes):
        super().__init__()
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking to its end and back: no byte is read

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer) -> int:
        count = self._data.readinto(buffer)
        self.bytes_read += count
        return count


def upload_routes(app) -> list[tuple[str, str]]:
    """(endpoint, path) of every route that takes a file (its view declares `max_upload`), at every address."""
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if not getattr(view, "max_upload", None) or "POST" not in (rule.methods or ()):
            continue
        values = {name: SLUG if "slug" in name or name == "negotiation" else "1" for name in rule.arguments}
        built = rule.build(values, append_unknown=False)
        assert built is not None, rule.rule
        routes.append((rule.endpoint, built[1]))
    return sorted(routes)


def send(client, path: str, body: WatchedBody, size: int, headers=None):
    return client.post(
        path,
        input_stream=body,
        content_length=size,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers=headers or {},
    )


def test_every_upload_route_is_found(app):
    """The attachments, the draft import and the Word round trip, on the pages and in the API."""
    paths = [path for _, path in upload_routes(app)]
    assert any(path.startswith("/api/") and path.endswith("/attachments") for path in paths), paths
    assert any(path.startswith("/api/") and "attachments" not in path for path in paths), paths  # the round trip
    web = [path for path in paths if not path.startswith("/api/")]
    assert len(web) >= 3 and any(path.endswith("/attachments") for path in web), paths


@pytest.mark.parametrize("token", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(app, demo, token):
    body = multipart_body()
    read = {}
    for endpoint, path in upload_routes(app):
        client = app.test_client()
        watched = WatchedBody(body)
        headers = {"Authorization": token} if token else {}
        response = send(client, path, watched, len(body), headers)
        if path.startswith("/api/"):
            assert response.status_code == 401, (endpoint, path, response.status_code)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "API token" in response.get_json()["detail"]
        else:
            # The same answer as any page asked for without signing in: to the sign-in page, coming back after.
            assert response.status_code == 302, (endpoint, path, response.status_code)
            assert response.location.startswith("/login?next="), response.location
        read[path] = watched.bytes_read
    assert read and all(count == 0 for count in read.values()), f"bytes of an anonymous upload read: {read}"


def test_a_signed_in_upload_is_read_as_before(app, demo):
    """The control: the same body, sent by someone signed in, is read (and answered by the view)."""
    body = multipart_body()
    unoct = as_user(app, demo, "unoct.negotiator")
    page = WatchedBody(body)
    answered = send(unoct.client, f"{DEMO_HOME}attachments", page, len(body))
    assert answered.status_code == 400  # the form's token is missing: refused by the view, which read the form
    assert page.bytes_read == len(body)
    token = create_token(unoct)
    api = WatchedBody(body)
    created = send(
        app.test_client(),
        f"/api/v1/negotiations/{SLUG}/attachments",
        api,
        len(body),
        {"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.get_json()
    assert api.bytes_read == len(body)
