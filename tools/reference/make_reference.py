#!/usr/bin/python3
"""Independent PyTorch reference for dpft's GPT-2 and ViT models.

Writes, from a fixed seed, two TINY random checkpoints in the Hugging Face layout
(config.json + model.safetensors, HF parameter names) and, next to each, a
reference.safetensors with inputs and the expected outputs:

  <out>/gpt2-tiny/{config.json, model.safetensors, reference.safetensors}
  <out>/vit-tiny/{config.json, model.safetensors, reference.safetensors}

The models are written here in plain PyTorch (functional style, parameters looked
up by their HF names) following the published Hugging Face architectures
GPT2LMHeadModel and ViTForImageClassification; the `transformers` package is not
used. All expected outputs are computed in float64 from the float32 weights that are
stored, then rounded to float32.

Before anything is written the script validates itself (see `self_check_*`):
every transformer block is recomputed with torch.nn.TransformerEncoderLayer
(an independent implementation of a pre-norm block), KV-cached decoding is compared
with full recomputation, causality and padding invariance are checked, greedy and
beam decisions are checked to have margins far above float32 error, and the written
files are read back and the outputs recomputed from them.

Run with Debian's PyTorch (package python3-torch):
    /usr/bin/python3 tools/reference/make_reference.py --out <dir>
"""
import argparse
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

SEED = 20240521
# A greedy/beam decision counts as robust when the chosen candidate beats the next
# one by this much; the Java side runs in float32 with errors around 1e-5.
DECISION_MARGIN = 1e-3

