#!/usr/bin/env python3
"""Training step of the PyTorch DiT twin (interop/mdlm_dit_twin.py) with hdlm-lab's MDLM and HDLM objectives.

Written from the specification (hdlm.md §2-§4, §8.2; baselines.md §1), not copied from any reference code:

  MDLM  log-linear schedule (eps 1e-3): z masks x with probability (1-eps)t; SUBS loss at MASK positions,
        -log softmax(l_{0..V-1})[x] weighted by -alpha'_t/(1-alpha_t) = 1/t; token mean.  Model width V + 1.
  HDLM  gamma = 1, xi = 1: z is x (prob 1-t), its cluster V+1+c(x) (prob c_t) or MASK (prob m_t);
        MASK positions: L_m = lse_v l_v - lse_{v in c(x)} l_v, cluster positions: L_c = lse_{v in c(x)} l_v - l_x;
        ELBO weights w_m = m'_t/max(m_t, 1e-4), w_c = -alpha'_t/max(c_t, 1e-4); training weights clipped to [0, 2];
        token mean.  Model width V + 1 + n.
  step  low-discrepancy t per micro-batch (shared U, t_i = (i/B + U) mod 1, then (1-2e-4)t + 1e-4), gradients summed
        over micro-batches and averaged, global grad-norm clip 1.0, AdamW (betas 0.9/0.99, eps 1e-9, decay 0.02 on
        2-D weights except the input embedding), linear warmup then cosine to 0.1 lr (src/train/optimizer.ts).

  losses  reads a JSON file of cases (logits, x, z, t, pad, cluster map) and prints the twin's losses (test use)
  serve   builds the MDLM and HDLM models and answers "step mdlm" / "step hdlm" on stdin with
          "<wall seconds> <process CPU seconds> <loss>" (bench/dit.ts alternates it with hdlm-lab's steps)

Runs with Debian's python3-torch (1.13); needs nothing else.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mdlm_dit_twin import DIT  # noqa: E402

MDLM_EPS = 1e-3  # log-linear schedule eps
WEIGHT_FLOOR = 1e-4  # floor of c_t and m_t in the HDLM weights (hdlm.md §3.1)
SERIES_BELOW = 1e-3  # m_t by its Taylor series below this t


# ---- schedules (host-side float64, one value per sequence) ----

def mdlm_weight(t):
  """-alpha'_t / (1 - alpha_t) of the log-linear schedule (= 1/t)."""
  alpha = 1 - (1 - MDLM_EPS) * t
  return (1 - MDLM_EPS) / (1 - alpha)


def hdlm_masses(t):
  """gamma = 1: (alpha_t, c_t, m_t, -alpha'_t, m'_t)."""
  alpha = 1 - t
  c = 0.0 if t in (0.0, 1.0) else -(1 - t) * math.log1p(-t)
  if t == 1.0:
    m = 1.0
  elif t < SERIES_BELOW:
    # (1-t) ln(1-t) + t = sum_{k>=2} t^k / (k (k-1))
    m = sum(t ** k / (k * (k - 1)) for k in range(2, 9))
  else:
    m = t + (1 - t) * math.log1p(-t)
  return alpha, c, m, 1.0, -math.log1p(-t)


def hdlm_weights(t):
  _, c, m, neg_alpha_prime, m_prime = hdlm_masses(t)
  return neg_alpha_prime / max(c, WEIGHT_FLOOR), m_prime / max(m, WEIGHT_FLOOR)  # (w_c, w_m)


# ---- losses: logits [B, L, W], x / z [B, L] int64, t [B] (python floats), pad [B, L] float ----

def token_mean(per, pad):
  return (per * pad).sum() / pad.sum()


def mdlm_loss(logits, x, z, t, V, pad):
  tok = logits[..., :V]
  ce = torch.logsumexp(tok, dim=-1) - tok.gather(-1, x[..., None])[..., 0]
  w = torch.tensor([mdlm_weight(float(u)) for u in t], dtype=logits.dtype)[:, None]
  sel = (z == V) & (pad != 0)
  per = torch.where(sel, w * ce, torch.zeros_like(ce))
  mean = token_mean(per, pad)
  return mean, mean  # the training loss is the ELBO


