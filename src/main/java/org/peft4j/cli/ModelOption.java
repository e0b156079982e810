package org.peft4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.peft4j.model.PretrainedBert;
import picocli.CommandLine.Option;

/** {@code --model PATH}: a pretrained BERT encoder other than the bundled all-MiniLM-L6-v2. */
final class ModelOption {
    @Option(names = "--model", paramLabel = "PATH",
            description = {"Pretrained BERT encoder: a .onnx export, or a .safetensors state dict with its config in the",
                    "metadata or config.json beside it (tokenizer.json beside it, else MiniLM's). Default: all-MiniLM-L6-v2."})
    Path model;

    /** Loads the model, reporting what and how long on stderr. */
    PretrainedBert load() throws IOException {
        long began = System.nanoTime();
        PretrainedBert loaded = PretrainedBert.loadOrMiniLm(model);
        System.err.printf("loaded %s: %,d weights in %.1f s%n", loaded.source(), loaded.checkpoint().parameterCount(),
                (System.nanoTime() - began) / 1e9);
        return loaded;
    }
}
