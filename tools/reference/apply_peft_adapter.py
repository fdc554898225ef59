#!/usr/bin/python3
"""Applies a LoRA adapter in PEFT's layout to its base weights, as PEFT's merge does, and
compares the result with a merged export.

    /usr/bin/python3 tools/reference/apply_peft_adapter.py BASE_DIR ADAPTER_DIR MERGED_DIR

BASE_DIR/model.safetensors: the base model (names with or without the task model's prefix,
e.g. `encoder.layer.0...` or `bert.encoder.layer.0...`). ADAPTER_DIR: adapter_config.json and
adapter_model.safetensors as `PeftModel.from_pretrained` reads them: tensor names
`base_model.model.<module>.lora_A.weight` / `lora_B.weight` for each module of
`target_modules`, anything else (the head of `modules_to_save`, biases of `bias: "all"`)
replacing the base tensor of the same name. The merge is PEFT's: W + (lora_alpha / r) * B @ A,
transposed when `fan_in_fan_out`. MERGED_DIR/model.safetensors: what dpft export wrote.

Prints {"merged_modules": N, "replaced": M, "max_abs_update": U, "max_abs_diff": D} as JSON:
U the largest entry of the merged updates, D over every tensor of MERGED_DIR against the base
with the adapter applied. Written without `peft` (not a
Debian package); float64 throughout.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import load_safetensors  # noqa: E402

PREFIX = "base_model.model."


def main(base_dir, adapter_dir, merged_dir):
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        config = json.load(f)
    assert config["peft_type"] == "LORA", config["peft_type"]
    scale = config["lora_alpha"] / config["r"]
    adapter = {k: v.double() for k, v in
               load_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors")).items()}
    merged = load_safetensors(os.path.join(merged_dir, "model.safetensors"))
    base = {k: v.double() for k, v in
            load_safetensors(os.path.join(base_dir, "model.safetensors")).items()}

    def base_name(name):
        """The merged export's name of a task-model name: as is, or found by its suffix."""
        if name in merged:
            return name
        hits = [m for m in merged if m.endswith("." + name) or name.endswith("." + m)]
        assert len(hits) == 1, (name, hits)
        return hits[0]

    # the base under the merged export's names
    expected = {}
    for name, t in base.items():
        expected[base_name(name)] = t
    modules = 0
    update = 0.0
    for module in config["target_modules"]:
        a = adapter.pop(PREFIX + module + ".lora_A.weight")
        b = adapter.pop(PREFIX + module + ".lora_B.weight")
        delta = scale * (b @ a)
        if config["fan_in_fan_out"]:
            delta = delta.T
        key = base_name(module + ".weight")
        expected[key] = expected[key] + delta
        update = max(update, delta.abs().max().item())
        modules += 1
    replaced = 0
    for name, t in adapter.items():
        assert name.startswith(PREFIX), name
        expected[base_name(name[len(PREFIX):])] = t
        replaced += 1
    assert set(expected) == set(merged), sorted(set(expected) ^ set(merged))
    diff = max((expected[k] - merged[k].double()).abs().max().item() for k in merged)
    print(json.dumps({"merged_modules": modules, "replaced": replaced,
                      "max_abs_update": update, "max_abs_diff": diff}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