def hdlm_loss(logits, x, z, t, V, member, cluster_of, pad, clip=(0.0, 2.0)):
  """member: [n, V] bool (token v in cluster k); cluster_of: [V] int64."""
  tok = logits[..., :V]
  cx = cluster_of[x]
  lse_all = torch.logsumexp(tok, dim=-1)
  lse_c = torch.logsumexp(tok.masked_fill(~member[cx], float('-inf')), dim=-1)  # over the true cluster c(x)
  lx = tok.gather(-1, x[..., None])[..., 0]
  loss_m = lse_all - lse_c  # cluster CE from MASK
  loss_c = lse_c - lx  # within-cluster CE from the cluster token (xi = 1: observed cluster = c(x))
  ws = [hdlm_weights(float(u)) for u in t]
  wc = torch.tensor([w[0] for w in ws], dtype=logits.dtype)[:, None]
  wm = torch.tensor([w[1] for w in ws], dtype=logits.dtype)[:, None]
  real = pad != 0
  sel_m = (z == V) & real
  sel_c = (z > V) & real
  zero = torch.zeros_like(loss_m)

  def combine(w_m, w_c):
    return torch.where(sel_m, w_m * loss_m, zero) + torch.where(sel_c, w_c * loss_c, zero)

  elbo = token_mean(combine(wm, wc), pad)
  train = token_mean(combine(wm.clamp(*clip), wc.clamp(*clip)), pad)
  return train, elbo


# ---- forward processes ----

def low_discrepancy_t(B, g, t_eps=1e-4):
  u = torch.rand((), generator=g, dtype=torch.float64).item()
  return [(1 - 2 * t_eps) * ((i / B + u) % 1.0) + t_eps for i in range(B)]


def noise_mdlm(x, t, V, g):
  p = torch.tensor([(1 - MDLM_EPS) * u for u in t], dtype=torch.float64)[:, None]
  u = torch.rand(x.shape, generator=g, dtype=torch.float64)
  return torch.where(u < p, torch.full_like(x, V), x)


def noise_hdlm(x, t, V, cluster_of, g):
  m = [hdlm_masses(u) for u in t]
  a = torch.tensor([e[0] for e in m], dtype=torch.float64)[:, None]
  ac = torch.tensor([e[0] + e[1] for e in m], dtype=torch.float64)[:, None]
  u = torch.rand(x.shape, generator=g, dtype=torch.float64)
  return torch.where(u < a, x, torch.where(u < ac, V + 1 + cluster_of[x], torch.full_like(x, V)))


# ---- optimiser (src/train/optimizer.ts DEFAULT_OPTIM with the cpu preset's warmup) ----

def learning_rate(step, total, lr=5e-4, warmup=200, min_ratio=0.1):
  if step <= warmup:
    return lr * step / warmup
  span = total - warmup
  progress = 1.0 if span <= 0 else min(1.0, (step - warmup) / span)
  return lr * (min_ratio + (1 - min_ratio) * (1 + math.cos(math.pi * progress)) / 2)


class TwinTrainer:
  """One objective's DiT, AdamW and step on windows of a token stream."""

  def __init__(self, kind, a, stream, cluster_of, n):
    self.kind, self.a, self.stream = kind, a, stream
    self.V = a.vocab
    width = self.V + 1 if kind == 'mdlm' else self.V + 1 + n
    torch.manual_seed(a.seed)
    self.model = DIT(width, a.hidden, a.layers, a.heads, a.cond, a.mlp_ratio, dropout=0.0).train()
    self.cluster_of = cluster_of
    self.member = torch.zeros((n, self.V), dtype=torch.bool)
    self.member[cluster_of, torch.arange(self.V)] = True
    decay, rest = [], []
    for name, p in self.model.named_parameters():
      (decay if p.dim() >= 2 and name != 'vocab_embed.embedding' else rest).append(p)
    self.opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.02}, {'params': rest, 'weight_decay': 0.0}],
                                 lr=a.lr, betas=(0.9, 0.99), eps=1e-9)
    self.g = torch.Generator().manual_seed(a.seed * 7919 + (1 if kind == 'hdlm' else 0))
    self.k = 0

  def batch(self):
    a = self.a
    starts = torch.randint(0, self.stream.numel() - a.seq, (a.batch,), generator=self.g)
    return torch.stack([self.stream[s:s + a.seq] for s in starts.tolist()])

  def step(self):
    a = self.a
    self.k += 1
    x_all = self.batch()
    chunks = a.batch // a.micro
    total = 0.0
    self.opt.zero_grad(set_to_none=True)
    for c in range(chunks):
      x = x_all[c * a.micro:(c + 1) * a.micro]
      t = low_discrepancy_t(a.micro, self.g)
      pad = torch.ones(x.shape)
      if self.kind == 'mdlm':
        z = noise_mdlm(x, t, self.V, self.g)
        logits = self.model(z, torch.tensor(t, dtype=torch.float32))
        loss, _ = mdlm_loss(logits, x, z, t, self.V, pad)
      else:
        z = noise_hdlm(x, t, self.V, self.cluster_of, self.g)
        logits = self.model(z, torch.tensor(t, dtype=torch.float32))
        loss, _ = hdlm_loss(logits, x, z, t, self.V, self.member, self.cluster_of, pad)
      (loss / chunks).backward()
      total += loss.item() / chunks
    torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
    lr = learning_rate(self.k, a.total_steps, a.lr, a.warmup)
    for grp in self.opt.param_groups:
      grp['lr'] = lr
    self.opt.step()
    return total


