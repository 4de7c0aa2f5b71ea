"""Installing models into the models directory: from a folder, a .zip/.tar.gz, or by download.

Installation is all-or-nothing: the archive is unpacked into a temporary folder
inside ``models_dir``, validated with :func:`inspect_model`, and only then renamed
into place, so a bad archive never leaves a half-installed model behind.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from asr.errors import ModelInstallError, ModelInvalid
from asr.registry import ModelInfo, inspect_model

#: where official Vosk models are published; ``{name}`` is e.g. vosk-model-small-cn-0.22
OFFICIAL_MODEL_URL = "https://alphacephei.com/vosk/models/{name}.zip"


def _model_root(folder: Path) -> Path:
    """The folder holding ``am/`` (archives usually wrap the model in one top folder)."""
    if (folder / "am").is_dir():
        return folder
    children = [c for c in folder.iterdir() if c.is_dir() and not c.name.startswith(("__MACOSX", "."))]
    if len(children) == 1 and (children[0] / "am").is_dir():
        return children[0]
    return children[0] if len(children) == 1 else folder


def _unpack(src: Path, dest: Path) -> None:
    name = src.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(src) as zf:
                for member in zf.namelist():
                    target = (dest / member).resolve()
                    if not target.is_relative_to(dest.resolve()):
                        raise ModelInstallError(f"{src}: unsafe path in archive: {member}")
                zf.extractall(dest)
        elif name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
            with tarfile.open(src) as tf:
                tf.extractall(dest, filter="data")  # 'data' rejects absolute paths, links out, devices
        else:
            raise ModelInstallError(f"{src}: not a model folder or a .zip/.tar.gz archive")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise ModelInstallError(f"{src}: cannot unpack ({exc})") from exc


def install_model(src: str | os.PathLike, models_dir: str | os.PathLike, name: str | None = None,
                  force: bool = False) -> ModelInfo:
    """Copy or unpack a model into ``models_dir/<name>`` after validating it; returns its info."""
    source = Path(src).expanduser()
    if not source.exists():
        raise ModelInstallError(f"{source}: no such file or folder")
    root_dir = Path(models_dir).expanduser()
    root_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=root_dir))
    try:
        if source.is_dir():
            shutil.copytree(source, staging / source.name)
        else:
            _unpack(source, staging)
        model_dir = _model_root(staging)
        info = inspect_model(model_dir)
        if info.missing:
            raise ModelInvalid(source, info.missing)
        final_name = name or (source.name if source.is_dir() else model_dir.name)
        if model_dir == staging:  # archive without a top folder: name it after the archive
            final_name = name or source.name.split(".")[0]
        target = root_dir / final_name
        if target.exists():
            if not force:
                raise ModelInstallError(f"a model named {final_name!r} is already installed at {target} (use --force)")
            shutil.rmtree(target)
        model_dir.rename(target)
        return inspect_model(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def pull_model(name: str, models_dir: str | os.PathLike, url: str | None = None, timeout: float = 30.0,
               force: bool = False) -> ModelInfo:
    """Download an official model by name (or from ``url``) and install it.

    Raises :class:`ModelInstallError` with a clear message when offline or the URL fails.
    """
    link = url or OFFICIAL_MODEL_URL.format(name=name)
    root_dir = Path(models_dir).expanduser()
    root_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=root_dir) as tmp:
        archive = Path(tmp) / f"{name}.zip"
        try:
            with urllib.request.urlopen(link, timeout=timeout) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out, length=1 << 20)
        except urllib.error.HTTPError as exc:
            raise ModelInstallError(f"cannot download {name} from {link}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ModelInstallError(
                f"cannot download {name} from {link} ({reason}); this machine may be offline — "
                "download the .zip elsewhere and run 'hotline models install PATH.zip'"
            ) from exc
        return install_model(archive, root_dir, name=name, force=force)


def make_deterministic(src: str | os.PathLike, dest: str | os.PathLike) -> ModelInfo:
    """A view of model ``src`` at ``dest`` that decodes identically on every run.

    Kaldi dithers features with process-global random numbers (``--dither=1.0`` by
    default), so the same audio can decode to slightly different words run to run and
    thread to thread. The view symlinks every file of ``src`` except ``conf/mfcc.conf``
    (or ``fbank.conf``), which is copied with ``--dither=0``. Used by replay tests.
    """
    source = Path(src).expanduser().resolve()
    info = inspect_model(source)
    if info.missing:
        raise ModelInvalid(source, info.missing)
    target = Path(dest).expanduser()
    if target.exists():
        raise ModelInstallError(f"{target} already exists")
    for f in source.rglob("*"):
        if not f.is_file():
            continue
        rel = f.relative_to(source)
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if rel.as_posix() in ("conf/mfcc.conf", "conf/fbank.conf"):
            lines = [ln for ln in f.read_text().splitlines() if not ln.strip().startswith("--dither")]
            out.write_text("\n".join(lines + ["--dither=0.0"]) + "\n")
        else:
            out.symlink_to(f)
    return inspect_model(target)
