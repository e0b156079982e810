package org.peft4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** A part of a model that owns named parameters (its own and its children's). */
public interface Module {

    /** Parameters in a stable order, each once (tied parameters are listed at first use). */
    List<Parameter> parameters();

    /** Freezes (or unfreezes) every parameter: a frozen module keeps no gradient buffers and does no weight-gradient work. */
    default void setTrainable(boolean trainable) {
        parameters().forEach(p -> p.setTrainable(trainable));
    }

    /** Concatenates the parameters of several modules, dropping repeats of the same tensor (weight tying). */
    static List<Parameter> collect(List<? extends Module> modules) {
        List<Parameter> all = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module m : modules) {
            for (Parameter p : m.parameters()) {
                if (seen.add(p.value().data())) all.add(p);
            }
        }
        return all;
    }
}
