"""The certificate: every fact it states is bound to results.json, nobody can edit one quietly, a signature shows
whose it is; a partial run never replaces a complete run's certificate; a run that cannot start still says why."""

from __future__ import annotations

import json
import shutil
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from suite_runner import run_suite
from webchat_contract import cli, config, spec
from webchat_contract.reporting import signing
from webchat_contract.reporting.certificate import BOUND, EMBEDDED_SUBJECT
from webchat_contract.reporting.files import sha256, to_json_bytes
from webchat_contract.reporting.outcomes import CONFORMANT, INCOMPLETE
from webchat_contract.reporting.verify import verify_bundle

REQUIREMENT = "WC-DEP-LIST"


def read(directory: Path, name: str) -> dict:
    return json.loads((directory / name).read_text())


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """A complete run against the embedded reference target, then a partial one into the same directory."""
    base = tmp_path_factory.mktemp("certificate")
    complete = run_suite(base / "reports", f"--basetemp={base / 'tmp'}")
    assert complete.returncode == 0, complete.output[-3000:]
    (base / "complete-certificate.json").write_bytes((base / "reports" / "certificate.json").read_bytes())
    partial = run_suite(base / "reports", f"--basetemp={base / 'tmp2'}", f"--requirement={REQUIREMENT}")
    (base / "partial-output.txt").write_text(partial.output)
    return base / "reports"


def copy_bundle(reports: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("results.json", "certificate.json"):
        shutil.copy(reports / name, target / name)
    return target


def problems(directory: Path, public_key=None) -> list[str]:
    return verify_bundle(directory, public_key).problems


def test_the_certificate_says_what_it_certifies_and_binds_every_fact_to_the_results(reports):
    certificate, results = read(reports, "certificate.json"), read(reports, "results.json")
    assert certificate["certifies"] == EMBEDDED_SUBJECT and certificate["embedded_reference_target"] is True
    assert certificate["results_sha256"] == sha256((reports / "results.json").read_bytes())
    for name, fact in BOUND.items():
        assert certificate[name] == fact(results), name
    assert {"target", "date", "suite_version", "schemas_hash", "hypothesis_profile", "hypothesis_seed"} <= BOUND.keys()
    assert certificate["partial"] is None and certificate["verdict"] == CONFORMANT


def test_the_embedded_target_gets_no_publish_advice_and_verify_labels_it(reports, capsys):
    results = read(reports, "results.json")
    assert "Publish" not in results["next_step"] and EMBEDDED_SUBJECT in results["next_step"]
    code = cli.main(["verify", str(reports)])
    assert code == 0
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == f"{reports}: valid bundle, {CONFORMANT} (certifies {EMBEDDED_SUBJECT})"
    )


@pytest.mark.parametrize("field", [*BOUND, "certifies"])
def test_verify_rejects_a_certificate_with_any_fact_edited(reports, tmp_path, field):
    bundle = copy_bundle(reports, tmp_path)
    certificate = read(bundle, "certificate.json")
    certificate[field] = {"edited": True}
    (bundle / "certificate.json").write_bytes(to_json_bytes(certificate))
    assert f"certificate.json: {field} differs from what results.json says" in problems(bundle)


def test_verify_rejects_results_from_a_suite_with_another_catalog(reports, tmp_path):
    bundle = copy_bundle(reports, tmp_path)
    results, certificate = read(bundle, "results.json"), read(bundle, "certificate.json")
    results["requirements"][0]["text"] = "a requirement worded otherwise"
    results["requirements"].append({**results["requirements"][1], "id": "WC-EXTRA"})
    data = to_json_bytes(results)
    (bundle / "results.json").write_bytes(data)
    certificate["results_sha256"] = sha256(data)
    (bundle / "certificate.json").write_bytes(to_json_bytes(certificate))
    (found,) = [p for p in problems(bundle) if "catalog" in p]
    assert "differs from the installed suite's" in found
    assert (
        f"worded differently: {results['requirements'][0]['id']}" in found and "not in the catalog: WC-EXTRA" in found
    )


def test_a_signature_shows_the_certificate_is_the_signers_and_unedited(reports, tmp_path):
    bundle = copy_bundle(reports, tmp_path / "bundle")
    signing.generate(tmp_path / "key.pem", tmp_path / "key.pub")
    signing.generate(tmp_path / "other.pem", tmp_path / "other.pub")
    assert (tmp_path / "key.pem").stat().st_mode & 0o777 == 0o600
    signing.sign_file(bundle / "certificate.json", tmp_path / "key.pem")
    public = signing.load_public_key(tmp_path / "key.pub")
    assert problems(bundle, public) == []
    assert "not signed" in " ".join(problems(copy_bundle(reports, tmp_path / "unsigned"), public))
    assert "signed with another key" in " ".join(problems(bundle, signing.load_public_key(tmp_path / "other.pub")))
    # results changed and the hash in the certificate fixed to match: only the signature can tell
    results, certificate = read(bundle, "results.json"), read(bundle, "certificate.json")
    results["tests"][0]["duration"] = 0.0
    data = to_json_bytes(results)
    (bundle / "results.json").write_bytes(data)
    certificate["results_sha256"] = sha256(data)
    (bundle / "certificate.json").write_bytes(to_json_bytes(certificate))
    assert problems(bundle) == []
    assert problems(bundle, public) == [
        "certificate.json: signature does not match the certificate (altered after signing)"
    ]


