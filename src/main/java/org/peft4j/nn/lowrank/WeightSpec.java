package org.peft4j.nn.lowrank;

import java.util.Collection;
import java.util.List;
import org.peft4j.nn.Linear;
import org.peft4j.nn.WeightParameterization;

/**
 * How the weights of a model's linear layers are parameterised for training from scratch:
 * <ul>
 *   <li>{@code dense}: W itself;</li>
 *   <li>{@code lowrank}: {@code W = (α/r)·B·A} ({@link LowRankWeight});</li>
 *   <li>{@code sltrain}: {@code (α/r)·B·A + S}, S on a random support of density δ ({@link SlTrain});</li>
 *   <li>{@code lost}: {@code γ·B·A + (1−γ)·S} from the SVD of the initial W, S on the ⌈δ·in⌉
 *       strongest residual input channels ({@link Lost}).</li>
 * </ul>
 * {@code rank}, {@code density}, {@code alpha} and {@code gamma} are read only by the kinds that use them;
 * {@code bInit} chooses how lowrank and sltrain start B: {@code auto} (lowrank: random, as two stacked
 * linear layers; sltrain: zero, as its authors' code), {@code random} (U(±1/√r)) or {@code zero}.
 */
public record WeightSpec(String kind, int rank, double density, double alpha, double gamma, String bInit) {
    public static final List<String> KINDS = List.of("dense", "lowrank", "sltrain", "lost");
    public static final List<String> B_INITS = List.of("auto", "random", "zero");

    /** Plain dense weights. */
    public static final WeightSpec DENSE = new WeightSpec("dense", 0, 0, 0, 0, "auto");

    /** {@code bInit = auto}. */
    public WeightSpec(String kind, int rank, double density, double alpha, double gamma) {
        this(kind, rank, density, alpha, gamma, "auto");
    }

    public WeightSpec {
        if (!B_INITS.contains(bInit)) throw new IllegalArgumentException("weight.b_init must be one of " + B_INITS + ", got '" + bInit + "'");
        if (!KINDS.contains(kind)) throw new IllegalArgumentException("weight.kind must be one of " + KINDS + ", got '" + kind + "'");
        if (!kind.equals("dense") && rank < 1) throw new IllegalArgumentException("weight.rank must be ≥ 1 for " + kind + ", got " + rank);
        if (!kind.equals("dense") && !kind.equals("lost") && !(alpha > 0)) {
            throw new IllegalArgumentException("weight.alpha must be positive for " + kind + ", got " + alpha);
        }
        if (kind.equals("sltrain") && !(density > 0 && density < 1)) {
            throw new IllegalArgumentException("weight.density must lie in (0, 1) for sltrain, got " + density);
        }
        if (kind.equals("lost") && !(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("weight.density must lie in (0, 1] for lost, got " + density);
        }
        if (kind.equals("lost") && !(gamma > 0 && gamma < 1)) {
            throw new IllegalArgumentException("weight.gamma must lie in (0, 1) for lost, got " + gamma);
        }
    }

    public boolean isDense() { return kind.equals("dense"); }

    /** Re-parameterises every layer (from its current dense weight where the kind needs one), sharing one scratch. */
    public void apply(Collection<Linear> layers, long seed) {
        if (isDense()) return;
        WeightScratch scratch = new WeightScratch();
        for (Linear layer : layers) layer.setWeight(parameterize(layer, seed, scratch));
    }

    /** The parameterisation of {@code layer}'s weight that this spec names. */
    public WeightParameterization parameterize(Linear layer, long seed, WeightScratch scratch) {
        String name = layer.name();
        int in = layer.inFeatures(), out = layer.outFeatures();
        return switch (kind) {
            case "dense" -> layer.weight();
            case "lowrank" -> new LowRankWeight(name, LowRankFactors.create(name, in, out, rank, alpha, seed, !bInit.equals("zero")));
            case "sltrain" -> SlTrain.create(name, LowRankFactors.create(name, in, out, rank, alpha, seed, bInit.equals("random")),
                    density, seed, scratch);
            case "lost" -> Lost.create(name, layer.weight().dense(), rank, density, gamma, scratch);
            default -> throw new IllegalStateException(kind);
        };
    }
}