# ---------------------------------------------------------------------------
# safetensors, written and read by hand (the `safetensors` package is not a Debian
# package): 8-byte little-endian header length, JSON header, raw little-endian data.
# ---------------------------------------------------------------------------
_DTYPES = {torch.float32: ("F32", 4), torch.int64: ("I64", 8)}
_FORMATS = {"F32": ("<f", torch.float32, 4), "I64": ("<q", torch.int64, 8)}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        code, size = _DTYPES[t.dtype]
        values = t.reshape(-1).tolist()
        fmt = "<%d%s" % (len(values), "f" if code == "F32" else "q")
        data = struct.pack(fmt, *values)
        assert len(data) == size * len(values)
        header[name] = {"dtype": code, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # pad so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        fmt, dtype, size = _FORMATS[info["dtype"]]
        begin, end = info["data_offsets"]
        count = (end - begin) // size
        values = struct.unpack_from("<%d%s" % (count, fmt[1]), raw, base + begin)
        out[name] = torch.tensor(values, dtype=dtype).reshape(info["shape"])
    return out


def write_checkpoint(directory, config, weights, reference):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    save_safetensors(os.path.join(directory, "model.safetensors"), weights, {"format": "pt"})
    save_safetensors(os.path.join(directory, "reference.safetensors"), reference,
                     {"generator": "tools/reference/make_reference.py", "seed": SEED})


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------
def gelu_new(x):
    """GPT-2's GELU, tanh approximation (HF `gelu_new`)."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def gelu_exact(x):
    """Exact GELU x * Phi(x) (HF `gelu`, used by ViT)."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def split_heads(x, n_head):  # (B, T, C) -> (B, nh, T, hs)
    b, t, c = x.shape
    return x.view(b, t, n_head, c // n_head).transpose(1, 2)


def merge_heads(x):  # (B, nh, T, hs) -> (B, T, C)
    b, nh, t, hs = x.shape
    return x.transpose(1, 2).reshape(b, t, nh * hs)


def attend(q, k, v, allowed):
    """softmax(q k^T / sqrt(hs) + mask) v; `allowed` (B or 1, 1, Tq, Tk) is boolean.

    Disallowed scores get the dtype's most negative finite value, as HF does, so a row
    with no allowed key (a padding query) stays finite instead of NaN."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1) @ v


class Rng:
    """Seeded float32 draws for parameters and inputs."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, *shape, std=1.0, mean=0.0):
        return (torch.randn(*shape, generator=self.g) * std + mean).float()

    def ints(self, high, *shape):
        return torch.randint(0, high, shape, generator=self.g, dtype=torch.int64)


# ---------------------------------------------------------------------------
# GPT-2 (HF GPT2LMHeadModel)
# ---------------------------------------------------------------------------
GPT2_CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "vocab_size": 100,
    "n_positions": 64,
    "n_embd": 32,
    "n_layer": 2,
    "n_head": 4,
    "n_inner": None,  # None means 4 * n_embd, as in HF
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "resid_pdrop": 0.0,
    "embd_pdrop": 0.0,
    "attn_pdrop": 0.0,
    "initializer_range": 0.02,
    "scale_attn_weights": True,
    "tie_word_embeddings": True,
    "bos_token_id": 99,
    "eos_token_id": 99,
    "torch_dtype": "float32",
}
GPT2_PREFIX = "transformer."


def gpt2_init(cfg, rng):
    """Random weights with HF names and shapes (Conv1D weights are [in, out]).

    Not HF's init (std 0.02, zero biases, unit LayerNorms): biases and LayerNorm
    parameters are random so that a dropped or misplaced one changes the outputs, and
    the scales were chosen so that greedy decoding does not just repeat one token,
    beam search finds a better sequence than greedy, and every decision has a clear
    margin (all asserted in self_check_gpt2)."""
    e, v, p = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg["n_inner"] or 4 * e
    w = {"wte.weight": rng.normal(v, e, std=0.2), "wpe.weight": rng.normal(p, e, std=0.3)}

    def conv1d(name, n_in, n_out):
        w[name + ".weight"] = rng.normal(n_in, n_out, std=2.0 / math.sqrt(n_in))
        w[name + ".bias"] = rng.normal(n_out, std=0.1)

    def layer_norm(name):
        w[name + ".weight"] = rng.normal(e, std=0.1, mean=1.0)
        w[name + ".bias"] = rng.normal(e, std=0.1)

    for i in range(cfg["n_layer"]):
        h = "h.%d." % i
        layer_norm(h + "ln_1")
        conv1d(h + "attn.c_attn", e, 3 * e)
        conv1d(h + "attn.c_proj", e, e)
        layer_norm(h + "ln_2")
        conv1d(h + "mlp.c_fc", e, inner)
        conv1d(h + "mlp.c_proj", inner, e)
    layer_norm("ln_f")
    return {GPT2_PREFIX + k: t for k, t in w.items()}


def gpt2_position_ids(attention_mask, past_length=0):
    """Position ids from the attention mask: the n-th real token (n = 0, 1, ...) gets
    position n, i.e. cumsum(mask) - 1, with padding positions set to 1 (what HF's
    GPT2LMHeadModel.prepare_inputs_for_generation does). With right padding this is
    arange; with left padding the first real token gets position 0, so a padded row
    gives the same outputs at its real positions as the unpadded sequence."""
    pos = attention_mask.long().cumsum(-1) - 1
    pos = pos.masked_fill(attention_mask == 0, 1)
    return pos[:, past_length:]


class Gpt2:
    """GPT2LMHeadModel forward in float64 over a dict of HF-named weights."""

    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = {k[len(GPT2_PREFIX):]: t.double() for k, t in weights.items()}

    def ln(self, name, x):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"],
                            self.cfg["layer_norm_epsilon"])

    def conv1d(self, name, x):  # HF Conv1D: x @ W + b with W [in, out]
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """Returns (last_hidden_state, logits, present) where present[i] = (k, v) of
        layer i, shaped (B, nh, T_past + T, hs). attention_mask covers past + new."""
        b, t = input_ids.shape
        past_length = 0 if past is None else past[0][0].shape[2]
        total = past_length + t
        if attention_mask is None:
            attention_mask = torch.ones(b, total, dtype=torch.int64)
        if position_ids is None:
            position_ids = gpt2_position_ids(attention_mask, past_length)
        x = self.w["wte.weight"][input_ids] + self.w["wpe.weight"][position_ids]
        # query at absolute index past_length + i may see key j <= past_length + i
        causal = torch.ones(total, total, dtype=torch.bool).tril()[past_length:]
        allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
        nh = self.cfg["n_head"]
        present = []
        for i in range(self.cfg["n_layer"]):
            h = "h.%d." % i
            q, k, v = self.conv1d(h + "attn.c_attn", self.ln(h + "ln_1", x)).split(x.shape[-1], dim=2)
            q, k, v = split_heads(q, nh), split_heads(k, nh), split_heads(v, nh)
            if past is not None:
                k = torch.cat([past[i][0], k], dim=2)
                v = torch.cat([past[i][1], v], dim=2)
            present.append((k, v))
            x = x + self.conv1d(h + "attn.c_proj", merge_heads(attend(q, k, v, allowed)))
            x = x + self.conv1d(h + "mlp.c_proj", gelu_new(self.conv1d(h + "mlp.c_fc", self.ln(h + "ln_2", x))))
        hidden = self.ln("ln_f", x)
        logits = hidden @ self.w["wte.weight"].t()  # tied LM head
        return hidden, logits, present


