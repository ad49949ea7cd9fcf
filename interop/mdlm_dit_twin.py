#!/usr/bin/env python3
"""PyTorch twin of MDLM's DiT (kuleshov-group/mdlm, models/dit.py), for hdlm-lab's import/export round trip.

Written from the published architecture (not copied): the same module tree, parameter names, shapes and
registration order as the reference `DIT`, so `state_dict()` keys and `parameters()` order match it exactly.
The reference runs attention through flash-attn on a GPU; this twin computes the same attention with plain
torch ops in float32 on the CPU (no flash-attn, no bf16 autocast), which is what the logit tests compare against.

  make    builds a seeded DiT at any size and writes it as .safetensors and/or a Lightning-style .ckpt
  logits  loads a .safetensors / .ckpt / hdlm export, runs fixed inputs, writes raw logits and SUBS log-probs

Runs with Debian's python3-torch (1.13); needs nothing else.
"""
import argparse
import collections
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FREQ_DIM = 256  # frequency embedding size of the timestep embedder


def modulate(x, shift, scale):
  # shift, scale: (B, d) per sequence
  return x * (1 + scale[:, None, :]) + shift[:, None, :]


def rotate_half(x):
  h = x.shape[-1] // 2
  return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LayerNorm(nn.Module):
  """LayerNorm without bias: normalise in float32, then multiply by `weight`."""

  def __init__(self, dim):
    super().__init__()
    self.weight = nn.Parameter(torch.ones([dim]))
    self.dim = dim

  def forward(self, x):
    return F.layer_norm(x.float(), [self.dim]) * self.weight[None, None, :]


class TimestepEmbedder(nn.Module):
  """sigma (B,) -> sinusoidal(256, cos then sin) -> Linear -> SiLU -> Linear."""

  def __init__(self, hidden_size, frequency_embedding_size=FREQ_DIM):
    super().__init__()
    self.mlp = nn.Sequential(
      nn.Linear(frequency_embedding_size, hidden_size, bias=True),
      nn.SiLU(),
      nn.Linear(hidden_size, hidden_size, bias=True))
    self.frequency_embedding_size = frequency_embedding_size

  @staticmethod
  def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
      emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb

  def forward(self, t):
    return self.mlp(self.timestep_embedding(t, self.frequency_embedding_size))


class Rotary(nn.Module):
  """Rotary tables (GPT-NeoX rotate-half form, flash-attn's non-interleaved rotary); `inv_freq` is a buffer."""

  def __init__(self, dim, base=10_000):
    super().__init__()
    self.register_buffer('inv_freq', 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)))

  def forward(self, seq_len):
    t = torch.arange(seq_len).type_as(self.inv_freq)
    freqs = torch.einsum('i,j->ij', t, self.inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)  # (S, hd)
    return emb.cos(), emb.sin()


class DDiTBlock(nn.Module):
  def __init__(self, dim, n_heads, cond_dim, mlp_ratio=4, dropout=0.1):
    super().__init__()
    self.n_heads = n_heads
    self.norm1 = LayerNorm(dim)
    self.attn_qkv = nn.Linear(dim, 3 * dim, bias=False)
    self.attn_out = nn.Linear(dim, dim, bias=False)
    self.dropout1 = nn.Dropout(dropout)
    self.norm2 = LayerNorm(dim)
    self.mlp = nn.Sequential(
      nn.Linear(dim, mlp_ratio * dim, bias=True),
      nn.GELU(approximate='tanh'),
      nn.Linear(mlp_ratio * dim, dim, bias=True))
    self.dropout2 = nn.Dropout(dropout)
    self.adaLN_modulation = nn.Linear(cond_dim, 6 * dim, bias=True)

  def forward(self, x, cos, sin, c):
    B, S, d = x.shape
    H = self.n_heads
    hd = d // H
    shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
    h = modulate(self.norm1(x), shift_msa, scale_msa)
    qkv = self.attn_qkv(h).view(B, S, 3, H, hd)  # 'b s (three h d)'
    q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))  # (B, H, S, hd)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd), dim=-1)  # bidirectional
    a = (att @ v).transpose(1, 2).reshape(B, S, d)
    x = x + gate_msa[:, None, :] * self.dropout1(self.attn_out(a))
    m = self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
    return x + gate_mlp[:, None, :] * self.dropout2(m)


