# PyTorch twin of bench/reference-model.ts (engine.md §4): pre-LN bidirectional transformer, fused QKV,
# tanh-GELU MLP 4x, untied head, masked weighted cross-entropy, Adam lr 1e-3. Times training steps.
#
# Standalone:  /usr/bin/python3 bench/torch_reference.py --steps 5 --threads 1
# Serve mode (used by `npm run bench` to alternate with the tfjs backends): --serve, then lines on stdin:
#   "step" -> one step, answers "<seconds> <loss>";  "quit" -> answers "rss <peak RSS in KiB>" and exits.
import argparse
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def peak_rss_kib():
    """Peak resident set (KiB) of this process image: VmHWM on Linux (getrusage's maxrss keeps the high-water mark of
    the parent this process was forked from, e.g. a big node bench), else ru_maxrss. Same measure as bench/train-rss.ts."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.heads, d // self.heads
        qkv = self.qkv(self.ln1(x)).view(b, t, 3, h, dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class Reference(nn.Module):
    def __init__(self, vocab, seq, d, heads, layers):
        super().__init__()
        self.tok = nn.Parameter(torch.randn(vocab, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(seq, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.lnf = nn.LayerNorm(d, eps=1e-5)
        self.head = nn.Linear(d, vocab)

    def loss(self, tokens, targets, weights):
        x = self.tok[tokens] + self.pos
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.lnf(x))
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
        return (nll * weights.reshape(-1)).mean()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--serve", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Reference(a.vocab, a.seq, a.width, a.heads, a.layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    targets = torch.randint(0, a.vocab - 1, (a.batch, a.seq), generator=g)
    t = 0.05 + 0.95 * torch.rand(a.batch, 1, generator=g)
    masked = torch.rand(a.batch, a.seq, generator=g) < t
    tokens = torch.where(masked, torch.full_like(targets, a.vocab - 1), targets)
    weights = torch.where(masked, 1.0 / t.expand(-1, a.seq), torch.zeros(a.batch, a.seq))

    def step():
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(tokens, targets, weights)
        loss.backward()
        opt.step()
        value = loss.item()
        return time.perf_counter() - t0, value

    nparams = sum(p.numel() for p in model.parameters())
    if a.serve:
        print(f"ready {nparams} torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "step":
                s, v = step()
                print(f"{s:.6f} {v:.6f}", flush=True)
            elif cmd == "quit":
                break
        print(f"rss {peak_rss_kib()}", flush=True)
        return
    for _ in range(a.warmup):
        step()
    times = []
    for i in range(a.steps):
        s, v = step()
        times.append(s)
        print(f"step {i}: {s:.3f} s, loss {v:.4f}")
    times.sort()
    med = times[len(times) // 2]
    toks = a.batch * a.seq
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, params {nparams}: median {med:.3f} s/step, {toks / med:.0f} tokens/s, "
          f"peak RSS {peak_rss_kib() / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