def greedy(model, prompt_ids, prompt_mask, steps, use_cache=True):
    """Greedy decoding of `steps` tokens for a (possibly left-padded) batch; no EOS stop.

    Returns (sequences with prompt, per-step logits (steps, B, V))."""
    ids, mask = prompt_ids, prompt_mask
    past, step_logits = None, []
    next_input = ids
    for _ in range(steps):
        if use_cache:
            _, logits, past = model.forward(next_input, mask, past=past)
        else:
            _, logits, _ = model.forward(ids, mask)
        last = logits[:, -1, :]
        step_logits.append(last)
        token = last.argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, token], dim=1)
        mask = torch.cat([mask, torch.ones_like(token)], dim=1)
        next_input = token
    return ids, torch.stack(step_logits)


def beam_search(model, prompt_ids, num_beams, steps, use_cache=True):
    """Beam search for one prompt, no EOS, no length penalty.

    A hypothesis' score is the sum of the log-probabilities (log_softmax of the
    logits) of its generated tokens. Start: one beam, score 0. Each step: every
    (beam, token) pair is a candidate with score beam_score + log p(token | beam);
    the num_beams best candidates become the new beams. After `steps` steps the
    beams are returned best first. Equals HF generate(num_beams=k, length_penalty=0,
    early_stopping=False) when EOS is never a candidate.

    Returns (sequences (k, prompt+steps) best first, scores (k,), per-step margins)."""
    v = model.cfg["vocab_size"]
    ids = prompt_ids.clone()  # (1, T)
    scores = torch.zeros(1, dtype=torch.float64)
    past = None
    next_input = ids
    margins = []
    for _ in range(steps):
        mask = torch.ones(ids.shape, dtype=torch.int64)
        if use_cache:
            _, logits, past = model.forward(next_input, mask, past=past)
        else:
            _, logits, _ = model.forward(ids, mask)
        logp = torch.log_softmax(logits[:, -1, :], dim=-1)  # (beams, V)
        cand = (scores[:, None] + logp).reshape(-1)
        top, idx = cand.topk(num_beams + 1)
        margins.append(float((top[:-1] - top[1:]).min()))
        top, idx = top[:num_beams], idx[:num_beams]
        beam, token = idx // v, idx % v
        ids = torch.cat([ids[beam], token[:, None]], dim=1)
        scores = top
        if use_cache:
            past = [(k[beam], vv[beam]) for k, vv in past]
        next_input = token[:, None]
    return ids, scores, margins


