package org.peft4j.peft.format;

import java.util.List;

/**
 * What adapter_config.json says beyond the adapter itself: PEFT's {@code task_type} (which
 * {@code PeftModel} subclass Python builds, e.g. {@code FEATURE_EXTRACTION} for a sentence
 * encoder loaded with {@code AutoModel}, {@code SEQ_CLS}; null for a plain {@code PeftModel}) and
 * {@code base_model_name_or_path} (e.g. {@code sentence-transformers/all-MiniLM-L6-v2}; may be null).
 */
public record SaveOptions(String taskType, String baseModelNameOrPath) {
    /** PEFT's {@code TaskType} values. */
    public static final List<String> TASK_TYPES =
            List.of("SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION");

    public SaveOptions {
        if (taskType != null && !TASK_TYPES.contains(taskType)) {
            throw new IllegalArgumentException("task_type '" + taskType + "' is not one of PEFT's " + TASK_TYPES);
        }
    }

    /** A sentence encoder such as all-MiniLM-L6-v2, as Python loads it with {@code AutoModel}. */
    public static SaveOptions featureExtraction(String baseModelNameOrPath) {
        return new SaveOptions("FEATURE_EXTRACTION", baseModelNameOrPath);
    }
}
