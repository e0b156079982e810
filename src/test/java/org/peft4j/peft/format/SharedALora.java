package org.peft4j.peft.format;

import java.util.List;
import java.util.Map;
import org.peft4j.backend.Ops;
import org.peft4j.nn.Parameter;
import org.peft4j.peft.Adapter;
import org.peft4j.peft.AdapterMethod;
import org.peft4j.peft.AdapterMethods;
import org.peft4j.peft.AdapterSite;
import org.peft4j.peft.LowRankBranch;
import org.peft4j.tensor.Tensor;

/**
 * A method PEFT lacks, for the format tests: LoRA whose A is one frozen random matrix shared by
 * every layer (as VeRA shares its projections), with its own B per layer and an option
 * {@code gain} that multiplies the scale. It saves {@code shared_lora_B.weight} per layer and
 * {@code shared_A} once.
 */
final class SharedALora implements AdapterMethod {
    static final String NAME = "shared-a-lora", PEFT_TYPE = "SHARED_A_LORA";

    static void register() {
        AdapterMethods.register(new SharedALora());
    }

    @Override public String name() { return NAME; }
    @Override public String peftType() { return PEFT_TYPE; }

    @Override
    public Adapter create(AdapterSite site) {
        int r = site.rank(), in = site.linear().inFeatures(), out = site.linear().outFeatures();
        Parameter a = (Parameter) site.shared().computeIfAbsent("shared_A", k -> Parameter.frozen(site.adapterName() + ".shared_A",
                Tensor.uniform(org.peft4j.nn.Seeds.of(site.config().seed(), "shared_A"), 0.5f, r, in)));
        Parameter b = Parameter.trainable(site.parameterName("shared_lora_B"), Tensor.zeros(out, r));
        return new Layer(new LowRankBranch(site, a, b, site.scaling() * (float) site.config().option("gain", 1)));
    }

    record Layer(LowRankBranch branch) implements Adapter {
        @Override public List<Parameter> parameters() { return List.of(branch.b()); }
        @Override public void forward(Ops ops, Tensor x, Tensor y) { branch.forward(ops, x, y); }

        @Override
        public Tensor backward(Ops ops, Tensor x, Tensor dy) {
            branch.backward(ops, dy);
            return dy;
        }

        @Override public void addInputGradient(Ops ops, Tensor dx) { branch.addInputGradient(ops, dx); }
        @Override public Tensor deltaWeight(Tensor w) { return branch.deltaWeight(); }
        @Override public Map<String, Tensor> peftTensors() { return Map.of("shared_lora_B.weight", branch.b().value()); }
        @Override public Map<String, Tensor> sharedPeftTensors() { return Map.of("shared_A", branch.a().value()); }
    }
}
