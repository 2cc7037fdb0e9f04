"""`conformance record --anonymize`: the installation's names replaced by stand-ins, one per value,
the same everywhere, so the recording is judged as the original and names nothing of its own."""

from __future__ import annotations

import shutil

from end_to_end import failing, judge
from recording_steps import crawl_replay, files_of

from conformance.cli import main
from conformance.recording.anonymize import Anonymizer


def _sealed(*found: tuple[str, str, bool]) -> Anonymizer:
    anonymizer = Anonymizer()
    for field, value, item in found:
        anonymizer.collect(field, value, item)
    anonymizer.seal()
    return anonymizer


def test_each_value_has_one_stand_in_wherever_it_shows():
    anonymizer = _sealed(("Name", "SQL Backup 1", True), ("Name", "vbr01.corp.example", True),
                         ("UserName", "CORP\\qa", True))
    job = anonymizer.value("Name", "SQL Backup 1")
    assert job.startswith("name-") and anonymizer.value("JobName", "SQL Backup 1") == job
    assert anonymizer.value("Name", "SQL Backup 1@2025-12-31 10:15:12") == f"{job}@2025-12-31 10:15:12"
    assert anonymizer.value("FilePath", "SQL Backup 1/SQL Backup 1D2025.vbk") == f"{job}/{job}D2025.vbk"
    assert anonymizer.value("Name", "vbr01.corp.example") == "host-1.example.invalid"
    assert anonymizer.value("UserName", "CORP\\qa") == "user-1"
    assert anonymizer.url("https://vbr01.corp.example:9392/x?filter=Name==SQL%20Backup%201") == \
        f"https://host-1.example.invalid:9392/x?filter=Name%3D%3D{job.replace(' ', '%20')}"


def test_the_apis_own_words_stay_and_a_plain_word_is_replaced_in_prose_only():
    anonymizer = _sealed(("Name", "Backup", True), ("Name", "v1_7", False), ("Name", "10.1.2.3", True))
    assert anonymizer.value("Name", "v1_7") == "v1_7"  # a version's name: the API's, not the installation's
    assert anonymizer.value("JobType", "Backup") == "Backup"  # an enumeration may spell like a name
    stand_in = anonymizer.value("Name", "Backup")
    assert anonymizer.value("Message", "job Backup finished") == f"job {stand_in} finished"
    assert anonymizer.value("Name", "10.1.2.3") == "192.0.2.1"


def test_a_value_of_the_apis_own_types_is_never_replaced_whatever_its_field_is_called():
    literals = ("false", "True", "42", "-1.5", "2025-12-31T10:15:12Z", "2025-12-31", "PT1H30M",
                "9f0c3e2a-1b2c-4d5e-8f90-123456789abc", "urn:veeam:Job:9f0c3e2a-1b2c-4d5e-8f90-123456789abc")
    anonymizer = _sealed(*(("PerUser", value, True) for value in literals), ("UserName", "CORP\\qa", True))
    assert anonymizer.found == {"CORP\\qa": "user"}
    for value in literals:
        assert anonymizer.value("PerUser", value) == value
        assert anonymizer.value("Message", f"{value} was {value}") == f"{value} was {value}"


def test_the_anonymized_recording_of_the_documented_mock_is_judged_as_the_original(documented_recordings):
    recorded, anonymized = documented_recordings
    original = {key: len(found) for key, found in judge(crawl_replay(recorded)).items()}
    assert len(original) > 1000  # every documented area was recorded and judged
    assert {key: len(found) for key, found in judge(crawl_replay(anonymized)).items()} == original
    assert b"<PerUser>false</PerUser>" in b"".join(files_of(anonymized).values())


def test_the_same_recording_anonymizes_to_the_same_files(recorded, anonymized, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(recorded, again)
    assert main(["record", "--out", str(again), "--anonymize"]) == 0
    assert files_of(again) == files_of(anonymized)


def test_an_anonymized_recording_still_passes_every_rule_and_names_no_original(recorded, anonymized):
    assert failing(crawl_replay(anonymized)) == set()
    text = b"".join(files_of(anonymized).values())
    for original in (b"SQL Backup 1", b"vbr01.corp.example", b"Backup Volume 01", b"<UserName>admin<"):
        assert original in b"".join(files_of(recorded).values()) and original not in text