def make_gpt2(rng):
    cfg = GPT2_CONFIG
    weights = gpt2_init(cfg, rng)
    model = Gpt2(cfg, weights)
    v, eos = cfg["vocab_size"], cfg["eos_token_id"]
    t = 8
    # batch: a full row, a left-padded row (3 pads) and a right-padded row (2 pads);
    # padding tokens are EOS, as usual for GPT-2, so an unmasked pad changes outputs.
    input_ids = rng.ints(v - 1, 3, t)
    attention_mask = torch.ones(3, t, dtype=torch.int64)
    attention_mask[1, :3] = 0
    attention_mask[2, 6:] = 0
    input_ids[attention_mask == 0] = eos
    position_ids = gpt2_position_ids(attention_mask)
    hidden, logits, _ = model.forward(input_ids, attention_mask, position_ids)
    pad = (attention_mask == 0)[..., None]
    hidden = hidden.masked_fill(pad, 0.0)  # padding positions are unspecified: stored as 0
    logits = logits.masked_fill(pad, 0.0)

    steps = 8
    prompt = rng.ints(v - 1, 1, 5)
    greedy_ids, greedy_logits = greedy(model, prompt, torch.ones_like(prompt), steps)
    beam_ids, beam_scores, _ = beam_search(model, prompt, 3, steps)

    # batched greedy from two prompts of different lengths, left-padded
    batch_prompt = torch.full((2, 6), eos, dtype=torch.int64)
    batch_prompt[0, :] = rng.ints(v - 1, 6)
    batch_prompt[1, 2:] = prompt[0, 1:]  # 4 real tokens
    batch_mask = (torch.arange(6)[None, :] >= torch.tensor([[0], [2]])).long()
    batch_ids, _ = greedy(model, batch_prompt, batch_mask, steps)

    reference = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "position_ids": position_ids,
        "last_hidden_state": hidden.float(),
        "logits": logits.float(),
        "greedy_prompt": prompt,
        "greedy_ids": greedy_ids,
        "greedy_step_logits": greedy_logits[:, 0, :].float(),
        "beam_prompt": prompt,
        "beam_ids": beam_ids,
        "beam_scores": beam_scores.float(),
        "greedy_batch_prompt": batch_prompt,
        "greedy_batch_attention_mask": batch_mask,
        "greedy_batch_ids": batch_ids,
    }
    return cfg, weights, reference


# ---------------------------------------------------------------------------
# ViT (HF ViTForImageClassification)
# ---------------------------------------------------------------------------
VIT_CONFIG = {
    "model_type": "vit",
    "architectures": ["ViTForImageClassification"],
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 37,  # deliberately not 4 * hidden_size (as in HF's ViT tests)
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "image_size": 16,
    "patch_size": 4,
    "num_channels": 3,
    "qkv_bias": True,
    "encoder_stride": 4,
    "id2label": {str(i): "LABEL_%d" % i for i in range(5)},
    "label2id": {"LABEL_%d" % i: i for i in range(5)},
    "torch_dtype": "float32",
}
VIT_PREFIX = "vit."