class EmbeddingLayer(nn.Module):
  def __init__(self, dim, vocab_dim):
    super().__init__()
    self.embedding = nn.Parameter(torch.empty((vocab_dim, dim)))
    torch.nn.init.kaiming_uniform_(self.embedding, a=math.sqrt(5))

  def forward(self, x):
    return self.embedding[x]


class DDitFinalLayer(nn.Module):
  def __init__(self, hidden_size, out_channels, cond_dim):
    super().__init__()
    self.norm_final = LayerNorm(hidden_size)
    self.linear = nn.Linear(hidden_size, out_channels)
    self.adaLN_modulation = nn.Linear(cond_dim, 2 * hidden_size, bias=True)

  def forward(self, x, c):
    shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
    return self.linear(modulate(self.norm_final(x), shift, scale))


class DIT(nn.Module):
  def __init__(self, vocab_size, hidden_size, n_blocks, n_heads, cond_dim, mlp_ratio=4, dropout=0.1):
    super().__init__()
    self.vocab_embed = EmbeddingLayer(hidden_size, vocab_size)
    self.sigma_map = TimestepEmbedder(cond_dim)
    self.rotary_emb = Rotary(hidden_size // n_heads)
    self.blocks = nn.ModuleList(
      [DDiTBlock(hidden_size, n_heads, cond_dim, mlp_ratio, dropout) for _ in range(n_blocks)])
    self.output_layer = DDitFinalLayer(hidden_size, vocab_size, cond_dim)

  def forward(self, indices, sigma):
    x = self.vocab_embed(indices)
    c = F.silu(self.sigma_map(sigma))
    cos, sin = self.rotary_emb(indices.shape[1])
    for blk in self.blocks:
      x = blk(x, cos, sin, c)
    return self.output_layer(x, c)


def subs(logits, xt, mask_index, neg_inf=-1000000.0):
  """MDLM's SUBS parameterisation: MASK logit -inf, log-softmax, unmasked positions copied (log-prob 0)."""
  logits = logits.clone()
  logits[:, :, mask_index] += neg_inf
  logits = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
  unmasked = xt != mask_index
  logits[unmasked] = neg_inf
  logits[unmasked, xt[unmasked]] = 0
  return logits


# ---- safetensors (the format is small enough to read and write here; Debian has no python3-safetensors) ----
_DT = {'F32': (torch.float32, 4), 'F16': (torch.float16, 2), 'BF16': (torch.bfloat16, 2), 'F64': (torch.float64, 8)}


def save_safetensors(path, tensors):
  header, blobs, off = {}, [], 0
  for name, t in tensors.items():
    b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
    header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
  header['__metadata__'] = {'format': 'pt'}
  hj = json.dumps(header).encode('utf-8')
  hj += b' ' * ((8 - len(hj) % 8) % 8)
  with open(path, 'wb') as f:
    f.write(struct.pack('<Q', len(hj)))
    f.write(hj)
    for b in blobs:
      f.write(b)


def load_safetensors(path):
  with open(path, 'rb') as f:
    raw = f.read()
  n = struct.unpack('<Q', raw[:8])[0]
  header = json.loads(raw[8:8 + n].decode('utf-8'))
  out = collections.OrderedDict()
  for name, e in header.items():
    if name == '__metadata__':
      continue
    dt, size = _DT[e['dtype']]
    a, b = e['data_offsets']
    buf = bytearray(raw[8 + n + a:8 + n + b])
    out[name] = torch.frombuffer(buf, dtype=dt).reshape(e['shape']).to(torch.float32) if b > a else torch.zeros(e['shape'])
  return out


def strip_prefix(sd):
  keys = [k for k in sd if k.endswith('vocab_embed.embedding')]
  if len(keys) != 1:
    raise SystemExit('no vocab_embed.embedding in the weights')
  prefix = keys[0][:-len('vocab_embed.embedding')]
  return collections.OrderedDict((k[len(prefix):], v) for k, v in sd.items() if k.startswith(prefix))


def build_from_state(sd, n_heads):
  V, d = sd['vocab_embed.embedding'].shape
  cond = sd['sigma_map.mlp.0.weight'].shape[0]
  L = len({k.split('.')[1] for k in sd if k.startswith('blocks.')})
  ratio = sd['blocks.0.mlp.0.weight'].shape[0] // d
  model = DIT(V, d, L, n_heads, cond, ratio)
  if 'rotary_emb.inv_freq' not in sd:
    sd = collections.OrderedDict(sd)
    sd['rotary_emb.inv_freq'] = model.rotary_emb.inv_freq.clone()
  model.load_state_dict(sd, strict=True)  # every name and shape must match the reference exactly
  return model.eval()


def fixed_inputs(V, B, S, seed, sigma=None):
  g = torch.Generator().manual_seed(seed)
  mask = V - 1
  xt = torch.randint(0, V - 1, (B, S), generator=g)
  xt[torch.rand(B, S, generator=g) < 0.5] = mask
  if sigma is not None:
    s = torch.tensor([float(v) for v in sigma.split(',')], dtype=torch.float32)
    if s.numel() != B:
      raise SystemExit(f'--sigma needs {B} values')
  else:
    s = torch.linspace(0.0, 2.0, B) if B > 1 else torch.tensor([0.7])
  return xt, s


def cmd_make(a):
  torch.manual_seed(a.seed)
  model = DIT(a.vocab, a.hidden, a.blocks, a.heads, a.cond, a.mlp_ratio).eval()
  with torch.no_grad():
    # Random values everywhere (the reference zero-initialises adaLN and the head, which would hide bugs).
    for name, p in model.named_parameters():
      if name.endswith('norm1.weight') or name.endswith('norm2.weight') or name.endswith('norm_final.weight'):
        p.copy_(1 + 0.2 * torch.randn_like(p))
      elif p.dim() == 2:
        p.copy_(torch.randn_like(p) * (a.scale / math.sqrt(p.shape[1])))
      else:
        p.copy_(0.1 * torch.randn_like(p))
  params = [p for p in model.parameters()]
  ema = [p.detach().clone() + 0.05 * torch.randn_like(p) for p in params]
  sd = model.state_dict()
  if a.safetensors:
    save_safetensors(a.safetensors, collections.OrderedDict((a.prefix + k, v) for k, v in sd.items()))
  if a.ema_safetensors:
    names = [n for n, _ in model.named_parameters()]
    save_safetensors(a.ema_safetensors, collections.OrderedDict((a.prefix + n, e) for n, e in zip(names, ema)))
  if a.state_dict:
    torch.save(model.state_dict(), a.state_dict)  # a bare torch.save(state_dict): an OrderedDict with _metadata
  if a.ckpt:
    ck = {
      'epoch': 0,
      'global_step': 10,
      'pytorch-lightning_version': '2.0.0',
      'state_dict': collections.OrderedDict(('backbone.' + k, v) for k, v in sd.items()),
      'loops': {},
      'callbacks': {},
      'optimizer_states': [],
      'lr_schedulers': [],
    }
    if a.ema:
      ck['ema'] = {'decay': 0.9999, 'num_updates': 10, 'shadow_params': ema}
    if a.adam:
      # what a training checkpoint carries besides the weights: Adam's two moments per parameter
      ck['optimizer_states'] = [{'state': {i: {'step': torch.tensor(10.0), 'exp_avg': torch.randn_like(p), 'exp_avg_sq': torch.rand_like(p)}
                                           for i, p in enumerate(params)},
                                 'param_groups': [{'lr': 3e-4, 'betas': (0.9, 0.999), 'eps': 1e-8, 'weight_decay': 0,
                                                   'params': list(range(len(params)))}]}]
    if a.hparams_object:
      ck['hyper_parameters'] = {'config': HParams(n_heads=a.heads), 'tokenizer': None}
    torch.save(ck, a.ckpt)
  print(json.dumps({'vocab': a.vocab, 'hidden': a.hidden, 'blocks': a.blocks, 'heads': a.heads, 'cond': a.cond,
                    'params': sum(p.numel() for p in params)}))


class HParams:
  """Stands in for the omegaconf/tokenizer objects a real Lightning checkpoint keeps under hyper_parameters."""

  def __init__(self, **kw):
    self.__dict__.update(kw)


def load_weights(path, use_ema):
  if path.endswith('.safetensors'):
    return strip_prefix(load_safetensors(path))
  ck = torch.load(path, map_location='cpu', weights_only=False)
  if 'state_dict' not in ck:
    return strip_prefix(ck)
  sd = strip_prefix(ck['state_dict'])
  if use_ema:
    names = [k for k in sd if k != 'rotary_emb.inv_freq']  # state_dict order = parameters() order + buffers
    shadow = ck['ema']['shadow_params'] if isinstance(ck['ema'], dict) else ck['ema']
    for n, s in zip(names, shadow):
      sd[n] = s
  return sd


def cmd_logits(a):
  sd = load_weights(a.weights, a.ema)
  model = build_from_state(sd, a.heads)
  V = model.vocab_embed.embedding.shape[0]
  xt, sigma = fixed_inputs(V, a.batch, a.length, a.seed, a.sigma)
  with torch.no_grad():
    logits = model(xt, sigma)
    lp = subs(logits, xt, V - 1)
  save_safetensors(a.out, collections.OrderedDict(
    tokens=xt.to(torch.float32), sigma=sigma, logits=logits, logprobs=lp))
  print(json.dumps({'out': a.out, 'shape': list(logits.shape), 'logits_abs_mean': logits.abs().mean().item()}))


def main(argv):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  sub = p.add_subparsers(dest='cmd', required=True)
  m = sub.add_parser('make', help='build a seeded DiT and save it')
  m.add_argument('--vocab', type=int, default=50258)
  m.add_argument('--hidden', type=int, default=32)
  m.add_argument('--blocks', type=int, default=2)
  m.add_argument('--heads', type=int, default=2)
  m.add_argument('--cond', type=int, default=128)
  m.add_argument('--mlp-ratio', type=int, default=4)
  m.add_argument('--seed', type=int, default=0)
  m.add_argument('--scale', type=float, default=1.0, help='std of weights times sqrt(fan_in)')
  m.add_argument('--prefix', default='backbone.', help="key prefix in the .safetensors ('' for a bare DIT)")
  m.add_argument('--safetensors')
  m.add_argument('--ema-safetensors', help='also write the EMA weights as .safetensors')
  m.add_argument('--ckpt', help='Lightning-style .ckpt (torch.save zip)')
  m.add_argument('--state-dict', help='torch.save(model.state_dict()) without Lightning (no prefix)')
  m.add_argument('--ema', action='store_true', help='put an EMA (shadow_params list) in the .ckpt')
  m.add_argument('--adam', action='store_true', help='put Adam moments in the .ckpt (optimizer_states), as training does')
  m.add_argument('--hparams-object', action='store_true', help='put a Python object under hyper_parameters')
  g = sub.add_parser('logits', help='logits of fixed inputs')
  g.add_argument('--weights', required=True)
  g.add_argument('--heads', type=int, required=True)
  g.add_argument('--ema', action='store_true', help='use the .ckpt EMA weights')
  g.add_argument('--batch', type=int, default=2)
  g.add_argument('--length', type=int, default=8)
  g.add_argument('--seed', type=int, default=1)
  g.add_argument('--sigma', help='comma-separated sigma per sequence (default evenly spaced in [0, 2])')
  g.add_argument('--out', required=True, help='.safetensors with tokens, sigma, logits, logprobs')
  a = p.parse_args(argv)
  torch.set_num_threads(1)
  {'make': cmd_make, 'logits': cmd_logits}[a.cmd](a)


if __name__ == '__main__':
  main(sys.argv[1:])
