package org.peft4j.nn;

import java.util.List;
import java.util.Map;

/** A trainable model whose Linear layers adapters can attach to, by Hugging Face module name. */
public interface AdaptableModel extends TrainableModel {
    /** Every Linear by module name, in model order. */
    Map<String, Linear> linears();

    /** Output heads ({@code classifier}, {@code lm_head}): left out of {@code all-linear}, as PEFT does. */
    List<String> headModules();
}