def test_a_key_that_cannot_sign_is_one_line_before_the_run(tmp_path, capsys):
    (tmp_path / "bad.pem").write_text("not a key")
    code = cli.main(["run", "--sign-key", str(tmp_path / "bad.pem"), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.pem: not an unencrypted PEM private key" in err
    assert not (tmp_path / "out").exists()


def test_a_partial_run_writes_under_partial_and_never_replaces_the_complete_certificate(reports):
    output = (reports.parent / "partial-output.txt").read_text()
    assert (reports / "certificate.json").read_bytes() == (reports.parent / "complete-certificate.json").read_bytes()
    partial = reports / "partial"
    results, certificate = read(partial, "results.json"), read(partial, "certificate.json")
    run, total = sum(1 for r in results["requirements"] if r["tests"]), len(spec.requirements())
    assert 1 <= run < total
    expected = {"requirements_run": run, "requirements_total": total, "narrowed_by": [f"--requirement {REQUIREMENT}"]}
    assert results["partial"] == certificate["partial"] == expected
    assert results["verdict"] == INCOMPLETE
    assert f"partial run: {run} of {total} requirements (selected by --requirement {REQUIREMENT})" in output
    assert (partial / "report.html").exists()
    assert f"certificate.json: partial run: {run} of {total} requirements" in " ".join(problems(partial))


def test_every_file_of_the_bundle_is_readable_by_all(reports):
    for path in (reports / "results.json", reports / "certificate.json", reports / "partial" / "results.json"):
        assert path.stat().st_mode & 0o777 == 0o644, path


def test_an_unknown_requirement_id_is_one_line_before_anything_runs(tmp_path):
    run = run_suite(tmp_path / "reports", "--requirement=WC-NO-SUCH-THING")
    assert run.returncode == 4
    (line,) = [line for line in run.output.splitlines() if "WC-NO-SUCH-THING" in line]
    assert line.startswith("ERROR: --requirement: unknown id WC-NO-SUCH-THING (known: WC-")
    assert not (tmp_path / "reports" / "results.json").exists() and not (tmp_path / "reports" / "partial").exists()


@pytest.mark.parametrize(
    "url", ["https://api.example.com/api/v2", "https://api.example.com?org=1", "https://api.example.com/#x"]
)
def test_a_base_url_with_a_path_query_or_fragment_is_one_line_with_the_fix(url):
    text = f'[target]\nbase_url = "{url}"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    with pytest.raises(config.ConfigError) as caught:
        config.parse(text, "target.toml")
    message = str(caught.value)
    assert "\n" not in message and "must be the server's root" in message
    assert "write base_url = 'https://api.example.com'" in message


def test_an_unreachable_target_leaves_one_junit_error_naming_the_cause(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = tmp_path / "target.toml"
    target.write_text(
        f'[target]\nbase_url = "http://127.0.0.1:{port}"\n[principals.a]\npermissions = []\ntoken = "t0ken-value"\n'
    )
    run = run_suite(tmp_path / "reports", f"--target-config={target}")
    assert run.returncode != 0
    cases = list(ET.parse(tmp_path / "reports" / "junit.xml").getroot().iter("testcase"))
    assert len(cases) == 1
    error = cases[0].find("error")
    assert (
        error is not None and f"127.0.0.1:{port}" in error.get("message") and "cannot connect" in error.get("message")
    )


class FakeConfig:
    def __init__(self, *args: str, **options):
        from types import SimpleNamespace

        from webchat_contract import layout

        self.args = list(args)
        self.option = SimpleNamespace(**{"keyword": "", "markexpr": "", "requirement": [], "deselect": [], **options})
        self.invocation_params = SimpleNamespace(dir=layout.CHECKOUT_DIR)


@pytest.mark.parametrize(
    ("config", "narrowed"),
    [
        (FakeConfig("suites"), []),
        (FakeConfig("."), []),
        (FakeConfig("/elsewhere/test_other_project.py"), []),
        (FakeConfig("suites/test_crud.py"), ["suites/test_crud.py"]),
        (
            FakeConfig("suites/test_crud.py::test_deployment_lifecycle"),
            ["suites/test_crud.py::test_deployment_lifecycle"],
        ),
        (FakeConfig("suites", keyword="crud"), ["-k crud"]),
        (FakeConfig("suites", markexpr="auth"), ["-m auth"]),
        (FakeConfig("suites", requirement=["WC-DEP-LIST"]), ["--requirement WC-DEP-LIST"]),
        (FakeConfig("suites", deselect=["suites/test_auth.py"]), ["--deselect suites/test_auth.py"]),
        (FakeConfig("suites", lf=True), ["--lf"]),
    ],
)
def test_what_narrows_a_run_to_part_of_the_suite(config, narrowed):
    from webchat_contract.reporting.selection import narrowed_by

    assert narrowed_by(config) == narrowed
