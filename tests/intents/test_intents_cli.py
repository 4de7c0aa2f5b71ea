"""``hotline intents classify|eval|train`` through click's runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ivr.cli import main


def _run(args, input=None):
    return CliRunner().invoke(main, args, input=input, catch_exceptions=False)


def test_classify_writes_json_lines_and_skips_bad_lines(model_file):
    stdin = "我的快递到哪了\n\n".encode() + b"\xff\xfe\n" + b"I was charged twice\n"
    result = _run(["intents", "classify", "--model", str(model_file)], input=stdin)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["lang"], r["intent"], r["skill"]) for r in records] == [
        ("我的快递到哪了", "zh", "delivery_tracking", "logistics"),
        ("I was charged twice", "en", "payment_issue", "billing"),
    ]
    assert all(0 < r["confidence"] <= 1 for r in records)
    assert "<stdin>:2: empty line" in result.stderr
    assert "<stdin>:3: not valid UTF-8" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: 2 of 4 input line(s) were bad and skipped (see above)"


def test_classify_with_forced_language(model_file):
    result = _run(["intents", "classify", "--lang", "en", "--model", str(model_file)], input="cancel my order\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["intent"] == "order_cancel"


def test_eval_reports_accuracy_precision_recall_and_confusions(model_file, tmp_path):
    tsv = tmp_path / "small.tsv"
    tsv.write_text(
        "\ufeffintent\tlang\ttext\r\n"  # as a spreadsheet saves it: BOM and CRLF
        "repair_request\tzh-CN\t东西坏了想修\n"
        "bogus\tzh\tx\n"
        "payment_issue\ten\ti was charged twice\n"
        "order_cancel\ten\ti was charged twice\n"  # mislabelled on purpose: one confusion
        "other\ten\n",
        encoding="utf-8",
    )
    result = _run(["intents", "eval", str(tsv), "--model", str(model_file)])
    assert result.exit_code == 1  # bad lines were skipped, and that is reported
    out = result.stdout
    assert "accuracy 0.667 (3 utterances)" in out
    assert "  en: 0.500 (2)" in out and "  zh: 1.000 (1)" in out
    assert "order_cancel -> payment_issue: 1" in out
    assert any(line.startswith("payment_issue") and line.split()[1:3] == ["0.500", "1.000"] for line in out.splitlines())
    assert f"{tsv}:3: unknown intent 'bogus'" in result.stderr
    assert f"{tsv}:6: expected 3 tab-separated columns" in result.stderr


def test_eval_of_a_file_with_nothing_usable_is_one_error(tmp_path):
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("nonsense\n", encoding="utf-8")
    result = _run(["intents", "eval", str(tsv)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: {tsv}: no usable lines"


def test_eval_of_a_file_that_is_not_utf8_is_one_error(tmp_path):
    tsv = tmp_path / "latin1.tsv"
    tsv.write_bytes("other\ten\tcaf\u00e9\n".encode("latin-1"))
    result = _run(["intents", "eval", str(tsv)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: {tsv}: not UTF-8 text (invalid continuation byte at byte 12)"]


def test_train_writes_a_loadable_model(tmp_path):
    out = tmp_path / "m.joblib"
    result = _run(["intents", "train", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "held-out zh:" in result.stdout and "held-out en:" in result.stdout
    result = _run(["intents", "classify", "--model", str(out)], input="退款什么时候到账\n")
    assert json.loads(result.stdout)["intent"] == "refund_status"