def vit_init(cfg, rng):
    """Random weights with HF names and shapes (Linear weights are [out, in])."""
    e, m = cfg["hidden_size"], cfg["intermediate_size"]
    c, p = cfg["num_channels"], cfg["patch_size"]
    n = (cfg["image_size"] // p) ** 2
    labels = len(cfg["id2label"])
    w = {
        "vit.embeddings.cls_token": rng.normal(1, 1, e, std=0.5),
        "vit.embeddings.position_embeddings": rng.normal(1, n + 1, e, std=0.3),
        "vit.embeddings.patch_embeddings.projection.weight": rng.normal(e, c, p, p, std=1.0 / math.sqrt(c * p * p)),
        "vit.embeddings.patch_embeddings.projection.bias": rng.normal(e, std=0.1),
    }

    def linear(name, n_in, n_out):
        w[name + ".weight"] = rng.normal(n_out, n_in, std=1.0 / math.sqrt(n_in))
        w[name + ".bias"] = rng.normal(n_out, std=0.1)

    def layer_norm(name):
        w[name + ".weight"] = rng.normal(e, std=0.1, mean=1.0)
        w[name + ".bias"] = rng.normal(e, std=0.1)

    for i in range(cfg["num_hidden_layers"]):
        h = "vit.encoder.layer.%d." % i
        layer_norm(h + "layernorm_before")
        for part in ("query", "key", "value"):
            linear(h + "attention.attention." + part, e, e)
        linear(h + "attention.output.dense", e, e)
        layer_norm(h + "layernorm_after")
        linear(h + "intermediate.dense", e, m)
        linear(h + "output.dense", m, e)
    layer_norm("vit.layernorm")
    linear("classifier", e, labels)
    return w


class Vit:
    """ViTForImageClassification forward in float64 (no pooler, as HF's classifier)."""

    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = {k: t.double() for k, t in weights.items()}

    def ln(self, name, x):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"],
                            self.cfg["layer_norm_eps"])

    def linear(self, name, x):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def embed(self, pixel_values):
        pe = "vit.embeddings."
        x = F.conv2d(pixel_values, self.w[pe + "patch_embeddings.projection.weight"],
                     self.w[pe + "patch_embeddings.projection.bias"], stride=self.cfg["patch_size"])
        x = x.flatten(2).transpose(1, 2)  # (B, N, C), patches in row-major order
        cls = self.w[pe + "cls_token"].expand(x.shape[0], -1, -1)
        return torch.cat([cls, x], dim=1) + self.w[pe + "position_embeddings"]

    def forward(self, pixel_values):
        """Returns (last_hidden_state after the final layernorm, logits)."""
        x = self.embed(pixel_values)
        nh = self.cfg["num_attention_heads"]
        everything = torch.ones(1, 1, x.shape[1], x.shape[1], dtype=torch.bool)
        for i in range(self.cfg["num_hidden_layers"]):
            h = "vit.encoder.layer.%d." % i
            a = self.ln(h + "layernorm_before", x)
            q, k, v = (split_heads(self.linear(h + "attention.attention." + part, a), nh)
                       for part in ("query", "key", "value"))
            x = x + self.linear(h + "attention.output.dense", merge_heads(attend(q, k, v, everything)))
            a = self.ln(h + "layernorm_after", x)
            x = x + self.linear(h + "output.dense", gelu_exact(self.linear(h + "intermediate.dense", a)))
        hidden = self.ln("vit.layernorm", x)
        return hidden, self.linear("classifier", hidden[:, 0, :])


def make_vit(rng):
    cfg = VIT_CONFIG
    weights = vit_init(cfg, rng)
    pixel_values = rng.normal(2, cfg["num_channels"], cfg["image_size"], cfg["image_size"])
    hidden, logits = Vit(cfg, weights).forward(pixel_values.double())
    reference = {"pixel_values": pixel_values, "last_hidden_state": hidden.float(), "logits": logits.float()}
    return cfg, weights, reference


# ---------------------------------------------------------------------------
# Self-checks
# ---------------------------------------------------------------------------
def check_close(what, actual, expected, tol):
    diff = (actual.double() - expected.double()).abs().max().item()
    if not diff <= tol:
        raise AssertionError("%s: max |diff| %.3g > %.3g" % (what, diff, tol))
    print("  ok  %-58s max|diff| %.2e" % (what, diff))


def check_equal(what, actual, expected):
    if not torch.equal(actual, expected):
        raise AssertionError("%s: %s != %s" % (what, actual.tolist(), expected.tolist()))
    print("  ok  %s" % what)


