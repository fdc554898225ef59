#!/usr/bin/python3
"""Reads an exported dpft text classifier the way Hugging Face does and prints its logits.

    /usr/bin/python3 tools/reference/read_hf_classifier.py EXPORT_DIR INPUTS.json

INPUTS.json: {"input_ids": [[...], ...], "attention_mask": [[...], ...]} (one row per text,
padded to one length). Prints {"layout": ..., "logits": [[...], ...]} as JSON on stdout.

Two layouts, told apart as `transformers` and `sentence-transformers` tell them apart:

* `AutoModelForSequenceClassification.from_pretrained(EXPORT_DIR)`: config.json's
  `architectures[0]` picks the class (`BertForSequenceClassification`,
  `RobertaForSequenceClassification`), `num_labels` from `id2label`; every weight of the class
  must be in model.safetensors under its prefixed name (`bert.encoder.layer.0...`,
  `roberta...`, `classifier...`), and none may be left over (from_pretrained would warn of
  missing or unexpected keys and initialise them at random: here that is an error).
* `SentenceTransformer(EXPORT_DIR)`: modules.json lists a Transformer (the encoder at the root,
  unprefixed names, as `AutoModel` loads it), a Pooling module (1_Pooling/config.json,
  `pooling_mode_mean_tokens`) and a Dense module (2_Dense: config.json and model.safetensors
  with `linear.weight`/`linear.bias`, identity activation) whose output are the logits.

The encoder is written out here in plain PyTorch after the published BERT/RoBERTa
architecture (post-norm blocks, GELU, absolute positions; RoBERTa's positions start after the
padding id); `transformers` is not used (it is not a Debian package). float64 throughout.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import load_safetensors  # noqa: E402


def read_json(*path):
    with open(os.path.join(*path)) as f:
        return json.load(f)


def encoder_names(cfg):
    """Every parameter name of Hugging Face's BertModel/RobertaModel (pooler excluded)."""
    names = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
             "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
             "embeddings.LayerNorm.bias"]
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for m in ["attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense", "attention.output.LayerNorm",
                  "intermediate.dense", "output.dense", "output.LayerNorm"]:
            names += [p + m + ".weight", p + m + ".bias"]
    return names


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def encode(cfg, w, ids, mask):
    """Last hidden state (B, T, d) of the encoder with weights `w` (unprefixed names)."""
    eps = cfg["layer_norm_eps"]
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    hs = d // heads

    def ln(name, x):
        return torch.nn.functional.layer_norm(x, (d,), w[name + ".weight"], w[name + ".bias"], eps)

    def lin(name, x):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    b, t = ids.shape
    if cfg["model_type"] == "roberta":
        pad = cfg["pad_token_id"]
        is_token = (ids != pad).long()
        positions = torch.cumsum(is_token, 1) * is_token + pad
    else:
        positions = torch.arange(t).unsqueeze(0).expand(b, t)
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][positions]
         + w["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)])
    x = ln("embeddings.LayerNorm", x)
    blocked = (1.0 - mask.double())[:, None, None, :] * torch.finfo(torch.float64).min
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i

        def split(y):
            return y.view(b, t, heads, hs).transpose(1, 2)

        q = split(lin(p + "attention.self.query", x))
        k = split(lin(p + "attention.self.key", x))
        v = split(lin(p + "attention.self.value", x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hs) + blocked
        a = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, t, d)
        x = ln(p + "attention.output.LayerNorm", lin(p + "attention.output.dense", a) + x)
        h = gelu(lin(p + "intermediate.dense", x))
        x = ln(p + "output.LayerNorm", lin(p + "output.dense", h) + x)
    return x


def take(weights, prefix, names):
    """weights[prefix + n] for each n, under n; KeyError naming what is missing."""
    missing = [prefix + n for n in names if prefix + n not in weights]
    if missing:
        raise KeyError("missing from model.safetensors: %s" % missing)
    return {n: weights.pop(prefix + n).double() for n in names}


def sequence_classification(directory, ids, mask):
    cfg = read_json(directory, "config.json")
    arch = cfg["architectures"][0]
    labels = len(cfg["id2label"])
    assert cfg.get("num_labels", labels) == labels, "num_labels disagrees with id2label"
    assert sorted(cfg["label2id"].values()) == list(range(labels)), "label2id is not 0..n-1"
    weights = load_safetensors(os.path.join(directory, "model.safetensors"))
    if arch == "BertForSequenceClassification":
        assert cfg["model_type"] == "bert"
        enc = take(weights, "bert.", encoder_names(cfg) + ["pooler.dense.weight",
                                                            "pooler.dense.bias"])
        head = take(weights, "", ["classifier.weight", "classifier.bias"])
        h0 = encode(cfg, enc, ids, mask)[:, 0]
        pooled = torch.tanh(h0 @ enc["pooler.dense.weight"].T + enc["pooler.dense.bias"])
        logits = pooled @ head["classifier.weight"].T + head["classifier.bias"]
    elif arch == "RobertaForSequenceClassification":
        assert cfg["model_type"] == "roberta"
        enc = take(weights, "roberta.", encoder_names(cfg))
        head = take(weights, "classifier.", ["dense.weight", "dense.bias", "out_proj.weight",
                                             "out_proj.bias"])
        h0 = encode(cfg, enc, ids, mask)[:, 0]
        h = torch.tanh(h0 @ head["dense.weight"].T + head["dense.bias"])
        logits = h @ head["out_proj.weight"].T + head["out_proj.bias"]
    else:
        raise ValueError("unsupported architectures %s" % cfg["architectures"])
    if weights:
        raise KeyError("unexpected keys in model.safetensors: %s" % sorted(weights))
    assert logits.shape[1] == labels
    return logits


def sentence_transformer(directory, ids, mask):
    modules = read_json(directory, "modules.json")
    kinds = [m["type"] for m in modules]
    assert kinds == ["sentence_transformers.models.Transformer",
                     "sentence_transformers.models.Pooling",
                     "sentence_transformers.models.Dense"], kinds
    cfg = read_json(directory, modules[0]["path"], "config.json")
    weights = load_safetensors(os.path.join(directory, modules[0]["path"], "model.safetensors"))
    enc = take(weights, "", encoder_names(cfg))
    weights.pop("pooler.dense.weight", None)  # AutoModel may carry a pooler; unused here
    weights.pop("pooler.dense.bias", None)
    if weights:
        raise KeyError("unexpected keys in the encoder's model.safetensors: %s" % sorted(weights))
    pooling = read_json(directory, modules[1]["path"], "config.json")
    assert pooling["pooling_mode_mean_tokens"] is True
    assert not any(v for k, v in pooling.items() if k.startswith("pooling_mode_")
                   and k != "pooling_mode_mean_tokens"), pooling
    assert pooling["word_embedding_dimension"] == cfg["hidden_size"]
    dense_cfg = read_json(directory, modules[2]["path"], "config.json")
    assert dense_cfg["activation_function"] == "torch.nn.modules.linear.Identity"
    dense = load_safetensors(os.path.join(directory, modules[2]["path"], "model.safetensors"))
    h = encode(cfg, enc, ids, mask)
    keep = mask.double().unsqueeze(-1)
    pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1e-9)
    logits = pooled @ dense["linear.weight"].double().T + dense["linear.bias"].double()
    assert logits.shape[1] == dense_cfg["out_features"]
    return logits


def main():
    directory, inputs = sys.argv[1], read_json(sys.argv[2])
    ids = torch.tensor(inputs["input_ids"], dtype=torch.long)
    mask = torch.tensor(inputs["attention_mask"], dtype=torch.long)
    if os.path.exists(os.path.join(directory, "modules.json")):
        layout, logits = "sentence-transformers", sentence_transformer(directory, ids, mask)
    else:
        layout, logits = "sequence-classification", sequence_classification(directory, ids, mask)
    json.dump({"layout": layout, "logits": logits.tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
