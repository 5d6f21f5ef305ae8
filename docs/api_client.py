"""A small MoU Tracker API client, standard library only: it knows the OpenAPI document and a token, nothing else.

    python docs/api_client.py https://mou.example.org "$MOU_TOKEN" cica-unoct-mou c-2d6e26dfd335 \
        "The Participants will settle any dispute amicably." "Plainer wording."

proposes a new wording of the clause (its heading, left out, stays as it is), tables it to the other party and
prints the redline per language: [-deleted-] {+inserted+} words, each change credited to its party.
Every address comes from the document (by operationId), so the script does not hard-code the API's paths.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DOCUMENT = "/api/v1/openapi.json"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


class ApiError(Exception):
    def __init__(self, answer: Answer):
        problem = answer.body if isinstance(answer.body, dict) else {}
        super().__init__(f"{answer.status} {problem.get('title', '')}: {problem.get('detail', answer.body)}")
        self.answer = answer


class Client:
    def __init__(self, base_url: str, token: str, negotiation: str, *, retries: int = 3):
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("The base URL must be http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.negotiation = negotiation
        self.retries = retries
        document = self._send("GET", self.base_url + DOCUMENT, None, {}).body
        # operationId -> (method, path template): the only place addresses come from.
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in document["paths"].items()
            for method, op in item.items()
        }

    def call(
        self,
        operation_id: str,
        *,
        body: Any = None,
        query: dict | None = None,
        if_match: str | None = None,
        **path: Any,
    ) -> Answer:
        method, template = self.operations[operation_id]
        values = {"negotiation": self.negotiation, **path}
        url = self.base_url + template.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in values.items()})
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if if_match:
            headers["If-Match"] = if_match
        answer = self._send(method, url, body, headers)
        if answer.status >= 400:
            raise ApiError(answer)
        return answer

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Answer:
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in range(self.retries + 1):
            # The scheme was checked in __init__ (http or https only), and every URL starts with the base URL.
            request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    answer = Answer(response.status, _lower(response.headers), _decode(response.read()))
            except urllib.error.HTTPError as error:
                answer = Answer(error.code, _lower(error.headers), _decode(error.read()))
            # Over the rate limit: wait as long as the server asks, then try again.
            if answer.status == 429 and attempt < self.retries:
                time.sleep(int(answer.headers.get("retry-after", "1")))
                continue
            return answer
        return answer


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def as_text(redline: dict) -> str:
    """A redline's runs as plain text: [-deleted-] and {+inserted+}, each run of changes followed by its party."""
    out, party = [], None
    for run in redline["runs"]:
        if run["op"] == "equal":
            if party:
                out.append(f"<{party}>")
                party = None
            out.append(run["text"])
        else:
            out.append(f"[-{run['text']}-]" if run["op"] == "delete" else f"{{+{run['text']}+}}")
            party = run["party"]
    if party:
        out.append(f"<{party}>")
    return "".join(out)


def propose_table_and_read(client: Client, wid: str, body: str, rationale: str) -> dict:
    """Propose a new body for the clause, table it, and return its redline (AmendmentRedlineOut)."""
    proposed = client.call(
        "propose", body={"kind": "change", "clause": wid, "texts": {"en": {"body": body}}, "rationale": rationale}
    )
    amendment = proposed.body
    # A write to an existing object sends the ETag it last read, so that nobody's change is overwritten.
    client.call("table", amendment_id=amendment["id"], if_match=proposed.etag)
    return client.call("amendment_redline", amendment_id=amendment["id"]).body


def main(argv: list[str]) -> int:
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    _, base_url, token, negotiation, wid, body, rationale = argv
    try:
        redline = propose_table_and_read(Client(base_url, token, negotiation), wid, body, rationale)
    except ApiError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{redline['citation']} ({redline['state']}), against version {redline['against_version']}:")
    for language in redline["languages"]:
        if language["heading"] and language["heading"]["changed"]:
            print(f"  [{language['language']}] heading: {as_text(language['heading'])}")
        print(f"  [{language['language']}] {as_text(language['body'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
