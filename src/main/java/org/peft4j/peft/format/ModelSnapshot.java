package org.peft4j.peft.format;

import java.util.IdentityHashMap;
import java.util.Map;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Parameter;
import org.peft4j.peft.AdapterConfig;
import org.peft4j.peft.PeftModel;
import org.peft4j.tensor.Tensor;

/**
 * What a failed load puts back: the dense weights of the modules {@code config} targets (an init
 * such as PiSSA rewrites them when the adapter is created) and the values and trainable flags of
 * its modules_to_save parameters.
 */
final class ModelSnapshot {
    private final Map<Tensor, float[]> values = new IdentityHashMap<>();
    private final Map<Parameter, Boolean> trainable = new IdentityHashMap<>();

    static ModelSnapshot of(PeftModel model, AdapterConfig config) {
        ModelSnapshot s = new ModelSnapshot();
        model.linears().forEach((module, linear) -> {
            if (config.targets().matches(module, model.headModules()) && linear.weight() instanceof DenseWeight dense) {
                s.values.put(dense.dense(), dense.dense().toArray());
            }
        });
        for (String module : config.modulesToSave()) {
            for (Parameter p : model.modulesToSave(module)) {
                s.values.put(p.value(), p.value().toArray());
                s.trainable.put(p, p.trainable());
            }
        }
        return s;
    }

    void restore() {
        values.forEach((t, v) -> t.copyFrom(Tensor.of(v, t.shape())));
        trainable.forEach(Parameter::setTrainable);
    }
}