def torch_block(d_model, n_head, d_ff, eps, activation, ln1, ln2, qkv_w, qkv_b, out_w, out_b,
                fc1_w, fc1_b, fc2_w, fc2_b):
    """torch.nn.TransformerEncoderLayer (pre-norm) loaded with one block's weights,
    all given as torch.nn.Linear-style [out, in] matrices."""
    block = torch.nn.TransformerEncoderLayer(d_model, n_head, d_ff, dropout=0.0, activation=activation,
                                             layer_norm_eps=eps, batch_first=True, norm_first=True)
    block = block.double().eval()
    sd = {"self_attn.in_proj_weight": qkv_w, "self_attn.in_proj_bias": qkv_b,
          "self_attn.out_proj.weight": out_w, "self_attn.out_proj.bias": out_b,
          "linear1.weight": fc1_w, "linear1.bias": fc1_b, "linear2.weight": fc2_w, "linear2.bias": fc2_b,
          "norm1.weight": ln1[0], "norm1.bias": ln1[1], "norm2.weight": ln2[0], "norm2.bias": ln2[1]}
    block.load_state_dict({k: t.double() for k, t in sd.items()})
    return block


def self_check_gpt2(cfg, weights, ref):
    print("gpt2-tiny self-checks")
    model = Gpt2(cfg, weights)
    e, nh = cfg["n_embd"], cfg["n_head"]

    # 1. every block recomputed by torch.nn.TransformerEncoderLayer with a causal mask
    ids = ref["input_ids"][:1]
    t = ids.shape[1]
    w = model.w
    x = w["wte.weight"][ids] + w["wpe.weight"][torch.arange(t)][None]
    causal_block = torch.ones(t, t, dtype=torch.bool).triu(1)  # True = not allowed
    with torch.no_grad():
        for i in range(cfg["n_layer"]):
            h = "h.%d." % i
            block = torch_block(e, nh, 4 * e, cfg["layer_norm_epsilon"], gelu_new,
                                (w[h + "ln_1.weight"], w[h + "ln_1.bias"]), (w[h + "ln_2.weight"], w[h + "ln_2.bias"]),
                                w[h + "attn.c_attn.weight"].t(), w[h + "attn.c_attn.bias"],
                                w[h + "attn.c_proj.weight"].t(), w[h + "attn.c_proj.bias"],
                                w[h + "mlp.c_fc.weight"].t(), w[h + "mlp.c_fc.bias"],
                                w[h + "mlp.c_proj.weight"].t(), w[h + "mlp.c_proj.bias"])
            x = block(x, src_mask=causal_block)
    hidden = F.layer_norm(x, (e,), w["ln_f.weight"], w["ln_f.bias"], cfg["layer_norm_epsilon"])
    check_close("blocks == nn.TransformerEncoderLayer (causal)", hidden, ref["last_hidden_state"][:1], 1e-6)
    check_close("tied LM head: logits == hidden @ wte^T", ref["last_hidden_state"][:1].double() @ w["wte.weight"].t(),
                ref["logits"][:1], 1e-5)

    # 2. padding: each padded row equals its unpadded sequence at the real positions
    for row in (1, 2):
        real = ref["attention_mask"][row].bool()
        alone_hidden, alone_logits, _ = model.forward(ref["input_ids"][row][real][None])
        check_close("padding row %d == unpadded sequence (hidden)" % row,
                    ref["last_hidden_state"][row][real], alone_hidden[0], 1e-5)
        check_close("padding row %d == unpadded sequence (logits)" % row,
                    ref["logits"][row][real], alone_logits[0], 1e-5)

    # 3. causality: changing tokens after position s leaves logits up to s unchanged
    s = 4
    changed = ids.clone()
    changed[0, s + 1:] = (changed[0, s + 1:] + 7) % (cfg["vocab_size"] - 1)
    _, logits_a, _ = model.forward(ids)
    _, logits_b, _ = model.forward(changed)
    check_close("causality: logits[:%d] unchanged by later tokens" % (s + 1),
                logits_a[0, :s + 1], logits_b[0, :s + 1], 0.0)
    assert (logits_a[0, s + 1:] - logits_b[0, s + 1:]).abs().max() > 1e-2, "later logits must change"

    # 4. KV cache: cached decoding == full recomputation at every step
    prompt = ref["greedy_prompt"]
    steps = ref["greedy_ids"].shape[1] - prompt.shape[1]
    ids_c, logits_c = greedy(model, prompt, torch.ones_like(prompt), steps, use_cache=True)
    ids_u, logits_u = greedy(model, prompt, torch.ones_like(prompt), steps, use_cache=False)
    check_equal("greedy: KV-cached tokens == recomputed tokens", ids_c, ids_u)
    check_close("greedy: KV-cached step logits == recomputed", logits_c, logits_u, 1e-9)
    top2 = logits_u[:, 0, :].topk(2, dim=-1).values
    margin = (top2[:, 0] - top2[:, 1]).min().item()
    assert margin > DECISION_MARGIN, "greedy margin %.3g too small: change SEED" % margin
    print("  ok  greedy: smallest top-1/top-2 logit gap %.3g" % margin)
    assert cfg["eos_token_id"] not in ref["greedy_ids"][:, prompt.shape[1]:], "EOS generated: change SEED"

    b_c, s_c, margins = beam_search(model, prompt, 3, steps, use_cache=True)
    b_u, s_u, _ = beam_search(model, prompt, 3, steps, use_cache=False)
    check_equal("beam: KV-cached beams == recomputed beams", b_c, b_u)
    check_close("beam: KV-cached scores == recomputed", s_c, s_u, 1e-9)
    assert min(margins) > DECISION_MARGIN, "beam margin %.3g too small: change SEED" % min(margins)
    print("  ok  beam: smallest candidate-score gap %.3g" % min(margins))
    assert cfg["eos_token_id"] not in b_u[:, prompt.shape[1]:], "EOS generated: change SEED"
    generated = ref["greedy_ids"][0, prompt.shape[1]:]
    assert len(set(generated.tolist())) >= 3, "greedy output too repetitive to test much"
    assert not torch.equal(b_u[0], ref["greedy_ids"][0]), "beam search must differ from greedy here"
    print("  ok  beam: best beam differs from greedy; greedy has %d distinct tokens" % len(set(generated.tolist())))
    # a beam's score is the sum of its tokens' log-probabilities, recomputed here
    _, logits, _ = model.forward(b_u)
    logp = torch.log_softmax(logits, dim=-1)
    t0 = prompt.shape[1]
    sums = logp[:, t0 - 1:-1].gather(2, b_u[:, t0:, None]).squeeze(2).sum(1)
    check_close("beam: scores == sum of token log-probs", sums, s_u, 1e-9)

    # 5. batched left-padded greedy == per-prompt greedy
    for row in range(2):
        real = ref["greedy_batch_attention_mask"][row].bool()
        alone, _ = greedy(model, ref["greedy_batch_prompt"][row][real][None], torch.ones(1, int(real.sum()),
                          dtype=torch.int64), steps)
        check_equal("left-padded batch greedy row %d == alone" % row,
                    ref["greedy_batch_ids"][row][6:], alone[0][int(real.sum()):])


