"""/starter.zip and /preview give, byte for byte, the project `msf-scaffold new --no-git` writes."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import yaml

from tests.serve.conftest import QUERY, Server


def files_of(project: Path) -> dict[str, tuple[bytes, bool]]:
    """Each file's bytes and whether it is executable, by /-separated path."""
    return {
        path.relative_to(project).as_posix(): (path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def zip_files(data: bytes) -> tuple[set[str], dict[str, tuple[bytes, bool]]]:
    """The top folders of a zip, and each file's bytes and exec bit by path below its top folder."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        tops = {info.filename.split("/", 1)[0] for info in infos}
        files = {
            info.filename.split("/", 1)[1]: (
                archive.read(info),
                bool((info.external_attr >> 16) & stat.S_IXUSR),
            )
            for info in infos
            if not info.is_dir()
        }
    return tops, files


def test_zip_is_what_new_writes(server: Server, reference: Path) -> None:
    status, headers, body = server.get("/starter.zip", QUERY)
    assert status == 200, body
    assert headers["content-type"] == "application/zip"
    artifact_id = yaml.safe_load((reference / ".copier-answers.yml").read_text(encoding="utf-8"))[
        "artifact_id"
    ]
    assert headers["content-disposition"] == f'attachment; filename="{artifact_id}.zip"'
    tops, files = zip_files(body)
    assert tops == {artifact_id}
    expected = files_of(reference)
    assert sorted(files) == sorted(expected)
    assert [path for path in expected if files[path][0] != expected[path][0]] == []
    assert {path for path, (_, executable) in files.items() if executable} == {
        path for path, (_, executable) in expected.items() if executable
    }
    assert files["mvnw"][1], "mvnw must stay executable"


def test_preview_lists_the_same_files(server: Server, reference: Path) -> None:
    status, document = server.json("/preview", QUERY)
    assert status == 200, document
    expected = files_of(reference)
    assert [item["path"] for item in document["files"]] == sorted(expected)
    for item in document["files"]:
        data, executable = expected[item["path"]]
        assert item["size"] == len(data)
        assert item["executable"] == executable
        assert item["text"] == data.decode("utf-8")
    answers = yaml.safe_load((reference / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert document["answers"] == answers
    assert document["name"] == answers["artifact_id"]
