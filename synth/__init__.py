"""synth: offline speech synthesis of caller audio for training and tests."""
