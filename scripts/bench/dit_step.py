#!/usr/bin/env python3
"""The DiT training step of `nc bench dit`, in Python PyTorch: the reference the C++ step is
compared with (docs/BENCHMARKS.md, "DiT training step").

The model is the block math of PAPER.md section 2.1 as our C++ implements it
(src/model/dit.cpp, attention.cpp, rope.cpp): patch embedding, sinusoidal time embedding,
text (and optional CLIP-token) projection, blocks of adaLN-modulated self-attention with q/k
RMS norm and 3-D RoPE, cross-attention, GELU feed-forward, and a modulated head. The step is
the same: forward, MSE against a fixed random target, backward, AdamW; the same shapes, thread
count, warm-up and timed steps, read from the JSON that `nc bench dit --out` writes:

    build/nc bench dit --config configs/tiny.yaml --out /tmp/dit.json
    /usr/bin/python3 scripts/bench/dit_step.py /tmp/dit.json

It needs PyTorch; Debian's package links the same LibTorch build as our C++ does:

    apt-get install -y python3-torch      # then run it with /usr/bin/python3

scripts/bench/dit_vs_python.sh runs both and prints the ratio.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


def attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v over [B, heads, L, d], the kernel our C++ calls."""
    if hasattr(F, "scaled_dot_product_attention"):  # PyTorch >= 2.0
        return F.scaled_dot_product_attention(q, k, v)
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, False)[0]  # 1.13, as torch_compat.cpp


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, frames, height, width, theta):
    """cos/sin [L, 1, head_dim/2]: the head dim split d - 4(d/6), 2(d/6), 2(d/6) over (t, h, w)."""
    sixth = head_dim // 6
    split = [head_dim - 4 * sixth, 2 * sixth, 2 * sixth]
    angles = []
    for axis, (size, d) in enumerate(zip((frames, height, width), split)):
        inv = 1.0 / theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
        a = torch.outer(torch.arange(size, dtype=torch.float64), inv)
        shape = [1, 1, 1, -1]
        shape[axis] = size
        angles.append(a.view(shape).expand(frames, height, width, a.shape[1]))
    angle = torch.cat(angles, -1).reshape(frames * height * width, 1, head_dim // 2)
    return angle.cos().float(), angle.sin().float()


def apply_rope(x, cos, sin):
    """x [B, L, heads, d]: rotate each (even, odd) pair by its position's angle."""
    pairs = x.unflatten(-1, (x.shape[-1] // 2, 2))
    x0, x1 = pairs[..., 0], pairs[..., 1]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), -1).flatten(-2)


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, eps):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))
        self.norm_q, self.norm_k = RMSNorm(dim, eps), RMSNorm(dim, eps)

    def forward(self, x, cos, sin):
        b, l, dim = x.shape
        h = self.heads
        q = apply_rope(self.norm_q(self.q(x)).view(b, l, h, -1), cos, sin).transpose(1, 2)
        k = apply_rope(self.norm_k(self.k(x)).view(b, l, h, -1), cos, sin).transpose(1, 2)
        v = self.v(x).view(b, l, h, -1).transpose(1, 2)
        return self.o(attention(q, k, v).transpose(1, 2).flatten(2))


class CrossAttention(nn.Module):
    def __init__(self, dim, heads, eps, image_context):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))
        self.norm_q, self.norm_k = RMSNorm(dim, eps), RMSNorm(dim, eps)
        self.image_context = image_context
        if image_context:
            self.k_img, self.v_img = nn.Linear(dim, dim), nn.Linear(dim, dim)
            self.norm_k_img = RMSNorm(dim, eps)

    def split(self, x):
        return x.view(x.shape[0], x.shape[1], self.heads, -1).transpose(1, 2)

    def forward(self, x, context, image):
        q = self.split(self.norm_q(self.q(x)))
        out = attention(q, self.split(self.norm_k(self.k(context))), self.split(self.v(context)))
        if self.image_context:
            out = out + attention(q, self.split(self.norm_k_img(self.k_img(image))), self.split(self.v_img(image)))
        return self.o(out.transpose(1, 2).flatten(2))


class Block(nn.Module):
    def __init__(self, o):
        super().__init__()
        dim, eps = o["dim"], o["eps"]
        self.norm1 = nn.LayerNorm(dim, eps, elementwise_affine=False)
        self.self_attn = SelfAttention(dim, o["num_heads"], eps)
        self.norm3 = nn.LayerNorm(dim, eps) if o["cross_attn_norm"] else nn.Identity()
        self.cross_attn = CrossAttention(dim, o["num_heads"], eps, image_tokens(o))
        self.norm2 = nn.LayerNorm(dim, eps, elementwise_affine=False)
        self.ffn = nn.Sequential(nn.Linear(dim, o["ffn_dim"]), nn.GELU("tanh"), nn.Linear(o["ffn_dim"], dim))
        self.modulation = nn.Parameter(torch.randn(1, 6, dim) / dim**0.5)

    def forward(self, x, e0, context, image, cos, sin):
        s1, c1, g1, s2, c2, g2 = (self.modulation + e0).chunk(6, 1)
        x = x + self.self_attn(self.norm1(x) * (1 + c1) + s1, cos, sin) * g1
        x = x + self.cross_attn(self.norm3(x), context, image)
        return x + self.ffn(self.norm2(x) * (1 + c2) + s2) * g2