def self_check_vit(cfg, weights, ref):
    print("vit-tiny self-checks")
    model = Vit(cfg, weights)
    w = model.w
    e, p = cfg["hidden_size"], cfg["patch_size"]
    pixels = ref["pixel_values"].double()
    # 1. patch embedding as unfold + matmul instead of conv2d
    patches = F.unfold(pixels, kernel_size=p, stride=p).transpose(1, 2)  # (B, N, C*p*p)
    proj = patches @ w["vit.embeddings.patch_embeddings.projection.weight"].reshape(e, -1).t() \
        + w["vit.embeddings.patch_embeddings.projection.bias"]
    x = torch.cat([w["vit.embeddings.cls_token"].expand(pixels.shape[0], -1, -1), proj], 1) \
        + w["vit.embeddings.position_embeddings"]
    check_close("patch embedding: conv2d == unfold @ W", model.embed(pixels), x, 1e-12)
    # 2. every block recomputed by torch.nn.TransformerEncoderLayer
    with torch.no_grad():
        for i in range(cfg["num_hidden_layers"]):
            h = "vit.encoder.layer.%d." % i
            a = h + "attention.attention."
            block = torch_block(e, cfg["num_attention_heads"], cfg["intermediate_size"], cfg["layer_norm_eps"],
                                gelu_exact,
                                (w[h + "layernorm_before.weight"], w[h + "layernorm_before.bias"]),
                                (w[h + "layernorm_after.weight"], w[h + "layernorm_after.bias"]),
                                torch.cat([w[a + "query.weight"], w[a + "key.weight"], w[a + "value.weight"]]),
                                torch.cat([w[a + "query.bias"], w[a + "key.bias"], w[a + "value.bias"]]),
                                w[h + "attention.output.dense.weight"], w[h + "attention.output.dense.bias"],
                                w[h + "intermediate.dense.weight"], w[h + "intermediate.dense.bias"],
                                w[h + "output.dense.weight"], w[h + "output.dense.bias"])
            x = block(x)
    hidden = F.layer_norm(x, (e,), w["vit.layernorm.weight"], w["vit.layernorm.bias"], cfg["layer_norm_eps"])
    check_close("blocks == nn.TransformerEncoderLayer", hidden, ref["last_hidden_state"], 1e-6)
    logits = hidden[:, 0] @ w["classifier.weight"].t() + w["classifier.bias"]
    check_close("classifier on the [CLS] token", logits, ref["logits"], 1e-5)
    # 3. batch independence: each image alone gives the same outputs
    for row in range(pixels.shape[0]):
        alone, _ = model.forward(pixels[row:row + 1])
        check_close("image %d alone == in batch" % row, alone[0], ref["last_hidden_state"][row], 1e-5)


