package org.peft4j.peft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.peft4j.tensor.Tensor;

/**
 * Frozen random tensors that every layer of one adapter shares, sized for the largest layer, as
 * PEFT keeps VeRA's {@code vera_A, vera_B} and RandLoRA's {@code randlora_A, randlora_B} and saves
 * them once per model. Layers join one at a time while the adapter is created: when one is larger
 * than all before it (in outputs or inputs), the shared tensors are generated again at the new size
 * and every layer part handed out so far is refilled in place. Once all layers have joined, each
 * part holds exactly its slice of the final shared tensors. Parts are shared by layers of one shape.
 */
final class SharedProjections {

    /** The frozen tensors of one layer shape, filled from the shared ones. */
    interface Part {
        void fill(Map<String, Tensor> shared);
    }

    /** The shared tensors, by PEFT key, for layers of at most {@code maxOut} outputs and {@code maxIn} inputs. */
    @FunctionalInterface
    interface Generator {
        Map<String, Tensor> generate(int maxOut, int maxIn);
    }

    private final Generator generator;
    private final Map<List<Integer>, Part> parts = new LinkedHashMap<>();
    private Map<String, Tensor> tensors = Map.of();
    private int maxOut, maxIn;

    private SharedProjections(Generator generator) {
        this.generator = generator;
    }

    /** The projections of the adapter {@code site} belongs to, created with {@code generator} by its first layer. */
    static SharedProjections of(AdapterSite site, Generator generator) {
        return (SharedProjections) site.shared().computeIfAbsent("projections", key -> new SharedProjections(generator));
    }

    /** The part for an {@code out × in} layer, made by {@code create} the first time that shape joins. */
    @SuppressWarnings("unchecked")
    <P extends Part> P part(int out, int in, BiFunction<Integer, Integer, P> create) {
        if (out > maxOut || in > maxIn) {
            maxOut = Math.max(maxOut, out);
            maxIn = Math.max(maxIn, in);
            tensors = Map.copyOf(generator.generate(maxOut, maxIn));
            parts.values().forEach(p -> p.fill(tensors));
        }
        return (P) parts.computeIfAbsent(List.of(out, in), shape -> {
            P p = create.apply(out, in);
            p.fill(tensors);
            return p;
        });
    }

    /** The shared tensors at their current size, by PEFT key. */
    Map<String, Tensor> tensors() { return tensors; }
}
