"""Writes torch_adamw_golden.json: three torch.optim.AdamW steps (CPU, single-tensor path) on 37 values.

Run with a CPU build of PyTorch: python torch_adamw_golden.py > torch_adamw_golden.json
Each float32 value is written as the shortest decimal of the double holding it, so it parses back exactly.
"""
import json
import numpy as np
import torch

N, LRS, WEIGHT_DECAY = 37, [0.01, 0.02, 0.03], 0.1
gen = torch.Generator().manual_seed(2024)
param = torch.nn.Parameter(torch.rand(N, generator=gen) * 2 - 1)
initial = param.detach().clone()
grads = [torch.randn(N, generator=gen) * scale for scale in (1.0, 1e-3, 1.0)]
opt = torch.optim.AdamW([param], lr=LRS[0], betas=(0.9, 0.999), eps=1e-8, weight_decay=WEIGHT_DECAY, foreach=False)
for lr, grad in zip(LRS, grads):
    opt.param_groups[0]["lr"] = lr
    param.grad = grad.clone()
    opt.step()
state = opt.state[param]


def floats(t):
    return [float(repr(x)) for x in np.asarray(t.detach(), dtype=np.float32).tolist()]


golden = {
    "torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": WEIGHT_DECAY, "lrs": LRS,
    "param": floats(initial), "grads": [floats(g) for g in grads],
    "expected_param": floats(param), "expected_exp_avg": floats(state["exp_avg"]),
    "expected_exp_avg_sq": floats(state["exp_avg_sq"]),
}
print("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in golden.items()) + "\n}")
