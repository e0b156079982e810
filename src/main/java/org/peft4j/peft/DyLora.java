package org.peft4j.peft;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.peft4j.nn.Seeds;
import org.peft4j.tensor.Tensor;

/**
 * DyLoRA (Valipour et al., 2023): LoRA trained at every rank up to r_max at once, so that after
 * training each truncation b ≤ r_max is a usable adapter, without a rank search or retraining:
 * <pre>
 *   y = x·Wᵀ + (α/b)·x·A[:b]ᵀ·B[:, :b]ᵀ        A [r_max, in], B [out, r_max]   (rsLoRA: α/√b)
 * </pre>
 * Each training step draws b uniformly from {@code {min_rank, …, r_max}}, seeded by (config seed,
 * step) in {@link Truncated#beforeStep}, so runs are reproducible and resume exactly; every module with the
 * same r_max draws the same b, as the official code sets one rank for the whole model. Truncation
 * is a rank mask m [r_max] the host writes between steps, m_i = α/b for i &lt; b and 0 otherwise,
 * applied as a {@link LowRankBranch.Gate}: {@code y += ((x·Aᵀ) ⊙ m)·Bᵀ}. Recorded plans thus
 * replay unchanged, and rows of A and columns of B past b get exactly zero gradient. All components
 * below b are trained: the default of the official layer ({@code set_rank(rank, frozen=False)});
 * its "frozen" variant, which trains only component b, is not implemented.
 * <p>Evaluation passes (and merging) use a separate mask at the evaluation
 * rank, option {@code eval_rank} (default r_max), which {@link Truncated#setEvalRank} or
 * {@link #setEvalRank(PeftModel.AdapterSet, int)} change after training. Until the first
 * {@code beforeStep}, training passes use r_max. Options: {@code min_rank} (default 1),
 * {@code eval_rank}. Initialisation as LoRA's default (A Kaiming-uniform, B = 0). PEFT has no
 * DyLoRA; the tensors keep LoRA's keys {@code lora_A.weight}, {@code lora_B.weight}, as in the
 * official code.
 */
public final class DyLora implements AdapterMethod {
    @Override public String name() { return "dylora"; }
    @Override public String peftType() { return "DYLORA"; }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank();
        int minRank = (int) site.config().option("min_rank", 1);
        if (minRank < 1 || minRank > r) {
            throw new IllegalArgumentException("dylora: min_rank must lie in [1, " + r + "] for " + site.module() + ", got " + minRank);
        }
        LowRankBranch.Factors factors = LowRankBranch.Factors.loraDefault(site);
        Tensor trainingMask = Tensor.zeros(r).named(site.parameterName("rank_mask") + ".training");
        Tensor evaluationMask = Tensor.zeros(r).named(site.parameterName("rank_mask") + ".evaluation");
        Truncated adapter = new Truncated(new LowRankBranch(site, factors.a(), factors.b(), 1f, training -> training ? trainingMask : evaluationMask),
                site.module(), site.alpha(), site.config().useRslora(), minRank, site.config().seed(), trainingMask, evaluationMask);
        adapter.setTrainingRank(r);
        adapter.setEvalRank((int) site.config().option("eval_rank", r));
        return adapter;
    }

    /** Sets the evaluation rank of every module of a DyLoRA adapter (see {@link Truncated#setEvalRank}). */
    public static void setEvalRank(PeftModel.AdapterSet set, int rank) {
        for (Adapter a : set.byModule().values()) {
            if (!(a instanceof Truncated t)) throw new IllegalArgumentException("adapter '" + set.name() + "' is " + set.method().name() + ", not dylora");
            t.setEvalRank(rank);
        }
    }

    /** DyLoRA on one layer: the low-rank branch behind a rank mask for training and one for evaluation. */
    public static final class Truncated implements LowRankBranch.BranchAdapter {
        private final LowRankBranch branch;
        private final String module;
        private final float alpha;
        private final boolean rslora;
        private final int minRank;
        private final long seed;
        private final Tensor trainingMask, evaluationMask;
        private int trainingRank, evalRank;

        Truncated(LowRankBranch branch, String module, float alpha, boolean rslora, int minRank, long seed,
                  Tensor trainingMask, Tensor evaluationMask) {
            this.branch = branch;
            this.module = module;
            this.alpha = alpha;
            this.rslora = rslora;
            this.minRank = minRank;
            this.seed = seed;
            this.trainingMask = trainingMask;
            this.evaluationMask = evaluationMask;
        }

        @Override public LowRankBranch branch() { return branch; }
        public int maxRank() { return branch.rank(); }
        public int trainingRank() { return trainingRank; }
        public int evalRank() { return evalRank; }

        /** The rank b drawn for training step {@code step}: uniform over {min_rank … r_max}, a function of (seed, step). */
        public int rankAt(long step) {
            return new SplittableRandom(Seeds.of(seed, "dylora.rank@" + step)).nextInt(minRank, maxRank() + 1);
        }

        @Override
        public void beforeStep(long step) {
            setTrainingRank(rankAt(step));
        }

        @Override
        public List<Tensor> stepInputs() { return List.of(trainingMask); }

        /** Evaluation passes and merging use the first {@code rank} components from now on (1 ≤ rank ≤ r_max). */
        public void setEvalRank(int rank) {
            writeMask(evaluationMask, rank, "eval_rank");
            evalRank = rank;
        }

        private void setTrainingRank(int rank) {
            writeMask(trainingMask, rank, "training rank");
            trainingRank = rank;
        }

        /** m_i = s(rank) for i &lt; rank, else 0, with s(b) = α/b (α/√b with rsLoRA). */
        private void writeMask(Tensor mask, int rank, String what) {
            if (rank < 1 || rank > maxRank()) {
                throw new IllegalArgumentException("dylora: " + what + " must lie in [1, " + maxRank() + "] for " + module + ", got " + rank);
            }
            float scale = rslora ? (float) (alpha / Math.sqrt(rank)) : alpha / rank;
            for (int i = 0; i < maxRank(); i++) mask.put(i, i < rank ? scale : 0f);
        }

        @Override
        public Map<String, Tensor> peftTensors() {
            return Map.of("lora_A.weight", branch.a().value(), "lora_B.weight", branch.b().value());
        }
    }
}