def image_tokens(o):
    return o["model_type"] == "i2v" and o["image_context"]


class Dit(nn.Module):
    def __init__(self, o):
        super().__init__()
        dim, patch = o["dim"], o["patch_size"]
        self.o = o
        self.patch_embedding = nn.Conv3d(o["in_dim"], dim, patch, patch)
        self.text_embedding = nn.Sequential(nn.Linear(o["text_dim"], dim), nn.GELU("tanh"), nn.Linear(dim, dim))
        self.time_embedding = nn.Sequential(nn.Linear(o["freq_dim"], dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        self.blocks = nn.ModuleList(Block(o) for _ in range(o["num_layers"]))
        self.head_norm = nn.LayerNorm(dim, o["eps"], elementwise_affine=False)
        self.head = nn.Linear(dim, o["out_dim"] * math.prod(patch))
        self.head_modulation = nn.Parameter(torch.randn(1, 2, dim) / dim**0.5)
        if image_tokens(o):
            c = o["clip_dim"]
            self.img_emb = nn.Sequential(nn.LayerNorm(c), nn.Linear(c, c), nn.GELU(), nn.Linear(c, dim), nn.LayerNorm(dim))

    def sinusoid(self, t):
        half = self.o["freq_dim"] // 2
        angle = torch.outer(t.double(), torch.pow(10000.0, -torch.arange(half, dtype=torch.float64) / half))
        return torch.cat((angle.cos(), angle.sin()), 1).float()

    def forward(self, x, t, context, clip, y):
        o = self.o
        if y is not None:
            x = torch.cat((x, y), 1)
        x = self.patch_embedding(x)
        b, dim, f, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        cos, sin = rope_tables(dim // o["num_heads"], f, h, w, o["rope_theta"])
        e = self.time_embedding(self.sinusoid(t))
        e0 = self.time_projection(e).unflatten(1, (6, dim))
        context = self.text_embedding(context)
        image = self.img_emb(clip) if clip is not None else None
        for block in self.blocks:
            x = block(x, e0, context, image, cos, sin)
        shift, scale = (self.head_modulation + e.unsqueeze(1)).chunk(2, 1)
        x = self.head(self.head_norm(x) * (1 + scale) + shift)
        pt, ph, pw = o["patch_size"]
        c = o["out_dim"]
        return x.reshape(b, f, h, w, pt, ph, pw, c).permute(0, 7, 1, 4, 2, 5, 3, 6).reshape(b, c, f * pt, h * ph, w * pw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", help="JSON written by `nc bench dit --out`")
    parser.add_argument("--out", help="also write the results as JSON")
    args = parser.parse_args()
    with open(args.shapes) as f:
        bench = json.load(f)
    o, s, optim = bench["dit"], bench["shape"], bench["optim"]
    threads = bench["system"]["threads"]
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    model = Dit(o).train()
    params = [p for p in model.parameters() if p.requires_grad]
    adamw = torch.optim.AdamW(params, lr=optim["lr"], betas=tuple(optim["betas"]), eps=optim["eps"],
                              weight_decay=optim["weight_decay"])
    b, fr, h, w = s["batch"], s["frames"], s["height"], s["width"]
    x = torch.randn(b, o["out_dim"], fr, h, w)
    target = torch.randn(b, o["out_dim"], fr, h, w)
    t = torch.rand(b) * 1000
    context = torch.randn(b, o["text_len"], o["text_dim"])
    y = torch.randn(b, o["in_dim"] - o["out_dim"], fr, h, w) if o["model_type"] == "i2v" else None
    clip = torch.randn(b, s["image_tokens"], o["clip_dim"]) if image_tokens(o) else None

    def step():
        adamw.zero_grad()
        loss = F.mse_loss(model(x, t, context, clip, y), target)
        loss.backward()
        adamw.step()
        return loss.item()

    for _ in range(bench["warmup"]):
        step()
    times = []
    for _ in range(bench["steps"]):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    n_params = sum(p.numel() for p in params)
    print(f"python dit step: median {median * 1e3:.1f} ms, best {min(times) * 1e3:.1f} ms over {len(times)} steps "
          f"({n_params:,} parameters, {threads} threads, torch {torch.__version__})")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"benchmark": "dit_python", "torch": torch.__version__, "threads": threads,
                       "parameters": n_params, "step_ms": [t * 1e3 for t in times],
                       "median_ms": median * 1e3, "best_ms": min(times) * 1e3}, f, indent=2)


if __name__ == "__main__":
    main()
