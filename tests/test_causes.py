"""Distinct causes, the exchange of a failure, baselines and the terminal's causes, without running the suite."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from webchat_contract import cli
from webchat_contract.client import Exchange
from webchat_contract.reporting import baseline, exchanges, history, terminal
from webchat_contract.reporting.causes import build_causes, fingerprint, headline, normalise, violations_of
from webchat_contract.reporting.outcomes import FAILED, PASSED
from webchat_contract.reporting.records import TestRecord as Record
from webchat_contract.reporting.redact import REDACTED, Redactor

ID_1 = "1ead5cdb-a569-4241-ab14-c4daaae5cbee"
ID_2 = "2e618584-cf32-42e7-b7b7-0f33eaab0b2a"


def failed(nodeid: str, message: str, requirements=("WC-DEP-UPDATE",), failures=()) -> Record:
    record = Record(nodeid, requirements=list(requirements), operations=["putWebchatDeployment"])
    record.phases.append(SimpleNamespace(when="call", outcome=FAILED, message=message, duration=0.1))
    record.failures = list(failures)
    return record


# --- what makes two failures one cause ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # ids, the run prefix and the quoted response differ between examples
            f"field name sent 'wcc-0499803c-a' but answered 'wcc-0499803c-b'; GET /api/v2/webchat/deployments/{ID_1} "
            "answered 200: '{\"id\": 1}'",
            f"field name sent 'wcc-7ca26029-x' but answered 'y'; GET /api/v2/webchat/deployments/{ID_2} answered 200",
        ),
        ("body is 1234 characters long, over 1000", "body is 99 characters long, over 1000"),
        ("token abcdef0123456789abcdef was refused", "token 0011223344556677889900 was refused"),
        # which field of a generated body, and values of every JSON type, cut short or not
        ("field disabled sent True but answered False", "field flow.id sent ['a', 'b'] but answered {'c': 1}"),
        (
            "field description sent 'changed' but answered 'xxxx... (5002 characters)",
            "field name sent '' but answered 'x'",
        ),
    ],
)
def test_what_varies_between_examples_is_normalised_away(one, other):
    assert normalise(one) == normalise(other)
    assert fingerprint("WC-DEP-UPDATE", "putWebchatDeployment", one) == fingerprint(
        "WC-DEP-UPDATE", "putWebchatDeployment", other
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("expected 404; GET /x answered 500", "expected 404; GET /x answered 400"),  # statuses are the cause
        ("field name was sent but not answered", "field name sent 'a' but answered 'b'"),
    ],
)
def test_what_tells_causes_apart_is_kept(one, other):
    assert normalise(one) != normalise(other)


def test_requirement_and_operation_are_part_of_the_cause():
    message = "expected 403; GET /api/v2/webchat/settings answered 200"
    assert fingerprint("WC-AUTH-403", "getWebchatSettings", message) != fingerprint(
        "WC-AUTH-NO-EFFECT", "getWebchatSettings", message
    )
    assert fingerprint("WC-AUTH-403", "getWebchatSettings", message) != fingerprint("WC-AUTH-403", "", message)


def test_a_headline_drops_the_quoted_body_the_exchange_shows():
    assert headline("expected 403; GET /x answered 200: '{\"a\": 1}'") == "expected 403; GET /x answered 200"


def test_failed_tests_are_grouped_by_cause_with_their_tests_and_one_example_exchange():
    example = {"method": "GET", "url": "http://t/x", "status": 200, "curl": "curl ..."}
    tests = [
        failed("t::a", "", failures=[{"requirement": "WC-AUTH-403", "operation": "getWebchatSettings",
                                      "message": f"expected 403; GET /s/{ID_1} answered 200", "exchange": example}]),
        failed("t::b", "", failures=[{"requirement": "WC-AUTH-403", "operation": "getWebchatSettings",
                                      "message": f"expected 403; GET /s/{ID_2} answered 200"}]),
        failed("t::c", "expected 204; DELETE /y answered 200", requirements=("WC-DEP-DELETE", "WC-DEP-CREATE")),
        Record("t::d", requirements=["WC-AUTH-403"]),  # no phase: not failed, no cause
    ]  # fmt: skip
    causes = build_causes(tests)
    assert [(c["requirement"], c["count"], c["tests"]) for c in causes] == [
        ("WC-AUTH-403", 2, ["t::a", "t::b"]),
        # a failed test without recorded failures falls back to its declared requirements and message
        ("WC-DEP-DELETE WC-DEP-CREATE", 1, ["t::c"]),
    ]
    assert causes[0]["exchange"] == example and causes[0]["operation"] == "getWebchatSettings"
    assert causes[1]["operation"] == "putWebchatDeployment"  # the test's only operation


def test_violations_are_read_from_the_tests_properties_and_bad_ones_skipped():
    good = {"requirement": "WC-DEP-UPDATE", "operation": "putWebchatDeployment", "message": "not stored"}
    properties = [
        ("requirements", "WC-DEP-UPDATE"),
        ("violation", json.dumps(good)),
        ("violation", "{not json"),
        ("violation", json.dumps({"message": "no requirement"})),
    ]
    assert violations_of(properties) == [good]


# --- the exchange -------------------------------------------------------------------------------------------------


def client_exchange(method="PUT", status=200, body='{"name": "x"}', principal="only-read") -> Exchange:
    return Exchange(
        method=method,
        url=f"http://127.0.0.1:1/api/v2/webchat/deployments/{ID_1}",
        request_headers={"Accept": "application/json", "Authorization": REDACTED, "Content-Type": "application/json"},
        request_body=body,
        status=status,
        response_headers={"Content-Type": "application/json"},
        response_body='{"id": "x"}',
        principal=principal,
    )


def test_the_curl_reproduces_that_request_with_the_token_as_a_shell_variable():
    data = exchanges.from_transcript(client_exchange(), Redactor())
    curl = data["curl"]
    assert '-H "Authorization: Bearer $WEBCHAT_TOKEN_ONLY_READ"' in curl
    assert curl.startswith(f"curl -i -X PUT http://127.0.0.1:1/api/v2/webchat/deployments/{ID_1}")
    assert '--data-raw \'{"name": "x"}\'' in curl and "Filtered" not in curl and REDACTED not in curl


def test_exchange_bodies_are_cut_then_redacted():
    secret = "s3cr3t-token-value-0123456789"
    body = "a" * (exchanges.BODY_LIMIT - 10) + secret + "b" * 100  # the secret straddles the cut
    data = exchanges.from_transcript(client_exchange(body=body), Redactor([secret]))
    assert secret not in json.dumps(data)
    assert len(data["request_body"]) < exchanges.BODY_LIMIT + 100 and "characters in all" in data["request_body"]


def test_the_failing_exchange_is_the_one_the_message_quotes_not_the_cleanup():
    put, get, cleanup = client_exchange("PUT"), client_exchange("GET"), client_exchange("DELETE", status=204)
    message = f"field name sent 'a' but answered 'b'; GET /api/v2/webchat/deployments/{ID_1} answered 200: '...'"
    assert exchanges.pick([put, get, cleanup], message) is get
    # a message that quotes nothing: the last exchange of the failing operation, else none at all
    assert exchanges.pick([put, get, cleanup], "Custom check failed", "putWebchatDeployment") is put
    assert exchanges.pick([put, get, cleanup], "something broke") is None


def test_principal_names_become_token_variables():
    assert exchanges.token_variable("admin") == "WEBCHAT_TOKEN_ADMIN"
    assert exchanges.token_variable("all-but-read") == "WEBCHAT_TOKEN_ALL_BUT_READ"


# --- baselines ----------------------------------------------------------------------------------------------------


def causes_of(*fingerprints: str) -> list[dict]:
    return [
        {"fingerprint": f, "requirement": "WC-X", "operation": "", "message": f"m {f}", "pattern": f"m {f}"}
        for f in fingerprints
    ]


def test_a_baseline_tells_new_known_and_no_longer_seen_causes_apart(tmp_path: Path):
    path = tmp_path / "known.yaml"
    path.write_text(baseline.document(causes_of("aaa", "bbb"), "earlier run"))
    known = baseline.load(path)
    current = causes_of("bbb", "ccc")
    compared = baseline.compare(current, known, str(path))
    assert compared["new"] == ["ccc"] and compared["known"] == ["bbb"]
    assert [entry["fingerprint"] for entry in compared["fixed"]] == ["aaa"]
    assert [c["baseline"] for c in current] == ["known", "new"]
    lines = terminal.baseline_lines({"baseline": compared})
    assert "1 new, 1 known, 1 not seen" in lines[0] and "aaa" in lines[1]


@pytest.mark.parametrize(
    ("text", "problem"),
    [("format: other\ncauses: []\n", "is not a webchat-contract-baseline/1 file"), ("[: nope", "is not YAML")],
)
def test_a_bad_baseline_is_one_clear_line(tmp_path: Path, text: str, problem: str):
    path = tmp_path / "known.yaml"
    path.write_text(text)
    with pytest.raises(baseline.BaselineError, match=problem):
        baseline.load(path)
    with pytest.raises(baseline.BaselineError, match="cannot read"):
        baseline.load(tmp_path / "missing.yaml")


def test_the_baseline_command_prints_the_causes_of_a_run(tmp_path: Path, capsys):
    (tmp_path / "results.json").write_text(json.dumps({"causes": causes_of("abc123def456")}))
    assert cli.main(["baseline", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert list(baseline.load_text(printed)) == ["abc123def456"]
    assert cli.main(["baseline", str(tmp_path / "nowhere")]) == 2
    assert "cannot read" in capsys.readouterr().err


# --- the terminal and the history ---------------------------------------------------------------------------------


def test_the_terminal_lists_causes_in_bounded_lines():
    many = [
        {**cause, "headline": "x" * 500, "count": 1, "tests": ["t::a"], "exchange": None}
        for cause in causes_of(*(f"f{n}" for n in range(40)))
    ]
    lines = terminal.cause_lines({"causes": many}, width=160)
    assert len(lines) <= 2 * terminal.MAX_CAUSES_SHOWN + 3
    assert all(len(line) <= 160 for line in lines)
    assert "28 more causes" in lines[-2]


def test_history_tracks_causes_new_gone_and_since_when():
    def run(date: str, *fingerprints: str) -> dict:
        return {"finished_at": date, "requirements": {}, "failing_tests": [], "verdict": PASSED,
                "causes": {f: f"message {f}" for f in fingerprints}}  # fmt: skip

    found = history.trend([run("1", "a"), run("2", "a", "b")], run("3", "a", "c"))
    assert found.new_causes == ["c"] and found.fixed_causes == {"b": "message b"}
    assert found.cause_since == {"a": "1", "c": "3"}


def test_a_violation_shows_the_full_exchange_its_message_quotes_else_its_own_summary():
    from webchat_contract.reporting.failures import failures_of

    violation = {
        "requirement": "WC-DEP-UPDATE",
        "operation": "getWebchatDeployment",
        "message": f"field name not stored; GET /api/v2/webchat/deployments/{ID_1} answered 200: '...'",
        "exchange": {"method": "GET", "path": f"/api/v2/webchat/deployments/{ID_1}", "status": 200, "body": "{}"},
    }
    item = SimpleNamespace(user_properties=[("violation", json.dumps(violation))], iter_markers=lambda name: [])
    target = SimpleNamespace(transcript=SimpleNamespace(exchanges=[client_exchange("GET")]), principals=[])
    [found] = failures_of(item, None, "", Redactor(), target)
    assert found["requirement"] == "WC-DEP-UPDATE" and "$WEBCHAT_TOKEN_ONLY_READ" in found["exchange"]["curl"]
    [summarised] = failures_of(item, None, "", Redactor(), None)
    assert summarised["exchange"]["url"] == violation["exchange"]["path"] and summarised["exchange"]["status"] == 200
