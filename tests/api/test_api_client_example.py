"""docs/api_client.py, the example client of docs/api.md, run as an integrator would run it: against a served app,
over HTTP, with a token and nothing but the OpenAPI document."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.api.test_api import DEMO_SLUG, create_token
from tests.conftest import wid_of
from tests.services.test_amendments import SETTLEMENT, as_user

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "api_client.py"


def _example_module():
    spec = importlib.util.spec_from_file_location("api_client_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def served(app):
    """The app on a real port, in a thread, for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_the_example_client_proposes_tables_and_reads_a_redline_using_only_the_document(app, demo, served, capsys):
    example = _example_module()
    token = create_token(as_user(app, demo, "unoct.negotiator"))
    wid = wid_of(app, SETTLEMENT)
    status = example.main(
        ["api_client.py", served, token, DEMO_SLUG, wid, "Any dispute will be settled amicably.", "Plainer."]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert printed.startswith("UNOCT-1 (tabled), against version 1:")
    assert "[en] Any [-difference arising from" in printed and "{+dispute+}<UNOCT> will be settled" in printed

    # The other party now reads it through the same client; a refusal comes back as the API's problem.
    other = example.Client(served, create_token(as_user(app, demo, "cica.negotiator")), DEMO_SLUG)
    amendments = other.call("list_amendments").body["items"]
    assert [a["citation"] for a in amendments] == ["UNOCT-1"]
    with pytest.raises(example.ApiError) as refused:
        other.call("table", amendment_id=amendments[0]["id"], if_match='"stale"')
    assert refused.value.answer.status == 412


def test_the_example_client_never_writes_an_address_of_its_own():
    source = EXAMPLE.read_text()
    assert "/negotiations/" not in source and "/amendments" not in source  # every path comes from the document
    assert "import requests" not in source  # standard library only