def check_files(directory, model_cls, cfg, weights, reference):
    """Reads back what was written and recomputes the outputs from the files."""
    with open(os.path.join(directory, "config.json")) as f:
        assert json.load(f) == json.loads(json.dumps(cfg)), "config.json round trip"
    w = load_safetensors(os.path.join(directory, "model.safetensors"))
    r = load_safetensors(os.path.join(directory, "reference.safetensors"))
    assert w.keys() == weights.keys() and all(torch.equal(w[k], weights[k]) for k in w), "weights round trip"
    assert r.keys() == reference.keys() and all(torch.equal(r[k], reference[k]) for k in r), "reference round trip"
    model = model_cls(cfg, w)
    if model_cls is Gpt2:
        hidden, logits, _ = model.forward(r["input_ids"], r["attention_mask"], r["position_ids"])
        pad = (r["attention_mask"] == 0)[..., None]
        hidden, logits = hidden.masked_fill(pad, 0.0), logits.masked_fill(pad, 0.0)
    else:
        hidden, logits = model.forward(r["pixel_values"].double())
    check_close("%s: outputs recomputed from the written files" % os.path.basename(directory),
                torch.cat([hidden.flatten(), logits.flatten()]),
                torch.cat([r["last_hidden_state"].flatten(), r["logits"].flatten()]), 1e-6)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True,
                        help="output folder, e.g. dpft-core/src/test/resources/reference")
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # bit-for-bit repeatable reductions

    rng = Rng(SEED)
    gpt2 = make_gpt2(rng)
    vit = make_vit(rng)
    self_check_gpt2(*gpt2)
    self_check_vit(*vit)
    for name, model_cls, parts in (("gpt2-tiny", Gpt2, gpt2), ("vit-tiny", Vit, vit)):
        directory = os.path.join(args.out, name)
        write_checkpoint(directory, *parts)
        check_files(directory, model_cls, *parts)
    print("wrote %s/{gpt2-tiny,vit-tiny}" % args.out)


if __name__ == "__main__":
    main()