def cmd_serve(a):
  torch.set_num_threads(a.threads)
  if a.tokens:
    with open(a.tokens, 'rb') as f:
      stream = torch.frombuffer(bytearray(f.read()), dtype=torch.int32).to(torch.int64)
  else:
    g = torch.Generator().manual_seed(a.seed)
    p = 1.0 / torch.arange(1, a.vocab + 1, dtype=torch.float64)
    stream = torch.multinomial(p / p.sum(), 1 << 16, replacement=True, generator=g)
  cluster_of = (torch.arange(a.vocab) * 37) % a.clusters  # the bench's cluster map: (37 v) mod n
  trainers = {k: TwinTrainer(k, a, stream, cluster_of, a.clusters) for k in a.objectives.split(',')}
  nparams = {k: sum(p.numel() for p in t.model.parameters()) for k, t in trainers.items()}
  print(f'ready {os.getpid()} torch {torch.__version__}, {torch.get_num_threads()} threads, '
        f'parameters {json.dumps(nparams)}', flush=True)
  for line in sys.stdin:
    cmd = line.split()
    if not cmd:
      continue
    if cmd[0] == 'quit':
      print(f'bye {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', flush=True)
      return
    if cmd[0] != 'step' or len(cmd) != 2 or cmd[1] not in trainers:
      print(f'error unknown command {line.strip()!r}', flush=True)
      continue
    c0, t0 = time.process_time(), time.perf_counter()
    loss = trainers[cmd[1]].step()
    print(f'{time.perf_counter() - t0:.6f} {time.process_time() - c0:.6f} {loss:.6f}', flush=True)


def cmd_losses(a):
  torch.set_num_threads(1)
  with open(a.input) as f:
    cases = json.load(f)['cases']
  out = []
  for c in cases:
    B, L, W, V = c['B'], c['L'], c['W'], c['V']
    logits = torch.tensor(c['logits'], dtype=torch.float64 if a.float64 else torch.float32).reshape(B, L, W)
    logits.requires_grad_(True)
    x = torch.tensor(c['x'], dtype=torch.int64).reshape(B, L)
    z = torch.tensor(c['z'], dtype=torch.int64).reshape(B, L)
    pad = torch.tensor(c['pad'], dtype=logits.dtype).reshape(B, L)
    t = [float(u) for u in c['t']]
    if c['kind'] == 'mdlm':
      train, elbo = mdlm_loss(logits, x, z, t, V, pad)
    else:
      n = c['n']
      cluster_of = torch.tensor(c['clusterOf'], dtype=torch.int64)
      member = torch.zeros((n, V), dtype=torch.bool)
      member[cluster_of, torch.arange(V)] = True
      train, elbo = hdlm_loss(logits, x, z, t, V, member, cluster_of, pad)
    (grad,) = torch.autograd.grad(train, logits)
    out.append({'train': train.item(), 'elbo': elbo.item(), 'grad': grad.reshape(-1).tolist()})
  print(json.dumps(out))


def main(argv):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  sub = p.add_subparsers(dest='cmd', required=True)
  s = sub.add_parser('serve', help='answer "step mdlm" / "step hdlm" on stdin with the step time')
  s.add_argument('--threads', type=int, default=1)
  s.add_argument('--objectives', default='mdlm,hdlm')
  s.add_argument('--vocab', type=int, default=8192)
  s.add_argument('--clusters', type=int, default=64)
  s.add_argument('--hidden', type=int, default=256)
  s.add_argument('--layers', type=int, default=4)
  s.add_argument('--heads', type=int, default=4)
  s.add_argument('--cond', type=int, default=128)
  s.add_argument('--mlp-ratio', type=int, default=4)
  s.add_argument('--seq', type=int, default=128)
  s.add_argument('--batch', type=int, default=16)
  s.add_argument('--micro', type=int, default=8, help='sequences per forward/backward pass (gradient accumulation)')
  s.add_argument('--lr', type=float, default=5e-4)
  s.add_argument('--warmup', type=int, default=200)
  s.add_argument('--total-steps', type=int, default=1000)
  s.add_argument('--seed', type=int, default=0)
  s.add_argument('--tokens', help='int32 little-endian token stream (the bench writes its synthetic Zipf stream)')
  l = sub.add_parser('losses', help='the twin losses of the cases in a JSON file')
  l.add_argument('--input', required=True)
  l.add_argument('--float64', action='store_true')
  a = p.parse_args(argv)
  if a.cmd == 'serve' and (a.micro <= 0 or a.batch % a.micro):
    raise SystemExit('--micro must divide --batch')
  {'serve': cmd_serve, 'losses': cmd_losses}[a.cmd](a)


if __name__ == '__main__':
  main(sys.argv[1:])
