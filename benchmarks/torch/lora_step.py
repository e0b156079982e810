"""PyTorch peer of `peft4j bench step` for the encoder: a MiniLM-shaped BERT classifier
(6 layers, hidden 384, 12 heads, FFN 1536, GELU erf, post-LayerNorm, mean pooling, 2-class head),
batch 8 x 128, timed as inference, frozen base + LoRA (r 8, alpha 16 on query/value, as PEFT's
LoraConfig with lora_dropout 0), and full fine-tuning with AdamW. Plain torch (no transformers
package), random weights: the step cost does not depend on the values.

Prints one Markdown row per mode: median and fastest seconds per step over --runs after --warmup.
"""
import argparse
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoraLinear(nn.Module):
    """y = W x + b + (alpha/r) B A x, A Kaiming-uniform, B = 0, base frozen (PEFT's LoRA layer)."""

    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scaling


class Layer(nn.Module):
    def __init__(self, h=384, heads=12, ffn=1536, p=0.1):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(h, ffn), nn.Linear(ffn, h), nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.attn_drop = nn.Dropout(p)

    def forward(self, x, mask_bias):
        b, s, h = x.shape
        d = h // self.heads
        split = lambda t: t.view(b, s, self.heads, d).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_bias
        ctx = (self.attn_drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, s, h)
        h1 = self.ln1(x + self.drop(self.attn_out(ctx)))
        return self.ln2(h1 + self.drop(self.out(F.gelu(self.inter(h1)))))


class Classifier(nn.Module):
    def __init__(self, vocab=30522, h=384, layers=6, positions=512, classes=2):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, h), nn.Embedding(positions, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList(Layer(h) for _ in range(layers))
        self.classifier = nn.Linear(h, classes)

    def forward(self, ids, mask):
        s = ids.shape[1]
        x = self.drop(self.ln(self.word(ids) + self.pos(torch.arange(s)) + self.token_type(torch.zeros_like(ids))))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.classifier(self.drop(pooled))


def timed(step, warmup, runs):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ids = torch.randint(1, 30522, (args.batch, args.seq))
    mask = torch.ones(args.batch, args.seq, dtype=torch.long)
    labels = torch.randint(0, 2, (args.batch,))

    def training_step(model, optimizer):
        def step():
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(ids, mask), labels).backward()
            optimizer.step()
        return step

    rows = []
    full = Classifier()
    full.train()
    rows.append(("full", sum(p.numel() for p in full.parameters()),
                 timed(training_step(full, torch.optim.AdamW(full.parameters(), lr=1e-5)), args.warmup, args.runs)))

    lora = Classifier()
    for p in lora.parameters():
        p.requires_grad_(False)
    for layer in lora.layers:
        layer.query, layer.value = LoraLinear(layer.query, 8, 16), LoraLinear(layer.value, 8, 16)
    lora.classifier.requires_grad_(True)
    lora.train()
    trainable = [p for p in lora.parameters() if p.requires_grad]
    rows.append(("lora", sum(p.numel() for p in trainable),
                 timed(training_step(lora, torch.optim.AdamW(trainable, lr=1e-3)), args.warmup, args.runs)))

    infer = Classifier()
    infer.eval()

    def forward():
        with torch.no_grad():
            infer(ids, mask)
    rows.append(("forward", 0, timed(forward, args.warmup, args.runs)))

    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, libblas.so.3 -> {blas}")
    print("| framework | mode | trainable params | s/step (median) | s/step (min) | tokens/s |")
    print("|---|---|---|---|---|---|")
    for mode, trainable_count, (median, fastest) in rows:
        print(f"| pytorch | {mode} | {trainable_count:,} | {median:.3f} | {fastest:.3f} | {args.batch * args.seq / median:,.0f} |")


if __name__ == "__main__":
    main()
