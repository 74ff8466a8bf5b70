#!/usr/bin/env python3
"""Writes tests/data/vae_wan_reference.safetensors: what Wan2.1's own VAE code computes for a
small VAE whose weights and input follow a closed formula (the C++ test rebuilds both).

  python3 scripts/vae_reference.py WAN_VAE_PY OUT.safetensors

WAN_VAE_PY is wan/modules/vae.py of a Wan2.1 checkout (github.com/Wan-Video/Wan2.1, read at
9737cba). Needs PyTorch (Debian's python3-torch 1.13 works: einops and the 2.0 attention op
are stood in for below when missing).
"""
import importlib.util
import json
import math
import struct
import sys
import types

import torch
import torch.nn.functional as F

# Same values as tests/model_vae_test.cpp.
CFG = dict(dim=8, z_dim=4, dim_mult=[1, 2, 4, 4], num_res_blocks=2, attn_scales=[],
           temperal_downsample=[False, True, True], dropout=0.0)
MEAN = [0.1, -0.2, 0.3, -0.4]
STD = [1.5, 0.5, 2.0, 1.0]
VIDEO_SHAPE = (1, 3, 9, 16, 16)


def formula_weights(model):
    with torch.no_grad():
        for k, (name, p) in enumerate(model.state_dict().items()):
            i = torch.arange(p.numel(), dtype=torch.float64)
            v = torch.sin(0.37 * i + 0.71 * k + 0.1)
            if name.endswith('gamma'):
                v = 1 + 0.2 * v
            elif p.dim() >= 2:
                v = v * math.sqrt(3.0 / (p.numel() // p.shape[0]))
            else:
                v = 0.1 * v
            p.copy_(v.reshape(p.shape).float())


def formula_video():
    i = torch.arange(math.prod(VIDEO_SHAPE), dtype=torch.float64)
    return (0.8 * torch.sin(0.05 * i + 0.3 * torch.cos(0.011 * i))).reshape(VIDEO_SHAPE).float()


def stand_ins():
    if 'einops' not in sys.modules:
        try:
            import einops  # noqa: F401
        except ImportError:
            def rearrange(x, pattern, **kw):
                if pattern.replace(' ', '') == 'bcthw->(bt)chw':
                    b, c, t, h, w = x.shape
                    return x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
                t = kw['t']
                bt, c, h, w = x.shape
                return x.reshape(bt // t, t, c, h, w).permute(0, 2, 1, 3, 4)
            sys.modules['einops'] = types.SimpleNamespace(rearrange=rearrange)
    if not hasattr(F, 'scaled_dot_product_attention'):
        def sdpa(q, k, v):
            return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), -1) @ v
        F.scaled_dot_product_attention = sdpa


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().float().numpy().tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def main():
    stand_ins()
    spec = importlib.util.spec_from_file_location('wan_vae', sys.argv[1])
    wan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wan)
    # Wan's Upsample rounds to float32 around the (exact) nearest-neighbour copy, a bfloat16
    # workaround; keep float64 through it.
    wan.Upsample.forward = torch.nn.Upsample.forward
    model = wan.WanVAE_(**CFG).eval()
    formula_weights(model)
    # Computed in float64 (float32 rounding alone moves the decoded frames by ~1e-4), stored
    # as float32.
    model = model.double()
    raw = {}
    model.conv1.register_forward_hook(lambda m, i, o: raw.setdefault('h', o))
    scale = [torch.tensor(MEAN, dtype=torch.float64), 1.0 / torch.tensor(STD, dtype=torch.float64)]
    video = formula_video().double()
    with torch.no_grad():
        latent = model.encode(video, scale)
        # From the stored (float32) latent, so that the test decodes the same input; unclamped
        # (WanVAE.decode clamps after).
        decoded = model.decode(latent.float().double(), scale)
    mu, log_var = raw['h'].chunk(2, dim=1)
    save(sys.argv[2], {'latent': latent, 'mean': mu, 'log_var': log_var, 'decoded': decoded})
    print('latent', tuple(latent.shape), 'decoded', tuple(decoded.shape))


if __name__ == '__main__':
    main()
